"""Picking one face of a group photo on the page: the faces are shown numbered from the left, a click
picks one, the sticker is made of that face, and a new photo with one face hides the picker again."""

import re

import pytest
from browser_steps import generate, open_app, open_section, type_feeling, upload
from PIL import Image

pytestmark = pytest.mark.browser

THUMBNAILS = "#face-gallery .thumbnail-item"
PHONE = {"width": 390, "height": 844}


def details_text(page) -> str:
    """The details panel's JSON as one line: the page shows each key and value on its own line."""
    open_section(page, "details-panel")
    page.wait_for_selector("#details", timeout=10_000)
    return " ".join(page.inner_text("#details").split())


def test_pick_a_face_of_a_group_photo(browser, app_url, photos, photo_rgb, detector, artifacts_dir, tmp_path):
    rgb = photo_rgb("group")
    count = detector.detect(rgb).count
    assert count >= 2, "the group photo should have several faces for this test"
    group = tmp_path / "group.jpg"
    Image.fromarray(rgb).save(group, quality=92)

    page = open_app(browser, app_url, locale="zh-CN")
    assert not page.locator("#faces").first.is_visible()  # no photo yet: no face picker
    upload(page, group)
    page.wait_for_selector("#faces", state="visible", timeout=30_000)
    thumbnails = page.locator(THUMBNAILS)
    page.wait_for_function(f"() => document.querySelectorAll('{THUMBNAILS}').length === {count}", timeout=30_000)
    # Numbered 0, 1, ... from the left, as the request's `face` counts them.
    numbers = [thumbnails.nth(i).inner_text().strip() for i in range(count)]
    assert numbers == [str(i) for i in range(count)]
    note = page.inner_text("#face-note")
    assert str(count) in note and "faces" in note and "张脸" in note

    thumbnails.nth(1).click()
    page.wait_for_function("() => document.querySelector('#face-note').innerText.includes('Face 1 chosen')",
                           timeout=10_000)
    assert "已选 1 号脸" in page.inner_text("#face-note")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "browser_face_picker_chosen.png"), full_page=True)

    type_feeling(page, "开心")
    generate(page)
    details = details_text(page)
    assert re.search(r'"face" : 1 [,}]', details), details
    # The faces list: one box per face found, the chosen one among them.
    assert re.search(rf'"faces_found" : {count} [,}}]', details), details
    assert len(re.findall(r'"box" :', details)) == count, details
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "browser_face_picker.png"), full_page=True)

    # The same picker on a phone-sized screen.
    page.set_viewport_size(PHONE)
    page.locator("#faces").first.scroll_into_view_if_needed()  # Gradio gives the group's two nested divs its id
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "browser_face_picker_phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A new photo with one face: the picker goes away (and the choice with it).
    upload(page, photos["face"])
    page.wait_for_selector("#faces", state="hidden", timeout=30_000)
    page.close()
