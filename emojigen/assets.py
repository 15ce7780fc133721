"""Locating the assets (word lists, captions, templates): the repository's assets/ folder, which the
package carries as `emojigen._assets` (see setup.py), so an installed wheel finds them too."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def assets_dir() -> Path:
    """EMOJIGEN_ASSETS_DIR, else the assets installed with the package (assets/ itself in an editable install)."""
    override = os.environ.get("EMOJIGEN_ASSETS_DIR")
    if override:
        return Path(override)
    try:
        root = files("emojigen._assets")
    except ModuleNotFoundError as exc:  # e.g. a checkout used without installing it
        raise RuntimeError("emojigen's assets (emojigen._assets) are not installed: install emojigen "
                           "(in a checkout: pip install -e .)") from exc
    return Path(str(root))  # a real folder: templates are read with Path APIs
