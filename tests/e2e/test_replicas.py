"""`emojigen serve --replicas 2`: a local Ray cluster (loopback only) runs the pipeline as two Ray Serve
replicas behind the same Gradio page and API. Concurrent /generate, /animate and /pack requests through
the public API are served by both replicas, every result is readable from the front-end, and a replica
killed while it works loses no accepted request (it is sent again to the other)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ci import unavailable
from gradio_client import Client, handle_file
from PIL import Image

pytestmark = pytest.mark.e2e
STARTUP_S = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    try:
        import ray  # noqa: F401
        from ray import serve  # noqa: F401
    except ImportError:
        unavailable("Ray Serve is not installed", 'pip install -e ".[scale]"')
    folder = tmp_path_factory.mktemp("replicas")
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # a local cluster of its own
    environ.update(EMOJIGEN_RATE_LIMIT="0", GRADIO_ANALYTICS_ENABLED="False", RAY_USAGE_STATS_ENABLED="0")
    command = [str(Path(sys.executable).with_name("emojigen")), "serve", "--replicas", "2", "--port", str(port),
               "--outputs", str(folder / "outputs")]
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, cwd=folder)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, (folder / "server.log").read_text(errors="replace")[-3000:]
            try:
                if httpx.get(url + "config", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the replicas did not start in time"
            time.sleep(1)
        yield url, folder
    finally:
        process.send_signal(signal.SIGTERM)  # the server stops its Ray cluster on the way out
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def _status(url: str) -> dict:
    return Client(url, verbose=False).predict(api_name="/status")["replicas"]


def _photo(folder: Path, astronaut) -> str:
    path = folder / "face.jpg"
    if not path.exists():
        Image.fromarray(astronaut).save(path, quality=92)
    return str(path)


def _call(url: str, kind: str, photo: str, i: int):
    client = Client(url, verbose=False)
    if kind == "pack":
        return client.predict(image=handle_file(photo), platform="wechat", count=8, api_name="/pack")
    feeling = ["开心", "伤心", "生气", "惊讶"][i % 4]
    return client.predict(image=handle_file(photo), text=feeling, api_name=f"/{kind}")


def _concurrently(url: str, photo: str, kinds: list[str], during=None) -> tuple[list, list]:
    results, errors = [None] * len(kinds), []

    def one(i: int, kind: str) -> None:
        try:
            results[i] = (kind, _call(url, kind, photo, i))
        except Exception as exc:  # noqa: BLE001 - each failure is examined below
            errors.append((kind, exc))

    threads = [threading.Thread(target=one, args=(i, kind)) for i, kind in enumerate(kinds)]
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    for thread in threads:
        thread.join(timeout=300)
    return [r for r in results if r is not None], errors


def _readable(kind: str, result) -> None:
    """Every file the front-end handed back opens as what it should be."""
    first = result[0]
    details = next(part for part in result[1:] if isinstance(part, dict))  # animate: webp, gif, details, file
    if kind == "pack":
        with zipfile.ZipFile(first) as archive:
            assert len([n for n in archive.namelist() if n.startswith("main/")]) == 8
    else:
        with Image.open(first) as image:
            image.load()
            assert image.size == (512, 512) and (kind == "generate" or getattr(image, "n_frames", 1) > 1)
    assert details["id"]


def test_both_replicas_serve_every_kind_of_request_and_every_result_is_readable(replicas, astronaut):
    url, folder = replicas
    photo = _photo(folder, astronaut)
    status = _status(url)
    assert status["status"] == "RUNNING" and status["replicas"] == {"RUNNING": 2}, status
    kinds = ["generate", "animate", "pack", "generate", "generate", "animate", "generate", "generate"]
    results, errors = _concurrently(url, photo, kinds)
    assert not errors, errors
    assert len(results) == len(kinds)
    for kind, result in results:
        _readable(kind, result)
    for _ in range(20):  # the router picks by load: a few more until both have served (normally none needed)
        served = _status(url)["served"]
        if len(served) == 2:
            break
        _call(url, "generate", photo, 0)
    assert len(served) == 2 and all(s["requests"] >= 1 for s in served.values()), served
    assert len({s["pid"] for s in served.values()}) == 2  # two processes


def test_a_replica_killed_mid_run_loses_no_accepted_request(replicas, astronaut):
    url, folder = replicas
    photo = _photo(folder, astronaut)
    served = _status(url)["served"]
    while len(served) < 2:
        _call(url, "generate", photo, 0)
        served = _status(url)["served"]
    victim = sorted(served.values(), key=lambda s: s["requests"])[-1]["pid"]

    def kill_one() -> None:
        time.sleep(1.5)  # uploads done; the first animations are being drawn on both replicas
        os.kill(victim, signal.SIGKILL)

    kinds = ["animate"] * 8  # about 4 s of work: two at a time on each replica
    results, errors = _concurrently(url, photo, kinds, during=kill_one)
    # Each request came back with its sticker, or (if every try lost its replica) said so clearly.
    assert len(results) + len(errors) == len(kinds)
    for _, exc in errors:
        assert "stopped unexpectedly" in str(exc), exc
    assert len(results) >= 6, errors
    for kind, result in results:
        _readable(kind, result)
    status = _status(url)
    assert status["retried"] >= 1, status  # the killed replica's requests were sent again
    deadline = time.monotonic() + 120  # and Ray Serve starts a new replica in its place
    while status["replicas"] != {"RUNNING": 2} and time.monotonic() < deadline:
        time.sleep(2)
        status = _status(url)
    assert status["replicas"] == {"RUNNING": 2}, status
