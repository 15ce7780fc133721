"""build_demo(pipeline) -> gr.Blocks: the sticker maker page; the HTTP API lives in ui/api.py.

Handlers stay thin: they translate between Gradio values and emojigen requests (ui/handlers.py turns
the library's user errors into gr.Error, in both languages, so the server keeps serving).
"""

from __future__ import annotations

import logging
import threading

import gradio as gr

from emojigen import Pipeline
from emojigen.assets import assets_dir
from emojigen.diffusion.options import DEFAULT_GUIDANCE, DEFAULT_STEPS, DEFAULT_STRENGTH
from emojigen.export import PLATFORMS
from emojigen.pack import make_pack
from ui.api import add_api
from ui.handlers import guarded, log_text, pack_request, progress_callback, sticker_request

log = logging.getLogger(__name__)

EXAMPLES = ["开心大笑", "气死我了", "伤心", "震惊", "翻白眼", "无语", "surprised", "laughing", "crying"]
STYLE_LABELS = {"photo": "照片 Photo", "cartoon": "卡通 Cartoon", "sketch": "素描 Sketch", "pixel": "像素 Pixel",
                "meme": "黑白表情包 Meme"}
NO_PLATFORM = "none"

# A checkerboard behind stickers shows their transparency and their white outline.
CSS = """
#sticker img, #animation img, #pack-gallery img {
  background: repeating-conic-gradient(#d9dde3 0% 25%, #f4f5f7 0% 50%) 50% / 24px 24px; }
"""

INTRO = """# emojigen 表情包生成器
上传一张脸部照片（或选一个模板），写下你的心情，生成属于你的表情包、动图和整套表情包。
Upload a face photo (or pick a template), type how you feel, and get stickers, animated stickers and whole packs."""


