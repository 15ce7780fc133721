"""The named HTTP API endpoints (/generate, /animate, /pack, /templates, /status, /rate, /history, /stats).

/generate, /animate and /pack take the parameters declared in emojigen/spec.py, in the order listed
there (spec.ENDPOINTS), each under its own name and optional: a left-out parameter means its declared
default. Each endpoint is its own event on hidden components, so the page's controls can change without
breaking clients.
"""

from __future__ import annotations

import secrets
from typing import Any

import gradio as gr

from emojigen import BadInput, Pipeline
from emojigen.spec import ENDPOINTS, Param, coerce, params
from ui.controls import api_component, as_sent, endpoint
from ui.handlers import guarded, progress_callback, request_from

GENERATE_DOC = """Make a sticker. `image` may be left out with a character template. Returns the sticker PNG
(with alpha), a summary, and the file fitted to `platform` (None without one). Every parameter is optional;
`face` picks a face in a group photo (0 = leftmost). With a Stable Diffusion model on the server, `lora`,
`strength`, `steps`, `guidance` and `fast` tune the restyling; `diffusion=False` uses the classic looks."""
ANIMATE_DOC = """Make an animated sticker (neutral -> expression -> neutral). Returns the animated WebP, the GIF,
a summary, and the file fitted to `platform` (WEBM for Telegram, APNG for LINE...)."""
PACK_DOC = """Make a sticker pack from one photo. Returns the ZIP (laid out for `platform`, WeChat when left
out) and a summary."""

STARS = Param("int", "评分", "stars", minimum=1, maximum=5, name="stars")
LIMIT = Param("int", "数量", "limit", minimum=1, maximum=200, name="limit")
RESULT_ID = Param("text", "结果编号", "result_id", max_length=64, name="result_id")
SESSION = Param("text", "会话", "session", max_length=64, name="session")


def add_api(pipeline: Pipeline) -> None:
    """Call inside the gr.Blocks context."""
    declared = params()
    with gr.Group(visible=False):
        components = {name: api_component(declared[name]) for name in declared
                      if any(name in names for names in ENDPOINTS.values())}
        result_id, stars = as_sent(gr.Textbox(label="result_id")), as_sent(gr.Number(label="stars", precision=0))
        session = as_sent(gr.Textbox(label="session", value=None))
        limit = as_sent(gr.Number(label="limit", value=20, precision=0))
        operator = as_sent(gr.Textbox(label="operator_token", value=None))
        triggers = [gr.Button(visible=False) for _ in range(8)]

    def generate(values: dict[str, Any], progress: Any) -> tuple:
        result = guarded(lambda: pipeline.run(request_from(values), progress=progress_callback(progress)))
        return str(result.png_path), result.summary(), _path(result.platform_file)

    def animate(values: dict[str, Any], progress: Any) -> tuple:
        result = guarded(lambda: pipeline.animate(request_from(values), progress=progress_callback(progress)))
        return (str(result.files["animation.webp"]), str(result.files["animation.gif"]), result.summary(),
                _path(result.platform_file))

    def pack(values: dict[str, Any], progress: Any) -> tuple:
        result = guarded(lambda: pipeline.pack(request_from(values), progress=progress_callback(progress)),
                         title="无法生成表情包合集 / Cannot make this pack")
        return str(result.zip_path), result.summary()

    def templates():
        """The built-in templates: name (pass it as `template`), titles, kind, whether a photo is needed."""
        return [t.describe() for t in pipeline.templates.values()]

    def status():
        """The styling backend: classic or Stable Diffusion (model, device, LoRA names, fast mode, any error)."""
        return pipeline.backend_status()

    def rate(result_id: str, stars: int, session: str | None = None):
        """Rate a result (a sticker, animation or pack, by the `id` in its details) 1 to 5 stars; a result
        made with a `session` can be rated only with it. Returns the history entry with its rating."""
        def work():
            return pipeline.history.rate(_checked(RESULT_ID, result_id), _checked(STARS, stars),
                                         session=_checked(SESSION, session) or None)

        return public(guarded(work, title="无法评分 / Cannot rate"))

    def history(session: str | None = None, limit: int = 20, operator_token: str | None = None):
        """Your recent results (those made with your `session` token), newest first: id, kind, time,
        expression, style, backend, caption, stars, whether its files expired, and the request that made
        it. Every session's: only with the server's operator token."""
        def work():
            mine, count = _checked(SESSION, session) or None, _checked(LIMIT, limit) or 20
            if mine is None and not _is_operator(pipeline, operator_token):
                raise BadInput("请提供会话令牌（session）：只能查看自己的记录。",
                               "Give your session token: only your own results are listed.")
            return [public(entry) for entry in pipeline.history.recent(session=mine, limit=count)]

        return guarded(work, title="无法读取历史 / Cannot read the history")

    def stats():
        """Per expression and style: how many were made, how many rated, the average stars."""
        return pipeline.history.stats()

    def hidden_file(label: str):
        return gr.File(label=label, visible=False)

    def details():
        return gr.JSON(label="details", visible=False)

    def inputs(name: str) -> list:
        return [components[field] for field in ENDPOINTS[name]]

    triggers[0].click(endpoint(ENDPOINTS["generate"], generate, GENERATE_DOC), inputs("generate"),
                      [gr.Image(label="sticker", visible=False, type="filepath", image_mode="RGBA", format="png"),
                       details(), hidden_file("platform_file")], api_name="generate")
    triggers[1].click(endpoint(ENDPOINTS["animate"], animate, ANIMATE_DOC), inputs("animate"),
                      [hidden_file("webp"), hidden_file("gif"), details(), hidden_file("platform_file")],
                      api_name="animate")
    triggers[2].click(endpoint(ENDPOINTS["pack"], pack, PACK_DOC), inputs("pack"),
                      [hidden_file("zip"), details()], api_name="pack")
    triggers[3].click(templates, None, gr.JSON(label="templates", visible=False), api_name="templates")
    triggers[4].click(status, None, gr.JSON(label="status", visible=False), api_name="status")
    triggers[5].click(rate, [result_id, stars, session], gr.JSON(label="rated", visible=False), api_name="rate")
    triggers[6].click(history, [session, limit, operator], gr.JSON(label="history", visible=False),
                      api_name="history")
    triggers[7].click(stats, None, gr.JSON(label="stats", visible=False), api_name="stats")


def _is_operator(pipeline: Pipeline, token: Any) -> bool:
    expected = pipeline.settings.operator_token
    return bool(expected) and isinstance(token, str) and secrets.compare_digest(token, expected)


def _checked(param: Param, value: Any) -> Any:
    return coerce(param, value)[0]


def _path(path: Any) -> str | None:
    return str(path) if path else None


def public(entry: dict) -> dict:
    """A history entry without the server's file paths."""
    return {key: value for key, value in entry.items() if key != "preview"}
