"""Picking one face of a group photo on the page: the faces are shown numbered from the left, a click
picks one, the sticker is made of that face (the details say `"face": 1`), and a new photo resets the
choice; a photo with one face hides the picker. Screenshots land in tests/artifacts."""

import re

import pytest
from browser_steps import generate, open_app, open_section, type_feeling, upload
from PIL import Image

pytestmark = pytest.mark.browser

FACES = "#faces"  # Gradio gives this id to the group's outer and inner div: use the first
THUMBNAILS = "#face-gallery .thumbnail-item"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def group_photo(photo_rgb, detector, tmp_path):
    """The group photo as a JPEG to upload, and how many faces the detector finds in it."""
    rgb = photo_rgb("group")
    count = detector.detect(rgb).count
    assert count >= 2, "the group photo should show several faces"
    path = tmp_path / "group.jpg"
    Image.fromarray(rgb).save(path, quality=92)
    return path, count


def show_faces(page, photo, count: int):
    """Upload a group photo and wait for its numbered faces."""
    upload(page, photo)
    page.wait_for_selector(FACES, state="visible", timeout=30_000)
    page.wait_for_function(f"() => document.querySelectorAll('{THUMBNAILS}').length === {count}", timeout=30_000)
    return page.locator(THUMBNAILS)


def hidden_thumbnails(page) -> list[int]:
    """The thumbnails not wholly inside the gallery's box (cut off, so a face a visitor cannot see or pick)."""
    return page.evaluate("""(sel) => {
        const box = document.querySelector('#face-gallery').getBoundingClientRect();
        return [...document.querySelectorAll(sel)].map((t, i) => [i, t.getBoundingClientRect()])
            .filter(([, r]) => r.left < box.left - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1)
            .map(([i]) => i);
    }""", THUMBNAILS)


def details_text(page) -> str:
    """The details panel's JSON as one line (the page shows each key and value on a line of its own)."""
    open_section(page, "details-panel")
    page.wait_for_selector("#details", timeout=10_000)
    return " ".join(page.inner_text("#details").split())


def test_pick_a_face_of_a_group_photo(browser, app_url, photos, group_photo, artifacts_dir):
    photo, count = group_photo
    page = open_app(browser, app_url, viewport=DESKTOP, locale="zh-CN")
    assert not page.locator(FACES).first.is_visible()  # no photo yet: no face picker

    thumbnails = show_faces(page, photo, count)
    # Numbered 0, 1, ... from the left, as the request's `face` counts them, and every one in sight.
    assert [thumbnails.nth(i).inner_text().strip() for i in range(count)] == [str(i) for i in range(count)]
    lefts = [thumbnails.nth(i).bounding_box()["x"] for i in range(count)]
    assert lefts == sorted(lefts)
    assert hidden_thumbnails(page) == []
    note = page.inner_text("#face-note")
    assert f"{count} 张脸" in note and f"{count} faces" in note, note
    assert page.locator(f"{THUMBNAILS}.selected").count() == 0  # none picked: the largest is used
    page.locator(FACES).first.screenshot(path=str(artifacts_dir / "browser_face_picker_faces.png"))

    thumbnails.nth(1).click()
    page.wait_for_function("() => document.querySelector('#face-note').innerText.includes('Face 1 chosen')",
                           timeout=10_000)
    assert "已选 1 号脸" in page.inner_text("#face-note")
    assert "selected" in thumbnails.nth(1).get_attribute("class")
    page.mouse.move(0, 0)  # no hover effect in the pictures
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "browser_face_picker_chosen.png"))

    type_feeling(page, "开心")
    generate(page)
    details = details_text(page)
    assert re.search(r'"face" : 1 [,}]', details), details
    assert re.search(rf'"faces_found" : {count} [,}}]', details), details
    assert len(re.findall(r'"box" :', details)) == count, details  # the `faces` list: one box per face
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "browser_face_picker.png"), full_page=True)

    # A photo with one face: nothing to pick.
    upload(page, photos["face"])
    page.wait_for_selector(FACES, state="hidden", timeout=30_000)

    # The group again: the last choice is gone, on the page as in the request.
    show_faces(page, photo, count)
    assert "chosen" not in page.inner_text("#face-note")
    assert page.locator(f"{THUMBNAILS}.selected").count() == 0
    page.close()


def test_face_picker_on_a_phone(browser, app_url, group_photo, artifacts_dir):
    photo, count = group_photo
    page = open_app(browser, app_url, viewport=PHONE, locale="en-US")
    thumbnails = show_faces(page, photo, count)
    thumbnails.nth(1).click()
    page.wait_for_function("() => document.querySelector('#face-note').innerText.includes('Face 1 chosen')",
                           timeout=10_000)
    page.mouse.move(0, 0)
    page.locator(FACES).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "browser_face_picker_phone.png"))
    page.locator(FACES).first.screenshot(path=str(artifacts_dir / "browser_face_picker_phone_faces.png"))
    # Every face can be seen and picked: none cut off at the gallery's right edge.
    assert hidden_thumbnails(page) == []
    page.close()
