"""Under pressure the server answers at once and clearly: a client over the rate limit gets HTTP 429
with Retry-After and a zh/en message; a full queue answers 503 with "busy, try again in N s" in both
languages; the server keeps serving."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _start_generate(url: str, client: httpx.Client | None = None) -> httpx.Response:
    body = {"data": [None, "开心", "photo", "", 1, 1.0, "mochi"]}  # a template: no upload needed
    return (client or httpx).post(url + "gradio_api/call/generate", json=body, timeout=30)


def test_a_client_over_the_rate_limit_is_told_to_wait(serve, tmp_path):
    with serve(outputs_dir=tmp_path / "out", rate_limit=3) as url:
        answers = [_start_generate(url) for _ in range(5)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        refused = answers[3]
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "请求太频繁" in refused.json()["detail"] and "Too many requests" in refused.json()["detail"]
        other = _start_generate(url.replace("127.0.0.1", "localhost"))  # still no waiting for others
        assert other.status_code in (200, 429)  # localhost may be the same address; the server is up


def test_a_full_queue_answers_busy_at_once_in_both_languages(serve, tmp_path):
    with serve(outputs_dir=tmp_path / "out", queue_size=1, concurrency=1, rate_limit=0) as url:
        # Threads, not asyncio.run: the browser tests keep an event loop running in this thread.
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda _: _start_generate(url), range(12)))
        busy = [a for a in answers if a.status_code == 503]
        assert busy, [a.status_code for a in answers]
        assert all(a.status_code in (200, 503) for a in answers)
        message = busy[0].json()["detail"]
        assert "服务器正忙" in message and "The server is busy" in message and "Queue is full" not in message
        assert _start_generate(url).status_code in (200, 503)  # and it goes on serving
