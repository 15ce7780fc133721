"""build_demo(pipeline) -> gr.Blocks: the sticker maker page; the HTTP API lives in ui/api.py.

The page's controls are kept by request field name (`page`), made from the request spec where they are
sliders (ranges, defaults, labels) and bound to the request by name, never by position. Handlers stay
thin: ui/handlers.py turns the library's user errors into gr.Error, in both languages, so the server
keeps serving. The page's words are in ui/i18n.py.
"""

from __future__ import annotations

import logging
import secrets
import threading
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image
from starlette.middleware import Middleware

from emojigen import EmojigenError, Pipeline
from emojigen.export import PLATFORMS
from emojigen.photo_formats import heif_available
from emojigen.retention import Sweeper
from emojigen.spec import TWEAK_FIELDS, Request, defaults, params
from ui.api import add_api
from ui.controls import StickerBlocks, slider
from ui.downloads import Downloads
from ui.handlers import guarded, log_text, page_language, progress_callback
from ui.history import history_items, rate_result, stats_rows
from ui.i18n import I18N, t
from ui.limits import SECONDS_PER_STICKER, RateLimit, answer_busy_in_both_languages

log = logging.getLogger(__name__)

EXAMPLES = ["开心大笑", "震惊", "委屈", "无语", "生气", "laughing", "crying"]
NO_PLATFORM = "none"
# Runs in the browser before a button's request: the last input (the hidden visitor-language box) gets the
# language the page is shown in (Gradio sets <html lang> when Settings switch it), else the browser's.
READ_LANGUAGE = "(...values) => [...values.slice(0, -1), document.documentElement.lang || navigator.language]"
STARS = ["1", "2", "3", "4", "5"]

# A checkerboard behind stickers shows their transparency and their white outline.
CSS = """
#sticker img, #animation img, #pack-gallery img, #history img {
  background: repeating-conic-gradient(#d9dde3 0% 25%, #f4f5f7 0% 50%) 50% / 24px 24px; }
/* The gallery stretches a few items across the whole width; history thumbnails stay small. */
#history .grid-container { grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)) !important; }
/* Labels at the top, clear of the stickers' own captions at the bottom. */
#history .caption-label { top: var(--size-2); bottom: auto; }
/* Every face of a group photo fits on a phone: narrower columns than the gallery's 100 px minimum. */
#face-gallery .grid-container { grid-template-columns: repeat(auto-fill, minmax(88px, 1fr)) !important; }
"""


def label(name: str) -> Any:
    return t(f"field_{name}")


def info(name: str) -> Any:
    return t(f"info_{name}")


