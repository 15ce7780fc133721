"""Pipeline: one path from a request to a stored result, for a sticker, an animation and a pack.

    plan (validate, no I/O) -> prepare (load, detect, crop, cut-out: once per photo) -> parse
    -> draw (warp, style, finish; per frame, per pack member) -> export -> keep (store, history)

A sticker, an animation and a pack differ only in what they draw and export; they share the plan, the
per-photo work, the drawing, the caption choice and the keeping of the result (`_keep`).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from emojigen.background import Background
from emojigen.config import Settings
from emojigen.diffusion import build_prompt
from emojigen.diffusion.prompts import Prompt
from emojigen.diffusion.status import describe_backend
from emojigen.errors import EmojigenError, ImageRefused, NoFace, ReferenceHasNoFace, TextRefused
from emojigen.export import Exported, encode_gif, encode_png_quick, encode_webp, export_animated, export_static
from emojigen.expression.actions import AUs, Tweaks
from emojigen.expression.animate import intensity_curve
from emojigen.expression.lexicon import ExpressionSpec, Lexicon, default_lexicon
from emojigen.expression.lip_colours import prime_colour_tables
from emojigen.expression.reading import read_aus
from emojigen.expression.render import render_expression
from emojigen.face import FaceDetector
from emojigen.face.detect import Box, Detection
from emojigen.face.quality import face_quality_warnings
from emojigen.history import History
from emojigen.image_input import ImageSource, load_image
from emojigen.notices import Notice, unique
from emojigen.pack import Member, Pack, pack_files, plan_members
from emojigen.photo_cache import PhotoCache, content_digest, photo_key
from emojigen.plan import ANIMATION_FRAME_MS, ANIMATION_FRAMES, Look, Plan, make_plan
from emojigen.progress import ProgressCallback, Span, Tracker
from emojigen.records import KeptSource, request_fields, result_record
from emojigen.result_cache import CachedResult, CacheKeys, ResultCache, lora_fingerprint, request_keys
from emojigen.results import Sticker, faces_summary, timings_ms
from emojigen.spec import Request
from emojigen.sticker import caption as captions
from emojigen.sticker.cutout import METHODS as CUTOUT_METHODS
from emojigen.sticker.emoji import find_emoji_font
from emojigen.sticker.fonts import fallback_fonts, find_cjk_font
from emojigen.sticker.framing import Framing
from emojigen.sticker.segmentation import load as load_segmentation
from emojigen.sticker.subject import Subject, prepare_subject
from emojigen.sticker.templates import Template, load_templates
from emojigen.store import OutputStore
from emojigen.style import CLASSIC_STYLES, apply_style

log = logging.getLogger(__name__)
PACK_WORKERS = 2  # a pack's stickers drawn at once: 16 WeChat stickers 0.42 -> 0.35-0.39 s on 2 cores

StickerRequest = Request  # the name earlier code and clients use


@dataclass(frozen=True)
class Prepared:
    """Everything about the source that does not depend on the expression."""
    subject: Subject
    detection: Detection | None  # None for a drawn character
    source: KeptSource | None = None  # the photo as loaded (kept with each result so it can be made again)
    cached: bool = False  # taken from the photo cache (the same photo was prepared before)

    @property
    def faces_found(self) -> int:
        return self.detection.count if self.detection else 0


class Pipeline:
    """The sticker maker. Persistence (the output store, the history) and models are passed in; nothing
    is read or written until the first request (or warm_up)."""

    def __init__(self, settings: Settings | None = None, lexicon: Lexicon | None = None,
                 detector: FaceDetector | None = None, diffusion: Any = None, store: OutputStore | None = None,
                 history: History | None = None, moderator: Any = None, image_moderator: Any = None) -> None:
        from emojigen.factory import (  # one place builds them
            make_diffusion,
            make_history,
            make_image_moderator,
            make_store,
        )

        self.settings = settings or Settings.from_env()
        if self.settings.cutout not in CUTOUT_METHODS:
            raise ValueError(f"EMOJIGEN_CUTOUT={self.settings.cutout!r}: one of {', '.join(CUTOUT_METHODS)}")
        if self.settings.sd_fast not in ("auto", "on", "off"):
            raise ValueError(f"EMOJIGEN_SD_FAST={self.settings.sd_fast!r}: one of auto, on, off")
        self.lexicon = lexicon or default_lexicon()
        self.detector = detector or FaceDetector()
        self.store = store or make_store(self.settings)
        self.history = history or make_history(self.settings)
        self.diffusion = diffusion if diffusion is not None else make_diffusion(self.settings)
        self._moderator = moderator  # built on first use (reading and indexing the word lists takes 0.2 s)
        self.image_moderator = image_moderator if image_moderator is not None else make_image_moderator(self.settings)
        self.photo_cache = PhotoCache(self.settings.photo_cache_mb)
        self.result_cache = ResultCache(self.settings.result_cache_mb, self.settings.retention_hours)
        self.background = Background()  # what a result needs written but its requester need not wait for

    def settle(self) -> None:
        """Wait until every result made so far is completely written (its kept source photo included)."""
        self.background.settle()

    @property
    def moderator(self) -> Any:
        """The text moderator, or None when moderation is off."""
        if self._moderator is None and self.settings.moderation:
            from emojigen.factory import make_moderator

            self._moderator = make_moderator(self.settings)
        return self._moderator

    @property
    def styles(self) -> list[str]:
        return list(CLASSIC_STYLES)

    @property
    def templates(self) -> dict[str, Template]:
        return load_templates()

    @property
    def lora_names(self) -> list[str]:
        return self.diffusion.lora_names if self.diffusion is not None else []

    @property
    def fast_by_default(self) -> bool:
        """Fast mode (LCM) for requests that leave it out. EMOJIGEN_SD_FAST=auto: where the model runs on
        a GPU and an LCM-LoRA is there (4 steps instead of 20, with little to see between them); on: with
        an LCM-LoRA anywhere; off: only when asked."""
        styler, mode = self.diffusion, self.settings.sd_fast
        if styler is None or mode == "off" or not styler.fast_available:
            return False
        return mode == "on" or _on_gpu(self.settings.sd_device)

    def warm_up(self, diffusion: bool = True) -> None:
        """Load the face models, find the caption font and (if configured) load the diffusion model ahead
        of the first request. A model that cannot load is reported by backend_status, not raised here."""
        self.detector.load()
        prime_colour_tables()
        if self.settings.cutout == "learned":
            try:
                load_segmentation()
            except EmojigenError as exc:  # every photo would fail: say why now
                log.error("the learned cut-out is unavailable: %s", exc.en)
        find_cjk_font(self.settings.font_path)
        _ = self.moderator  # the word lists, indexed
        if diffusion and self.diffusion is not None:
            try:
                self.diffusion.load()
            except EmojigenError as exc:
                log.error("diffusion styling unavailable: %s", exc.en)
        if self.image_moderator is not None:
            try:
                self.image_moderator.load()
            except EmojigenError as exc:  # every request is refused until it is fixed: say why now
                log.error("image moderation unavailable: %s", exc.en)

    def backend_status(self) -> dict[str, Any]:
        status = describe_backend(self.diffusion)
        checks = self.moderator.describe() if self.moderator is not None else None
        images = (self.image_moderator.describe() if self.image_moderator is not None
                  else "the Stable Diffusion safety checker, when diffusion runs")
        return {**status, "moderation": {"text": checks is not None, **(checks or {}), "images": images}}

    # -- what users ask for ----------------------------------------------------------------------

    def run(self, request: Request, progress: ProgressCallback | None = None) -> Sticker:
        """One static sticker."""
        return self._sticker(request, "sticker", progress)

    def animate(self, request: Request, progress: ProgressCallback | None = None,
                frames: int = ANIMATION_FRAMES) -> Sticker:
        """An animated sticker: neutral -> expression -> hold -> neutral, as animated WebP and GIF
        (and the platform's own format when one is asked for)."""
        return self._sticker(request, "animation", progress, frames)

    def pack(self, request: Request, progress: ProgressCallback | None = None) -> Pack:
        """A pack: one photo, many expressions, zipped in the layout the platform wants."""
        tracker = Tracker(progress)
        root = tracker.root()
        plan = self.plan(request, "pack")
        notices = list(plan.notices)
        with root.stage("parse", 0.0, 0.02):  # before the photo is read: a wrong count costs nothing
            members = plan_members(self.lexicon, plan.request, plan.platform, plan.seed)
            members = [m.with_caption(self.drawable_caption(m.caption, notices, plan.look.font)) for m in members]
        prepared = self.prepare(plan, root.child(0.02, 0.17), notices)
        limits = plan.platform.limits(plan.animated)

        def member_sticker(member: Member, span: Span) -> tuple[Exported, np.ndarray, list[Notice]]:
            member_notices: list[Notice] = []
            frames, peak, _ = self._draw(plan, prepared, member.expression, member.intensity, member.caption,
                                         span.child(0.0, 0.8), member_notices)
            self.check_picture(frames[peak], "pack sticker")
            with span.stage("export", 0.8, 1.0):
                if plan.animated:
                    result = export_animated(frames, ANIMATION_FRAME_MS, limits)
                else:
                    result = export_static(frames[peak], limits)
            return result, frames[peak], member_notices

        # The members share the prepared photo and nothing else: two are drawn at a time.
        spans = root.child(0.17, 0.92).split(len(members), "sticker")
        with ThreadPoolExecutor(max_workers=PACK_WORKERS, thread_name_prefix="emojigen-pack") as pool:
            made = list(pool.map(member_sticker, members, spans))
        exported, previews = [], []
        for i, (result, preview, member_notices) in enumerate(made, start=1):
            notices.extend(member_notices)
            notices.extend(note.numbered(i) for note in result.notes)
            exported.append(result)
            previews.append(preview)
        with root.stage("export", 0.92, 0.95):
            archive = pack_files(plan.platform, plan.request, members, exported, previews)
        files = {f"pack-{plan.platform.name}.zip": archive, "preview.png": encode_png_quick(previews[0])}
        details = {"stickers": [m.describe() for m in members], "faces_found": prepared.faces_found}
        result_id, paths, _ = self._keep(plan, prepared, files, tracker, root.child(0.95, 1.0), notices,
                                         expression=f"{len(members)} × {plan.platform.name}", caption="",
                                         preview="preview.png", diffusion=_diffusion_summary(plan.look),
                                         details=details)
        return Pack(result_id, paths[f"pack-{plan.platform.name}.zip"], plan.platform.name, members,
                    dict(tracker.timings), unique(notices), previews)

    # -- the shared steps ----------------------------------------------------------------------

    def plan(self, request: Request, kind: str, frames: int = ANIMATION_FRAMES) -> Plan:
        """Validate the request into an immutable plan; nothing is read or run yet. What a person typed
        is checked first: refused text costs nothing."""
        plan = make_plan(request, kind, sticker_size=self.settings.sticker_size, font_path=self.settings.font_path,
                         templates=self.templates, diffusion_ready=self.diffusion is not None, frames=frames,
                         fast_default=self.fast_by_default)
        self.moderate(plan)
        return plan

    def moderate(self, plan: Plan) -> None:
        """Refuse a request whose feeling, caption or pack expressions hold words from the lists. The log
        says which field and why, never the words or the photo."""
        if self.moderator is None:
            return
        request = plan.request
        listed = request.expressions if isinstance(request.expressions, list | tuple) else [request.expressions or ""]
        for field_name, texts in (("text", [request.text]), ("caption", [request.caption or ""]),
                                  ("expressions", [str(e) for e in listed])):
            verdict = self.moderator.check_all(texts)
            if verdict.blocked:
                log.warning("refused a %s request: its %s (%s)", plan.kind, field_name, verdict.category)
                raise TextRefused()

    def prepare(self, plan: Plan, span: Span, notices: list[Notice], digest: str | None = None) -> Prepared:
        """Load and detect (or take the character's own face), crop and cut out: once per photo.
        `digest`: the photo's content hash when the caller has it already."""
        own = plan.framing.own_subject()
        if own is not None:
            with span.stage("load"):
                return Prepared(own, None)
        with span.stage("load", 0.0, 0.3):
            key = photo_key(digest or content_digest(plan.request.image), plan.request.face, plan.work_side)
            cached = self.photo_cache.get(key)
            if cached is not None:  # the same photo again: its faces, crop and cut-out are ready
                _add_photo_notices(notices, cached.notices)
                return replace(cached.prepared, cached=True)
            rgb = self.check_picture(load_image(plan.request.image), "upload")
        with span.stage("detect", 0.3, 1.0):
            detection = self.detector.detect(rgb, plan.request.face)
            found = face_quality_warnings(detection.face.landmarks)
            if detection.count > 1:
                found.insert(0, _faces_notice(detection))
            subject = prepare_subject(rgb, detection.face.landmarks, plan.work_side, self.settings.cutout)
        prepared = Prepared(subject, detection, KeptSource(rgb))
        self.photo_cache.put(key, prepared, found)
        _add_photo_notices(notices, found)
        return prepared

    def read_reference(self, plan: Plan, span: Span) -> dict[str, float] | None:
        """The action units of the reference photo's face (its largest), or None without one."""
        if plan.request.reference is None:
            return None
        with span.stage("reference"):
            rgb = self.check_picture(load_image(plan.request.reference), "reference photo")
            try:
                landmarks = self.detector.detect(rgb).face.landmarks
            except NoFace:
                raise ReferenceHasNoFace() from None
            return read_aus(landmarks)

    def check_picture(self, image: np.ndarray, what: str) -> np.ndarray:
        """The image classifier's verdict on an upload or a result (when one is configured): refused
        pictures go no further. The log gives the label and score, never the picture."""
        if self.image_moderator is not None:
            verdict = self.image_moderator.check(image)
            if verdict.blocked:
                log.warning("refused a %s: %s %.2f", what, verdict.label, verdict.score)
                raise ImageRefused()
        return image

    def faces_in(self, image: ImageSource) -> tuple[np.ndarray, tuple[Box, ...]]:
        """The photo as loaded and every face in it, left to right (for choosing one in a group photo)."""
        rgb = load_image(image)
        return rgb, self.detector.detect(rgb).boxes

    def parse(self, text: str, intensity: float, notices: list[Notice]) -> ExpressionSpec:
        spec = self.lexicon.parse(text, scale=intensity)
        if not spec.understood:
            shown = text or "（空）"
            notices.append(Notice("not_understood", f"没看懂“{shown}”，用了默认表情：{spec.name}。",
                                  f"Did not recognise {text!r}; used the default expression: {spec.name}."))
        return spec

    def caption_for(self, plan: Plan, spec: ExpressionSpec, notices: list[Notice]) -> str:
        """The request's caption, or one chosen for the expression (or the template) by the seed."""
        requested, text = plan.request.caption, plan.request.text
        if requested is None:
            lang = "zh" if any(ord(ch) >= 0x2E80 for ch in text) or not text else "en"
            pool = plan.framing.caption_pool(text, self.lexicon.captions.get(spec.name, {}))
            requested = captions.choose_caption(pool, lang, plan.seed)
        return self.drawable_caption(requested, notices, plan.look.font)

    def drawable_caption(self, text: str, notices: list[Notice], font: tuple[str, int] | None) -> str:
        """The caption without what no font here can draw (`font`, the caption's, and its fallbacks); a
        notice names what was left out."""
        fonts = fallback_fonts(font) if font is not None else ()
        cleaned, dropped = captions.strip_unsupported(text, fonts, find_emoji_font() is not None)
        if dropped:
            shown = "".join(dropped)
            notice = Notice("caption_font", f"配字中的 {shown!r} 无法显示（系统缺少字体），已省略。",
                            f"{shown!r} in the caption cannot be drawn (no font for it here) and was left out.")
            if notice not in notices:
                notices.append(notice)
        return cleaned

    def render(self, prepared: Prepared, expression: str, intensity: float, look: Look, framing: Framing,
               caption: str, span: Span, notices: list[Notice] | None = None,
               prompt: Prompt | None = None, tweaks: Tweaks | None = None, aus: AUs | None = None) -> np.ndarray:
        """One finished RGBA sticker: the expression (and the sliders' tweaks) drawn on the prepared
        subject, styled, framed. `aus`: action units to show instead of the expression's recipe (read
        from a reference photo)."""
        subject = prepared.subject
        with span.stage("warp", 0.0, 0.3):
            recipe = self.lexicon.recipes.get(expression, {}) if aus is None else aus
            rendered = render_expression(subject.image, subject.landmarks, expression, intensity, tweaks=tweaks,
                                         aus=recipe)
            if notices is not None:
                notices.extend(_softened_notice(rendered.scale))
        with span.stage("style", 0.3, 0.85) as styling:
            forced = framing.forced_style()
            if look.diffusion is not None and forced is None:
                prompt = prompt or build_prompt(expression, intensity, look.style)
                styled = self.diffusion.restyle(rendered.image, prompt, look.diffusion, styling.steps("style"))
            else:
                styled = apply_style(rendered.image, forced or look.style)
        with span.stage("finish", 0.85, 1.0):
            return framing.finish(styled, subject.alpha, rendered.landmarks, caption, look.font, look.finish,
                                  look.emoji_font)

    def _sticker(self, request: Request, kind: str, progress: ProgressCallback | None,
                 frames: int = ANIMATION_FRAMES) -> Sticker:
        tracker = Tracker(progress)
        root = tracker.root()
        plan = self.plan(request, kind, frames)
        keys, digest = None, None
        if self.result_cache.enabled:
            with root.stage("cache", 0.0, 0.01):
                digest = content_digest(plan.request.image) if plan.request.image is not None else None
                keys = self._result_keys(plan, digest)
                entry = self.result_cache.find(keys, plan.request.session)
            if entry is not None:
                served = self._serve_stored(plan, entry, tracker, root.child(0.01, 1.0))
                if served is not None:
                    return served
        sticker, record = self._make_sticker(plan, tracker, root, digest, "miss" if keys is not None else None)
        if keys is not None:
            self.result_cache.keep(keys, plan.request.session, sticker.id, sticker, record)
        return sticker

    def _make_sticker(self, plan: Plan, tracker: Tracker, root: Span, digest: str | None,
                      result_cache: str | None) -> tuple[Sticker, dict[str, Any]]:
        notices = list(plan.notices)
        prepared = self.prepare(plan, root.child(0.01, 0.3), notices, digest)
        with root.stage("parse", 0.3, 0.33):
            spec = self.parse(plan.request.text, plan.request.intensity, notices)
            caption = self.caption_for(plan, spec, notices)
        copied = self.read_reference(plan, root.child(0.33, 0.35))
        if copied is not None:
            # The reference decides the face; the words still choose the caption (and tears or lines).
            spec = replace(spec, intensity=plan.request.intensity, understood=True)
        # Either the reference's action units, or a blend's ("a bit sad and angry"), or the recipe's.
        aus = copied if copied is not None else self.lexicon.blend_aus(spec)
        images, peak, prompt = self._draw(plan, prepared, spec.name, spec.intensity, caption,
                                          root.child(0.35, 0.85), notices, aus)
        self.check_picture(images[peak], "result")  # before anything is written
        with root.stage("export", 0.85, 0.92):
            files = {"sticker.png": encode_png_quick(images[peak])}
            if plan.animated:
                durations = [ANIMATION_FRAME_MS] * len(images)
                files["animation.webp"] = encode_webp(images, durations, quality=80)
                files["animation.gif"] = encode_gif(images, durations)
            platform_name = None
            if plan.platform is not None:
                limits = plan.platform.limits(plan.animated)
                exported = (export_animated(images, ANIMATION_FRAME_MS, limits) if plan.animated
                            else export_static(images[peak], limits))
                platform_name = f"{plan.platform.name}.{exported.extension}"
                files[platform_name] = exported.data
                notices.extend(exported.notes)
        diffusion = None
        if plan.look.diffusion is not None:
            diffusion = {**self.diffusion.status(), **plan.look.diffusion.summary(),
                         "prompt": prompt.positive, "negative_prompt": prompt.negative}
        expression = {"name": spec.name, "intensity": spec.intensity, "understood": spec.understood,
                      "matched": list(spec.matched),
                      "blend": [{"name": name, "intensity": k} for name, k in spec.blend]}
        detection = prepared.detection
        details = {"caption": caption, "faces_found": prepared.faces_found, "expression": expression,
                   "faces": faces_summary(detection.boxes if detection else ()),
                   "face": detection.index if detection else None,
                   "reference": {"aus": copied} if copied is not None else None,
                   "photo_cache": _cache_word(prepared), "result_cache": result_cache}
        result_id, paths, record = self._keep(plan, prepared, files, tracker, root.child(0.92, 1.0), notices,
                                              expression=spec.name, caption=caption, preview="sticker.png",
                                              diffusion=diffusion, details=details)
        sticker = Sticker(result_id, images[peak], paths["sticker.png"], spec, caption, plan.seed,
                          prepared.faces_found, _backend(plan.look), dict(tracker.timings), unique(notices), paths,
                          paths.get(platform_name) if platform_name else None,
                          detection.boxes if detection else (), detection.index if detection else None, copied,
                          _cache_word(prepared), result_cache)
        return sticker, record

    def _draw(self, plan: Plan, prepared: Prepared, expression: str, intensity: float, caption: str, span: Span,
              notices: list[Notice], aus: AUs | None = None) -> tuple[list[np.ndarray], int, Prompt | None]:
        """The images of one sticker (one, or an animation's frames) and which one is its peak. Every
        frame is restyled with the peak's prompt, so an animation does not jump between frames."""
        prompt = build_prompt(expression, intensity, plan.look.style) if plan.look.diffusion is not None else None
        if not plan.animated:
            image = self.render(prepared, expression, intensity, plan.look, plan.framing, caption, span, notices,
                                prompt, plan.tweaks, aus)
            return [image], 0, prompt
        curve = intensity_curve(plan.frames, intensity)
        peak = int(np.argmax(curve))
        # The sliders ease in and out with the expression: a fraction of them on each frame.
        easing = intensity_curve(plan.frames, 1.0)
        images = [self.render(prepared, expression, k, plan.look, plan.framing, caption, frame_span,
                              notices if i == peak else None, prompt, plan.tweaks.scaled(easing[i]), aus)
                  for i, (k, frame_span) in enumerate(zip(curve, span.split(len(curve), "frame"), strict=True))]
        return images, peak, prompt

    def _keep(self, plan: Plan, prepared: Prepared, files: dict[str, bytes], tracker: Tracker, span: Span,
              notices: list[Notice], *, expression: str, caption: str, preview: str, diffusion: dict | None,
              details: dict[str, Any]) -> tuple[str, dict[str, Path], dict[str, Any]]:
        """What every result ends with: the files with the kept source photo, the history entry, and
        result.json (written last, so a record always describes files that exist). Returns the result's
        id, its files' paths and its record."""
        span.report("store", 0.0)
        started = time.perf_counter()
        result_id = self.store.new_id()
        source = prepared.source
        paths = self.store.write_files(result_id, files)
        if source is not None:  # kept apart, never served; encoded and written after the answer
            self.background.submit(f"keep the source of {result_id}",
                                   lambda: self.store.write_private(result_id, source.name, source.png()))
        request = {**request_fields(plan.request, source and source.name), "seed": plan.seed,
                   "style": plan.look.style}
        self.remember(result_id, plan.kind, request, expression, caption, paths[preview], _backend(plan.look),
                      notices)
        # result.json records the store stage up to its own writing, and the total up to then.
        tracker.add_time("store", time.perf_counter() - started)
        timings = {**tracker.timings, "total": tracker.total()}
        record = result_record(request, kind=plan.kind, backend=_backend(plan.look), diffusion=diffusion,
                               timings=timings, warnings=[n.as_dict() for n in unique(notices)], **details)
        started = time.perf_counter()
        self.store.write_record(result_id, files, record)
        tracker.add_time("store", time.perf_counter() - started)
        tracker.timings["total"] = tracker.total()
        tracker.done()
        log.info("%s %s: %s, %.0f ms (photo cache %s, result cache %s)", plan.kind, result_id, expression,
                 tracker.timings["total"] * 1000, details.get("photo_cache"), details.get("result_cache"))
        return result_id, paths, record

    def _result_keys(self, plan: Plan, digest: str | None) -> CacheKeys:
        reference = plan.request.reference
        model = None
        if plan.look.diffusion is not None:  # a retrained adapter, or another model, is another result
            model = (self.settings.sd_model, lora_fingerprint(self.settings.lora_dir))
        return request_keys(plan.kind, plan.request, plan.seed, digest,
                            content_digest(reference) if reference is not None else None, model)

    def _serve_stored(self, plan: Plan, entry: CachedResult, tracker: Tracker, span: Span) -> Sticker | None:
        """An identical request's result, as a new result of this request's own (new id, history row and
        result.json; the files hard-linked). None when its files are gone (the entry is then forgotten)."""
        stored = entry.sticker
        with span.stage("cache"):
            result_id = self.store.new_id()
            try:
                paths = self.store.link_files(entry.result_id, result_id, list(stored.files))
            except FileNotFoundError:
                self.result_cache.forget(entry)
                self.store.remove(result_id)
                return None
            source = entry.record["request"].get("source")
            if source is not None:  # after the stored result's own source is written (the work is in order)
                before = entry.result_id
                self.background.submit(f"keep the source of {result_id}",
                                       lambda: self.store.link_private(before, result_id, source))
            request = {**request_fields(plan.request, source), "seed": stored.seed, "style": plan.look.style}
            notices = list(stored.warnings)
            preview = paths["sticker.png"]
            self.remember(result_id, plan.kind, request, stored.expression.name, stored.caption, preview,
                          stored.backend, notices)
        timings = {**tracker.timings, "total": tracker.total()}
        record = {**entry.record, "request": request, "photo_cache": None, "result_cache": "hit",
                  "timings_ms": timings_ms(timings),
                  "warnings": [n.as_dict() for n in unique(notices)]}
        self.store.write_record(result_id, dict.fromkeys(stored.files, b""), record)
        self.result_cache.moved(entry, result_id)
        tracker.timings["total"] = tracker.total()
        tracker.done()
        log.info("%s %s: %s, %.1f ms (result cache hit)", plan.kind, result_id, stored.expression.name,
                 tracker.timings["total"] * 1000)
        platform = stored.platform_file.name if stored.platform_file is not None else None
        return replace(stored, id=result_id, png_path=preview, timings=dict(tracker.timings),
                       warnings=unique(notices), files=paths, platform_file=paths.get(platform) if platform else None,
                       photo_cache=None, result_cache="hit")

    def remember(self, result_id: str, kind: str, request: dict[str, Any], expression: str, caption: str,
                 preview: Path, backend: str, notices: list[Notice]) -> None:
        """Add a result to the history. The files are already saved: a database problem is logged and
        reported as a notice, never turned into a lost sticker."""
        try:
            self.history.add(result_id, kind, request, session=request.get("session", ""), expression=expression,
                             style=request["style"], backend=backend, caption=caption, preview=str(preview))
        except sqlite3.Error:
            log.exception("could not add %s to the history", result_id)
            notices.append(Notice("history_failed", "已保存，但未能记入历史。",
                                  "Saved, but it could not be added to the history."))


@functools.cache
def _on_gpu(device: str) -> bool:
    """Whether the model runs on a CUDA GPU (asked once: every request's plan wants to know)."""
    from emojigen.diffusion.device import choose_device  # torch: only where a model is configured

    return choose_device(device)[0].startswith("cuda")


def _add_photo_notices(notices: list[Notice], found: list[Notice] | tuple[Notice, ...]) -> None:
    """What detection said about the photo: how many faces first, the face's quality after the rest."""
    notices[:0] = [n for n in found if n.code == "faces_found"]
    notices.extend(n for n in found if n.code != "faces_found")


def _cache_word(prepared: Prepared) -> str | None:
    """"hit" when the photo's faces, crop and cut-out came from the photo cache, "miss" when they were
    made (and kept) now, None for a drawn character."""
    if prepared.detection is None:
        return None
    return "hit" if prepared.cached else "miss"


def _backend(look: Look) -> str:
    return "diffusion" if look.diffusion is not None else "classic"


def _diffusion_summary(look: Look) -> dict | None:
    return look.diffusion.summary() if look.diffusion is not None else None


def _faces_notice(detection: Detection) -> Notice:
    n, i = detection.count, detection.index
    if detection.asked:
        return Notice("faces_found", f"照片里有 {n} 张脸，用了第 {i} 号（从左往右，从 0 数）。",
                      f"{n} faces found; face {i} (counting from 0, left to right) was used.")
    return Notice("faces_found",
                  f"照片里有 {n} 张脸，用了最大的那张（{i} 号，从左往右从 0 数）；可用 face 参数选别的。",
                  f"{n} faces found; the largest one (face {i}, counting from 0 from the left) was used. "
                  "Pick another with the face parameter.")


def _softened_notice(scale: float) -> list[Notice]:
    if 0 < scale < 1:
        return [Notice("softened", "表情幅度被自动减弱以免脸部变形。",
                       "The expression was softened to avoid distorting the face.")]
    if scale == 0:
        return [Notice("not_reshaped", "这张脸无法安全变形，保留了原表情。",
                       "This face could not be reshaped safely; its own expression was kept.")]
    return []
