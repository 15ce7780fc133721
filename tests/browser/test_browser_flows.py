"""The main flows in a real Chromium, in Chinese and in English, on a desktop and on a phone-sized
screen: the page's language follows the browser and can be switched; example chips, the dice, a
sticker, its rating and the session history. Screenshots land in tests/artifacts."""

import re

import pytest
from browser_steps import generate, open_app, open_section, type_feeling, upload

pytestmark = pytest.mark.browser

WORDS = {"zh-CN": {"generate": "生成", "advanced": "高级选项", "history": "本次历史"},
         "en-US": {"generate": "Generate", "advanced": "Advanced", "history": "This session's stickers"}}
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("locale", WORDS)
def test_make_rate_and_find_a_sticker(browser, app_url, photos, artifacts_dir, locale, screen):
    words = WORDS[locale]
    page = open_app(browser, app_url, viewport=SCREENS[screen], locale=locale)
    assert page.inner_text("#generate").strip() == words["generate"]
    assert words["advanced"] in page.inner_text("#advanced")

    upload(page, photos["face"])
    page.locator("#examples").get_by_text("委屈", exact=True).click()  # an example chip fills the text box
    page.wait_for_function("() => document.querySelector('#text textarea, #text input').value === '委屈'",
                           timeout=10_000)
    open_section(page, "advanced")
    seed_box = page.locator("#seed textarea, #seed input").first
    assert seed_box.input_value() == ""  # empty: a new random seed each time
    page.click("#dice")
    page.wait_for_function("() => /^[0-9]+$/.test(document.querySelector('#seed textarea, #seed input').value)",
                           timeout=10_000)
    seed = int(seed_box.input_value())
    generate(page)
    assert "style" in page.locator("#log textarea").input_value()  # each stage and its time
    open_section(page, "details-panel")
    assert str(seed) in page.inner_text("#details")  # the dice's seed was used

    page.locator("#rating").get_by_text("4", exact=True).click()
    page.locator("#history img").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / f"browser_{locale[:2]}_{screen}.png"), full_page=True)
    page.close()


def test_language_can_be_switched_on_the_page(browser, app_url, photos, artifacts_dir):
    page = open_app(browser, app_url, viewport=SCREENS["desktop"], locale="en-US")
    assert page.inner_text("#generate").strip() == "Generate"
    page.get_by_text("Settings", exact=False).last.click()
    dialog = page.get_by_role("dialog", name="Settings")
    dialog.get_by_role("heading", name="Language").wait_for(timeout=10_000)
    dialog.locator("input").first.click()
    page.get_by_role("option", name=re.compile("中文")).first.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('#generate').innerText.trim() === '生成'", timeout=10_000)
    page.screenshot(path=str(artifacts_dir / "browser_language_switched.png"))
    # The processing log's warnings follow the page's language too, not only the browser's.
    page.locator(".backdrop").first.click(position={"x": 5, "y": 5})  # close Settings: click beside it
    page.get_by_role("dialog").wait_for(state="hidden", timeout=10_000)
    upload(page, photos["face"])
    type_feeling(page, "qwerty")
    generate(page)
    log = page.locator("#log textarea").input_value()
    assert "没看懂“qwerty”" in log and "Did not recognise" not in log
    page.close()
