"""Pipeline: StickerRequest -> Sticker through named stages, with progress and per-stage timings."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emojigen import __version__
from emojigen.config import Settings
from emojigen.errors import BadInput
from emojigen.export import encode_png
from emojigen.expression.lexicon import ExpressionSpec, Lexicon, default_lexicon
from emojigen.expression.render import render_expression
from emojigen.face import FaceDetector, FaceFrame, yaw_degrees
from emojigen.image_input import ImageSource, load_image
from emojigen.sticker import caption as captions
from emojigen.sticker.compose import crop_head, place_on_canvas
from emojigen.sticker.cutout import matte
from emojigen.sticker.fonts import find_cjk_font
from emojigen.sticker.outline import add_outline
from emojigen.store import OutputStore
from emojigen.style import CLASSIC_STYLES, apply_style

log = logging.getLogger(__name__)

STAGES = ("load", "detect", "parse", "warp", "style", "finish", "export")
MAX_TEXT = 200
SMALL_FACE_EYES_PX = 40  # eyes closer than this: too little detail to edit well
TURNED_TOO_FAR = 30.0  # degrees of head turn beyond which the frontal moves look wrong

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class StickerRequest:
    image: ImageSource
    text: str = ""
    style: str = "photo"
    caption: str | None = None  # None: a caption chosen for the expression; "": no caption
    seed: int | None = None
    intensity: float = 1.0  # multiplies the intensity the words imply


@dataclass
class Sticker:
    id: str
    image: np.ndarray  # RGBA uint8, sticker_size square
    png_path: Path
    expression: ExpressionSpec
    caption: str
    seed: int
    faces_found: int
    backend: str
    timings: dict[str, float]  # seconds per stage
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the UI and API show next to the sticker."""
        return {
            "id": self.id,
            "expression": self.expression.name,
            "intensity": self.expression.intensity,
            "understood": self.expression.understood,
            "matched_words": list(self.expression.matched),
            "caption": self.caption,
            "seed": self.seed,
            "faces_found": self.faces_found,
            "backend": self.backend,
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()},
            "warnings": self.warnings,
        }


