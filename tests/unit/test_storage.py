"""Results and kept uploads through one store: the local outputs folder (the default) or that plus
S3-compatible object storage, so every replica sees every result.

The object storage here is moto's standalone server (`moto[server]`, ThreadedMotoServer) spoken to over
real HTTP on 127.0.0.1 by boto3, exactly as a deployment speaks to MinIO or AWS: the most faithful S3
implementation installable from the package index (MinIO itself is on neither PyPI nor Debian). It does
not check credentials or bucket policies, so "access denied" is tested on the error translation alone.
The AWS_* variables are set only inside the fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx
import pytest
from s3_server import bucket_keys, new_bucket, point_boto3_at, s3_endpoint

from emojigen.config import Settings
from emojigen.factory import make_store
from emojigen.retention import Sweeper
from emojigen.storage import StorageError, parse_storage_url
from emojigen.storage.errors import translate
from emojigen.store import OutputStore

HOUR = 3600.0
SECRET = "not-a-real-secret-0123456789"


@pytest.fixture(scope="module")
def s3_server():
    with s3_endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_server, monkeypatch, tmp_path) -> str:
    """A new, empty bucket; the AWS variables point boto3 at the local server for this test only."""
    point_boto3_at(monkeypatch, s3_server, tmp_path, secret=SECRET)
    return new_bucket()


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> OutputStore:
    """Each backend in turn, as the settings choose it."""
    url = f"s3://{request.getfixturevalue('bucket')}/team/results" if request.param == "s3" else ""
    return make_store(Settings(outputs_dir=tmp_path / "out", storage_url=url))


# -- the URL ---------------------------------------------------------------------------------------


def test_the_storage_url_is_empty_or_s3():
    assert parse_storage_url("") is None and parse_storage_url("  ") is None
    url = parse_storage_url("s3://stickers/team/results/")
    assert (url.bucket, url.prefix, str(url)) == ("stickers", "team/results", "s3://stickers/team/results")
    assert parse_storage_url("s3://stickers").prefix == ""
    for bad in ("/srv/outputs", "gs://stickers/x", "s3://Stickers/x", "s3:///x", "s3://stickers/a//b",
                "s3://stickers/../x"):
        with pytest.raises(ValueError, match="EMOJIGEN_STORAGE_URL"):
            parse_storage_url(bad)


def test_the_local_default_needs_no_boto3(tmp_path):
    code = ("import sys; from pathlib import Path; from emojigen.factory import make_store; "
            "from emojigen.config import Settings; "
            f"s = make_store(Settings(outputs_dir=Path({str(tmp_path)!r}))); "
            "i = s.new_id(); s.write_files(i, {'sticker.png': b'x'}); s.result_ids(); s.remove(i); "
            "print(s.objects, 'boto3' in sys.modules or 'botocore' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "False"]


# -- both backends ----------------------------------------------------------------------------------


def test_write_read_link_list_and_remove(store):
    made = store.new_id()
    paths = store.write_files(made, {"sticker.png": b"png bytes", "wechat.gif": b"gif bytes"})
    store.write_record(made, {"sticker.png": b"", "wechat.gif": b""}, {"kind": "sticker"})
    kept = store.write_private(made, "source.png", b"the uploaded photo")
    assert paths["sticker.png"].read_bytes() == b"png bytes" and paths["sticker.png"].is_absolute()
    assert kept == (store.private_root / made / "source.png").resolve() and kept.read_bytes() == b"the uploaded photo"
    assert store.result_ids() == [made]
    assert store.fetch(made, "wechat.gif").read_bytes() == b"gif bytes"

    again = store.new_id()
    linked = store.link_files(made, again, ["sticker.png", "wechat.gif"])
    store.link_private(made, again, "source.png")
    assert linked["sticker.png"].read_bytes() == b"png bytes"
    assert (store.private_root / again / "source.png").read_bytes() == b"the uploaded photo"
    assert store.result_ids() == sorted([made, again])
    assert set(store.made()) == {made, again}

    store.remove(made)
    assert store.result_ids() == [again]
    assert not (store.root / made).exists() and not (store.private_root / made).exists()
    with pytest.raises(FileNotFoundError):
        store.fetch(made, "sticker.png")
    with pytest.raises(FileNotFoundError):  # the result cache's signal that a stored result is gone
        store.link_files(made, store.new_id(), ["sticker.png"])


def test_no_file_outside_a_results_public_files(store):
    made = store.new_id()
    store.write_files(made, {"sticker.png": b"x"})
    store.write_private(made, "source.png", b"photo")
    for result_id, name in (("private", made), (made, "../private"), ("..", "private"), (made, ""),
                            (made, ".sticker.png.1234.tmp"), ("not-an-id", "sticker.png"), (made, "a/b")):
        with pytest.raises(ValueError):
            store.fetch(result_id, name)
        with pytest.raises(ValueError):
            store.url(result_id, name)
    with pytest.raises(FileNotFoundError):
        store.fetch(made, "source.png")  # the kept upload is not among the result's files
    for bad in ("", "..", "private", "a/b"):
        with pytest.raises(ValueError):
            store.remove(bad)


def test_retention_removes_what_is_old_from_every_place(store):
    old, new = store.new_id(), store.new_id()
    for result_id in (old, new):
        store.write_files(result_id, {"sticker.png": b"x"})
        store.write_private(result_id, "source.png", b"photo")
    for path in (store.root / old / "sticker.png", store.root / old, store.private_root / old / "source.png",
                 store.private_root / old):
        os.utime(path, (time.time() - 100 * HOUR,) * 2)
    if store.objects is None:
        swept = Sweeper(store, None, hours=72).sweep()
        assert swept.results == (old,) and store.result_ids() == [new]
    else:  # the bucket's own times count: a sweep 73 hours from now finds both old
        swept = Sweeper(store, None, hours=72).sweep(time.time() + 73 * HOUR)
        assert swept.results == tuple(sorted([old, new])) and store.result_ids() == []
        assert bucket_keys(store.objects.bucket) == []


# -- object storage -----------------------------------------------------------------------------


def test_every_file_is_in_the_bucket_under_the_prefix(bucket, tmp_path):
    store = OutputStore.open(tmp_path / "a", f"s3://{bucket}/team")
    made = store.new_id()
    store.write_files(made, {"sticker.png": b"png"})
    store.write_private(made, "source.png", b"photo")
    store.write_record(made, {"sticker.png": b""}, {"kind": "sticker"})
    assert bucket_keys(bucket) == sorted([f"team/private/{made}/source.png", f"team/{made}/result.json",
                                    f"team/{made}/sticker.png"])
    import boto3

    head = boto3.client("s3").head_object(Bucket=bucket, Key=f"team/{made}/sticker.png")
    assert head["ContentType"] == "image/png"


def test_another_replica_lists_fetches_and_links_what_one_made(bucket, tmp_path):
    one = OutputStore.open(tmp_path / "one", f"s3://{bucket}/r")
    other = OutputStore.open(tmp_path / "other", f"s3://{bucket}/r")
    made = one.new_id()
    one.write_files(made, {"sticker.png": b"made by one"})
    one.write_private(made, "source.png", b"photo")
    assert other.result_ids() == [made]
    assert other.local(made, "sticker.png") is None
    fetched = other.fetch(made, "sticker.png")
    assert fetched == (tmp_path / "other" / made / "sticker.png").resolve() and fetched.read_bytes() == b"made by one"
    # A server-side copy in the bucket, and a local copy where this replica never had the file.
    linked = other.new_id()
    other.link_private(made, linked, "source.png")
    other.link_files(made, linked, ["sticker.png"])
    assert one.fetch(linked, "sticker.png").read_bytes() == b"made by one"
    assert f"r/private/{linked}/source.png" in bucket_keys(bucket)
    other.remove(made)  # from the bucket and this replica; the first keeps its copy until its own sweep
    assert other.result_ids() == [linked] and not any(made in key for key in bucket_keys(bucket))
    assert one.result_ids() == sorted([made, linked])


def test_a_presigned_url_downloads_the_bytes_and_private_files_get_none(bucket, tmp_path):
    store = OutputStore.open(tmp_path / "out", f"s3://{bucket}/p")
    made = store.new_id()
    store.write_files(made, {"sticker.png": b"\x89PNG the sticker"})
    store.write_private(made, "source.png", b"photo")
    url = store.url(made, "sticker.png")
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == b"\x89PNG the sticker"
    assert "private" not in url and SECRET not in url
    with pytest.raises(ValueError):
        store.url("private", made)
    assert OutputStore(tmp_path / "local").url(made, "sticker.png") is None  # local: Gradio serves it


def test_many_threads_share_one_client(bucket, tmp_path):
    store = OutputStore.open(tmp_path / "out", f"s3://{bucket}")
    reader = OutputStore.open(tmp_path / "reader", f"s3://{bucket}")
    made: list[str] = []
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(4):
                result_id = store.new_id()
                store.write_files(result_id, {"sticker.png": f"{n}-{i}".encode()})
                store.write_private(result_id, "source.png", b"photo")
                assert reader.fetch(result_id, "sticker.png").read_bytes() == f"{n}-{i}".encode()
                made.append(result_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert reader.result_ids() == sorted(made) and len(made) == 32


def test_errors_name_the_bucket_and_endpoint_never_the_secret(bucket, s3_server, tmp_path, monkeypatch):
    missing = OutputStore.open(tmp_path / "a", "s3://no-such-bucket/x")
    with pytest.raises(StorageError) as caught:
        missing.result_ids()
    assert "'no-such-bucket'" in str(caught.value) and s3_server in str(caught.value)
    assert "does not exist" in str(caught.value) and SECRET not in str(caught.value)
    assert "存储" in caught.value.zh and "no-such-bucket" not in caught.value.en  # people see no internals

    from botocore.exceptions import ClientError

    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject")
    message = str(translate(denied, "stickers", "https://s3.example.com", "r/x/sticker.png"))
    assert "denied" in message and "'stickers'" in message and "https://s3.example.com" in message

    with socket_closed() as port:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        unreachable = OutputStore.open(tmp_path / "b", f"s3://{bucket}/x")
        started = time.monotonic()
        with pytest.raises(StorageError, match=f"cannot reach bucket '{bucket}' at http://127.0.0.1:{port}"):
            unreachable.write_files(unreachable.new_id(), {"sticker.png": b"x"})
        assert time.monotonic() - started < 30


class socket_closed:
    """A local port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        return None


