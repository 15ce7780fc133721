"""A real Chromium (Debian's package) driven by playwright: upload, generate, download, screenshot."""

import numpy as np
import pytest
from browser_steps import generate, open_app, open_section, type_feeling, upload
from PIL import Image

pytestmark = pytest.mark.browser


def test_upload_generate_download(browser, app_url, photos, artifacts_dir, tmp_path):
    page = open_app(browser, app_url, locale="zh-CN", accept_downloads=True)
    assert "Styling: classic" in page.inner_text("#backend-status")

    upload(page, photos["face"])
    type_feeling(page, "开心大笑")
    generate(page)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "browser_generate.png"), full_page=True)

    with page.expect_download(timeout=30_000) as download_info:
        page.click("#download")
    saved = tmp_path / "downloaded.png"
    download_info.value.save_as(saved)
    image = Image.open(saved)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (512, 512)
    alpha = np.asarray(image)[..., 3]
    assert alpha[0, 0] == 0 and alpha.max() == 255  # transparent around an opaque sticker
    page.close()


def test_no_face_shows_the_message(browser, app_url, photos, artifacts_dir):
    page = open_app(browser, app_url)
    upload(page, photos["no_face"])
    type_feeling(page, "开心")
    page.click("#generate")
    page.get_by_text("No face found", exact=False).first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "browser_no_face.png"))
    page.close()


def test_template_animation_and_pack(browser, app_url, photos, artifacts_dir, tmp_path):
    page = open_app(browser, app_url, locale="zh-CN", accept_downloads=True)

    # A character template: no photo needed.
    open_section(page, "templates")
    page.locator("#template-gallery button, #template-gallery .thumbnail-item").nth(1).click()
    page.get_by_text("Selected", exact=False).first.wait_for(timeout=10_000)
    type_feeling(page, "哈哈大笑")
    generate(page)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "browser_template.png"), full_page=True)

    # An animated sticker of the uploaded photo, fitted to Telegram.
    page.click("#clear-template")
    upload(page, photos["face"])
    open_section(page, "advanced")
    page.locator("#platform input").first.click()
    page.get_by_role("option", name="Telegram").click()
    page.click("#animate")
    page.wait_for_selector("#animation img", timeout=90_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "browser_animated.png"), full_page=True)
    # The preview is the GIF itself (an animation), not a still re-encoded from it.
    assert page.locator("#animation img").get_attribute("src").endswith(".gif")
    with page.expect_download(timeout=30_000) as download_info:
        page.click("#download-platform")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.suffix == ".webm" and saved.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # a Matroska/WEBM file

    # A pack for Telegram, downloaded as a ZIP.
    open_section(page, "pack")
    page.click("#make-pack")
    page.wait_for_selector("#pack-gallery img", timeout=90_000)
    with page.expect_download(timeout=30_000) as download_info:
        page.click("#download-pack")
    saved = tmp_path / "pack.zip"
    download_info.value.save_as(saved)
    import zipfile

    names = zipfile.ZipFile(saved).namelist()
    assert sum(n.startswith("stickers/") for n in names) == 8 and "thumbnail.png" in names
    page.screenshot(path=str(artifacts_dir / "browser_pack.png"), full_page=True)
    page.close()
