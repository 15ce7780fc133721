"""Calling the library from Gradio: user errors become gr.Error (both languages) and one log line;
anything else is logged with its traceback and shown as a short generic error, so the server keeps serving."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from emojigen import EmojigenError
from emojigen.spec import Request

log = logging.getLogger(__name__)

T = TypeVar("T")


def guarded(work: Callable[[], T], title: str = "无法生成 / Cannot make this sticker") -> T:
    try:
        return work()
    except EmojigenError as exc:
        log.info("request refused: %s", exc.en)  # the user's to fix: one line, no traceback
        raise gr.Error(exc.message(), title=title) from exc
    except Exception as exc:  # noqa: BLE001 - the server must keep serving; the log has the traceback
        log.exception("request failed")
        raise gr.Error("出错了，请换一张照片再试。 / Something went wrong; please try another photo.") from exc


def progress_callback(progress: gr.Progress | None) -> Callable[[str, float], None] | None:
    if progress is None:
        return None
    return lambda stage, fraction: progress(fraction, desc=stage)


def request_from(values: dict[str, Any]) -> Request:
    """A request from values by name, as clients sent them; the library checks and converts each one."""
    return Request(**values)


def page_language(tag: str | None) -> str:
    """zh or en, from the language the page is shown in ("zh-CN", "en-US" ...); English otherwise."""
    return "zh" if (tag or "").strip().lower().startswith("zh") else "en"


def log_text(summary: dict, lang: str = "en") -> str:
    """The processing log panel: each stage and its time, the total, then any warnings in `lang`."""
    timings = dict(summary["timings_ms"])
    total = timings.pop("total", sum(timings.values()))
    lines = [f"{stage:<7} {ms:8.1f} ms" for stage, ms in timings.items()]
    lines.append(f"{'total':<7} {total:8.1f} ms")
    copied = (summary.get("reference") or {}).get("aus")
    if copied is not None:
        read = ", ".join(f"{au} {value:g}" for au, value in copied.items()) or ("中性" if lang == "zh" else "neutral")
        lines.append(f"{'参考照片的表情' if lang == 'zh' else 'reference expression'}: {read}")
    return "\n".join(lines + [f"! {w[lang]}" for w in summary["warnings"]])