# -- the download route ---------------------------------------------------------------------------------


def _client(store: OutputStore, redirect: bool = False):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from ui.downloads import Downloads

    inner = Starlette(routes=[Route("/{path:path}", lambda request: PlainTextResponse("gradio"))])
    return TestClient(Downloads(inner, store, redirect=redirect), follow_redirects=False)


def test_the_download_route_serves_fetches_or_redirects(bucket, tmp_path):
    one = OutputStore.open(tmp_path / "one", f"s3://{bucket}/d")
    other = OutputStore.open(tmp_path / "other", f"s3://{bucket}/d")
    made = one.new_id()
    one.write_files(made, {"sticker.png": b"sticker bytes"})
    one.write_private(made, "source.png", b"photo")

    served = _client(one).get(f"/results/{made}/sticker.png")  # the local copy
    assert served.status_code == 200 and served.content == b"sticker bytes"
    assert served.headers["content-type"] == "image/png" and served.headers["x-content-type-options"] == "nosniff"
    fetched = _client(other).get(f"/results/{made}/sticker.png")  # made by another replica
    assert fetched.status_code == 200 and fetched.content == b"sticker bytes"
    assert (tmp_path / "other" / made / "sticker.png").is_file()

    third = OutputStore.open(tmp_path / "third", f"s3://{bucket}/d")
    moved = _client(third, redirect=True).get(f"/results/{made}/sticker.png")
    assert moved.status_code == 307 and not (tmp_path / "third" / made).exists()
    assert httpx.get(moved.headers["location"], timeout=10).content == b"sticker bytes"
    assert _client(third, redirect=True).get(f"/results/{made}/nothing.png").status_code == 404


@pytest.mark.parametrize("path", [
    "/results/private/{id}/source.png", "/results/{id}/source.png", "/results/{id}/..%2Fprivate%2F{id}%2Fsource.png",
    "/results/%2E%2E/private/{id}/source.png", "/results/{id}/%2E%2E", "/results/{id}", "/results/",
    "/results/20990101-000000-0123456789abcdef/x.png", "/results/{id}/sticker.png/extra",
    "/results/not-an-id/sticker.png",
])
def test_the_download_route_refuses_private_files_traversal_and_unknown_ids(store, path):
    made = store.new_id()
    store.write_files(made, {"sticker.png": b"x"})
    store.write_private(made, "source.png", b"photo")
    answer = _client(store).get(path.format(id=made))
    assert answer.status_code == 404 and b"photo" not in answer.content


def test_the_download_route_leaves_other_paths_alone(tmp_path):
    client = _client(OutputStore(tmp_path / "out"))
    assert client.get("/gradio_api/info").text == "gradio"
    assert client.get("/resultsx/a/b").text == "gradio"
    assert client.post(f"/results/{OutputStore(tmp_path).new_id()}/sticker.png").status_code == 405
