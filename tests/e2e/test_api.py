"""The HTTP API through gradio_client, exactly as the README shows it."""

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_generate_returns_a_transparent_png(client, photos):
    path, details, _ = client.predict(image=handle_file(str(photos["face"])), text="伤心", caption="",
                                   api_name="/generate")
    image = Image.open(path)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (512, 512)
    assert np.asarray(image)[0, 0, 3] == 0
    assert details["expression"] == "sad" and details["caption"] == ""
    # A photo the server has prepared before (another test sent it) skips detection: the photo cache.
    # "cache": looking for an identical earlier request (no seed was given: none is served again).
    detected = {"detect"} if details["photo_cache"] == "miss" else set()
    assert details["result_cache"] == "miss"
    assert set(details["timings_ms"]) == {"cache", "load", *detected, "parse", "warp", "style", "finish", "export",
                                          "store", "total"}


def test_caption_left_out_means_automatic_and_seed_is_reproducible(client, photos):
    a = client.predict(image=handle_file(str(photos["face"])), text="surprised", seed=3, api_name="/generate")
    b = client.predict(image=handle_file(str(photos["face"])), text="surprised", seed=3, api_name="/generate")
    assert a[1]["caption"] and a[1]["caption"] == b[1]["caption"]
    assert (a[1]["result_cache"], b[1]["result_cache"]) == ("miss", "hit") and a[1]["id"] != b[1]["id"]
    assert np.array_equal(np.asarray(Image.open(a[0])), np.asarray(Image.open(b[0])))


def test_api_parameters_are_named_and_ordered(client):
    info = client.view_api(print_info=False, return_format="dict")
    params = info["named_endpoints"]["/generate"]["parameters"]
    assert [p["parameter_name"] for p in params] == [
        "image", "text", "style", "caption", "seed", "intensity", "template", "platform", "caption_position",
        "outline_width", "outline_color", "shadow", "diffusion", "lora", "lora_scale", "strength", "steps",
        "guidance", "fast", "face", "brows", "eyes", "wink", "mouth_open", "smile", "mouth_wide", "mouth_round",
        "gaze_x", "gaze_y", "reference", "session", "caption_font"]  # new ones at the end
    assert params[2]["parameter_default"] == "photo"
    assert params[5]["parameter_default"] == 1.0
    # UI plumbing is not part of the API.
    assert sorted(info["named_endpoints"]) == ["/animate", "/generate", "/history", "/pack", "/rate", "/stats",
                                               "/status", "/templates"]
    pack = info["named_endpoints"]["/pack"]["parameters"]
    assert [p["parameter_name"] for p in pack][:4] == ["image", "platform", "count", "expressions"]


def test_status_says_the_classic_looks_serve_without_a_model(client):
    status = client.predict(api_name="/status")
    assert status["backend"] == "classic" and "EMOJIGEN_SD_MODEL" in status["en"]
    with pytest.raises(Exception, match="need a Stable Diffusion model"):
        client.predict(image=None, text="开心", template="mochi", lora="inky", api_name="/generate")


def test_intensity_zero_keeps_the_face_and_is_reported(client, photos):
    _, calm, _ = client.predict(image=handle_file(str(photos["face"])), text="大哭", intensity=0.0, seed=1,
                             api_name="/generate")
    _, full, _ = client.predict(image=handle_file(str(photos["face"])), text="大哭", intensity=1.0, seed=1,
                             api_name="/generate")
    assert calm["intensity"] == 0.0 and full["intensity"] > 1.0  # 大哭 is a strong word: 1.4
    with pytest.raises(Exception, match="intensity: expected a number from 0 to 1.5"):
        client.predict(image=handle_file(str(photos["face"])), text="哭", intensity=3.0, api_name="/generate")


def test_photo_without_a_face_gets_a_clear_error_and_the_server_keeps_serving(client, photos):
    with pytest.raises(Exception) as info:
        client.predict(image=handle_file(str(photos["no_face"])), text="开心", api_name="/generate")
    assert "No face found" in str(info.value) and "没有找到人脸" in str(info.value)
    path, _, _ = client.predict(image=handle_file(str(photos["face"])), text="开心", api_name="/generate")
    assert Image.open(path).mode == "RGBA"


def test_not_an_image_gets_a_clear_error(client, tmp_path):
    bogus = tmp_path / "notes.png"
    bogus.write_text("hello")
    with pytest.raises(Exception, match="could not be read as an image"):
        client.predict(image=handle_file(str(bogus)), text="开心", api_name="/generate")


