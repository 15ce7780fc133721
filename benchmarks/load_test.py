"""Load test: many people press Generate at once. How does the server hold up?

Sends N /generate requests at once (a real face photo, the text "开心", no caption) through Gradio's
REST API with asyncio + httpx, and sorts every request into one of:

  completed   a sticker came back, and its file downloads from its URL and decodes as a PNG
  rejected    the server said it is busy: HTTP 503 (the queue is full) or 429 (too many requests from one
              client), or an error event that says so; the exact message text is recorded
  error       any other answer: another HTTP status, or an error event (its message is recorded)
  lost        a sticker was announced but its file could not be downloaded or is not a PNG
  dropped     the connection was closed or reset, or a result stream ended without a result
  timed_out   no answer within --timeout (per request) or before --total-timeout (the whole run)

and reports throughput (completed per second), latency p50/p95/max of the completed ones, the count of
each class, the server's peak resident memory (its process and children, sampled every 0.2 s) and the
files in Gradio's upload/cache folder before and after.

By default each concurrency level gets a fresh `emojigen serve` process on a free port, with its own
temporary outputs folder and Gradio temp folder (GRADIO_TEMP_DIR), and the environment passed through,
so `EMOJIGEN_QUEUE_SIZE=2000 python benchmarks/load_test.py --concurrency 1000` sizes its queue. With
--url it targets a running server instead (no memory figures; the temp folder is counted only if
--temp-dir names it or it is on this machine where this process would look for it).

Routes: `--route call` (default) is what plain-HTTP clients do: POST /gradio_api/call/generate, which
joins the queue, then read the result stream GET /gradio_api/call/generate/{event_id}. `--route run`
POSTs /gradio_api/run/generate, Gradio's direct route, and waits for the JSON answer: it shows whether
that route goes around the queue and its size limit.

Run it from the project folder with the project's Python:

    python benchmarks/load_test.py                              # 10 at once, a fresh server
    python benchmarks/load_test.py --concurrency 10 100 1000    # three levels, a fresh server each
    EMOJIGEN_QUEUE_SIZE=2000 python benchmarks/load_test.py --concurrency 1000 --json big-queue.json
    python benchmarks/load_test.py --concurrency 100 --route run
    python benchmarks/load_test.py --url http://127.0.0.1:7860/ --concurrency 100 --requests 300

The upload happens once (POST /gradio_api/upload) and every request reuses its server path. One
warm-up request (--warmup) runs first and is not counted. Every wait is bounded: nothing hangs.
Every HTTP exchange opens its own connection (--keepalive pools them instead). All requests come from
this machine's one address; --distinct-clients gives each its own X-Forwarded-For address, as a reverse
proxy in front of the server would pass on many visitors, so that a per-client rate limit does not
decide the result alone.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

CLASSES = ("completed", "rejected", "error", "lost", "dropped", "timed_out")
# What a "busy, try later" answer says, in Gradio's words or a friendlier server's (zh or en).
BUSY_WORDS = re.compile(r"queue is full|busy|too many requests|try again|稍后|繁忙|正忙|太频繁|再试|排队已满",
                        re.IGNORECASE)
BUSY_STATUS = (429, 503)
DROPPED_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.ConnectError,
                  httpx.CloseError)


# --- one request -------------------------------------------------------------------------------------

@dataclass
class Outcome:
    kind: str  # one of CLASSES
    latency: float | None = None  # seconds from sending to the answer (completed and rejected ones)
    work: float | None = None  # seconds the server's pipeline spent on it (its summary's timings_ms.total)
    status: int | None = None  # the HTTP status that decided it, when one did
    message: str = ""  # what the client was told (rejected, error), or what went wrong (lost, dropped...)


def _message(data: object) -> str:
    """The text of a Gradio error payload: {"error": ...}, a string, or nothing."""
    if isinstance(data, dict):
        for key in ("error", "detail", "message", "msg"):
            if data.get(key):
                return str(data[key])
        return json.dumps(data, ensure_ascii=False)
    if data is None:
        return "(no message)"
    return str(data)


def _answer_text(response: httpx.Response) -> str:
    try:
        return _message(response.json())
    except ValueError:
        return response.text.strip()[:300] or "(empty body)"


def _refusal(status: int, text: str) -> Outcome:
    if status in BUSY_STATUS or BUSY_WORDS.search(text):
        return Outcome("rejected", status=status, message=text)
    return Outcome("error", status=status, message=f"HTTP {status}: {text}")


async def _call_route(client: httpx.AsyncClient, data: list, step: list[str],
                      headers: dict[str, str]) -> tuple[Outcome | None, object]:
    """Queue route: POST /call/generate, then read its event stream. Returns (outcome, result data)."""
    step[0] = "submit"
    response = await client.post("gradio_api/call/generate", json={"data": data}, headers=headers)
    if response.status_code != 200:
        return _refusal(response.status_code, _answer_text(response)), None
    event_id = response.json()["event_id"]
    event = None
    step[0] = "result stream"
    async with client.stream("GET", f"gradio_api/call/generate/{event_id}", headers=headers) as stream:
        if stream.status_code != 200:
            await stream.aread()
            return _refusal(stream.status_code, _answer_text(stream)), None
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line.removeprefix("data:").strip())
                if event == "complete":
                    return None, payload
                text = _message(payload)
                kind = "rejected" if BUSY_WORDS.search(text) else "error"
                return Outcome(kind, status=200, message=text), None
    return Outcome("dropped", message="the result stream ended without a result"), None


async def _run_route(client: httpx.AsyncClient, data: list, step: list[str],
                     headers: dict[str, str]) -> tuple[Outcome | None, object]:
    """Direct route: POST /run/generate and wait for the JSON answer."""
    step[0] = "run"
    response = await client.post("gradio_api/run/generate", json={"data": data}, headers=headers)
    if response.status_code != 200:
        return _refusal(response.status_code, _answer_text(response)), None
    return None, response.json()["data"]


async def _check_sticker(client: httpx.AsyncClient, result: object, timeout: float,
                         headers: dict[str, str]) -> str:
    """'' when the sticker downloads from its URL and decodes as a PNG; else what went wrong."""
    from PIL import Image

    try:
        url = result[0]["url"] or f"gradio_api/file={result[0]['path']}"  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return f"no sticker file in the result: {str(result)[:200]}"
    try:
        response = await asyncio.wait_for(client.get(url, headers=headers), timeout)
    except (TimeoutError, httpx.HTTPError) as exc:
        return f"download failed: {_describe(exc)}"
    if response.status_code != 200:
        return f"download answered HTTP {response.status_code}"
    try:
        with Image.open(io.BytesIO(response.content)) as image:
            image.load()
            if image.format != "PNG":
                return f"the sticker is {image.format}, not PNG"
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a lost sticker
        return f"the sticker does not decode: {exc}"
    return ""


def _describe(exc: BaseException) -> str:
    """The exception's type and text, or its cause's when it has none (httpx.ReadError often has none)."""
    text = str(exc) or repr(exc.__cause__ or exc.__context__ or "")
    return f"{type(exc).__name__}: {text}"


def forwarded_for(visitor: int) -> dict[str, str]:
    """The header a reverse proxy adds, naming visitor number `visitor` as a distinct address."""
    return {"X-Forwarded-For": f"10.{(visitor >> 16) & 255}.{(visitor >> 8) & 255}.{visitor & 255}"}


async def one_request(client: httpx.AsyncClient, data: list, route: str, timeout: float,
                      headers: dict[str, str] | None = None) -> Outcome:
    started = time.perf_counter()
    ask = _run_route if route == "run" else _call_route
    step, headers = ["connect"], headers or {}
    try:
        outcome, result = await asyncio.wait_for(ask(client, data, step, headers), timeout)
    except TimeoutError:
        return Outcome("timed_out", message=f"{step[0]}: no answer within {timeout:g} s")
    except httpx.TimeoutException as exc:
        return Outcome("timed_out", message=f"{step[0]}: {type(exc).__name__}")
    except DROPPED_ERRORS as exc:
        return Outcome("dropped", message=f"{step[0]}: {_describe(exc)}")
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return Outcome("error", message=f"{step[0]}: {_describe(exc)}")
    latency = time.perf_counter() - started
    if outcome is not None:
        outcome.latency = latency
        return outcome
    problem = await _check_sticker(client, result, timeout, headers)
    if problem:
        return Outcome("lost", latency=latency, message=problem)
    return Outcome("completed", latency=latency, work=_work_seconds(result))


def _work_seconds(result: object) -> float | None:
    try:
        return float(result[1]["timings_ms"]["total"]) / 1000  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        return None


# --- the server under test ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _parent_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def process_tree(root: int) -> list[int]:
    """root and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_and_threads(root: int) -> tuple[int, int]:
    """Resident memory (VmRSS, bytes) and thread count of root and its descendants."""
    rss = threads = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Threads:"):
                        threads += int(line.split()[1])
        except OSError:
            pass
    return rss, threads


