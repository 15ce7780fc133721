"""Killed in the middle of a batch (kill -9), the server leaves a database that checks out, no
half-written result that it would list or serve, and starts again and serves at once."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from PIL import Image

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(outputs: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "EMOJIGEN_OUTPUTS_DIR": str(outputs), "EMOJIGEN_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise AssertionError("the server did not start")


def test_kill_9_during_a_batch_loses_nothing_that_was_listed(tmp_path, photos):
    outputs = tmp_path / "out"
    server, url = _start(outputs)
    try:
        client = Client(url, verbose=False)
        jobs = [client.submit(image=handle_file(str(photos["face"])), text=text, session="crash-test",
                              api_name="/generate") for text in ["开心", "伤心", "震惊", "生气"] * 3]
        deadline = time.time() + 120
        while sum(job.done() for job in jobs) < 3 and time.time() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # in the middle: some done, some running, some waiting
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()

    database = outputs / "history.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        listed = [row[0] for row in db.execute("SELECT preview FROM results")]
    assert len(listed) >= 3
    for preview in listed:  # every listed result is whole
        Image.open(preview).verify()
    for path in outputs.rglob("*"):  # no half-written file under a name the app would serve or list
        if path.is_file() and not path.name.startswith("."):
            if path.suffix == ".png":
                Image.open(path).verify()

    server, url = _start(outputs)  # starts again and serves at once, its history intact
    try:
        client = Client(url, verbose=False)
        _, made, _ = client.predict(image=handle_file(str(photos["face"])), text="开心", session="crash-test",
                                    api_name="/generate")
        recent = client.predict(session="crash-test", limit=50, api_name="/history")
        assert made["id"] in [e["id"] for e in recent] and len(recent) == len(listed) + 1
    finally:
        server.kill()
        server.wait(timeout=30)