def build_demo(pipeline: Pipeline) -> gr.Blocks:
    # Gradio opens uploads with Pillow before the library sees them: phones' HEIC photos need their
    # opener registered first.
    heif_available()
    declared, initial = params(), defaults()
    style_choices = [(t(f"style_{s}"), s) for s in pipeline.styles]
    templates = list(pipeline.templates.values())
    platform_choices = [(t("no_platform"), NO_PLATFORM)] + [(p.title, p.name) for p in PLATFORMS.values()]

    with StickerBlocks(title="emojigen 表情包生成器") as demo:
        gr.Markdown(t("title"))
        gr.Markdown(t("intro"), elem_id="intro")
        backend_status = gr.Markdown(status_text(pipeline), elem_id="backend-status")
        page: dict[str, gr.components.Component] = {}  # request field name -> the control that sets it
        page["template"] = gr.State(None)
        page["face"] = gr.State(None)  # which face of a group photo; None: the largest
        page["session"] = gr.BrowserState("", storage_key="emojigen-session")  # this browser's history
        current_id = gr.State(None)  # the result on show, for its rating
        # The visitor's language for the processing log: the page's own (Settings can switch it), read by
        # READ_LANGUAGE in the browser when a button is pressed.
        visitor = gr.Textbox(value="", visible=False, elem_id="visitor-language")
        with gr.Row():
            with gr.Column(scale=1):
                # image_mode=None: the library decodes the upload itself (16-bit, transparency, HEIC).
                page["image"] = gr.Image(label=label("image"), type="filepath", image_mode=None,
                                         sources=["upload", "webcam", "clipboard"], height=300, elem_id="photo")
                with gr.Group(visible=False, elem_id="faces") as faces_group:
                    # The note above says what the numbers mean; no floating label over the first face, no
                    # download button over the last one, no frame (in a group Gradio draws it thick and dark).
                    face_note = gr.Markdown("", padding=True, elem_id="face-note")
                    face_gallery = gr.Gallery(label=t("pick_face"), show_label=False, container=False, columns=5,
                                              fit_columns=False, height="fit-content", object_fit="cover",
                                              allow_preview=False, buttons=[],
                                              format="png", elem_id="face-gallery")
                with gr.Accordion(t("templates"), open=False, elem_id="templates"):
                    # Pictures, not paths: Gradio serves them from its cache, so no URL shows the install path.
                    gallery = gr.Gallery([(Image.open(tp.preview_path).copy(), f"{tp.title['zh']} {tp.title['en']}")
                                          for tp in templates], columns=4, height=260, allow_preview=False,
                                         show_label=False, elem_id="template-gallery")
                    template_note = gr.Markdown("未选模板 · No template", elem_id="template-note")
                    clear_template = gr.Button(t("no_template"), size="sm", elem_id="clear-template")
                page["text"] = gr.Textbox(label=label("text"), placeholder=t("text_placeholder"), max_lines=1,
                                          elem_id="text")
                gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[page["text"]], label=t("examples"),
                            elem_id="examples")
                page["style"] = gr.Radio(style_choices, value=initial["style"], label=label("style"), elem_id="style")
                with gr.Accordion(t("advanced"), open=False, elem_id="advanced"):
                    page["intensity"] = slider(declared["intensity"], label("intensity"), info("intensity"),
                                               elem_id="intensity")
                    with gr.Row(equal_height=True):
                        # A text box, not gr.Number: an empty Number is sent as 0, and every sticker
                        # would get seed 0. Empty means a new random seed each time.
                        page["seed"] = gr.Textbox(label=label("seed"), value="", placeholder=t("seed_placeholder"),
                                                  max_lines=1, elem_id="seed", scale=3)
                        dice = gr.Button(t("dice"), size="sm", elem_id="dice", scale=1)
                    page["caption"] = gr.Textbox(label=label("caption"), value=None, max_lines=1,
                                                 placeholder=t("caption_placeholder"), elem_id="caption")
                    with gr.Row():
                        no_caption = gr.Checkbox(label=t("no_caption"), value=False)
                        # Fixed bilingual labels: with translated ones the page sometimes sent the label
                        # ("底部") as the value while the translation was being applied.
                        page["caption_position"] = gr.Radio([("底部 Bottom", "bottom"), ("顶部 Top", "top")],
                                                            value=initial["caption_position"],
                                                            label=label("caption_position"))
                    page["caption_font"] = gr.Radio([("粗黑 Heavy", "heavy"), ("圆体 Rounded", "rounded"),
                                                     ("本机字体 System", "system")], value=initial["caption_font"],
                                                    label=label("caption_font"), info=info("caption_font"),
                                                    elem_id="caption-font")
                    with gr.Row():
                        page["outline_width"] = slider(declared["outline_width"], label("outline_width"))
                        page["outline_color"] = gr.ColorPicker(value=initial["outline_color"],
                                                               label=label("outline_color"))
                        page["shadow"] = gr.Checkbox(label=label("shadow"), value=initial["shadow"])
                    with gr.Accordion(t("fine_tune"), open=False, elem_id="fine-tune"):
                        gr.Markdown(t("fine_tune_info"))
                        for name in TWEAK_FIELDS:
                            page[name] = slider(declared[name], label(name), info(name), elem_id=f"tweak-{name}")
                        page["reference"] = gr.Image(label=label("reference"), type="filepath", image_mode=None,
                                                     sources=["upload", "clipboard"], height=180, elem_id="reference")
                        gr.Markdown(info("reference"))
                    page["platform"] = gr.Dropdown(platform_choices, value=NO_PLATFORM, label=label("platform"),
                                                   info=t("platform_info"), elem_id="platform")
                    page.update(diffusion_controls(pipeline))
                with gr.Row():
                    generate = gr.Button(t("generate"), variant="primary", elem_id="generate")
                    animate = gr.Button(t("animate"), elem_id="animate")
            with gr.Column(scale=1):
                with gr.Tabs() as preview_tabs:
                    with gr.Tab(t("sticker"), id="sticker-tab"):
                        sticker = gr.Image(label=t("sticker"), type="filepath", image_mode="RGBA", format="png",
                                           interactive=False, height=380, elem_id="sticker")
                    with gr.Tab(t("animated"), id="animation-tab"):
                        animation = gr.Image(label=t("animated"), type="filepath", interactive=False, height=380,
                                             elem_id="animation")
                with gr.Row():
                    download = gr.DownloadButton(t("download_png"), value=None, interactive=False,
                                                 elem_id="download")
                    download_animation = gr.DownloadButton(t("download_animation"), value=None, interactive=False,
                                                           elem_id="download-animation")
                    download_platform = gr.DownloadButton(t("download_platform"), value=None, interactive=False,
                                                          elem_id="download-platform")
                rating = gr.Radio(STARS, label=t("rate"), info=t("rate_info"), interactive=False, elem_id="rating")
                stage_log = gr.Textbox(label=t("log"), lines=8, interactive=False, elem_id="log")
                with gr.Accordion(t("details"), open=False, elem_id="details-panel"):
                    details = gr.JSON(label=t("details"), elem_id="details")
                with gr.Accordion(t("pack"), open=False, elem_id="pack"):
                    with gr.Row():
                        page["count"] = gr.Dropdown([8, 16, 24], value=8, label=label("count"),
                                                    allow_custom_value=True, elem_id="pack-count")
                        page["lang"] = gr.Radio([("中文", "zh"), ("English", "en")], value=initial["lang"],
                                                label=label("lang"))
                        page["animated"] = gr.Checkbox(label=label("animated"), value=initial["animated"])
                    make_pack_button = gr.Button(t("make_pack"), elem_id="make-pack")
                    pack_gallery = gr.Gallery(label=t("preview"), columns=4, height=240, format="png",
                                              elem_id="pack-gallery")
                    download_pack = gr.DownloadButton(t("download_zip"), value=None, interactive=False,
                                                      elem_id="download-pack")
                with gr.Accordion(t("history"), open=True, elem_id="history-panel"):
                    history = gr.Gallery(columns=5, height=300, format="png", allow_preview=False,
                                         object_fit="contain", show_label=False, elem_id="history")
                with gr.Accordion(t("stats"), open=False, elem_id="stats-panel"):
                    stats = gr.Dataframe(headers=["expression", "style", "made", "rated", "average"],
                                         interactive=False, elem_id="stats")
                    refresh_stats = gr.Button(t("refresh"), size="sm", elem_id="refresh-stats")

        def pick_template(evt: gr.SelectData):
            chosen = templates[evt.index]
            need = "需要照片 · uses your photo" if chosen.needs_photo else "无需照片 · no photo needed"
            return chosen.name, f"已选 Selected: **{chosen.title['zh']} {chosen.title['en']}** ({need})"

        private = {"api_visibility": "private"}
        gallery.select(pick_template, None, [page["template"], template_note], **private)
        clear_template.click(lambda: (None, "未选模板 · No template"), None, [page["template"], template_note],
                             **private)
        dice.click(lambda: str(secrets.randbelow(2**31)), None, page["seed"], **private)

        def on_photo(image):
            """A group photo shows its faces, numbered from the left, to pick one (the largest by default)."""
            crops = face_choices(pipeline, image)
            if len(crops) < 2:
                return gr.Group(visible=False), gr.Gallery(value=[], selected_index=None), "", None
            n = len(crops)
            note = (f"**选一张脸 · Pick a face**<br>"
                    f"照片里有 {n} 张脸，从左往右编号 0–{n - 1}，默认用最大的；点一张来选。<br>"
                    f"{n} faces, numbered 0–{n - 1} from the left; the largest is used unless you click one.")
            # A new photo clears the last one's choice, on the page as in the request.
            return gr.Group(visible=True), gr.Gallery(value=crops, selected_index=None), note, None

        def pick_face(evt: gr.SelectData):
            return evt.index, (f"**已选 {evt.index} 号脸 · Face {evt.index} chosen**<br>"
                               "点另一张可以换 · Click another one to change")

        page["image"].change(on_photo, page["image"], [faces_group, face_gallery, face_note, page["face"]],
                             **private)
        face_gallery.select(pick_face, None, [page["face"], face_note], **private)

        names = list(page)
        inputs = [page[name] for name in names] + [no_caption, visitor]

        def page_request(args: tuple) -> Request:
            """Page values -> request, by field name, with the page's own conventions turned into the request's."""
            values = dict(zip(names, args[:len(names)], strict=True))
            values["captions"] = not args[len(names)]  # "no caption" holds for a pack's stickers too
            if args[len(names)]:
                values["caption"] = ""
            elif not (values["caption"] or "").strip():
                values["caption"] = None  # an empty box means: choose a caption for me
            if values["platform"] == NO_PLATFORM:
                values["platform"] = None
            if values["fast"]:  # fast mode picks its own steps and guidance
                values["steps"] = values["guidance"] = None
            values["lora"] = list(values["lora"] or [])
            return Request(**values)

        def finished(result, session_id, lang):
            """What every sticker result updates: platform file, details, log, rating, history."""
            summary = result.summary()
            platform_file = gr.DownloadButton(value=str(result.platform_file) if result.platform_file else None,
                                              interactive=result.platform_file is not None)
            return (platform_file, summary, log_text(summary, lang), result.id,
                    gr.Radio(value=None, interactive=True), history_items(pipeline, session_id))

        def session_of(args: tuple) -> str:
            return args[names.index("session")]

        def on_generate(*args, progress=gr.Progress()):
            result = guarded(lambda: pipeline.run(page_request(args), progress=progress_callback(progress)))
            path = str(result.png_path)
            return (path, gr.DownloadButton(value=path, interactive=True),
                    *finished(result, session_of(args), page_language(args[-1])), gr.Tabs(selected="sticker-tab"))

        def on_animate(*args, progress=gr.Progress()):
            result = guarded(lambda: pipeline.animate(page_request(args), progress=progress_callback(progress)))
            gif = str(result.files["animation.gif"])
            return (gif, gr.DownloadButton(value=gif, interactive=True),
                    *finished(result, session_of(args), page_language(args[-1])),
                    gr.Tabs(selected="animation-tab"))

        shared = [download_platform, details, stage_log, current_id, rating, history, preview_tabs]
        generate.click(on_generate, inputs, [sticker, download, *shared], js=READ_LANGUAGE, **private)
        page["text"].submit(on_generate, inputs, [sticker, download, *shared], js=READ_LANGUAGE, **private)
        animate.click(on_animate, inputs, [animation, download_animation, *shared], js=READ_LANGUAGE, **private)

        def on_pack(*args, progress=gr.Progress()):
            result = guarded(lambda: pipeline.pack(page_request(args), progress=progress_callback(progress)),
                             title="无法生成表情包合集 / Cannot make this pack")
            summary = result.summary()
            # No labels over the previews: each sticker carries its own caption.
            return (result.previews, gr.DownloadButton(value=str(result.zip_path), interactive=True), summary,
                    log_text(summary, page_language(args[-1])), history_items(pipeline, session_of(args)))

        make_pack_button.click(on_pack, inputs, [pack_gallery, download_pack, details, stage_log, history],
                               js=READ_LANGUAGE, **private)

        def on_rate(session_id, result_id, stars):
            rate_result(pipeline, session_id, result_id, stars)
            return history_items(pipeline, session_id)

        rating.input(on_rate, [page["session"], current_id, rating], history, **private)
        refresh_stats.click(lambda: stats_rows(pipeline), None, stats, **private)

        def on_load(session_id):
            session_id = session_id or secrets.token_urlsafe(24)  # unguessable: it is the key to the history
            return status_text(pipeline), session_id, history_items(pipeline, session_id), stats_rows(pipeline)

        # The model loads in the background after start: each page shows the status as it is now.
        demo.load(on_load, page["session"], [backend_status, page["session"], history, stats], **private)
        add_api(pipeline)
    demo.page_fields = names  # the request fields the page sets (checked against the spec by the tests)
    return demo