class RssSampler:
    """Samples a process tree's resident memory and threads every `every` seconds in a thread; keeps
    the first, last and peak values."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every = pid, every
        self.peak = self.first = self.last = self.peak_threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value, threads = rss_and_threads(self.pid)
            self.peak_threads = max(self.peak_threads, threads)
            self.first = self.first or value
            self.last = value
            self.peak = max(self.peak, value)
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def count_files(folder: Path | None) -> int | None:
    if folder is None or not folder.is_dir():
        return None
    return sum(len(files) for _, _, files in os.walk(folder))


@dataclass
class Server:
    url: str
    pid: int
    gradio_temp_dir: Path
    outputs_dir: Path
    log_path: Path


def _serve_command() -> list[str]:
    beside = Path(sys.executable).with_name("emojigen")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("emojigen")
    return [found] if found else [sys.executable, "-m", "ui.cli"]


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{_tail(log_path)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def started_server(env: dict[str, str | None] | None = None, startup_timeout: float = 120,
                   keep: bool = False) -> Iterator[Server]:
    """A fresh `emojigen serve` on a free port, with temporary outputs and Gradio temp folders.
    The environment is passed through; `env` adds to it (a None value removes that variable)."""
    root = Path(tempfile.mkdtemp(prefix="emojigen-load-"))
    port = free_port()
    server = Server(url=f"http://127.0.0.1:{port}/", pid=0, gradio_temp_dir=root / "gradio-temp",
                    outputs_dir=root / "outputs", log_path=root / "server.log")
    server.gradio_temp_dir.mkdir()
    environ = {**os.environ, "GRADIO_TEMP_DIR": str(server.gradio_temp_dir), "GRADIO_ANALYTICS_ENABLED": "False"}
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    command = [*_serve_command(), "serve", "--port", str(port), "--outputs", str(server.outputs_dir)]
    with open(server.log_path, "wb") as log:
        process = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server.pid = process.pid
    try:
        _wait_until_up(server.url, process, server.log_path, startup_timeout)
        yield server
    finally:
        _stop(process)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started (its own process group: the server and anything it started)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def server_log_problems(path: Path) -> dict:
    """How many tracebacks / error lines the server logged, and the first few distinct error lines."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    errors = [line.strip() for line in lines
              if re.search(r"\bERROR\b|Error:|Exception:|Too many open files", line)]
    return {"tracebacks": sum("Traceback (most recent call last)" in line for line in lines),
            "error_lines": len(errors), "first_errors": list(dict.fromkeys(errors))[:5]}


