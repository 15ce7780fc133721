"""Shared fixtures: real photos (scikit-image's, and those fetched by photo_library), a pipeline, a browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from photo_library import PhotosUnavailable, load_rgb
from PIL import Image

from emojigen import Pipeline, Settings

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots and stickers to look at after a run
CHROMIUM = os.environ.get("EMOJIGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install Debian's chromium package")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """Eileen Collins' NASA portrait: one real, smiling, frontal face."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def photo_rgb(astronaut):
    """name -> RGB array: "astronaut", any name in photo_library.PHOTOS, or "grey_" + one of those."""
    cache: dict[str, np.ndarray] = {"astronaut": astronaut}

    def get(name: str) -> np.ndarray:
        if name not in cache:
            try:
                if name.startswith("grey_"):
                    grey = np.asarray(Image.fromarray(get(name[5:])).convert("L"))
                    cache[name] = np.dstack([grey] * 3)
                else:
                    cache[name] = load_rgb(name)
            except PhotosUnavailable as exc:
                # CI must have them (the registry is reachable there); offline, say why and skip.
                if os.environ.get("CI"):
                    pytest.fail(f"test photos unavailable: {exc}")
                pytest.skip(f"test photos unavailable: {exc}")
        return cache[name]

    return get


@pytest.fixture(scope="session")
def photos(tmp_path_factory, astronaut) -> dict[str, Path]:
    from skimage import data

    folder = tmp_path_factory.mktemp("photos")
    paths = {"face": folder / "astronaut.jpg", "no_face": folder / "coffee.jpg"}
    Image.fromarray(astronaut).save(paths["face"], quality=92)
    Image.fromarray(data.coffee()).save(paths["no_face"], quality=92)
    return paths


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory) -> Pipeline:
    return Pipeline(Settings(outputs_dir=tmp_path_factory.mktemp("outputs")))