def build_demo(pipeline: Pipeline) -> gr.Blocks:
    style_choices = [(STYLE_LABELS.get(s, s), s) for s in pipeline.styles]
    templates = list(pipeline.templates.values())
    platform_choices = [("不指定 None", NO_PLATFORM)] + [(p.title, p.name) for p in PLATFORMS.values()]

    with gr.Blocks(title="emojigen 表情包生成器") as demo:
        gr.Markdown(INTRO)
        backend_status = gr.Markdown(status_text(pipeline), elem_id="backend-status")
        chosen_template = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1):
                photo = gr.Image(label="照片 Photo", type="filepath", sources=["upload", "clipboard"],
                                 height=300, elem_id="photo")
                with gr.Accordion("模板 Templates", open=False, elem_id="templates"):
                    gallery = gr.Gallery([(str(t.preview_path), f"{t.title['zh']} {t.title['en']}") for t in templates],
                                         columns=4, height=260, allow_preview=False, show_label=False,
                                         elem_id="template-gallery")
                    template_note = gr.Markdown("未选模板 · No template", elem_id="template-note")
                    clear_template = gr.Button("不用模板 No template", size="sm")
                text = gr.Textbox(label="心情 How do you feel?", placeholder="开心大笑 / 气死我了 / surprised",
                                  max_lines=1, elem_id="text")
                gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[text], label="试试 Try")
                style = gr.Radio(style_choices, value="photo", label="风格 Style", elem_id="style")
                intensity = gr.Slider(0.0, 1.5, value=1.0, step=0.05, label="表情强度 Intensity",
                                      info="0 = 原样 as it is · 1 = 正常 normal · 1.5 = 夸张 exaggerated",
                                      elem_id="intensity")
                with gr.Accordion("更多选项 More options", open=False):
                    caption = gr.Textbox(label="配字 Caption", value=None, max_lines=1,
                                         placeholder="留空自动配字 · leave empty for an automatic caption")
                    with gr.Row():
                        no_caption = gr.Checkbox(label="不要配字 No caption", value=False)
                        caption_position = gr.Radio([("底部 Bottom", "bottom"), ("顶部 Top", "top")], value="bottom",
                                                    label="配字位置 Caption position")
                    with gr.Row():
                        outline_width = gr.Slider(0, 24, value=8, step=1, label="描边宽度 Outline width (px)")
                        outline_color = gr.ColorPicker(value="#ffffff", label="描边颜色 Outline colour")
                        shadow = gr.Checkbox(label="阴影 Shadow", value=False)
                    seed = gr.Number(label="随机种子 Seed", value=None, precision=0)
                diffusion_inputs = diffusion_controls(pipeline)
                platform = gr.Dropdown(platform_choices, value=NO_PLATFORM, label="平台 Platform",
                                       info="按平台限制导出 · export within the app's limits", elem_id="platform")
                with gr.Row():
                    generate = gr.Button("生成 Generate", variant="primary", elem_id="generate")
                    animate = gr.Button("生成动图 Animate", elem_id="animate")
            with gr.Column(scale=1):
                with gr.Tabs() as preview_tabs:
                    with gr.Tab("表情包 Sticker", id="sticker-tab"):
                        sticker = gr.Image(label="表情包 Sticker", type="filepath", image_mode="RGBA", format="png",
                                           interactive=False, height=380, elem_id="sticker")
                    with gr.Tab("动图 Animated", id="animation-tab"):
                        animation = gr.Image(label="动图 Animated", type="filepath", interactive=False, height=380,
                                             elem_id="animation")
                with gr.Row():
                    download = gr.DownloadButton("下载 PNG", value=None, interactive=False, elem_id="download")
                    download_animation = gr.DownloadButton("下载动图 GIF/WebP", value=None, interactive=False,
                                                           elem_id="download-animation")
                    download_platform = gr.DownloadButton("下载平台文件 Platform file", value=None,
                                                          interactive=False, elem_id="download-platform")
                with gr.Accordion("整套表情包 Sticker pack", open=True):
                    with gr.Row():
                        pack_count = gr.Dropdown([8, 16, 24], value=8, label="数量 Count", allow_custom_value=True)
                        pack_lang = gr.Radio([("中文", "zh"), ("English", "en")], value="zh", label="配字语言 Captions")
                        pack_animated = gr.Checkbox(label="动图 Animated", value=False)
                    make_pack_button = gr.Button("生成整套 Make pack", elem_id="make-pack")
                    pack_gallery = gr.Gallery(label="预览 Preview", columns=4, height=240, format="png",
                                              elem_id="pack-gallery")
                    download_pack = gr.DownloadButton("下载 ZIP", value=None, interactive=False,
                                                      elem_id="download-pack")
                details = gr.JSON(label="详情 Details", elem_id="details")
                stage_log = gr.Textbox(label="处理日志 Processing log", lines=8, interactive=False, elem_id="log")

        def pick_template(evt: gr.SelectData):
            chosen = templates[evt.index]
            need = "需要照片 · uses your photo" if chosen.needs_photo else "无需照片 · no photo needed"
            return chosen.name, f"已选 Selected: **{chosen.title['zh']} {chosen.title['en']}** ({need})"

        gallery.select(pick_template, None, [chosen_template, template_note], api_visibility="private")
        clear_template.click(lambda: (None, "未选模板 · No template"), None, [chosen_template, template_note],
                             api_visibility="private")

        def page_request(image, template, text_value, style_value, intensity_value, caption_value,
                         no_caption_value, position, width, colour, shadow_value, seed_value, platform_value,
                         *diffusion_values):
            if no_caption_value:
                caption_value = ""
            elif not (caption_value or "").strip():
                caption_value = None  # an empty box means: choose a caption for me
            return sticker_request(image, text_value, style_value, caption_value, seed_value, intensity_value,
                                   template, None if platform_value == NO_PLATFORM else platform_value, position,
                                   width, colour, shadow_value, **diffusion_settings(*diffusion_values))

        inputs = [photo, chosen_template, text, style, intensity, caption, no_caption, caption_position,
                  outline_width, outline_color, shadow, seed, platform, *diffusion_inputs]

        def platform_button(result):
            if result.platform_file is None:
                return gr.DownloadButton("下载平台文件 Platform file", value=None, interactive=False)
            return gr.DownloadButton(f"下载 {result.platform_file.name}", value=str(result.platform_file),
                                     interactive=True)

        def on_generate(*values, progress=gr.Progress()):
            request = page_request(*values)
            result = guarded(lambda: pipeline.run(request, progress=progress_callback(progress)))
            summary = result.summary()
            path = str(result.png_path)
            return (path, gr.DownloadButton(value=path, interactive=True), platform_button(result), summary,
                    log_text(summary), gr.Tabs(selected="sticker-tab"))

        def on_animate(*values, progress=gr.Progress()):
            request = page_request(*values)
            result = guarded(lambda: pipeline.animate(request, progress=progress_callback(progress)))
            summary = result.summary()
            gif = str(result.files["animation.gif"])
            return (gif, gr.DownloadButton(value=gif, interactive=True), platform_button(result), summary,
                    log_text(summary), gr.Tabs(selected="animation-tab"))

        outputs_static = [sticker, download, download_platform, details, stage_log, preview_tabs]
        outputs_animated = [animation, download_animation, download_platform, details, stage_log, preview_tabs]
        generate.click(on_generate, inputs, outputs_static, api_visibility="private")
        text.submit(on_generate, inputs, outputs_static, api_visibility="private")
        animate.click(on_animate, inputs, outputs_animated, api_visibility="private")

        def on_pack(image, template, style_value, platform_value, count, lang, animated, seed_value,
                    *diffusion_values, progress=gr.Progress()):
            request = pack_request(image, "wechat" if platform_value == NO_PLATFORM else platform_value, count,
                                   None, style_value, template, lang, animated, seed_value,
                                   **diffusion_settings(*diffusion_values))
            result = guarded(lambda: make_pack(pipeline, request, progress=progress_callback(progress)),
                             title="无法生成表情包合集 / Cannot make this pack")
            summary = result.summary()
            previews = [(image, f"{m.expression} · {m.caption}") for image, m in zip(result.previews, result.members,
                                                                                     strict=True)]
            return (previews, gr.DownloadButton(f"下载 {result.zip_path.name}", value=str(result.zip_path),
                                                interactive=True), summary, log_text(summary))

        make_pack_button.click(on_pack, [photo, chosen_template, style, platform, pack_count, pack_lang,
                                         pack_animated, seed, *diffusion_inputs],
                               [pack_gallery, download_pack, details, stage_log], api_visibility="private")
        # The model loads in the background after start: each page shows the status as it is now.
        demo.load(lambda: status_text(pipeline), None, backend_status, api_visibility="private")
        add_api(pipeline)
    return demo


