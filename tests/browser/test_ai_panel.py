"""Ask about this case and Analyse, on a phone: answers cite their notes; volunteers are not
offered them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import query, screenshot, sign_in

pytestmark = pytest.mark.browser


def _case_of(app_data: Path, email: str) -> int:
    rows = query(app_data, "select c.id from 'case' c join user u on u.id = c.worker_id "
                           "where u.email = ? order by c.id", email)
    return int(rows[0][0])


def test_ask_and_analyse_cite_the_notes(page: Page, app_data: Path) -> None:
    case_id = _case_of(app_data, "caseworker@example.org")
    # A word the notes really contain, so the offline default has something to point at.
    (text,) = query(app_data, "select text from interaction where case_id = ? and private = 0 "
                              "and kind != 'summary' order by occurred_at desc limit 1", case_id)[0]
    word = max(re.findall(r"[A-Za-z]{7,}", text), key=len).lower()
    sign_in(page, "caseworker@example.org")
    page.goto(f"/cases/{case_id}")
    page.get_by_role("heading", name="Timeline").wait_for()
    box = page.get_by_label("Ask about this case")
    question = f"What do the notes say about {word}?"
    box.fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator(".ai-list .ai-item").filter(has_text=question)
    expect(answer).to_have_count(1)
    href = answer.get_by_role("link").first.get_attribute("href") or ""
    assert re.search(r"#interaction-\d+$", href), href
    expect(page.locator("#" + href.split("#")[1])).to_have_count(1)  # the cited note is there
    expect(box).to_have_value("")
    page.get_by_role("button", name="Analyse").click()
    for heading in ("Referrals made", "Problems presented", "Support given", "Changes observed",
                    "Risk factors"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    screenshot(page, "ask-and-analyse-phone")


def test_volunteers_are_not_offered_questions_or_analysis(page: Page, app_data: Path) -> None:
    sign_in(page, "volunteer@example.org")
    page.goto(f"/cases/{_case_of(app_data, 'volunteer@example.org')}")
    page.get_by_role("heading", name="Timeline").wait_for()
    expect(page.get_by_role("button", name="Summarise")).to_be_visible()
    expect(page.get_by_label("Ask about this case")).to_have_count(0)
    expect(page.get_by_role("button", name="Analyse")).to_have_count(0)
