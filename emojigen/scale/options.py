"""How many replicas and how they scale: from the command line or a YAML file, checked before Ray starts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from emojigen.errors import BadInput


@dataclass(frozen=True)
class ReplicaOptions:
    replicas: int = 1  # a fixed number of replicas, when min/max are not given
    min_replicas: int | None = None  # with max_replicas: Ray Serve's autoscaling between the two
    max_replicas: int | None = None
    target_ongoing_requests: float = 2.0  # requests per replica the autoscaler aims for
    num_cpus: float = 1.0  # CPUs each replica reserves
    num_gpus: float | None = None  # GPUs each replica reserves; None: 1 where the cluster has GPUs, else 0
    max_ongoing_requests: int | None = None  # per replica; None: the pipeline's own concurrency

    def __post_init__(self) -> None:
        if self.replicas < 1:
            raise _bad("replicas", "至少 1 个", "at least 1")
        if (self.min_replicas is None) != (self.max_replicas is None):
            raise _bad("min_replicas/max_replicas", "要么都给，要么都不给", "give both or neither")
        if self.min_replicas is not None and not 0 <= self.min_replicas <= self.max_replicas:
            raise _bad("min_replicas", "应在 0 到 max_replicas 之间", "must be between 0 and max_replicas")
        if self.max_replicas is not None and self.max_replicas < 1:
            raise _bad("max_replicas", "至少 1 个", "at least 1")
        if self.target_ongoing_requests <= 0 or self.num_cpus < 0 or (self.num_gpus or 0) < 0:
            raise _bad("target_ongoing_requests/num_cpus/num_gpus", "必须为正数", "must be positive")

    @property
    def autoscaling(self) -> dict[str, Any] | None:
        if self.min_replicas is None:
            return None
        return {"min_replicas": self.min_replicas, "max_replicas": self.max_replicas,
                "initial_replicas": max(self.min_replicas, min(self.replicas, self.max_replicas)),
                "target_ongoing_requests": self.target_ongoing_requests}

    def describe(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def load(cls, path: Path | None = None, **given: Any) -> ReplicaOptions:
        """The YAML file's values (if any), then the command line's (`given`, None: not given)."""
        values: dict[str, Any] = {}
        if path is not None:
            values.update(_read_yaml(path))
        values.update({k: v for k, v in given.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise BadInput(f"扩展配置中有未知的键：{', '.join(unknown)}。",
                           f"Unknown keys in the scaling configuration: {', '.join(unknown)} "
                           f"(known: {', '.join(sorted(known))}).")
        return replace(cls(), **values)


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput(f"读不了扩展配置文件 {path}：{exc}",
                       f"Cannot read the scaling configuration {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise BadInput(f"扩展配置文件 {path} 应是键值对。", f"The scaling configuration {path} must be a mapping.")
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def _bad(name: str, zh: str, en: str) -> BadInput:
    return BadInput(f"扩展配置 {name}：{zh}。", f"Scaling configuration {name}: {en}.")
