"""Search notes on a phone: a query finds notes by meaning, each card links to its case; a bad
query says why; with AI off, words only and an empty state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import query, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_search_notes_on_a_phone(page: Page, app_data: Path) -> None:
    sign_in(page, "caseworker@example.org")
    page.goto("/search")
    box = page.get_by_label("Search notes")
    box.wait_for()
    box.fill("worried about the children")
    box.press("Enter")
    expect(page.get_by_role("status").filter(has_text="best first")).to_be_visible()
    cards = page.locator(".search-hit")
    expect(cards.first).to_be_visible()
    expect(cards.first.locator("mark")).not_to_have_count(0)  # the matched text is marked
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the results page scrolls sideways at 390 px"
    screenshot(page, "search-notes-phone")
    link = cards.first.get_by_role("link").first
    href = link.get_attribute("href") or ""
    assert re.fullmatch(r"/cases/\d+#interaction-\d+", href), href
    link.click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
    page.get_by_role("heading", name="Timeline").wait_for()

    page.goto("/search")
    box = page.get_by_label("Search notes")
    # The page keeps the last query; wait until it is back before typing over it, or the
    # restored text lands after what the test typed.
    expect(box).to_have_value("worried about the children")
    box.fill("?!")
    box.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Type a word")).to_be_visible()
    # Meaning search always offers the closest notes, so "nothing found" shows with AI off,
    # when search is by words only (and the page says so).
    query(app_data, "update organisation set ai_enabled = 0")
    try:
        box.fill("xylophonist zeppelin")
        box.press("Enter")
        expect(page.get_by_text("No notes you can read match")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="Search by meaning is off")) \
            .to_be_visible()
    finally:
        query(app_data, "update organisation set ai_enabled = 1")
