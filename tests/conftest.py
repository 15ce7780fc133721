"""Shared fixtures: real photos (public-domain images that ship with scikit-image) and a pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emojigen import Pipeline, Settings

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots and stickers to look at after a run


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
