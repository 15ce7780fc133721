"""build_demo(pipeline) -> gr.Blocks: the sticker maker page; the HTTP API lives in ui/api.py.

Handlers stay thin: they translate between Gradio values and emojigen requests (ui/handlers.py turns
the library's user errors into gr.Error, in both languages, so the server keeps serving). The page's
words are in ui/i18n.py.
"""

from __future__ import annotations

import logging
import secrets
import threading

import gradio as gr

from emojigen import Pipeline
from emojigen.assets import assets_dir
from emojigen.diffusion.options import DEFAULT_GUIDANCE, DEFAULT_STEPS, DEFAULT_STRENGTH
from emojigen.export import PLATFORMS
from emojigen.pack import make_pack
from ui.api import add_api
from ui.handlers import guarded, log_text, pack_request, progress_callback, sticker_request
from ui.history import history_items, rate_result, stats_rows
from ui.i18n import I18N, t

log = logging.getLogger(__name__)

EXAMPLES = ["开心大笑", "震惊", "委屈", "无语", "生气", "laughing", "crying"]
NO_PLATFORM = "none"
STARS = ["1", "2", "3", "4", "5"]

# A checkerboard behind stickers shows their transparency and their white outline.
CSS = """
#sticker img, #animation img, #pack-gallery img, #history img {
  background: repeating-conic-gradient(#d9dde3 0% 25%, #f4f5f7 0% 50%) 50% / 24px 24px; }
/* The gallery stretches a few items across the whole width; history thumbnails stay small. */
#history .grid-container { grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)) !important; }
/* Labels at the top, clear of the stickers' own captions at the bottom. */
#history .caption-label { top: var(--size-2); bottom: auto; }
"""