def face_choices(pipeline: Pipeline, image: str | None) -> list[tuple[np.ndarray, str]]:
    """Every face in the photo, cropped with some room, numbered from the left as `face` counts them."""
    if not image:
        return []
    try:
        rgb, boxes = pipeline.faces_in(image)
    except EmojigenError:
        return []  # no face, or not a photo: generating says why
    crops = []
    for i, (left, top, right, bottom) in enumerate(boxes):
        # A square around the face with a third of its size to spare on each side (thumbnails are square),
        # made small: the page shows them about 100 pixels wide, so 192 is sharp on a high-density screen.
        half = max(right - left, bottom - top) * 5 // 6
        cx, cy = (left + right) // 2, (top + bottom) // 2
        crop = Image.fromarray(rgb[max(0, cy - half):cy + half, max(0, cx - half):cx + half])
        crop.thumbnail((192, 192))
        crops.append((np.asarray(crop), str(i)))
    return crops


def status_text(pipeline: Pipeline) -> str:
    status = pipeline.backend_status()
    moderation = status["moderation"]
    if moderation["text"] and isinstance(moderation["images"], dict):
        model = moderation["images"]["model"]
        checks = (f"内容审核：输入的文字按词表检查；照片和结果由图像分类模型 {model} 检查",
                  f"Moderation: the text you type is checked against word lists; photos and results by the "
                  f"image classifier {model}")
    elif moderation["text"]:
        checks = ("内容审核：输入的文字按词表检查；图片在使用扩散模型时由安全检查器检查",
                  "Moderation: the text you type is checked against word lists; images by the safety checker "
                  "when Stable Diffusion runs")
    else:
        checks = ("内容审核：已关闭", "Moderation: off")
    return f"**{status['zh']}**<br>{status['en']}<br>{checks[0]} · {checks[1]}"


