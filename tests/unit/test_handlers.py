"""The page's helpers: the visitor's language and the processing log."""

from ui.handlers import log_text, page_language


def test_the_log_language_follows_the_page():
    assert page_language("zh-CN") == "zh" and page_language("zh") == "zh" and page_language("zh-TW") == "zh"
    assert page_language("en-US") == "en" and page_language("fr") == "en"
    assert page_language("") == "en" and page_language(None) == "en"


def test_the_log_shows_each_stage_the_total_and_warnings_in_one_language():
    summary = {"timings_ms": {"load": 1.0, "detect": 20.0, "total": 30.5},
               "warnings": [{"code": "x", "zh": "脸太小", "en": "The face is small"}]}
    zh, en = log_text(summary, "zh"), log_text(summary, "en")
    assert "total       30.5 ms" in zh and "脸太小" in zh and "small" not in zh
    assert "The face is small" in en and "脸" not in en
