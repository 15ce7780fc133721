"""The replica side: one pipeline, its models loaded once and kept warm, answering the front-end's
requests as a stream of progress events that ends with the result (or with the error to show).

The class is plain Python (no Ray import), so it is tested without a cluster; `deployment.py` wraps it in
a Ray Serve deployment.
"""

from __future__ import annotations

import importlib
import os
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any

from emojigen.config import Settings
from emojigen.errors import EmojigenError

KINDS = ("run", "animate", "pack", "faces_in")


class StickerWorker:
    def __init__(self, settings: Settings, replica: str = "") -> None:
        from emojigen.factory import build_pipeline

        self.pipeline = build_pipeline(settings)
        self.pipeline.warm_up()  # every model loaded before the replica takes its first request
        self.identity = {"replica": replica or f"{socket.gethostname()}:{os.getpid()}", "pid": os.getpid(),
                         "host": socket.gethostname()}

    def work(self, kind: str, request: Any) -> Iterator[tuple]:
        """("progress", label, fraction)... then ("result", value, identity) or ("error", portable, identity).
        The pipeline runs on its own thread so progress reaches the front-end while it works."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of work: {kind}")
        events: queue.Queue[tuple] = queue.Queue()

        def progress(label: str, fraction: float) -> None:
            events.put(("progress", label, fraction))

        def run() -> None:
            try:
                method = getattr(self.pipeline, kind)
                value = method(request) if kind == "faces_in" else method(request, progress=progress)
                events.put(("result", value, self.identity))
            except EmojigenError as exc:  # what the person is told: sent as data, raised again by the front-end
                events.put(("error", portable(exc), self.identity))
            except BaseException as exc:  # noqa: BLE001 - anything else is a server fault, reported as such
                events.put(("error", portable(exc), self.identity))

        threading.Thread(target=run, name=f"emojigen-{kind}", daemon=True).start()
        while True:
            event = events.get()
            yield event
            if event[0] != "progress":
                return

    def status(self) -> dict[str, Any]:
        return {**self.identity, "backend": self.pipeline.backend_status()}


def portable(exc: BaseException) -> dict[str, Any]:
    """An exception as plain data: its class and attributes (errors with zh/en texts do not pickle by
    their arguments)."""
    kind = type(exc)
    return {"class": f"{kind.__module__}:{kind.__qualname__}", "state": dict(vars(exc)), "text": str(exc)}


def rebuild(data: dict[str, Any]) -> BaseException:
    """The exception `portable` described; a class that cannot be found becomes a RuntimeError."""
    module, _, name = data["class"].partition(":")
    try:
        kind = importlib.import_module(module)
        for part in name.split("."):
            kind = getattr(kind, part)
        if not (isinstance(kind, type) and issubclass(kind, BaseException)):
            raise TypeError(name)
        exc = kind.__new__(kind)
        BaseException.__init__(exc, data["text"])
        vars(exc).update(data["state"])
        return exc
    except (ImportError, AttributeError, TypeError):
        return RuntimeError(data["text"])
