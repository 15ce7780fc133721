"""Person segmentation: MediaPipe's selfie segmentation net (Apache-2.0, shipped in assets/models/), run
with OpenCV's DNN module, so it needs no runtime beyond OpenCV.

The net takes a 256x256 RGB image with values in [0, 1] (the whole image stretched to the square, as
MediaPipe's own graph feeds it) and gives a 256x256 person probability.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emojigen.assets import assets_dir
from emojigen.errors import ModelUnavailable
from emojigen.load_once import LoadOnce

MODEL_FILE = "models/selfie_segmentation.tflite"
MODEL_SHA256 = "8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27"
INPUT_SIDE = 256


@dataclass
class _Net:
    net: cv2.dnn.Net
    lock: threading.Lock  # one OpenCV Net must not run two forwards at once; a pass takes a few ms


def model_path() -> Path:
    return assets_dir() / MODEL_FILE


def _unavailable(path: Path, zh: str, en: str) -> ModelUnavailable:
    return ModelUnavailable(f"人像分割模型 {path} 无法使用：{zh}。请重新安装 emojigen。",
                            f"The person segmentation model {path} cannot be used: {en}. Reinstall emojigen.")


def load_net(path: Path | None = None) -> _Net:
    """Read and check the model file (a wrong or truncated file is named, not run)."""
    path = model_path() if path is None else path
    if not path.is_file():
        raise _unavailable(path, "文件不存在", "the file is missing")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise _unavailable(path, "文件已损坏（SHA-256 不符）", "the file is damaged (its SHA-256 does not match)")
    try:
        net = cv2.dnn.readNetFromTFLite(str(path))
    except cv2.error as exc:
        raise _unavailable(path, "OpenCV 读不了它", f"OpenCV cannot read it ({str(exc).strip()[:200]})") from exc
    return _Net(net, threading.Lock())


_once = LoadOnce(load_net)


def load() -> None:
    """Load the net now (a server's warm-up), not on the first photo."""
    _once.get()


def person_probability(rgb: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """float32 (H, W) in [0, 1]: how likely each pixel of `rgb` is part of a person, at the image's size or
    at `size` (width, height): a caller that refines it at a lower resolution asks for that directly."""
    loaded = _once.get()
    square = cv2.resize(np.ascontiguousarray(rgb[..., :3]), (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA)
    blob = (square.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]  # OpenCV takes NCHW
    with loaded.lock:
        loaded.net.setInput(blob)
        out = loaded.net.forward()
    prob = np.clip(out.reshape(INPUT_SIDE, INPUT_SIDE), 0.0, 1.0).astype(np.float32)
    w, h = size if size is not None else (rgb.shape[1], rgb.shape[0])
    return cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
