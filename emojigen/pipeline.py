"""Pipeline: StickerRequest -> Sticker through named stages, with progress and per-stage timings.

The work that depends only on the photo (load, detect, crop, cut-out) is done once in `prepare`;
`render` then draws one expression on it. A single sticker, an animation and a whole pack all use
the same two steps, so a pack or an animation never repeats the per-photo work.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emojigen.config import Settings
from emojigen.diffusion import DiffusionOptions, build_prompt
from emojigen.diffusion.options import make_options
from emojigen.diffusion.status import describe_backend
from emojigen.errors import BadInput, EmojigenError
from emojigen.export import encode_gif, encode_png, encode_webp, export_animated, export_static, get_platform
from emojigen.expression.animate import intensity_curve
from emojigen.expression.lexicon import ExpressionSpec, Lexicon, default_lexicon
from emojigen.expression.render import render_expression
from emojigen.face import FaceDetector
from emojigen.face.quality import face_quality_warnings
from emojigen.history import History
from emojigen.image_input import ImageSource, load_image
from emojigen.records import result_record, source_file
from emojigen.sticker import caption as captions
from emojigen.sticker.emoji import find_emoji_font
from emojigen.sticker.finish import FinishOptions, finish_artwork, finish_sticker, parse_colour
from emojigen.sticker.fonts import find_cjk_font
from emojigen.sticker.subject import Subject, prepare_subject, subject_from_cutout
from emojigen.sticker.templates import Template, compose_in_slot, get_template, load_templates
from emojigen.store import OutputStore
from emojigen.style import CLASSIC_STYLES, apply_style

log = logging.getLogger(__name__)

STAGES = ("load", "detect", "parse", "warp", "style", "finish", "export")
MAX_TEXT = 200
ANIMATION_FRAMES = 16
ANIMATION_FRAME_MS = 80

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class StickerRequest:
    image: ImageSource | None = None
    text: str = ""
    style: str = "photo"
    caption: str | None = None  # None: a caption chosen for the expression; "": no caption
    seed: int | None = None
    intensity: float = 1.0  # multiplies the intensity the words imply
    template: str | None = None  # a built-in template instead of (or around) the photo
    platform: str | None = None  # also write the file this chat app wants
    caption_position: str = "bottom"
    outline_width: int | None = None  # None: in proportion to the sticker
    outline_color: str = "#ffffff"
    shadow: bool = False
    # Diffusion styling (used when a Stable Diffusion model is configured; `diffusion=False` asks for
    # the classic looks anyway). None: the defaults.
    diffusion: bool = True
    lora: str | list[str] | None = None  # "name" or "name:0.8, other:0.4"
    lora_scale: float | None = None  # multiplies every adapter's weight
    strength: float | None = None
    steps: int | None = None
    guidance: float | None = None
    fast: bool = False  # LCM-LoRA, 4 steps
    session: str = ""  # who asked (the web page's session), for the history


@dataclass
class Sticker:
    id: str
    image: np.ndarray  # RGBA uint8, sticker_size square (for an animation: its fullest frame)
    png_path: Path
    expression: ExpressionSpec
    caption: str
    seed: int
    faces_found: int
    backend: str
    timings: dict[str, float]  # seconds per stage
    warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # every file written, by name
    platform_file: Path | None = None  # the file fitted to the requested platform

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
            "files": sorted(self.files),
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()},
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Prepared:
    """Everything about the source that does not depend on the expression."""
    subject: Subject
    faces_found: int  # 0 for a drawn character
    template: Template | None
    warnings: tuple[str, ...]
    source: np.ndarray | None = None  # the photo as loaded (kept with the result so it can be made again)


@dataclass(frozen=True)
class Look:
    """How every sticker from one request is drawn."""
    style: str
    finish: FinishOptions
    font: tuple[str, int] | None
    emoji_font: str | None
    diffusion: DiffusionOptions | None = None  # None: the classic looks


class Stages:
    """Times named stages and reports progress."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str, fraction: float | None = None) -> Iterator[None]:
        if self.progress:
            self.progress(name, STAGES.index(name) / len(STAGES) if fraction is None else fraction)
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.timings[name] = self.timings.get(name, 0.0) + elapsed  # a pack adds up its members' stages
        log.info("stage %-7s %7.1f ms", name, elapsed * 1000)

    def step_reporter(self, name: str) -> Callable[[int, int], None] | None:
        """Progress inside a long stage (diffusion steps), between its start and the next stage's."""
        if self.progress is None:
            return None
        start = STAGES.index(name) / len(STAGES)
        return lambda step, total: self.progress(f"{name} {step}/{total}", start + step / total / len(STAGES))