# --- the load ----------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    label: str
    route: str
    requests: int
    concurrency: int
    wall_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    throughput_per_s: float = 0.0
    latency_s: dict[str, float | None] = field(default_factory=dict)
    work_s: dict[str, float | None] = field(default_factory=dict)  # pipeline time per sticker, server side
    rejection_s: dict[str, float | None] = field(default_factory=dict)  # how soon a refusal came
    messages: dict[str, dict[str, int]] = field(default_factory=dict)  # class -> message -> how many
    peak_rss_mib: float | None = None
    rss_at_start_mib: float | None = None
    rss_at_end_mib: float | None = None
    peak_threads: int | None = None
    temp_files: dict[str, int | None] = field(default_factory=dict)
    result_folders: int | None = None
    server_log: dict = field(default_factory=dict)

    def summarise(self, outcomes: list[Outcome]) -> None:
        self.counts = {kind: sum(o.kind == kind for o in outcomes) for kind in CLASSES}
        self.throughput_per_s = self.counts["completed"] / self.wall_s if self.wall_s else 0.0
        latencies = sorted(o.latency for o in outcomes if o.kind == "completed" and o.latency is not None)
        self.latency_s = {"p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95),
                          "max": latencies[-1] if latencies else None}
        refused = sorted(o.latency for o in outcomes if o.kind == "rejected" and o.latency is not None)
        self.rejection_s = {"p50": _percentile(refused, 50), "max": refused[-1] if refused else None}
        work = sorted(o.work for o in outcomes if o.kind == "completed" and o.work is not None)
        self.work_s = {"p50": _percentile(work, 50), "max": work[-1] if work else None}
        self.messages = {kind: dict(Counter(o.message for o in outcomes if o.kind == kind).most_common(10))
                         for kind in CLASSES if kind != "completed" and self.counts[kind]}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def photo_bytes(path: Path | None) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type): --photo, or scikit-image's astronaut portrait as a JPEG."""
    if path is not None:
        mime = {".png": "image/png", ".webp": "image/webp"}.get(path.suffix.lower(), "image/jpeg")
        return path.name, path.read_bytes(), mime
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    return "astronaut.jpg", buffer.getvalue(), "image/jpeg"