def build_demo(pipeline: Pipeline) -> gr.Blocks:
    style_choices = [(t(f"style_{s}"), s) for s in pipeline.styles]
    templates = list(pipeline.templates.values())
    platform_choices = [(t("no_platform"), NO_PLATFORM)] + [(p.title, p.name) for p in PLATFORMS.values()]

    with gr.Blocks(title="emojigen 表情包生成器") as demo:
        gr.Markdown(t("title"))
        gr.Markdown(t("intro"), elem_id="intro")
        backend_status = gr.Markdown(status_text(pipeline), elem_id="backend-status")
        chosen_template = gr.State(None)
        current_id = gr.State(None)  # the result on show, for its rating
        session = gr.BrowserState("", storage_key="emojigen-session")  # this browser's history
        with gr.Row():
            with gr.Column(scale=1):
                photo = gr.Image(label=t("photo"), type="filepath", sources=["upload", "webcam", "clipboard"],
                                 height=300, elem_id="photo")
                with gr.Accordion(t("templates"), open=False, elem_id="templates"):
                    gallery = gr.Gallery([(str(tp.preview_path), f"{tp.title['zh']} {tp.title['en']}")
                                          for tp in templates], columns=4, height=260, allow_preview=False,
                                         show_label=False, elem_id="template-gallery")
                    template_note = gr.Markdown("未选模板 · No template", elem_id="template-note")
                    clear_template = gr.Button(t("no_template"), size="sm", elem_id="clear-template")
                text = gr.Textbox(label=t("text"), placeholder=t("text_placeholder"), max_lines=1, elem_id="text")
                gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[text], label=t("examples"),
                            elem_id="examples")
                style = gr.Radio(style_choices, value="photo", label=t("style"), elem_id="style")
                with gr.Accordion(t("advanced"), open=False, elem_id="advanced"):
                    intensity = gr.Slider(0.0, 1.5, value=1.0, step=0.05, label=t("intensity"),
                                          info=t("intensity_info"), elem_id="intensity")
                    with gr.Row(equal_height=True):
                        # A text box, not gr.Number: an empty Number is sent as 0, and every sticker
                        # would get seed 0. Empty means a new random seed each time.
                        seed = gr.Textbox(label=t("seed"), value="", placeholder=t("seed_placeholder"), max_lines=1,
                                          elem_id="seed", scale=3)
                        dice = gr.Button(t("dice"), size="sm", elem_id="dice", scale=1)
                    caption = gr.Textbox(label=t("caption"), value=None, max_lines=1,
                                         placeholder=t("caption_placeholder"), elem_id="caption")
                    with gr.Row():
                        no_caption = gr.Checkbox(label=t("no_caption"), value=False)
                        caption_position = gr.Radio([(t("bottom"), "bottom"), (t("top"), "top")], value="bottom",
                                                    label=t("caption_position"))
                    with gr.Row():
                        outline_width = gr.Slider(0, 24, value=8, step=1, label=t("outline_width"))
                        outline_color = gr.ColorPicker(value="#ffffff", label=t("outline_color"))
                        shadow = gr.Checkbox(label=t("shadow"), value=False)
                    platform = gr.Dropdown(platform_choices, value=NO_PLATFORM, label=t("platform"),
                                           info=t("platform_info"), elem_id="platform")
                    diffusion_inputs = diffusion_controls(pipeline)
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
                        pack_count = gr.Dropdown([8, 16, 24], value=8, label=t("count"), allow_custom_value=True)
                        pack_lang = gr.Radio([("中文", "zh"), ("English", "en")], value="zh",
                                             label=t("captions_lang"))
                        pack_animated = gr.Checkbox(label=t("pack_animated"), value=False)
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
        gallery.select(pick_template, None, [chosen_template, template_note], **private)
        clear_template.click(lambda: (None, "未选模板 · No template"), None, [chosen_template, template_note],
                             **private)
        dice.click(lambda: str(secrets.randbelow(2**31)), None, seed, **private)

        def page_request(session_id, image, template, text_value, style_value, intensity_value, caption_value,
                         no_caption_value, position, width, colour, shadow_value, seed_value, platform_value,
                         *diffusion_values):
            if no_caption_value:
                caption_value = ""
            elif not (caption_value or "").strip():
                caption_value = None  # an empty box means: choose a caption for me
            return sticker_request(image, text_value, style_value, caption_value, seed_value, intensity_value,
                                   template, None if platform_value == NO_PLATFORM else platform_value, position,
                                   width, colour, shadow_value, session=session_id,
                                   **diffusion_settings(*diffusion_values))

        inputs = [session, photo, chosen_template, text, style, intensity, caption, no_caption, caption_position,
                  outline_width, outline_color, shadow, seed, platform, *diffusion_inputs]

        def platform_button(result):
            if result.platform_file is None:
                return gr.DownloadButton(value=None, interactive=False)
            return gr.DownloadButton(value=str(result.platform_file), interactive=True)

        def finished(result, session_id):
            """What every sticker result updates: rating, details, log, history."""
            summary = result.summary()
            return (platform_button(result), summary, log_text(summary), result.id,
                    gr.Radio(value=None, interactive=True), history_items(pipeline, session_id))

        def on_generate(*values, progress=gr.Progress()):
            result = guarded(lambda: pipeline.run(page_request(*values), progress=progress_callback(progress)))
            path = str(result.png_path)
            return (path, gr.DownloadButton(value=path, interactive=True), *finished(result, values[0]),
                    gr.Tabs(selected="sticker-tab"))

        def on_animate(*values, progress=gr.Progress()):
            result = guarded(lambda: pipeline.animate(page_request(*values), progress=progress_callback(progress)))
            gif = str(result.files["animation.gif"])
            return (gif, gr.DownloadButton(value=gif, interactive=True), *finished(result, values[0]),
                    gr.Tabs(selected="animation-tab"))

        shared = [download_platform, details, stage_log, current_id, rating, history, preview_tabs]
        generate.click(on_generate, inputs, [sticker, download, *shared], **private)
        text.submit(on_generate, inputs, [sticker, download, *shared], **private)
        animate.click(on_animate, inputs, [animation, download_animation, *shared], **private)

        def on_pack(session_id, image, template, style_value, platform_value, count, lang, animated, seed_value,
                    *diffusion_values, progress=gr.Progress()):
            def work():
                request = pack_request(image, "wechat" if platform_value == NO_PLATFORM else platform_value, count,
                                       None, style_value, template, lang, animated, seed_value, session=session_id,
                                       **diffusion_settings(*diffusion_values))
                return make_pack(pipeline, request, progress=progress_callback(progress))

            result = guarded(work, title="无法生成表情包合集 / Cannot make this pack")
            summary = result.summary()
            # No labels over the previews: each sticker carries its own caption.
            return (result.previews, gr.DownloadButton(value=str(result.zip_path), interactive=True), summary,
                    log_text(summary), history_items(pipeline, session_id))

        make_pack_button.click(on_pack, [session, photo, chosen_template, style, platform, pack_count, pack_lang,
                                         pack_animated, seed, *diffusion_inputs],
                               [pack_gallery, download_pack, details, stage_log, history], **private)

        def on_rate(session_id, result_id, stars):
            rate_result(pipeline, result_id, stars)
            return history_items(pipeline, session_id)

        rating.input(on_rate, [session, current_id, rating], history, **private)
        refresh_stats.click(lambda: stats_rows(pipeline), None, stats, **private)

        def on_load(session_id):
            session_id = session_id or secrets.token_hex(8)
            return status_text(pipeline), session_id, history_items(pipeline, session_id), stats_rows(pipeline)

        # The model loads in the background after start: each page shows the status as it is now.
        demo.load(on_load, session, [backend_status, session, history, stats], **private)
        add_api(pipeline)
    return demo