def test_templates_pack_and_animate_endpoints(client, photos):
    import zipfile

    templates = client.predict(api_name="/templates")
    names = {t["name"]: t for t in templates}
    assert {"panda", "cat", "spring_festival"} <= set(names) and names["cat"]["needs_photo"] is False

    # A character template needs no image.
    path, details, platform_file = client.predict(image=None, text="哭", template="cat", platform="discord",
                                                  api_name="/generate")
    assert details["faces_found"] == 0 and details["expression"] == "cry"
    assert Image.open(platform_file).size == (320, 320)

    zip_path, summary = client.predict(image=handle_file(str(photos["face"])), platform="whatsapp", count=3,
                                       expressions="开心, 生气", api_name="/pack")
    names = zipfile.ZipFile(zip_path).namelist()
    assert {"01.webp", "02.webp", "03.webp", "tray.png", "manifest.json"} <= set(names)
    assert [s["expression"] for s in summary["stickers"]][:2] == ["happy", "angry"]

    webp, gif, details, webm = client.predict(image=handle_file(str(photos["face"])), text="震惊",
                                              platform="telegram", api_name="/animate")
    assert Image.open(webp).n_frames > 5 and Image.open(gif).n_frames > 5
    assert webm.endswith(".webm") and details["expression"] == "surprised"

    with pytest.raises(Exception, match="8/16/24"):
        client.predict(image=handle_file(str(photos["face"])), platform="wechat", count=5, api_name="/pack")


def test_rate_history_and_stats(client, photos):
    _, made, _ = client.predict(image=handle_file(str(photos["face"])), text="震惊", style="sketch", seed=2,
                                session="api-tests", api_name="/generate")
    rated = client.predict(result_id=made["id"], stars=4, session="api-tests", api_name="/rate")
    assert rated["id"] == made["id"] and rated["stars"] == 4 and rated["request"]["text"] == "震惊"
    assert "preview" not in rated  # no server paths in the API
    recent = client.predict(session="api-tests", limit=5, api_name="/history")
    assert recent[0]["id"] == made["id"] and recent[0]["stars"] == 4 and recent[0]["expression"] == "surprised"
    stats = client.predict(api_name="/stats")
    row = next(s for s in stats if s["expression"] == "surprised" and s["style"] == "sketch")
    assert row["rated"] >= 1 and 1 <= row["average"] <= 5
    with pytest.raises(Exception, match="stars: expected a whole number from 1 to 5"):
        client.predict(result_id=made["id"], stars=9, api_name="/rate")
    with pytest.raises(Exception, match="no result with the id"):
        client.predict(result_id="nope", stars=3, session="api-tests", api_name="/rate")
    with pytest.raises(Exception, match="in your session"):  # not without the session it was made in
        client.predict(result_id=made["id"], stars=5, api_name="/rate")
    assert client.predict(result_id=made["id"], stars=5, session="api-tests", api_name="/rate")["stars"] == 5


def test_batch_jobs_with_submit(client, photos):
    """What the README shows for batch work: several jobs in flight, results collected as they finish."""
    jobs = [client.submit(image=handle_file(str(photos["face"])), text=feeling, seed=1, api_name="/generate")
            for feeling in ("开心", "生气", "哭")]
    expressions = [job.result(timeout=120)[1]["expression"] for job in jobs]
    assert expressions == ["happy", "angry", "cry"]


def test_plain_http_as_the_readme_shows(app_url, photos):
    """The README's curl steps, done with urllib: upload, call with the parameters an earlier client knew
    (the ones added since are left off, and mean their defaults), read the stream."""
    import json
    import urllib.request
    import uuid

    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"me.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    body = head + photos["face"].read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    upload = urllib.request.Request(app_url + "gradio_api/upload", data=body,
                                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    path = json.load(urllib.request.urlopen(upload))[0]
    data = [{"path": path, "meta": {"_type": "gradio.FileData"}}, "开心大笑", "photo", None, 42,
            1.0, None, None, "bottom", None, "#ffffff", False, True, None, None, None, None, None, False]
    call = urllib.request.Request(app_url + "gradio_api/call/generate", data=json.dumps({"data": data}).encode(),
                                  headers={"Content-Type": "application/json"})
    event = json.load(urllib.request.urlopen(call))["event_id"]
    stream = urllib.request.urlopen(f"{app_url}gradio_api/call/generate/{event}").read().decode()
    assert "event: complete" in stream, stream[:500]
    result = json.loads(stream.split("data: ", 1)[1].splitlines()[0])
    assert result[0]["url"].endswith("sticker.png") and result[1]["expression"] == "laugh"


def test_refused_words_get_a_clear_message_that_does_not_repeat_them(client, photos):
    with pytest.raises(Exception) as refused:
        client.predict(image=handle_file(str(photos["face"])), text="开心", caption="heil hitler",
                       api_name="/generate")
    assert "rephrase" in str(refused.value) and "请换个说法" in str(refused.value)
    assert "hitler" not in str(refused.value).lower()
    assert client.predict(api_name="/status")["moderation"]["text"] is True
