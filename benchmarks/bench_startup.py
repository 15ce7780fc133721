"""Startup time: from `emojigen serve` to a served page, on this machine, without a diffusion model.

Starts the real command in a fresh process each run, polls the page until it answers 200, and prints
the median of the runs (after one untimed run that warms the disk cache). Target: under 8 s on a CPU.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_page(outputs: str, timeout: float = 120.0) -> float:
    port = free_port()
    env = {**os.environ, "EMOJIGEN_OUTPUTS_DIR": outputs, "EMOJIGEN_SD_MODEL": "", "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.status == 200 and b"gradio" in response.read().lower():
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"no page after {timeout:.0f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as outputs:
        time_to_page(outputs)  # warm-up: the first import reads everything from disk
        runs = [time_to_page(outputs) for _ in range(args.repeats)]
    median = statistics.median(runs)
    print(f"startup to a served page: median {median:.2f} s over {args.repeats} runs "
          f"({', '.join(f'{r:.2f}' for r in runs)}); target < 8 s: {'met' if median < 8 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