def status_text(pipeline: Pipeline) -> str:
    status = pipeline.backend_status()
    return f"**{status['zh']}**<br>{status['en']}"


def diffusion_controls(pipeline: Pipeline) -> list[gr.components.Component]:
    """The Stable Diffusion options; shown only when a model is configured (hidden, they send the defaults)."""
    styler = pipeline.diffusion
    with gr.Group(visible=styler is not None, elem_id="diffusion"):
        gr.Markdown(f"**{t('diffusion')}**")
        use = gr.Checkbox(label=t("use_diffusion"), value=True, elem_id="use-diffusion")
        with gr.Row():
            lora = gr.Dropdown(pipeline.lora_names, value=[], multiselect=True, label="LoRA", info=t("lora_info"),
                               elem_id="lora")
            lora_scale = gr.Slider(0.0, 2.0, value=1.0, step=0.05, label=t("lora_scale"))
        strength = gr.Slider(0.05, 1.0, value=DEFAULT_STRENGTH, step=0.05, label=t("strength"),
                             info=t("strength_info"), elem_id="strength")
        with gr.Row():
            steps = gr.Slider(1, 50, value=DEFAULT_STEPS, step=1, label=t("steps"))
            guidance = gr.Slider(0.0, 15.0, value=DEFAULT_GUIDANCE, step=0.5, label=t("guidance"))
        fast = gr.Checkbox(label=t("fast"), value=False, interactive=bool(styler and styler.fast_available),
                           elem_id="fast")
    return [use, lora, lora_scale, strength, steps, guidance, fast]


def diffusion_settings(use, lora, lora_scale, strength, steps, guidance, fast) -> dict:
    """Page values -> request fields. Fast mode picks its own steps and guidance."""
    return {"diffusion": use, "lora": list(lora or []), "lora_scale": lora_scale, "strength": strength,
            "steps": None if fast else steps, "guidance": None if fast else guidance, "fast": fast}


def prepare(demo: gr.Blocks, pipeline: Pipeline) -> gr.Blocks:
    """A bounded queue sized for the backend: the classic looks on a CPU serve a few requests at once;
    diffusion on one GPU runs one at a time (its model is one shared pipeline). Waiting visitors see
    their place in the queue on the result."""
    settings = pipeline.settings
    concurrency = 1 if pipeline.diffusion is not None else settings.concurrency
    return demo.queue(default_concurrency_limit=concurrency, max_size=settings.queue_size)


def launch(pipeline: Pipeline, **kwargs) -> gr.Blocks:
    """Serve the app; blocks unless prevent_thread_lock=True (the `emojigen serve` command, the tests)."""
    settings = pipeline.settings
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    demo = prepare(build_demo(pipeline), pipeline)
    threading.Thread(target=pipeline.warm_up, name="warm-up", daemon=True).start()
    log.info("emojigen serving on http://%s:%d (%s)", settings.host, settings.port,
             pipeline.backend_status()["en"])
    # Stickers are served from the outputs folder, the template gallery's previews from assets/templates.
    allowed = [str(settings.outputs_dir.resolve()), str((assets_dir() / "templates").resolve())]
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=True, css=CSS,
                allowed_paths=allowed, i18n=I18N, **kwargs)
    return demo
