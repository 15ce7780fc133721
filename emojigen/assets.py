"""Locating the assets folder (word lists, captions, templates) that ships beside the package."""

from __future__ import annotations

import os
from pathlib import Path


def assets_dir() -> Path:
    """EMOJIGEN_ASSETS_DIR, else the repository's assets/ next to the emojigen package."""
    override = os.environ.get("EMOJIGEN_ASSETS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "assets"