def status_text(pipeline: Pipeline) -> str:
    status = pipeline.backend_status()
    return f"**{status['zh']}**<br>{status['en']}"


def diffusion_controls(pipeline: Pipeline) -> list[gr.components.Component]:
    """The Stable Diffusion options; shown only when a model is configured (hidden, they send the defaults)."""
    styler = pipeline.diffusion
    with gr.Accordion("扩散模型 Stable Diffusion", open=False, visible=styler is not None, elem_id="diffusion"):
        use = gr.Checkbox(label="用扩散模型重绘 Restyle with Stable Diffusion", value=True, elem_id="use-diffusion")
        with gr.Row():
            lora = gr.Dropdown(pipeline.lora_names, value=[], multiselect=True, label="LoRA",
                               info="可多选 · several at once", elem_id="lora")
            lora_scale = gr.Slider(0.0, 2.0, value=1.0, step=0.05, label="LoRA 权重 LoRA scale")
        strength = gr.Slider(0.05, 1.0, value=DEFAULT_STRENGTH, step=0.05, label="重绘强度 Strength",
                             info="越小越像本人 · lower keeps the person more recognisable", elem_id="strength")
        with gr.Row():
            steps = gr.Slider(1, 50, value=DEFAULT_STEPS, step=1, label="步数 Steps")
            guidance = gr.Slider(0.0, 15.0, value=DEFAULT_GUIDANCE, step=0.5, label="引导系数 Guidance")
        fast = gr.Checkbox(label="快速模式 Fast (LCM, 4 步 steps)", value=False,
                           interactive=bool(styler and styler.fast_available), elem_id="fast")
    return [use, lora, lora_scale, strength, steps, guidance, fast]


def diffusion_settings(use, lora, lora_scale, strength, steps, guidance, fast) -> dict:
    """Page values -> request fields. Fast mode picks its own steps and guidance."""
    return {"diffusion": use, "lora": list(lora or []), "lora_scale": lora_scale, "strength": strength,
            "steps": None if fast else steps, "guidance": None if fast else guidance, "fast": fast}


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
    # Stickers are served from the outputs folder, the template gallery's previews from assets/templates.
    allowed = [str(settings.outputs_dir.resolve()), str((assets_dir() / "templates").resolve())]
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=True, css=CSS,
                allowed_paths=allowed, **kwargs)
    return demo

