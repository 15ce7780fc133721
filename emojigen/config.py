"""One frozen Settings object, read from EMOJIGEN_* environment variables and CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 7860
    outputs_dir: Path = Path("outputs")
    sticker_size: int = 512
    # A Stable Diffusion model (local folder, .safetensors file or hub id). Empty: classic styles only.
    sd_model: str = ""
    concurrency: int = 2
    queue_size: int = 16
    font_path: str = ""  # a CJK-capable font; empty: search the usual system places

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then EMOJIGEN_<NAME> variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"EMOJIGEN_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, raw, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _convert(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is Path:
            return Path(raw)
        return kind(raw)
    except ValueError as exc:
        raise ValueError(f"EMOJIGEN_{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
