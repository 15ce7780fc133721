"""Fifty people press Generate at the same moment: benchmarks/load_test.py's core at a small scale,
against a fresh `emojigen serve` with default settings (a bounded queue).

Every request must end one of two ways: a sticker that downloads and decodes as a PNG, or a clear "busy"
answer. No connection is dropped, nothing else goes wrong, no announced sticker is missing, and the
whole run ends in bounded time. The busy message clients got is recorded (printed, and in the report's
properties), since it is what a visitor sees when the server is full.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_test.py"
AT_ONCE = 50
BOUND_S = 110  # the whole test: server start, upload, warm-up, fifty requests


def default_settings() -> dict[str, str | None]:
    """Whatever this environment sets, the server gets the built-in settings (queue, concurrency, limits,
    no diffusion model): every EMOJIGEN_ variable is left out."""
    return {name: None for name in os.environ if name.startswith("EMOJIGEN_")}


@pytest.fixture(scope="module")
def load_test():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_fifty_at_once_are_served_or_told_busy_and_nothing_is_lost(load_test, photos, record_property):
    started = time.monotonic()
    photo = ("astronaut.jpg", photos["face"].read_bytes(), "image/jpeg")
    with load_test.started_server(env=default_settings(), startup_timeout=60) as server:
        with load_test.RssSampler(server.pid) as rss:
            burst = load_test.run_load(server.url, photo, requests=AT_ONCE, concurrency=AT_ONCE, timeout=60,
                                       total_timeout=75, temp_dir=server.gradio_temp_dir)
            # In a thread of its own: the browser tests leave an event loop running in this one.
            with ThreadPoolExecutor(1) as pool:
                result, outcomes = pool.submit(asyncio.run, burst).result()
        result.temp_files["after"] = load_test.count_files(server.gradio_temp_dir)
        result.peak_rss_mib, result.peak_threads = round(rss.peak / 2**20), rss.peak_threads
        result.server_log = log = load_test.server_log_problems(server.log_path)
    elapsed = time.monotonic() - started

    print("\n" + load_test.table([result]))
    busy = result.messages.get("rejected", {})
    record_property("busy_messages", busy)
    record_property("counts", result.counts)

    counts = result.counts
    assert counts["dropped"] == 0, result.messages.get("dropped")
    assert counts["error"] == 0, result.messages.get("error")
    assert counts["lost"] == 0, result.messages.get("lost")
    assert counts["timed_out"] == 0, result.messages.get("timed_out")
    assert counts["completed"] + counts["rejected"] == AT_ONCE
    assert counts["completed"] > 0
    # A refusal says why, in both languages (HTTP 503 "busy" or 429 "too many", each with when to retry).
    assert all("请" in o.message and "please try again" in o.message for o in outcomes if o.kind == "rejected"), busy
    assert all(o.latency is not None and o.latency < 60 for o in outcomes if o.kind == "completed")
    assert log.get("tracebacks", 0) == 0, log
    # Nothing left behind per request: the one upload and the (identical) stickers' cached copies at most.
    assert result.temp_files["after"] <= result.temp_files["before"] + 5, result.temp_files
    assert elapsed < BOUND_S, f"took {elapsed:.0f} s"
