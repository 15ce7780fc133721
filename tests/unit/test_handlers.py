"""The page's helpers: the visitor's language and the processing log."""

from types import SimpleNamespace

from ui.handlers import log_text, visitor_lang


def test_the_visitors_language_comes_from_the_browser():
    def asking(header):
        return SimpleNamespace(headers={"accept-language": header})

    assert visitor_lang(asking("zh-CN,zh;q=0.9,en;q=0.8")) == "zh"
    assert visitor_lang(asking("en-US,en;q=0.9")) == "en"
    assert visitor_lang(asking("fr-FR,zh;q=0.5")) == "zh"
    assert visitor_lang(None) == "en"


def test_the_log_shows_each_stage_the_total_and_warnings_in_one_language():
    summary = {"timings_ms": {"load": 1.0, "detect": 20.0, "total": 30.5},
               "warnings": [{"code": "x", "zh": "脸太小", "en": "The face is small"}]}
    zh, en = log_text(summary, "zh"), log_text(summary, "en")
    assert "total       30.5 ms" in zh and "脸太小" in zh and "small" not in zh
    assert "The face is small" in en and "脸" not in en
