"""Benchmark: how throughput grows with Ray Serve replicas. Not a test: prints figures and ratios.

    .venv/bin/python benchmarks/bench_replicas.py [--requests 48] [--clients 8] [--replicas 1 2]

For each setting, in one run: a fresh `emojigen serve` (one process without Ray, then `--replicas N`),
one warm-up round, then --requests /generate calls (a new photo to the caches each time: a distinct
JPEG tail) from --clients threads through the public API. Prints stickers per second, latency p50/p95
and the ratio to one replica. Needs the scale extra (Ray Serve) and scikit-image.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from PIL import Image
from skimage import data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(folder: Path, replicas: int | None):
    port = _free_port()
    command = [str(Path(sys.executable).with_name("emojigen")), "serve", "--port", str(port),
               "--outputs", str(folder / "outputs")]
    if replicas:
        command += ["--replicas", str(replicas)]
    environ = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    environ.update(EMOJIGEN_RATE_LIMIT="0", EMOJIGEN_QUEUE_SIZE="1000", GRADIO_ANALYTICS_ENABLED="False")
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=folder)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                raise RuntimeError((folder / "server.log").read_text(errors="replace")[-2000:])
            try:
                if httpx.get(url + "config", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def measure(url: str, photos: list[Path], clients: int) -> tuple[float, list[float]]:
    from gradio_client import Client, handle_file

    local = threading.local()  # one client per thread, connected once

    def one(photo: Path) -> float:
        if not hasattr(local, "client"):
            local.client = Client(url, verbose=False)
        client = local.client
        start = time.perf_counter()
        client.predict(image=handle_file(str(photo)), text="开心", api_name="/generate")
        return time.perf_counter() - start

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, photos[:clients]))  # warm-up round: every client connected, replicas warm
        start = time.perf_counter()
        latencies = list(pool.map(one, photos[clients:]))
    return len(latencies) / (time.perf_counter() - start), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=48)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    with tempfile.TemporaryDirectory() as folder:
        photos = []
        for i in range(args.requests + args.clients):
            path = Path(folder) / f"face-{i}.jpg"
            path.write_bytes(buffer.getvalue() + b"\0" * (i + 1))
            photos.append(path)
        rows = []
        for replicas in [None, *args.replicas]:
            with tempfile.TemporaryDirectory() as run_folder, server(Path(run_folder), replicas) as url:
                rate, latencies = measure(url, photos, args.clients)
            latencies.sort()
            rows.append((replicas, rate, statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; {args.requests} /generate requests from "
          f"{args.clients} clients, new 512 px photos")
    one = next((rate for replicas, rate, *_ in rows if replicas == 1), None)
    for replicas, rate, p50, p95 in rows:
        name = "one process, no Ray" if replicas is None else f"{replicas} replica(s)"
        ratio = f"  ({rate / one:.2f}x one replica)" if one else ""
        print(f"{name:22s} {rate:6.2f} stickers/s   p50 {p50 * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms{ratio}")


if __name__ == "__main__":
    main()
