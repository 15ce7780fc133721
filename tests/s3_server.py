"""A local S3-compatible server for the storage tests: moto's standalone server over real HTTP on
127.0.0.1. There is no MinIO on the package registries this project installs from, so this is the most
faithful S3 implementation the tests can start; it does not check credentials or bucket policies."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ci import unavailable


@contextmanager
def s3_endpoint() -> Iterator[str]:
    """The server's URL while the block runs."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("moto's S3 server is not installed", "pip install 'moto[server]'")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def point_boto3_at(env: pytest.MonkeyPatch, endpoint: str, folder: Path, secret: str = "testing") -> None:
    """The AWS variables boto3 reads, for this server only (no profile or config file of the machine's)."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        env.delenv(name, raising=False)
    env.setenv("AWS_ENDPOINT_URL", endpoint)
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", secret)
    env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    env.setenv("AWS_CONFIG_FILE", str(folder / "no-aws-config"))
    env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-aws-credentials"))


def new_bucket() -> str:
    import boto3

    name = f"stickers-{secrets.token_hex(4)}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def bucket_keys(bucket: str) -> list[str]:
    import boto3

    answer = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", ()))