def diffusion_controls(pipeline: Pipeline) -> dict[str, gr.components.Component]:
    """The Stable Diffusion options; shown only when a model is configured (hidden, they send the defaults)."""
    styler = pipeline.diffusion
    declared, initial = params(), defaults()
    controls: dict[str, gr.components.Component] = {}
    with gr.Group(visible=styler is not None, elem_id="diffusion"):
        gr.Markdown(f"**{t('diffusion')}**")
        controls["diffusion"] = gr.Checkbox(label=label("diffusion"), value=initial["diffusion"],
                                            elem_id="use-diffusion")
        with gr.Row():
            controls["lora"] = gr.Dropdown(pipeline.lora_names, value=[], multiselect=True, label=label("lora"),
                                           info=t("lora_info"), elem_id="lora")
            # Opening the list reads the LoRA folder again: an adapter trained since start is there. Not
            # queued behind a generation (concurrency_limit=None): it only lists a folder.
            controls["lora"].focus(lambda: lora_choices(pipeline), None, controls["lora"], show_progress="hidden",
                                   concurrency_limit=None, api_visibility="private")
            controls["lora_scale"] = slider(declared["lora_scale"], label("lora_scale"))
        controls["strength"] = slider(declared["strength"], label("strength"), info("strength"), elem_id="strength")
        with gr.Row():
            controls["steps"] = slider(declared["steps"], label("steps"))
            controls["guidance"] = slider(declared["guidance"], label("guidance"))
        controls["fast"] = gr.Checkbox(label=label("fast"), value=pipeline.fast_by_default,
                                       interactive=bool(styler and styler.fast_available), elem_id="fast")
    return controls


