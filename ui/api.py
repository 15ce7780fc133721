"""The named HTTP API endpoints (/generate, /animate, /pack, /templates, /status, /rate, /history, /stats).

Each is its own event on hidden components, so that parameters have API names and defaults of
their own (a left-out `caption` means "choose one", an empty string "no caption") and the page's
controls can change without breaking clients.
"""

from __future__ import annotations

import gradio as gr

from emojigen import Pipeline
from emojigen.pack import make_pack
from ui.handlers import guarded, pack_request, progress_callback, sticker_request


def add_api(pipeline: Pipeline) -> None:
    """Call inside the gr.Blocks context."""
    with gr.Group(visible=False):
        # A File, not an Image: the library decodes it and explains what is wrong with a bad upload.
        image = gr.File(label="image", type="filepath")
        text = gr.Textbox(label="text")
        style = gr.Textbox(label="style", value="photo")
        caption = gr.Textbox(label="caption", value=None)
        seed = gr.Number(label="seed", value=None, precision=0)
        intensity = gr.Number(label="intensity", value=1.0)
        template = gr.Textbox(label="template", value=None)
        platform = gr.Textbox(label="platform", value=None)
        caption_position = gr.Textbox(label="caption_position", value="bottom")
        outline_width = gr.Number(label="outline_width", value=None, precision=0)
        outline_color = gr.Textbox(label="outline_color", value="#ffffff")
        shadow = gr.Checkbox(label="shadow", value=False)
        count = gr.Number(label="count", value=None, precision=0)
        expressions = gr.Textbox(label="expressions", value=None)
        lang = gr.Textbox(label="lang", value="zh")
        animated = gr.Checkbox(label="animated", value=False)
        # Diffusion styling (used when the server has a Stable Diffusion model; see /status).
        diffusion = [gr.Checkbox(label="diffusion", value=True), gr.Textbox(label="lora", value=None),
                     gr.Number(label="lora_scale", value=None), gr.Number(label="strength", value=None),
                     gr.Number(label="steps", value=None, precision=0), gr.Number(label="guidance", value=None),
                     gr.Checkbox(label="fast", value=False)]
        result_id = gr.Textbox(label="result_id")
        stars = gr.Number(label="stars", precision=0)
        session = gr.Textbox(label="session", value=None)
        limit = gr.Number(label="limit", value=20, precision=0)
        triggers = [gr.Button(visible=False) for _ in range(8)]

    def generate(image: str | None, text: str, style: str = "photo", caption: str | None = None,
                 seed: int | None = None, intensity: float = 1.0, template: str | None = None,
                 platform: str | None = None, caption_position: str = "bottom", outline_width: int | None = None,
                 outline_color: str = "#ffffff", shadow: bool = False, diffusion: bool = True,
                 lora: str | None = None, lora_scale: float | None = None, strength: float | None = None,
                 steps: int | None = None, guidance: float | None = None, fast: bool = False,
                 progress=gr.Progress()):
        """Make a sticker. `image` may be left out with a character template. Returns the sticker PNG
        (with alpha), a summary, and the file fitted to `platform` (None without one). With a Stable
        Diffusion model on the server, `lora` ("name" or "name:0.8, other:0.4"), `strength`, `steps`,
        `guidance` and `fast` (LCM, 4 steps) tune the restyling; `diffusion=False` uses the classic looks."""
        def work():
            req = sticker_request(image, text, style, caption, seed, intensity, template, platform, caption_position,
                                  outline_width, outline_color, shadow, diffusion=diffusion, lora=lora,
                                  lora_scale=lora_scale, strength=strength, steps=steps, guidance=guidance, fast=fast)
            return pipeline.run(req, progress=progress_callback(progress))

        result = guarded(work)
        return str(result.png_path), result.summary(), str(result.platform_file) if result.platform_file else None

    def animate(image: str | None, text: str, style: str = "photo", caption: str | None = None,
                seed: int | None = None, intensity: float = 1.0, template: str | None = None,
                platform: str | None = None, diffusion: bool = True, lora: str | None = None,
                lora_scale: float | None = None, strength: float | None = None, steps: int | None = None,
                guidance: float | None = None, fast: bool = False, progress=gr.Progress()):
        """Make an animated sticker (neutral -> expression -> neutral). Returns the animated WebP, the
        GIF, a summary, and the file fitted to `platform` (WEBM for Telegram, APNG for LINE...)."""
        def work():
            req = sticker_request(image, text, style, caption, seed, intensity, template, platform,
                                  diffusion=diffusion, lora=lora, lora_scale=lora_scale, strength=strength,
                                  steps=steps, guidance=guidance, fast=fast)
            return pipeline.animate(req, progress=progress_callback(progress))

        result = guarded(work)
        return (str(result.files["animation.webp"]), str(result.files["animation.gif"]), result.summary(),
                str(result.platform_file) if result.platform_file else None)

    def pack(image: str | None, platform: str = "wechat", count: int | None = None, expressions: str | None = None,
             style: str = "photo", template: str | None = None, lang: str = "zh", animated: bool = False,
             seed: int | None = None, diffusion: bool = True, lora: str | None = None,
             lora_scale: float | None = None, strength: float | None = None, steps: int | None = None,
             guidance: float | None = None, fast: bool = False, progress=gr.Progress()):
        """Make a sticker pack from one photo. Returns the ZIP (laid out for `platform`) and a summary."""
        def work():
            req = pack_request(image, platform, count, expressions, style, template, lang, animated, seed,
                               diffusion=diffusion, lora=lora, lora_scale=lora_scale, strength=strength,
                               steps=steps, guidance=guidance, fast=fast)
            return make_pack(pipeline, req, progress=progress_callback(progress))

        result = guarded(work, title="无法生成表情包合集 / Cannot make this pack")
        return str(result.zip_path), result.summary()

    def templates():
        """The built-in templates: name (pass it as `template`), titles, kind, whether a photo is needed."""
        return [t.describe() for t in pipeline.templates.values()]

    def status():
        """The styling backend: classic or Stable Diffusion (model, device, LoRA names, fast mode, any error)."""
        return pipeline.backend_status()

    def rate(result_id: str, stars: int):
        """Rate a result (a sticker, animation or pack, by the `id` in its details) 1 to 5 stars.
        Returns the history entry with its rating."""
        return public(guarded(lambda: pipeline.history.rate(result_id, stars), title="无法评分 / Cannot rate"))

    def history(session: str | None = None, limit: int = 20):
        """Recent results, newest first (one page session's when `session` is given): id, kind, time,
        expression, style, backend, caption, stars, and the request that made it."""
        return [public(entry) for entry in pipeline.history.recent(session=session or None, limit=limit or 20)]

    def stats():
        """Per expression and style: how many were made, how many rated, the average stars."""
        return pipeline.history.stats()

    def hidden_file(label: str):
        return gr.File(label=label, visible=False)

    triggers[0].click(generate, [image, text, style, caption, seed, intensity, template, platform, caption_position,
                                 outline_width, outline_color, shadow, *diffusion],
                      [gr.Image(label="sticker", visible=False, type="filepath", image_mode="RGBA", format="png"),
                       gr.JSON(label="details", visible=False), hidden_file("platform_file")], api_name="generate")
    triggers[1].click(animate, [image, text, style, caption, seed, intensity, template, platform, *diffusion],
                      [hidden_file("webp"), hidden_file("gif"), gr.JSON(label="details", visible=False),
                       hidden_file("platform_file")], api_name="animate")
    triggers[2].click(pack, [image, platform, count, expressions, style, template, lang, animated, seed,
                             *diffusion],
                      [hidden_file("zip"), gr.JSON(label="details", visible=False)], api_name="pack")
    triggers[3].click(templates, None, gr.JSON(label="templates", visible=False), api_name="templates")
    triggers[4].click(status, None, gr.JSON(label="status", visible=False), api_name="status")
    triggers[5].click(rate, [result_id, stars], gr.JSON(label="rated", visible=False), api_name="rate")
    triggers[6].click(history, [session, limit], gr.JSON(label="history", visible=False), api_name="history")
    triggers[7].click(stats, None, gr.JSON(label="stats", visible=False), api_name="stats")


def public(entry: dict) -> dict:
    """A history entry without the server's file paths."""
    return {key: value for key, value in entry.items() if key != "preview"}
