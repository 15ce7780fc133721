"""Checking pictures (the uploaded photo, the finished sticker) with an image classifier.

    moderator = ImageModerator("path/or/hub-id")    # nothing is loaded yet
    verdict = moderator.check(rgb)                  # ImageVerdict(blocked=False, label=None, score=0.02)
    if verdict.blocked:
        zh, en = blocked_image_message()

The model is any transformers image-classification model (a folder saved with save_pretrained, or a hub
id where a hub can be reached). A picture is blocked when the probabilities of its unsafe labels add up
to the threshold or more. torch and transformers are imported on the first load, under a lock, once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emojigen.errors import ModelUnavailable
from emojigen.load_once import LoadOnce

log = logging.getLogger(__name__)

UNSAFE_WORDS = ("nsfw", "porn", "hentai", "sexy", "explicit", "nude", "unsafe")
DEFAULT_THRESHOLD = 0.7
BLOCKED_IMAGE_MESSAGE = ("这张图片不适合做表情包，请换一张。",
                         "This picture can't be made into a sticker; please use another one.")
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class ImageVerdict:
    """blocked: the unsafe labels' summed probability reached the threshold. label: the likeliest unsafe
    label when blocked, else None. score: that summed probability (0 to 1), blocked or not."""

    blocked: bool
    label: str | None
    score: float


def blocked_image_message() -> tuple[str, str]:
    """(Chinese, English) text to show when a picture is refused."""
    return BLOCKED_IMAGE_MESSAGE


@dataclass
class _Loaded:
    model: Any  # an AutoModelForImageClassification
    processor: Any  # its AutoImageProcessor
    unsafe: list[int]  # indices of the labels that count as unsafe


class ImageModerator:
    """unsafe_labels: the model's label names that count as unsafe (any case); None: every label whose
    name contains one of UNSAFE_WORDS. Nothing is loaded until the first check (or load)."""

    def __init__(self, model: str, threshold: float = DEFAULT_THRESHOLD, unsafe_labels: Iterable[str] | None = None,
                 device: str = "cpu") -> None:
        if not threshold > 0:
            raise ValueError(f"the threshold must be above 0, not {threshold}")
        self.model = model
        self.threshold = float(threshold)
        self.unsafe_labels = None if unsafe_labels is None else frozenset(n.strip().lower() for n in unsafe_labels)
        self.device = device
        self._once = LoadOnce(lambda: self._load())  # late-bound: tests may replace _load

    @property
    def loaded(self) -> bool:
        return self._once.value is not None

    def load(self) -> _Loaded:
        """Load the model once; a failure is remembered and raised again, naming the model."""
        return self._once.get()

    def _load(self) -> _Loaded:
        path = Path(self.model).expanduser()
        is_hub = not path.exists() and HUB_ID.match(self.model) is not None
        if path.is_file():
            raise _unavailable(self.model, "这是一个文件，需要模型文件夹", "it is a file, not a model folder")
        if not path.is_dir() and not is_hub:
            raise _unavailable(self.model, "文件夹不存在", "the folder does not exist")
        if path.is_dir() and not (path / "config.json").is_file():
            raise _unavailable(self.model, "文件夹里没有 config.json，不是用 save_pretrained 保存的模型",
                               "the folder has no config.json, so it is not a model saved with save_pretrained")
        from transformers import AutoImageProcessor, AutoModelForImageClassification

        source = str(path) if path.is_dir() else self.model
        try:
            processor = AutoImageProcessor.from_pretrained(source)
            model = AutoModelForImageClassification.from_pretrained(source).to(self.device).eval()
        except Exception as exc:  # noqa: BLE001 - transformers raises many kinds; the reason is what matters
            log.exception("loading the image classifier %s failed", self.model)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            if is_hub:
                raise _unavailable(self.model, f"无法从模型仓库下载（{reason}）",
                                   f"it cannot be downloaded ({reason})") from exc
            raise _unavailable(self.model, f"无法加载，不是图像分类模型或文件不完整（{reason}）",
                               f"it cannot be loaded: not an image-classification model, or incomplete "
                               f"({reason})") from exc
        labels = [str(model.config.id2label[i]) for i in range(len(model.config.id2label))]
        unsafe = [i for i, name in enumerate(labels) if self._is_unsafe(name)]
        if not unsafe:
            shown = ", ".join(labels)
            raise _unavailable(self.model, f"这个分类模型没有标记不安全图片的标签（它的标签：{shown}）",
                               f"this classifier has no label that marks unsafe images (its labels: {shown})")
        log.info("image classifier %s loaded on %s; unsafe labels: %s", self.model, self.device,
                 ", ".join(labels[i] for i in unsafe))
        return _Loaded(model, processor, unsafe)

    def _is_unsafe(self, label: str) -> bool:
        name = label.strip().lower()
        if self.unsafe_labels is not None:
            return name in self.unsafe_labels
        return any(word in name for word in UNSAFE_WORDS)

    def check(self, image: np.ndarray) -> ImageVerdict:
        """Classify one RGB uint8 picture (RGBA is laid on white first, grey is spread to RGB)."""
        loaded = self.load()
        import torch

        pixels = loaded.processor(images=_rgb(image), return_tensors="pt")["pixel_values"]
        with torch.inference_mode():  # in the model's dtype: a hub model may have been saved in half precision
            logits = loaded.model(pixel_values=pixels.to(self.device, loaded.model.dtype)).logits[0]
        probabilities = logits.float().softmax(-1).cpu().numpy()
        score = float(min(1.0, probabilities[loaded.unsafe].sum()))
        if score < self.threshold:
            return ImageVerdict(blocked=False, label=None, score=score)
        likeliest = max(loaded.unsafe, key=lambda i: probabilities[i])
        return ImageVerdict(blocked=True, label=str(loaded.model.config.id2label[likeliest]), score=score)

    def describe(self) -> dict[str, Any]:
        """For a status page: the model, whether it is loaded, the threshold and which labels are unsafe
        (before loading: the configured names, or the words a label's name is matched against)."""
        if self._once.value is not None:
            unsafe = [str(self._once.value.model.config.id2label[i]) for i in self._once.value.unsafe]
        else:
            unsafe = sorted(self.unsafe_labels) if self.unsafe_labels is not None else [f"*{w}*" for w in UNSAFE_WORDS]
        info: dict[str, Any] = {"model": self.model, "loaded": self.loaded, "threshold": self.threshold,
                                "device": self.device, "unsafe_labels": unsafe}
        if self._once.error is not None:
            info["error"] = self._once.error.en
        return info


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.dstack([image] * 3)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB or RGBA uint8 image, got shape {image.shape} of {image.dtype}")
    if image.shape[2] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255.0
        image = (image[..., :3] * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
    return image


def _unavailable(model: str, zh: str, en: str) -> ModelUnavailable:
    return ModelUnavailable(f"图片审核模型 {model}：{zh}。", f"Image moderation model {model}: {en}.")