def lora_choices(pipeline: Pipeline) -> Any:
    """The LoRA choice with the adapters in the folder now (the running server picks up new ones)."""
    styler = pipeline.diffusion
    if styler is not None and hasattr(styler, "refresh_loras"):
        styler.refresh_loras()
    return gr.Dropdown(choices=pipeline.lora_names)


def prepare(demo: gr.Blocks, pipeline: Pipeline) -> gr.Blocks:
    """A bounded queue sized for the backend: the classic looks on a CPU serve a few requests at once;
    diffusion on one GPU runs one at a time (its model is one shared pipeline). Waiting visitors see
    their place in the queue on the result."""
    settings = pipeline.settings
    # Replicas (emojigen.scale) say how many requests they take together.
    concurrency = getattr(pipeline, "parallel_requests", None) or (
        1 if pipeline.diffusion is not None else settings.concurrency)
    # api_open=False: every request goes through the queue (Gradio's /run route would go round it).
    demo = demo.queue(default_concurrency_limit=concurrency, max_size=settings.queue_size, api_open=False)
    # A full queue answers at once, in both languages, with about how long the queue takes to drain.
    answer_busy_in_both_languages(demo._queue, max(1, round(settings.queue_size * SECONDS_PER_STICKER / concurrency)))
    return demo