async def run_load(url: str, photo: tuple[str, bytes, str], *, requests: int, concurrency: int,
                   route: str = "call", text: str = "开心", caption: str = "", timeout: float = 300,
                   total_timeout: float = 360, warmup: int = 1, label: str = "", keepalive: bool = False,
                   distinct_clients: bool = False, temp_dir: Path | None = None) -> tuple[LoadResult, list[Outcome]]:
    """Upload the photo once, run `warmup` uncounted requests, then `requests` requests with at most
    `concurrency` in flight; every request ends within `timeout`, the whole load within `total_timeout`.

    Without `keepalive` every HTTP exchange has its own connection, as independent visitors would. With
    it, connections are pooled and reused; the server closes an idle one after its keep-alive timeout
    (uvicorn: 5 s), and httpx does not retry a request sent on a connection closed at that moment, so a
    rare "dropped" (ReadError, RemoteProtocolError) then is the client's race, not the server's fault.

    All requests come from this one machine. With `distinct_clients` each carries its own
    X-Forwarded-For address, as if a reverse proxy passed on `requests` different visitors: a per-client
    rate limit that trusts that header then sees many visitors instead of one."""
    result = LoadResult(label=label or f"{concurrency} at once", route=route, requests=requests,
                        concurrency=concurrency)
    base = url if url.endswith("/") else url + "/"
    limits = httpx.Limits(max_connections=concurrency + 8,
                          max_keepalive_connections=concurrency + 8 if keepalive else 0)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(timeout), limits=limits) as client:
        uploaded = await client.post("gradio_api/upload", files={"files": photo}, timeout=60)
        uploaded.raise_for_status()
        data = [{"path": uploaded.json()[0], "meta": {"_type": "gradio.FileData"}}, text, "photo", caption]
        for _ in range(warmup):
            first = await one_request(client, data, "call", timeout)
            if first.kind != "completed":
                raise RuntimeError(f"the warm-up request did not complete: {first}")
        result.temp_files["before"] = count_files(temp_dir)

        gate = asyncio.Semaphore(concurrency)

        async def limited(visitor: int) -> Outcome:
            async with gate:
                headers = forwarded_for(visitor + 1) if distinct_clients else None
                return await one_request(client, data, route, timeout, headers)

        started = time.perf_counter()
        tasks = [asyncio.create_task(limited(i)) for i in range(requests)]
        done, pending = await asyncio.wait(tasks, timeout=total_timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        result.wall_s = time.perf_counter() - started

    outcomes = []
    for task in tasks:
        if task in done and task.exception() is None:
            outcomes.append(task.result())
        elif task in done:
            error = task.exception()
            outcomes.append(Outcome("error", message=f"client error {type(error).__name__}: {error}"))
        else:
            outcomes.append(Outcome("timed_out", message=f"unfinished at the {total_timeout:g} s deadline"))
    result.summarise(outcomes)
    return result, outcomes


def measure(args: argparse.Namespace, concurrency: int) -> LoadResult:
    """One concurrency level: against --url, or a fresh server with its memory and temp files watched."""
    requests = args.requests or concurrency
    photo = photo_bytes(args.photo)
    options = dict(requests=requests, concurrency=concurrency, route=args.route, text=args.text,
                   caption=args.caption, timeout=args.timeout, total_timeout=args.total_timeout,
                   warmup=args.warmup, keepalive=args.keepalive, distinct_clients=args.distinct_clients,
                   label=f"{concurrency} at once ({args.route}{', distinct clients' if args.distinct_clients else ''})")
    if args.url:
        temp_dir = args.temp_dir or _local_gradio_temp(args.url)
        result, _ = asyncio.run(run_load(args.url, photo, temp_dir=temp_dir, **options))
        result.temp_files["after"] = count_files(temp_dir)
        return result
    with started_server(keep=args.keep) as server:
        result_files_at_start = count_files(server.gradio_temp_dir)
        with RssSampler(server.pid) as rss:
            result, _ = asyncio.run(run_load(server.url, photo, temp_dir=server.gradio_temp_dir, **options))
            time.sleep(1.0)  # let the server finish writing what it was writing
        result.temp_files = {"at_start": result_files_at_start, **result.temp_files,
                             "after": count_files(server.gradio_temp_dir)}
        result.peak_rss_mib = round(rss.peak / 2**20, 1)
        result.rss_at_start_mib = round(rss.first / 2**20, 1)
        result.rss_at_end_mib = round(rss.last / 2**20, 1)
        result.peak_threads = rss.peak_threads
        result.result_folders = sum(1 for p in server.outputs_dir.iterdir() if p.is_dir()) \
            if server.outputs_dir.is_dir() else None
        result.server_log = server_log_problems(server.log_path)
        if args.keep:
            print(f"kept: {server.log_path.parent}", file=sys.stderr)
    return result


def _local_gradio_temp(url: str) -> Path | None:
    """Where a server on this machine started with our environment keeps Gradio's files."""
    if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


# --- the report --------------------------------------------------------------------------------------

def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(results: list[LoadResult]) -> str:
    rows: list[tuple[str, list[str]]] = [
        ("requests", [str(r.requests) for r in results]),
        ("wall time (s)", [_fmt(r.wall_s, 1) for r in results]),
        ("throughput (completed/s)", [_fmt(r.throughput_per_s) for r in results]),
        ("latency p50 (s)", [_fmt(r.latency_s.get("p50")) for r in results]),
        ("latency p95 (s)", [_fmt(r.latency_s.get("p95")) for r in results]),
        ("latency max (s)", [_fmt(r.latency_s.get("max")) for r in results]),
        ("server work p50 / max (s)", [f"{_fmt(r.work_s.get('p50'))} / {_fmt(r.work_s.get('max'))}"
                                      for r in results]),
        *((kind, [str(r.counts.get(kind, 0)) for r in results]) for kind in CLASSES),
        ("refused after p50 / max (s)", [f"{_fmt(r.rejection_s.get('p50'))} / {_fmt(r.rejection_s.get('max'))}"
                                         for r in results]),
        ("peak server RSS (MiB)", [_fmt(r.peak_rss_mib, 0) for r in results]),
        ("peak server threads", [_fmt(r.peak_threads) for r in results]),
        ("RSS start -> end (MiB)", [f"{_fmt(r.rss_at_start_mib, 0)} -> {_fmt(r.rss_at_end_mib, 0)}"
                                    for r in results]),
        ("temp files before -> after", [f"{_fmt(r.temp_files.get('before'))} -> {_fmt(r.temp_files.get('after'))}"
                                        for r in results]),
        ("result folders in outputs", [_fmt(r.result_folders) for r in results]),
        ("server log: tracebacks", [_fmt(r.server_log.get("tracebacks")) for r in results]),
    ]
    grid = [["", *(r.label for r in results)], *([name, *values] for name, values in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]

    def aligned(cells: list[str]) -> str:
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([cells[0].ljust(widths[0]), *rest])

    lines = [aligned(grid[0]), "  ".join("-" * w for w in widths), *(aligned(line) for line in grid[1:])]
    for r in results:
        for kind, messages in r.messages.items():
            for message, count in messages.items():
                lines.append(f"[{r.label}] {kind} x{count}: {json.dumps(message, ensure_ascii=False)}")
        for line in r.server_log.get("first_errors", []):
            lines.append(f"[{r.label}] server log: {line[:200]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10],
                        help="requests in flight at once, e.g. 10, 100 or 1000; several: one run each")
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per run (default: as many as --concurrency)")
    parser.add_argument("--url", help="a running server to load (default: start a fresh one per run)")
    parser.add_argument("--route", choices=("call", "run"), default="call",
                        help="call: the queue (/gradio_api/call/generate); run: the direct /gradio_api/run/generate")
    parser.add_argument("--photo", type=Path, help="the face photo (default: scikit-image's astronaut, as JPEG)")
    parser.add_argument("--text", default="开心")
    parser.add_argument("--caption", default="")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one request may take (default 300)")
    parser.add_argument("--total-timeout", type=float, default=360,
                        help="seconds the whole run may take; what is unfinished then counts as timed out")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted requests before the load (default 1)")
    parser.add_argument("--keepalive", action="store_true",
                        help="reuse pooled connections (default: a new connection for every exchange)")
    parser.add_argument("--distinct-clients", action="store_true",
                        help="give every request its own X-Forwarded-For address, as a reverse proxy would "
                             "pass on many visitors (default: all come from this one address)")
    parser.add_argument("--temp-dir", type=Path, help="with --url: the server's Gradio temp folder, to count files")
    parser.add_argument("--keep", action="store_true", help="keep the started server's folders and log")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if any(c < 1 for c in args.concurrency) or (args.requests is not None and args.requests < 1):
        parser.error("--concurrency and --requests must be at least 1")

    results = []
    for concurrency in args.concurrency:
        result = measure(args, concurrency)
        results.append(result)
        print(table([result]) + "\n", flush=True)
    if len(results) > 1:
        print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
