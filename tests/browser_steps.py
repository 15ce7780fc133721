"""The steps the browser tests take on the page, named once (ids come from ui/app.py)."""

from __future__ import annotations

from pathlib import Path


def open_app(browser, url: str, **page_options):
    page = browser.new_page(**{"viewport": {"width": 1280, "height": 900}, **page_options})
    page.goto(url)
    page.wait_for_selector("#generate", timeout=30_000)
    return page


def upload(page, photo: Path) -> None:
    page.locator("#photo input[type=file]").set_input_files(str(photo))
    page.wait_for_selector("#photo img", timeout=30_000)


def type_feeling(page, text: str) -> None:
    page.locator("#text textarea, #text input").first.fill(text)


def generate(page) -> None:
    page.click("#generate")
    page.wait_for_selector("#sticker img", timeout=60_000)


def open_section(page, elem_id: str) -> None:
    """Open an accordion by its elem_id."""
    page.click(f"#{elem_id} button, #{elem_id} .label-wrap")
