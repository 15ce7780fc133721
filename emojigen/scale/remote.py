"""The front-end's pipeline when the work runs on replicas: the same surface as `Pipeline` for the page
and the API. Stickers, animations, packs and face finding go to a replica (with their progress streamed
back); the history, the store, the templates and the settings stay local and light.

A replica that dies while it works (a crash, a node lost, a replica stopped by the autoscaler) does not
lose the request: it is sent again, to a replica that is alive, up to RETRIES times; after that the person
is told clearly that it failed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emojigen.errors import EmojigenError
from emojigen.progress import ProgressCallback
from emojigen.scale.options import ReplicaOptions
from emojigen.scale.worker import rebuild

log = logging.getLogger(__name__)

RETRIES = 3
RETRY_PAUSE_S = 1.0  # time for Ray Serve to see the replica is gone before the next try


class ReplicasUnavailable(EmojigenError):
    """Every try ended with its replica gone."""

    def __init__(self) -> None:
        super().__init__("处理中的服务器进程意外退出，已重试仍未成功，请稍后再试。",
                         "The server process working on this stopped unexpectedly and retrying did not help; "
                         "please try again shortly.")


class RemotePipeline:
    def __init__(self, local: Any, handle: Any, options: ReplicaOptions,
                 states: Callable[[], dict[str, Any]] | None = None) -> None:
        self.local = local  # a pipeline that loads no model: history, store, templates, settings
        self.handle = handle
        self.options = options
        self._states = states
        self._served: Counter[str] = Counter()
        self._where: dict[str, dict[str, Any]] = {}  # replica -> its process and host
        self._retried = 0
        self._lock = threading.Lock()
        # The front-end lets as many requests run at once as the replicas together take.
        per_replica = options.max_ongoing_requests or local.settings.concurrency
        self.parallel_requests = per_replica * (options.max_replicas or options.replicas)

    def __getattr__(self, name: str) -> Any:  # everything not sent to a replica is the local pipeline's
        return getattr(self.local, name)

    # -- the work, on the replicas ----------------------------------------------------------------

    def run(self, request: Any, progress: ProgressCallback | None = None) -> Any:
        return self._remote("run", _portable_request(request), progress)

    def animate(self, request: Any, progress: ProgressCallback | None = None) -> Any:
        return self._remote("animate", _portable_request(request), progress)

    def pack(self, request: Any, progress: ProgressCallback | None = None) -> Any:
        return self._remote("pack", _portable_request(request), progress)

    def faces_in(self, image: Any) -> Any:
        return self._remote("faces_in", _file_bytes(image), None)

    def warm_up(self, diffusion: bool = True) -> None:
        """Nothing to load here: each replica loads its models before it takes requests."""

    def backend_status(self) -> dict[str, Any]:
        """The replicas' own status (their models), with the deployment's state and who served what."""
        try:
            status = dict(self.handle.status.remote().result(timeout_s=10)["backend"])
        except Exception as exc:  # noqa: BLE001 - a status page must answer even when no replica does
            log.warning("no replica answered the status request: %s", exc)
            status = dict(self.local.backend_status())
        with self._lock:
            served = {replica: {**self._where[replica], "requests": count} for replica, count in self._served.items()}
            retried = self._retried
        status["replicas"] = {"options": self.options.describe(), **(self._states() if self._states else {}),
                              "served": served, "retried": retried}
        return status

    def _remote(self, kind: str, request: Any, progress: ProgressCallback | None) -> Any:
        lost = _replica_lost_errors()
        for attempt in range(RETRIES + 1):
            try:
                for event in self.handle.options(stream=True).work.remote(kind, request):
                    if event[0] == "progress":
                        if progress is not None:
                            progress(event[1], event[2])
                        continue
                    with self._lock:
                        self._served[event[2]["replica"]] += 1
                        self._where[event[2]["replica"]] = {"pid": event[2]["pid"], "host": event[2]["host"]}
                    if event[0] == "error":
                        raise rebuild(event[1])
                    return self._local_files(event[1])
                raise RuntimeError("the replica's answer ended without a result")
            except lost as exc:
                log.warning("a replica was lost during %s (try %d of %d): %s", kind, attempt + 1, RETRIES + 1, exc)
                with self._lock:
                    self._retried += 1
                time.sleep(RETRY_PAUSE_S)
        raise ReplicasUnavailable()

    def _local_files(self, result: Any) -> Any:
        """A result whose files another machine wrote: fetched from the shared storage when the store can
        (on one machine the replicas write into this process's own outputs folder)."""
        fetch = getattr(self.local.store, "fetch", None)
        files = getattr(result, "files", None)
        if fetch is None or not isinstance(files, dict):
            return result
        for name, path in files.items():
            if not Path(path).exists():
                fetch(result.id, name)
        return result


def _replica_lost_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "the replica is gone", not "the request was wrong"."""
    from ray import exceptions

    lost = [exceptions.RayActorError, exceptions.ActorUnavailableError]
    for name in ("ActorDiedError", "NodeDiedError", "WorkerCrashedError"):
        if hasattr(exceptions, name):
            lost.append(getattr(exceptions, name))
    return tuple(lost)


def _file_bytes(image: Any) -> Any:
    """A path on this machine is sent as its bytes: the replica may be on another machine."""
    if isinstance(image, str | Path) and Path(image).is_file():
        return Path(image).read_bytes()
    return image


def _portable_request(request: Any) -> Any:
    if not dataclasses.is_dataclass(request):
        return request
    changes = {name: _file_bytes(getattr(request, name)) for name in ("image", "reference")
               if hasattr(request, name)}
    return dataclasses.replace(request, **changes)
