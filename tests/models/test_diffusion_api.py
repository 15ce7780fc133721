"""/generate and /status through gradio_client, with the tiny model configured on the server."""

from __future__ import annotations

import numpy as np
import pytest
from browser_steps import generate, open_app, open_section, type_feeling, upload
from gradio_client import Client, handle_file
from PIL import Image

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(serve, tiny_sd, tmp_path_factory):
    with serve(outputs_dir=tmp_path_factory.mktemp("diffusion-outputs"), sd_model=str(tiny_sd.folder),
               lora_dir=str(tiny_sd.lora_dir), sd_resolution=64, sticker_size=128) as url:
        yield Client(url, verbose=False)


def test_status_lists_the_model_and_its_adapters(client, tiny_sd):
    status = client.predict(api_name="/status")
    assert status["backend"] == "diffusion" and status["model"] == str(tiny_sd.folder)
    assert status["lora"] == ["glow", "inky"] and status["fast_mode"] is True


def test_generate_restyles_with_lora_and_is_reproducible(client, photos):
    def make(**extra):
        path, details, _ = client.predict(image=handle_file(str(photos["face"])), text="开心", caption="", seed=4,
                                          api_name="/generate", **extra)
        return np.asarray(Image.open(path)), details

    with_lora, details = make(lora="inky:0.7", strength=0.5, steps=4)
    assert details["backend"] == "diffusion" and with_lora.shape == (128, 128, 4)
    again, _ = make(lora="inky:0.7", strength=0.5, steps=4)
    plain, _ = make(strength=0.5, steps=4)
    classic, classic_details = make(diffusion=False)
    assert np.array_equal(with_lora, again)
    assert not np.array_equal(with_lora, plain) and classic_details["backend"] == "classic"
    fast, fast_details = make(fast=True)
    assert fast_details["backend"] == "diffusion"


def test_unknown_lora_is_a_clear_error_and_the_server_keeps_serving(client, photos):
    with pytest.raises(Exception, match="There is no LoRA called 'nope'"):
        client.predict(image=handle_file(str(photos["face"])), text="开心", lora="nope", api_name="/generate")
    _, details, _ = client.predict(image=handle_file(str(photos["face"])), text="开心", api_name="/generate")
    assert details["backend"] == "diffusion"


@pytest.mark.browser
def test_the_page_offers_lora_and_restyles(browser, client, photos, artifacts_dir):
    page = open_app(browser, client.src, locale="zh-CN")
    assert "Stable Diffusion img2img" in page.inner_text("#backend-status")
    open_section(page, "advanced")
    page.click("#lora input")
    page.get_by_role("option", name="inky").click()
    page.keyboard.press("Escape")
    upload(page, photos["face"])
    type_feeling(page, "开心")
    generate(page)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "browser_diffusion.png"), full_page=True)
    open_section(page, "details-panel")
    details = page.inner_text("#details")
    assert "diffusion" in details and "classic" not in details
    page.close()
