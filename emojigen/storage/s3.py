"""One bucket and prefix of S3-compatible object storage (AWS S3, MinIO, Ceph, R2...), through boto3.

Keys are given relative to the prefix ("<id>/sticker.png", "private/<id>/source.png"). The endpoint,
credentials and region come from the usual AWS variables (AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3,
AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION...), which boto3 reads itself. One client, made on first use
under a lock, shared by every thread (boto3 clients are thread-safe; sessions and resources are not).
"""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from emojigen.storage.errors import translate
from emojigen.storage.local import write_atomically

T = TypeVar("T")
URL_SECONDS = 3600  # how long a presigned download link works
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


class S3Objects:
    def __init__(self, bucket: str, prefix: str = "") -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Objects({self.describe()})"

    # -- what the store asks ---------------------------------------------------------------------

    def put(self, key: str, data: bytes) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        self._call(key, lambda c: c.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                                               ContentType=content_type))

    def download(self, key: str, path: Path) -> Path:
        """The object, written atomically to `path`. FileNotFoundError when there is no such object."""
        body = self._call(key, lambda c: c.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read())
        return write_atomically(path, body)

    def copy(self, source: str, key: str) -> None:
        """A server-side copy (no bytes through this process). FileNotFoundError when `source` is gone."""
        self._call(source, lambda c: c.copy_object(Bucket=self.bucket, Key=self._key(key),
                                                   CopySource={"Bucket": self.bucket, "Key": self._key(source)}))

    def exists(self, key: str) -> bool:
        try:
            self._call(key, lambda c: c.head_object(Bucket=self.bucket, Key=self._key(key)))
        except FileNotFoundError:
            return False
        return True

    def folders(self, under: str = "") -> list[str]:
        """The names of the "folders" directly under `under` (common prefixes of the keys)."""
        start = self._key(under.strip("/") + "/") if under else self._key("")
        names = []
        for page in self._pages(Prefix=start, Delimiter="/"):
            names.extend(p["Prefix"][len(start):].rstrip("/") for p in page.get("CommonPrefixes", ()))
        return names

    def objects(self, under: str = "") -> Iterator[tuple[str, float]]:
        """Every object under `under`: its key (relative to the prefix) and when it was last written."""
        start = self._key(under.strip("/") + "/") if under else self._key("")
        root = len(self._key(""))
        for page in self._pages(Prefix=start):
            for item in page.get("Contents", ()):
                yield item["Key"][root:], item["LastModified"].timestamp()

    def delete_under(self, folder: str) -> int:
        """Delete every object under `folder`; how many there were."""
        keys = [self._key(key) for key, _ in self.objects(folder)]
        for i in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": k} for k in keys[i:i + DELETE_BATCH]]
            answer = self._call(None, lambda c, b=batch: c.delete_objects(Bucket=self.bucket,
                                                                          Delete={"Objects": b, "Quiet": True}))
            failed = answer.get("Errors") or []
            if failed:
                from botocore.exceptions import ClientError

                first = failed[0]
                error = {"Error": {"Code": first.get("Code", ""), "Message": first.get("Message", "")}}
                raise translate(ClientError(error, "DeleteObjects"), self.bucket, self.endpoint)
        return len(keys)

    def presign(self, key: str, seconds: int = URL_SECONDS) -> str:
        """A URL anyone holding it may GET the object with, for `seconds` (made locally, no request)."""
        return self._call(key, lambda c: c.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=seconds))

    def check(self) -> None:
        """Raise a StorageError saying what is wrong when the bucket cannot be reached or used."""
        self._call(None, lambda c: c.head_bucket(Bucket=self.bucket))

    # -- boto3 -----------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """Where requests go (for messages): the configured endpoint, else AWS's own."""
        if self._client is not None:
            return self._client.meta.endpoint_url
        return _configured_endpoint() or "AWS S3"

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        return f"{where} at {self.endpoint}"

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                # Path-style addressing for a self-hosted endpoint (MinIO and most others need it; AWS
                # itself picks what suits the bucket). Bounded waits, so an unreachable endpoint is an
                # error in seconds rather than a hung request.
                config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
                                signature_version="s3v4", max_pool_connections=20,
                                s3={"addressing_style": "path" if _configured_endpoint() else "auto"})
                self._client = boto3.session.Session().client("s3", config=config)
            return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _pages(self, **params: Any) -> Iterator[dict[str, Any]]:
        pages = self._call(None, lambda c: iter(c.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                                           **params)))
        while True:
            page = self._call(None, lambda _c: next(pages, None))
            if page is None:
                return
            yield page

    def _call(self, key: str | None, request: Callable[[Any], T]) -> T:
        """Run one request; boto3's exceptions become FileNotFoundError (no such object, when `key` names
        one) or a StorageError that names the bucket and endpoint."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        try:
            return request(client)
        except (ClientError, BotoCoreError) as exc:
            full = None if key is None else self._key(key)
            raise translate(exc, self.bucket, client.meta.endpoint_url, full) from None


def _configured_endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""