# Gradio keeps each session's page state (about 0.5 MB; an API call without a session is one too): at
# most this many, so memory stays bounded under load.
SESSIONS_KEPT = 1000


def launch(pipeline: Pipeline, **kwargs) -> gr.Blocks:
    """Serve the app; blocks unless prevent_thread_lock=True (the `emojigen serve` command, the tests)."""
    settings = pipeline.settings
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    demo = prepare(build_demo(pipeline), pipeline)
    threading.Thread(target=pipeline.warm_up, name="warm-up", daemon=True).start()
    # Uploads and results are kept for the retention period only: Gradio's upload and cache folder too.
    Sweeper(pipeline.store, pipeline.history, settings.retention_hours, [Path(demo.GRADIO_CACHE)]).start()
    log.info("emojigen serving on http://%s:%d (%s)", settings.host, settings.port,
             pipeline.backend_status()["en"])
    # Results are served from the outputs folder (each under an unguessable id); never the uploaded
    # photos kept apart in it, nor the history database (which may live there too).
    allowed = [str(settings.outputs_dir.resolve())]
    blocked = [str(pipeline.store.private_root.resolve()),
               *(str(path.resolve()) for path in pipeline.history.local_files())]  # none on PostgreSQL
    limits = [Middleware(RateLimit, per_minute=settings.rate_limit)] if settings.rate_limit > 0 else []
    # /results/{id}/{name}, from any replica's storage
    limits.append(Middleware(Downloads, store=pipeline.store, redirect=settings.storage_redirect))
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=True, css=CSS,
                allowed_paths=allowed, blocked_paths=blocked, i18n=I18N,
                max_file_size=int(settings.max_upload_mb * 1024 * 1024), app_kwargs={"middleware": limits},
                state_session_capacity=SESSIONS_KEPT, **kwargs)
    return demo
