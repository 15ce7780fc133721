"""The page's history, rating and stats views over the library's SQLite history."""

from __future__ import annotations

import functools

import gradio as gr
from PIL import Image

from emojigen import Pipeline
from ui.handlers import guarded

HISTORY_SIZE = 20


def history_items(pipeline: Pipeline, session: str | None) -> list[tuple[str, str]]:
    """This browser's recent results as gallery items: preview and "expression · ★stars"."""
    if not session:
        return []
    items = []
    for entry in pipeline.history.recent(session=session, limit=HISTORY_SIZE):
        stars = f" · {'★' * entry['stars']}" if entry["stars"] else ""
        if entry["expired"]:  # its files were deleted after the retention period; the row stays
            items.append((_expired_picture(), f"{entry['expression']}{stars} · 已过期 expired"))
        else:
            items.append((entry["preview"], f"{entry['expression']}{stars}"))
    return items


@functools.cache
def _expired_picture() -> Image.Image:
    return Image.new("RGB", (128, 128), (225, 225, 225))


def rate_result(pipeline: Pipeline, session: str | None, result_id: str | None, stars: str | None) -> None:
    if not result_id or not stars:
        return
    guarded(lambda: pipeline.history.rate(result_id, int(stars), session=session), title="无法评分 / Cannot rate")
    gr.Info(f"已评分 Rated: {'★' * int(stars)}")


def stats_rows(pipeline: Pipeline) -> list[list]:
    return [[s["expression"], s["style"], s["made"], s["rated"], s["average"]] for s in pipeline.history.stats()]
