"""build_demo(pipeline) -> gr.Blocks: the sticker maker page and its named HTTP API endpoints.

Handlers stay thin: they translate between Gradio values and emojigen requests, and turn the
library's user errors into gr.Error (both languages) so the server keeps serving.
"""

from __future__ import annotations

import logging
import threading

import gradio as gr

from emojigen import EmojigenError, Pipeline, StickerRequest

log = logging.getLogger(__name__)

EXAMPLES = ["开心大笑", "气死我了", "伤心", "震惊", "有点害怕", "surprised", "laughing", "crying"]
STYLE_LABELS = {"photo": "照片 Photo", "cartoon": "卡通 Cartoon", "sketch": "素描 Sketch"}

# A checkerboard behind the sticker shows its transparency and its white outline.
CSS = """
#sticker img { background: repeating-conic-gradient(#d9dde3 0% 25%, #f4f5f7 0% 50%) 50% / 24px 24px; }
"""

INTRO = """# emojigen 表情包生成器
上传一张脸部照片，写下你的心情，生成属于你的表情包。
Upload a face photo, type how you feel, and get a sticker of yourself."""


def _run(pipeline: Pipeline, progress: gr.Progress, image, text, style, caption, seed, intensity):
    """Run the pipeline; user errors become gr.Error, anything else a short generic error."""
    request = StickerRequest(image=image, text=text or "", style=style or "photo", caption=caption,
                             seed=None if seed is None else int(seed),
                             intensity=1.0 if intensity is None else float(intensity))
    try:
        return pipeline.run(request, progress=lambda stage, frac: progress(frac, desc=stage))
    except EmojigenError as exc:
        raise gr.Error(exc.message(), title="无法生成 / Cannot make this sticker") from exc
    except Exception as exc:  # noqa: BLE001 - the server must keep serving; the log has the traceback
        log.exception("sticker generation failed")
        raise gr.Error("出错了，请换一张照片再试。 / Something went wrong; please try another photo.") from exc


def _log_text(summary: dict) -> str:
    lines = [f"{stage:<7} {ms:8.1f} ms" for stage, ms in summary["timings_ms"].items()]
    lines.append(f"{'total':<7} {sum(summary['timings_ms'].values()):8.1f} ms")
    return "\n".join(lines + [f"! {w}" for w in summary["warnings"]])


def build_demo(pipeline: Pipeline) -> gr.Blocks:
    status = pipeline.backend_status()
    style_choices = [(STYLE_LABELS.get(s, s), s) for s in pipeline.styles]

    with gr.Blocks(title="emojigen 表情包生成器") as demo:
        gr.Markdown(INTRO)
        gr.Markdown(f"**{status['zh']}**<br>{status['en']}", elem_id="backend-status")
        with gr.Row():
            with gr.Column(scale=1):
                photo = gr.Image(label="照片 Photo", type="filepath", sources=["upload", "clipboard"],
                                 height=320, elem_id="photo")
                text = gr.Textbox(label="心情 How do you feel?", placeholder="开心大笑 / 气死我了 / surprised",
                                  max_lines=1, elem_id="text")
                gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[text], label="试试 Try")
                style = gr.Radio(style_choices, value="photo", label="风格 Style")
                intensity = gr.Slider(0.0, 1.5, value=1.0, step=0.05, label="表情强度 Intensity",
                                      info="0 = 原样 as it is · 1 = 正常 normal · 1.5 = 夸张 exaggerated",
                                      elem_id="intensity")
                with gr.Accordion("更多选项 More options", open=False):
                    caption = gr.Textbox(label="配字 Caption", value=None, max_lines=1,
                                         placeholder="留空自动配字 · leave empty for an automatic caption")
                    no_caption = gr.Checkbox(label="不要配字 No caption", value=False)
                    seed = gr.Number(label="随机种子 Seed", value=None, precision=0)
                generate = gr.Button("生成 Generate", variant="primary", elem_id="generate")
            with gr.Column(scale=1):
                sticker = gr.Image(label="表情包 Sticker", type="filepath", image_mode="RGBA", format="png",
                                   interactive=False, height=400, elem_id="sticker")
                download = gr.DownloadButton("下载 PNG Download", value=None, interactive=False,
                                             elem_id="download")
                details = gr.JSON(label="详情 Details")
                stage_log = gr.Textbox(label="处理日志 Processing log", lines=8, interactive=False)

        def on_generate(image, text_value, style_value, intensity_value, caption_value, no_caption_value,
                        seed_value, progress=gr.Progress()):
            if no_caption_value:
                caption_value = ""
            elif not (caption_value or "").strip():
                caption_value = None  # an empty box means: choose a caption for me
            result = _run(pipeline, progress, image, text_value, style_value, caption_value, seed_value,
                          intensity_value)
            summary = result.summary()
            path = str(result.png_path)
            return path, gr.DownloadButton(value=path, interactive=True), summary, _log_text(summary)

        generate.click(on_generate, [photo, text, style, intensity, caption, no_caption, seed],
                       [sticker, download, details, stage_log], api_visibility="private")
        text.submit(on_generate, [photo, text, style, intensity, caption, no_caption, seed],
                    [sticker, download, details, stage_log], api_visibility="private")

        # The HTTP API: its own event on hidden components, so that a left-out `caption` means
        # "choose one" and an empty string means "no caption" (the UI uses a checkbox for that).
        with gr.Group(visible=False):
            # A File, not an Image: the library decodes it and explains what is wrong with a bad upload.
            api_image = gr.File(label="image", type="filepath")
            api_text = gr.Textbox(label="text")
            api_style = gr.Textbox(label="style", value="photo")
            api_caption = gr.Textbox(label="caption", value=None)
            api_seed = gr.Number(label="seed", value=None, precision=0)
            api_intensity = gr.Number(label="intensity", value=1.0)
            api_trigger = gr.Button(visible=False)

        def generate_api(image: str, text: str, style: str = "photo", caption: str | None = None,
                         seed: int | None = None, intensity: float = 1.0, progress=gr.Progress()):
            """Make a sticker. `intensity` (0-1.5) scales the expression the words imply. Returns the
            sticker PNG (with alpha) and a summary of what was done."""
            result = _run(pipeline, progress, image, text, style, caption, seed, intensity)
            return str(result.png_path), result.summary()

        api_trigger.click(generate_api, [api_image, api_text, api_style, api_caption, api_seed, api_intensity],
                          [gr.Image(label="sticker", visible=False, type="filepath", image_mode="RGBA", format="png"),
                           gr.JSON(label="details", visible=False)], api_name="generate")
    return demo


def prepare(demo: gr.Blocks, pipeline: Pipeline) -> gr.Blocks:
    """Bounded queue sized for the backend: classic styles on CPU serve a few requests at once."""
    settings = pipeline.settings
    return demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)


def launch(pipeline: Pipeline, **kwargs) -> gr.Blocks:
    """Serve the app; blocks unless prevent_thread_lock=True (the `emojigen serve` command, the tests)."""
    settings = pipeline.settings
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    demo = prepare(build_demo(pipeline), pipeline)
    threading.Thread(target=pipeline.warm_up, name="warm-up", daemon=True).start()
    log.info("emojigen serving on http://%s:%d (%s)", settings.host, settings.port,
             pipeline.backend_status()["en"])
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=True, css=CSS,
                allowed_paths=[str(settings.outputs_dir.resolve())], **kwargs)
    return demo
