"""Where dlib's model files live: shipped by the face-recognition-models package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from emojigen.errors import ModelUnavailable

LANDMARKS_68 = "shape_predictor_68_face_landmarks.dat"
FACE_DESCRIPTOR = "dlib_face_recognition_resnet_model_v1.dat"


def model_path(filename: str) -> Path:
    # Importing face_recognition_models itself needs pkg_resources, which recent setuptools dropped,
    # so find its folder without importing it.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "缺少人脸关键点模型（请安装 face-recognition-models）。",
            "The face landmark models are missing: install the face-recognition-models package.",
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / filename
    if not path.is_file():
        raise ModelUnavailable(f"找不到模型文件 {path}。", f"Model file not found: {path}")
    return path
