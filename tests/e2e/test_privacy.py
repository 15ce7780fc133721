"""What a stranger can fetch from a running server: not the history database, not anyone's uploaded
photo, nothing outside the results by path traversal, not the install path; another session's history
and ratings are out of reach; results expire after the retention period."""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file

from emojigen.assets import assets_dir

pytestmark = pytest.mark.e2e
OPERATOR = "operator-secret-token"


@pytest.fixture(scope="module")
def server(serve, tmp_path_factory):
    outputs = tmp_path_factory.mktemp("private-outputs")
    with serve(outputs_dir=outputs, operator_token=OPERATOR) as url:
        yield url, outputs


def _fetch(url: str, path: str) -> httpx.Response:
    return httpx.get(url + "gradio_api/file=" + urllib.parse.quote(path, safe="/"), timeout=30)


def _appears(path: Path, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not path.is_file():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_stranger_gets_no_private_file(server, photos):
    url, outputs = server
    client = Client(url, verbose=False)
    png, summary, _ = client.predict(image=handle_file(str(photos["face"])), text="开心", session="alice-session-x",
                                     api_name="/generate")
    result_id = summary["id"]
    assert len(result_id.rsplit("-", 1)[1]) == 24  # 96 random bits: links cannot be guessed or counted

    sticker = outputs.resolve() / result_id / "sticker.png"
    assert _fetch(url, str(sticker)).status_code == 200  # the result itself is served (its id is the key)
    secret = [outputs.resolve() / "history.sqlite", outputs.resolve() / "private" / result_id / "source.png",
              outputs.resolve() / "private"]
    assert secret[0].is_file() and _appears(secret[1])  # the source is written just after the answer
    for path in secret:
        assert _fetch(url, str(path)).status_code in (403, 404), path
    # Path traversal: out of the outputs folder by "..", encoded dots, and absolute paths.
    for path in (f"{outputs.resolve()}/../{outputs.name}/history.sqlite", f"{outputs.resolve()}/%2e%2e/etc/passwd",
                 "/etc/passwd", str(assets_dir().resolve() / "expressions.json"), "../../pyproject.toml"):
        assert _fetch(url, path).status_code in (400, 403, 404), path


def test_no_url_or_answer_shows_the_install_path(server):
    url, _ = server
    install = str(assets_dir().resolve().parent)
    page_config = httpx.get(url + "config", timeout=30).text
    assert install not in page_config
    templates = Client(url, verbose=False).predict(api_name="/templates")
    assert templates and all(not t["preview"].startswith("/") and install not in t["preview"] for t in templates)


def test_history_and_ratings_are_per_session(server, photos):
    url, _ = server
    client = Client(url, verbose=False)
    _, mine, _ = client.predict(image=handle_file(str(photos["face"])), text="伤心", session="bob-session-y",
                                api_name="/generate")
    with pytest.raises(Exception, match="session token"):
        client.predict(api_name="/history")  # no session: nothing listed
    assert client.predict(session="someone-else", api_name="/history") == []
    listed = client.predict(session="bob-session-y", api_name="/history")
    assert [e["id"] for e in listed] == [mine["id"]] and "preview" not in listed[0]
    every = client.predict(operator_token=OPERATOR, limit=50, api_name="/history")
    assert mine["id"] in [e["id"] for e in every]
    with pytest.raises(Exception, match="in your session"):
        client.predict(result_id=mine["id"], stars=1, session="someone-else", api_name="/rate")
    assert client.predict(result_id=mine["id"], stars=5, session="bob-session-y", api_name="/rate")["stars"] == 5


def test_results_expire_after_the_retention_period(serve, tmp_path, photos):
    with serve(outputs_dir=tmp_path / "out", retention_hours=0.002) as url:  # 7.2 seconds
        client = Client(url, verbose=False)
        _, made, _ = client.predict(image=handle_file(str(photos["face"])), text="开心", session="carol-session-z",
                                    api_name="/generate")
        folder = tmp_path / "out" / made["id"]
        assert folder.is_dir()
        deadline = time.time() + 40  # the period, then at most one sweep interval (10 s) later
        while folder.exists() and time.time() < deadline:
            time.sleep(1)
        assert not folder.exists() and not (tmp_path / "out" / "private" / made["id"]).exists()
        (entry,) = client.predict(session="carol-session-z", api_name="/history")
        assert entry["id"] == made["id"] and entry["expired"] is True


def test_an_upload_over_the_size_limit_is_refused_and_not_stored(serve, tmp_path):
    with serve(outputs_dir=tmp_path / "out", max_upload_mb=0.05) as url:
        big = tmp_path / "big.jpg"
        big.write_bytes(b"\xff\xd8" + b"0" * 200_000)
        with big.open("rb") as f:
            answer = httpx.post(url + "gradio_api/upload", files={"files": ("big.jpg", f, "image/jpeg")}, timeout=30)
        assert answer.status_code == 413 and "size" in answer.text.lower(), answer.text
