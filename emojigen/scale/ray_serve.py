"""Ray Serve: start (or join) a Ray cluster, deploy the sticker pipeline as N replicas, and hand the
front-end a `RemotePipeline` that sends the work there.

- `RAY_ADDRESS` set: join that cluster. Otherwise a local one is started, on the loopback address only,
  and stopped when the front-end exits.
- Each replica reserves `num_cpus`, and one GPU where the cluster has GPUs, and keeps its models warm.
- Serve's own HTTP proxy is off: the Gradio page and API stay the only door, at the same address.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
from typing import Any

from emojigen.config import Settings
from emojigen.errors import EmojigenError
from emojigen.scale.options import ReplicaOptions

log = logging.getLogger(__name__)

APP_NAME = "emojigen"
DEPLOYMENT_NAME = "StickerWorker"


class ScaleUnavailable(EmojigenError):
    """Ray is not installed, or the cluster cannot be reached."""


def import_ray() -> tuple[Any, Any]:
    try:
        import ray
        from ray import serve
    except ImportError:
        raise ScaleUnavailable("多副本需要 Ray：请运行 pip install \"emojigen[scale]\"。",
                               'Replicas need Ray: pip install "emojigen[scale]".') from None
    return ray, serve


def start_replicas(settings: Settings, options: ReplicaOptions) -> Any:
    """Deploy the pipeline on Ray Serve and return the front-end's RemotePipeline."""
    from emojigen.factory import build_pipeline
    from emojigen.scale.remote import RemotePipeline

    ray, serve = import_ray()
    address = os.environ.get("RAY_ADDRESS") or None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:  # a local cluster on the loopback address, gone with this process
            ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)
            atexit.register(ray.shutdown)
            _exit_cleanly_on_sigterm()
    except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; the operator needs the address and why
        raise ScaleUnavailable(f"无法连接 Ray 集群（{address or '本机'}）：{exc}",
                               f"Cannot reach the Ray cluster ({address or 'local'}): {exc}") from exc
    serve.start(proxy_location="Disabled")
    gpus = options.num_gpus if options.num_gpus is not None else (1.0 if ray.cluster_resources().get("GPU") else 0.0)
    deployment = _deployment(serve, settings, options, gpus)
    handle = serve.run(deployment.bind(settings), name=APP_NAME, route_prefix=None)
    if not address:
        atexit.register(serve.shutdown)
    log.info("Ray Serve: %s replica(s) of the sticker pipeline (%s CPU, %s GPU each)",
             options.autoscaling or options.replicas, options.num_cpus, gpus)
    return RemotePipeline(build_pipeline(settings), handle, options, replica_states)


def _exit_cleanly_on_sigterm() -> None:
    """A stopped server (SIGTERM from a service manager or `docker stop`) exits through atexit, which stops
    the local Ray cluster it started; by default SIGTERM would leave Ray's processes behind."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def _deployment(serve: Any, settings: Settings, options: ReplicaOptions, gpus: float) -> Any:
    from emojigen.scale.worker import StickerWorker

    class Replica(StickerWorker):
        def __init__(self, settings: Settings) -> None:
            context = serve.get_replica_context()
            super().__init__(settings, replica=context.replica_id.unique_id if context else "")

    concurrency = options.max_ongoing_requests or settings.concurrency
    config: dict[str, Any] = {"name": DEPLOYMENT_NAME, "max_ongoing_requests": concurrency,
                              "ray_actor_options": {"num_cpus": options.num_cpus, "num_gpus": gpus},
                              "health_check_period_s": 5, "graceful_shutdown_timeout_s": 30}
    if options.autoscaling:
        config["autoscaling_config"] = options.autoscaling
    else:
        config["num_replicas"] = options.replicas
    return serve.deployment(**config)(Replica)


def replica_states() -> dict[str, Any]:
    """What Ray Serve says of the deployment: its status and how many replicas are in each state."""
    _, serve = import_ray()
    try:
        application = serve.status().applications.get(APP_NAME)
    except Exception as exc:  # noqa: BLE001 - the status must answer even when the cluster does not
        return {"status": "UNREACHABLE", "message": str(exc)}
    if application is None:
        return {"status": "NOT_DEPLOYED"}
    deployment = application.deployments.get(DEPLOYMENT_NAME)
    states = {str(getattr(state, "value", state)): count
              for state, count in (deployment.replica_states.items() if deployment else [])}
    return {"status": str(getattr(application.status, "value", application.status)), "replicas": states,
            "message": deployment.message if deployment else application.message}