class Pipeline:
    def __init__(self, settings: Settings | None = None, lexicon: Lexicon | None = None,
                 detector: FaceDetector | None = None, diffusion: Any = None) -> None:
        self.settings = settings or Settings.from_env()
        self.lexicon = lexicon or default_lexicon()
        self.detector = detector or FaceDetector()
        self.store = OutputStore(self.settings.outputs_dir)
        self.history = History(self.settings.db_path or self.settings.outputs_dir / "history.sqlite")
        if diffusion is None and self.settings.sd_model:
            from emojigen.diffusion.styler import DiffusionStyler  # torch is imported only on its first load

            diffusion = DiffusionStyler(self.settings)
        self.diffusion = diffusion

    @property
    def styles(self) -> list[str]:
        return list(CLASSIC_STYLES)

    @property
    def templates(self) -> dict[str, Template]:
        return load_templates()

    @property
    def lora_names(self) -> list[str]:
        return self.diffusion.lora_names if self.diffusion is not None else []

    def warm_up(self, diffusion: bool = True) -> None:
        """Load the face models, find the caption font and (if configured) load the diffusion model ahead
        of the first request. A model that cannot load is reported by backend_status, not raised here."""
        self.detector.load()
        find_cjk_font(self.settings.font_path)
        if diffusion and self.diffusion is not None:
            try:
                self.diffusion.load()
            except EmojigenError as exc:
                log.error("diffusion styling unavailable: %s", exc.en)

    def backend_status(self) -> dict[str, Any]:
        return describe_backend(self.diffusion)

    # -- the two shared steps ------------------------------------------------------------------

    def look(self, request: StickerRequest, size: int | None = None, seed: int = 0) -> Look:
        style = (request.style or "photo").strip().lower()
        if style not in CLASSIC_STYLES:
            raise BadInput(f"未知风格：{request.style}（可选：{', '.join(CLASSIC_STYLES)}）",
                           f"Unknown style: {request.style} (choose from {', '.join(CLASSIC_STYLES)})")
        if not 0.0 <= request.intensity <= 1.5:
            raise BadInput("强度应在 0 到 1.5 之间。", "Intensity must be between 0 and 1.5.")
        finish = FinishOptions(size=size or self.settings.sticker_size, outline_width=request.outline_width,
                               outline_color=parse_colour(request.outline_color or "#ffffff"),
                               shadow=bool(request.shadow), caption_position=request.caption_position or "bottom")
        return Look(style, finish, find_cjk_font(self.settings.font_path), find_emoji_font(),
                    self._diffusion_options(request, seed))

    def _diffusion_options(self, request: StickerRequest, seed: int) -> DiffusionOptions | None:
        wants_extras = bool(request.lora) or request.fast
        if self.diffusion is None:
            if wants_extras:
                raise BadInput("LoRA 和快速模式需要 Stable Diffusion 模型，但没有配置（EMOJIGEN_SD_MODEL）。",
                               "LoRA and fast mode need a Stable Diffusion model, and none is configured "
                               "(EMOJIGEN_SD_MODEL).")
            return None
        if not request.diffusion:
            return None
        return make_options(request.lora, request.lora_scale, request.strength, request.steps, request.guidance,
                            request.fast, seed)

    def prepare(self, request: StickerRequest, stage: Stages, work_side: int) -> Prepared:
        """Load and detect (or open the template), crop and cut out: once per photo."""
        template = get_template(request.template, self.templates) if request.template else None
        if template is not None and not template.needs_photo:
            with stage("load"):
                subject = subject_from_cutout(template.image, template.landmarks)
            return Prepared(subject, 0, template, ())
        with stage("load"):
            if template is not None and request.image is None:
                raise BadInput(f"模板“{template.title['zh']}”需要一张照片。",
                               f"The {template.title['en']} template needs a photo.")
            rgb = load_image(request.image)
        with stage("detect"):
            detection = self.detector.detect(rgb)
            warnings = list(face_quality_warnings(detection.face.landmarks))
            if detection.count > 1:
                warnings.insert(0, f"照片里有 {detection.count} 张脸，用了最大的那张。 / "
                                   f"{detection.count} faces found; the largest one was used.")
            subject = prepare_subject(rgb, detection.face.landmarks, work_side)
        return Prepared(subject, detection.count, template, tuple(warnings), rgb)

    def parse(self, text: str, intensity: float, warnings: list[str]) -> ExpressionSpec:
        spec = self.lexicon.parse(text, scale=intensity)
        if not spec.understood:
            shown = text or "（空）"
            warnings.append(f"没看懂“{shown}”，用了默认表情：{spec.name}。 / "
                            f"Did not recognise {text!r}; used the default expression: {spec.name}.")
        return spec

    def render(self, prepared: Prepared, expression: str, intensity: float, look: Look, caption: str,
               stage: Stages, warnings: list[str] | None = None, peak: float | None = None) -> np.ndarray:
        """One finished RGBA sticker: the expression drawn on the prepared subject. `peak`: an animation
        frame's full intensity, so every frame is restyled with the same prompt (no jumps between them)."""
        subject, template = prepared.subject, prepared.template
        with stage("warp"):
            rendered = render_expression(subject.image, subject.landmarks, expression, intensity)
            if warnings is not None:
                warnings.extend(_softened_warning(rendered.scale))
        with stage("style"):
            forced = template.slot.style if template is not None and template.slot else None
            if look.diffusion is not None and forced is None:
                prompt = build_prompt(expression, intensity if peak is None else peak, look.style)
                styled = self.diffusion.restyle(rendered.image, prompt, look.diffusion, stage.step_reporter("style"))
            else:
                styled = apply_style(rendered.image, forced or look.style)
        with stage("finish"):
            if template is None:
                return finish_sticker(styled, subject.alpha, caption, look.font, look.finish, look.emoji_font)
            return self._finish_template(template, styled, subject.alpha, rendered.landmarks, caption, look)

    def _finish_template(self, template: Template, styled: np.ndarray, alpha: np.ndarray, landmarks: np.ndarray,
                         caption: str, look: Look) -> np.ndarray:
        art = np.dstack([styled, alpha]) if template.kind == "character" else \
            compose_in_slot(template, styled, alpha, landmarks)
        return finish_artwork(art, template.caption_box, caption, look.font, look.finish, look.emoji_font)

    def caption_for(self, requested: str | None, spec: ExpressionSpec, text: str, seed: int,
                    template: Template | None, warnings: list[str]) -> str:
        if requested is None:
            lang = "zh" if any(ord(ch) >= 0x2E80 for ch in text) or not text else "en"
            # A template's own captions serve when it asks for them first (a festival's greeting) or
            # when no feeling was typed; otherwise the expression's captions fit better.
            use_template = template is not None and template.captions and (template.captions_first or not text)
            pool = template.captions if use_template else self.lexicon.captions.get(spec.name, {})
            requested = captions.choose_caption(pool, lang, seed)
        cleaned, dropped = captions.strip_unsupported(requested, find_cjk_font(self.settings.font_path) is not None,
                                                      find_emoji_font() is not None)
        if dropped:
            shown = "".join(dropped)
            warnings.append(f"配字中的 {shown!r} 无法显示（系统缺少字体），已省略。 / "
                            f"{shown!r} in the caption cannot be drawn (no font for it here) and was left out.")
        return cleaned

    # -- what users ask for ----------------------------------------------------------------------

    def run(self, request: StickerRequest, progress: ProgressCallback | None = None) -> Sticker:
        """One static sticker."""
        return self._make(request, progress, animated=False)

    def animate(self, request: StickerRequest, progress: ProgressCallback | None = None,
                frames: int = ANIMATION_FRAMES) -> Sticker:
        """An animated sticker: neutral -> expression -> hold -> neutral, as animated WebP and GIF
        (and the platform's own format when one is asked for)."""
        return self._make(request, progress, animated=True, frames=frames)

    def _make(self, request: StickerRequest, progress: ProgressCallback | None, animated: bool,
              frames: int = ANIMATION_FRAMES) -> Sticker:
        stage = Stages(progress)
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        look = self.look(request, seed=seed)
        platform = get_platform(request.platform) if request.platform else None
        text = (request.text or "").strip()[:MAX_TEXT]
        prepared = self.prepare(request, stage, work_side=self.settings.sticker_size)
        warnings = list(prepared.warnings)
        with stage("parse"):
            spec = self.parse(text, request.intensity, warnings)
            caption_text = self.caption_for(request.caption, spec, text, seed, prepared.template, warnings)
        if animated:
            curve = intensity_curve(frames, spec.intensity)
            images = [self.render(prepared, spec.name, k, look, caption_text, stage,
                                  warnings if k == max(curve) else None, peak=spec.intensity) for k in curve]
            peak = images[int(np.argmax(curve))]
        else:
            images = [self.render(prepared, spec.name, spec.intensity, look, caption_text, stage, warnings)]
            peak = images[0]
        with stage("export"):
            files = {"sticker.png": encode_png(peak)}
            if animated:
                durations = [ANIMATION_FRAME_MS] * len(images)
                files["animation.webp"] = encode_webp(images, durations, quality=80)
                files["animation.gif"] = encode_gif(images, durations)
            platform_name = None
            if platform is not None:
                limits = platform.limits(animated)
                exported = (export_animated(images, ANIMATION_FRAME_MS, limits) if animated
                            else export_static(peak, limits))
                platform_name = f"{platform.name}.{exported.extension}"
                files[platform_name] = exported.data
                warnings.extend(exported.notes)
        sticker_id = self.store.new_id()
        backend = "diffusion" if look.diffusion is not None else "classic"
        kind = "animation" if animated else "sticker"
        source = source_file(request.image, prepared.source)
        if source is not None:
            files[source[0]] = source[1]
        record = result_record(
            request, kind=kind, source=source and source[0], seed=seed, style=look.style, backend=backend,
            diffusion=self._diffusion_record(look, spec) if look.diffusion is not None else None,
            timings=stage.timings, warnings=warnings, caption=caption_text, faces_found=prepared.faces_found,
            expression={"name": spec.name, "intensity": spec.intensity, "understood": spec.understood,
                        "matched": list(spec.matched)})
        paths = self.store.save(sticker_id, files, record)
        self.remember(sticker_id, kind, record, request.session, spec.name, caption_text, paths["sticker.png"],
                      warnings)
        if progress:
            progress("done", 1.0)
        log.info("sticker %s: %s %.2f, %d ms in all", sticker_id, spec.name, spec.intensity,
                 sum(stage.timings.values()) * 1000)
        return Sticker(sticker_id, peak, paths["sticker.png"], spec, caption_text, seed, prepared.faces_found,
                       backend, stage.timings, warnings, paths, paths.get(platform_name) if platform_name else None)


    def remember(self, result_id: str, kind: str, record: dict[str, Any], session: str, expression: str,
                 caption: str, preview: Path, warnings: list[str]) -> None:
        """Add a result to the history. The files are already saved: a database problem is logged and
        reported as a warning, never turned into a lost sticker."""
        try:
            self.history.add(result_id, kind, record["request"], session=session, expression=expression,
                             style=record["request"]["style"], backend=record["backend"], caption=caption,
                             preview=str(preview))
        except sqlite3.Error:
            log.exception("could not add %s to the history", result_id)
            warnings.append("已保存，但未能记入历史。 / Saved, but it could not be added to the history.")

    def _diffusion_record(self, look: Look, spec: ExpressionSpec) -> dict[str, Any]:
        """What result.json needs to re-make or audit a diffusion sticker."""
        prompt = build_prompt(spec.name, spec.intensity, look.style)
        return {**self.diffusion.status(), **look.diffusion.summary(),
                "prompt": prompt.positive, "negative_prompt": prompt.negative}


def _softened_warning(scale: float) -> list[str]:
    if 0 < scale < 1:
        return ["表情幅度被自动减弱以免脸部变形。 / The expression was softened to avoid distorting the face."]
    if scale == 0:
        return ["这张脸无法安全变形，保留了原表情。 / This face could not be reshaped safely; "
                "its own expression was kept."]
    return []