class Pipeline:
    def __init__(self, settings: Settings | None = None, lexicon: Lexicon | None = None,
                 detector: FaceDetector | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.lexicon = lexicon or default_lexicon()
        self.detector = detector or FaceDetector()
        self.store = OutputStore(self.settings.outputs_dir)

    @property
    def styles(self) -> list[str]:
        return list(CLASSIC_STYLES)

    def warm_up(self) -> None:
        """Load the face models and find the caption font ahead of the first request."""
        self.detector.load()
        find_cjk_font(self.settings.font_path)

    def backend_status(self) -> dict[str, str]:
        """Which styling backend serves requests, said plainly (a configured but unusable model is not hidden)."""
        model = self.settings.sd_model
        if not model:
            return {
                "backend": "classic",
                "zh": "风格：经典滤镜（未配置 Stable Diffusion 模型，可设置 EMOJIGEN_SD_MODEL）",
                "en": "Styling: classic looks (no Stable Diffusion model configured; set EMOJIGEN_SD_MODEL)",
            }
        return {
            "backend": "classic",
            "zh": f"风格：经典滤镜。已配置模型 {model}，但此版本尚不支持扩散模型风格化。",
            "en": f"Styling: classic looks. A model is configured ({model}) but this version "
                  "cannot run diffusion styling yet.",
        }

    def run(self, request: StickerRequest, progress: ProgressCallback | None = None) -> Sticker:
        timings: dict[str, float] = {}
        warnings: list[str] = []

        @contextmanager
        def stage(name: str) -> Iterator[None]:
            if progress:
                progress(name, STAGES.index(name) / len(STAGES))
            start = time.perf_counter()
            yield
            timings[name] = time.perf_counter() - start
            log.info("stage %-7s %7.1f ms", name, timings[name] * 1000)

        style = (request.style or "photo").strip().lower()
        if style not in CLASSIC_STYLES:
            raise BadInput(f"未知风格：{request.style}（可选：{', '.join(CLASSIC_STYLES)}）",
                           f"Unknown style: {request.style} (choose from {', '.join(CLASSIC_STYLES)})")
        if not 0.0 <= request.intensity <= 1.5:
            raise BadInput("强度应在 0 到 1.5 之间。", "Intensity must be between 0 and 1.5.")
        text = (request.text or "").strip()[:MAX_TEXT]
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)

        with stage("load"):
            rgb = load_image(request.image)
        with stage("detect"):
            detection = self.detector.detect(rgb)
            face = detection.face
            if detection.count > 1:
                warnings.append(f"照片里有 {detection.count} 张脸，用了最大的那张。 / "
                                f"{detection.count} faces found; the largest one was used.")
            warnings.extend(face_quality_warnings(face.landmarks))
        with stage("parse"):
            spec = self.lexicon.parse(text, scale=request.intensity)
            if not spec.understood:
                shown = text or "（空）"
                warnings.append(f"没看懂“{shown}”，用了默认表情：{spec.name}。 / "
                                f"Did not recognise {text!r}; used the default expression: {spec.name}.")
        with stage("warp"):
            warped = render_expression(rgb, face.landmarks, spec.name, spec.intensity)
            if 0 < warped.scale < 1:
                warnings.append("表情幅度被自动减弱以免脸部变形。 / "
                                "The expression was softened to avoid distorting the face.")
            elif warped.scale == 0:
                warnings.append("这张脸无法安全变形，保留了原表情。 / This face could not be reshaped safely; "
                                "its own expression was kept.")
            head = crop_head(warped.image, warped.landmarks)
        with stage("style"):
            styled = apply_style(head.image, style)
        with stage("finish"):
            caption_text = self._caption(request.caption, spec, text, seed, warnings)
            image = self._finish(head.image, styled, head.landmarks, caption_text)
        with stage("export"):
            sticker_id = self.store.new_id()
            backend = self.backend_status()["backend"]
            record = {
                "request": {"text": text, "style": style, "caption": request.caption, "seed": seed,
                            "intensity": request.intensity},
                "expression": asdict(spec),
                "caption": caption_text,
                "faces_found": detection.count,
                "face_box": list(face.box),
                "backend": backend,
                "warnings": warnings,
                "versions": _versions(),
            }
            paths = self.store.save(sticker_id, {"sticker.png": encode_png(image)}, record)
        if progress:
            progress("done", 1.0)
        log.info("sticker %s: %s %.2f, %d ms in all", sticker_id, spec.name, spec.intensity,
                 sum(timings.values()) * 1000)
        return Sticker(sticker_id, image, paths["sticker.png"], spec, caption_text, seed, detection.count,
                       backend, timings, warnings)

    def _caption(self, requested: str | None, spec: ExpressionSpec, text: str, seed: int,
                 warnings: list[str]) -> str:
        if requested is None:
            lang = "zh" if any(ord(ch) >= 0x2E80 for ch in text) or not text else "en"
            requested = captions.choose_caption(self.lexicon.captions.get(spec.name, {}), lang, seed)
        has_font = find_cjk_font(self.settings.font_path) is not None
        cleaned, dropped = captions.strip_unsupported(requested, has_font)
        if dropped:
            warnings.append(f"配字中的 {''.join(dropped)!r} 无法显示，已省略。 / "
                            f"{''.join(dropped)!r} in the caption cannot be drawn and was left out.")
        return cleaned

    def _finish(self, photo: np.ndarray, styled: np.ndarray, landmarks: np.ndarray, caption_text: str) -> np.ndarray:
        size = self.settings.sticker_size
        outline = max(3, size // 64)
        alpha = matte(photo, landmarks)  # matted on the photo: its colours separate best
        canvas = place_on_canvas(styled, alpha, size, margin=outline + size // 50)
        canvas = add_outline(canvas, outline)
        font = find_cjk_font(self.settings.font_path)
        if caption_text and font:
            canvas = captions.render_caption(canvas, caption_text, font)
        return canvas


def face_quality_warnings(landmarks: np.ndarray) -> list[str]:
    """Say so when a face is too small or too turned to be edited well (it is still edited)."""
    warnings = []
    if FaceFrame.from_landmarks(landmarks).unit < SMALL_FACE_EYES_PX:
        warnings.append("脸太小，表情细节可能不清晰；换一张脸更大的照片效果更好。 / "
                        "The face is small, so the expression may look soft; a closer photo works better.")
    yaw = yaw_degrees(landmarks)
    if abs(yaw) > TURNED_TOO_FAR:
        warnings.append(f"脸侧转约 {abs(yaw):.0f}°，表情可能不自然；正脸照片效果最好。 / "
                        f"The head is turned about {abs(yaw):.0f}°, so the expression may look odd; "
                        "a frontal photo works best.")
    return warnings


def _versions() -> dict[str, str]:
    import cv2
    import PIL

    versions = {"emojigen": __version__, "numpy": np.__version__, "opencv": cv2.__version__,
                "pillow": PIL.__version__}
    try:
        import dlib

        versions["dlib"] = dlib.__version__
    except ImportError:  # pragma: no cover - dlib is a hard dependency
        pass
    return versions
