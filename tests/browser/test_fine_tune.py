"""The Fine-tune panel in a real Chromium: a slider for every muscle group the request declares, and a
second upload whose expression is copied onto the face; the log says which action units were read."""

from __future__ import annotations

import pytest
from browser_steps import generate, open_app, open_section, type_feeling, upload
from PIL import Image

from emojigen.spec import TWEAK_FIELDS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def surprised_photo(photo_rgb, tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "surprised.jpg"
    Image.fromarray(photo_rgb("surprised_woman")).save(path, quality=92)
    return path


def test_copy_an_expression_from_a_second_photo(browser, app_url, photos, surprised_photo, artifacts_dir):
    page = open_app(browser, app_url, locale="en-US")
    upload(page, photos["face"])
    type_feeling(page, "happy")
    open_section(page, "advanced")
    open_section(page, "fine-tune")
    for name in TWEAK_FIELDS:
        page.locator(f"#tweak-{name}").wait_for(timeout=10_000)
    page.locator("#reference input[type=file]").set_input_files(str(surprised_photo))
    page.wait_for_selector("#reference img", timeout=30_000)
    page.locator("#fine-tune").screenshot(path=str(artifacts_dir / "browser_fine_tune.png"))
    generate(page)
    page.wait_for_function("() => document.querySelector('#log textarea').value.includes('reference expression')",
                           timeout=30_000)
    log = page.locator("#log textarea").input_value()
    assert "AU26" in log and "AU1" in log, log  # her dropped jaw and raised brows were read
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "browser_reference.png"), full_page=True)
    page.close()
