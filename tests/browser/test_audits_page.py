"""Audits on a phone, as a manager: Audit a note on its case page; open the Audits page from the
More sheet, Audit one note, Audit all with the progress bar running to the end, and the audited
notes with a score, their reasons per criterion and the trend chart beside its table. Then the
same page at desktop width."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, open_more, query, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_manager_audits_notes_on_a_phone(page: Page, app_data: Path) -> None:
    # Every note of the last 90 days the manager may audit (all but accepted summaries).
    total = query(app_data, """
        select count(*) from interaction where kind != 'summary'
        and occurred_at >= datetime('now', '-90 days')""")[0][0]
    assert total > 2, "demo data needs recent notes"
    case_id, _kind = query(app_data, """
        select case_id, kind from interaction where kind != 'summary'
        and occurred_at >= datetime('now', '-90 days') order by occurred_at desc limit 1""")[0]
    sign_in(page, "manager@example.org")
    # The case page's own Audit action, on the newest note.
    page.goto(f"/cases/{case_id}")
    audit_button = page.get_by_role("button", name=re.compile(r"^Audit "))
    note = page.locator("article.timeline-item").filter(has=audit_button).first
    note.get_by_role("button", name=re.compile(r"^Audit ")).click()
    expect(note.get_by_role("link", name=re.compile(r"^Audit score \d+ out of 100$"))).to_be_visible()
    note.screenshot(path=str(ARTIFACTS / "audits-case-page-note-phone.png"))
    notes = total - 1  # not yet audited
    page.goto("/cases")
    open_more(page)
    page.get_by_role("dialog", name="More").get_by_role("link", name="Audits").click()
    page.wait_for_url(re.compile(r".*/audits/?$"))
    page.get_by_role("heading", name="Audits", exact=True).wait_for()
    expect(page.get_by_text(f"{notes} notes in this period")).to_be_visible()

    first = page.get_by_role("button", name=re.compile(r"^Audit CL-")).first
    first.click()
    expect(page.get_by_role("status").filter(has_text="Audited:")).to_contain_text(
        "out of 100 (offline rules)")
    expect(page.get_by_text(f"{notes - 1} notes in this period")).to_be_visible()
    expect(page.locator("article[aria-label^='Audit of']")).to_have_count(2)  # with the case page's

    page.get_by_role("button", name="Audit all").click()
    expect(page.locator("#audit-progress-count")).to_have_text(
        f"Finished: {notes - 1} of {notes - 1} notes", timeout=120_000)
    expect(page.get_by_text("0 notes in this period")).to_be_visible()
    expect(page.get_by_text(f"{total} notes audited", exact=False)).to_be_visible()
    audited = page.locator("article[aria-label^='Audit of']")
    expect(audited.first).to_be_visible()
    scores = [int(t.split("/")[0]) for t in audited.locator(".audit-score").all_inner_texts()]
    assert scores == sorted(scores), scores  # lowest first: what needs attention
    audited.first.get_by_text("Criteria and reasons").click()
    expect(audited.first.locator(".audit-criterion")).to_have_count(7)
    expect(page.locator(".recharts-surface").first).to_be_visible()
    page.get_by_text("Scores by week (table)").click()
    expect(page.locator(".audit-table").first.locator("tbody tr").first).to_be_visible()

    # Filter to the lowest band: only scores below 50 remain.
    page.get_by_label("Score", exact=True).select_option("poor")
    expect(page.get_by_role("heading", name="Audited notes")).to_be_visible()
    for text in audited.locator(".audit-score").all_inner_texts():
        assert int(text.split("/")[0]) < 50, text
    page.get_by_label("Score", exact=True).select_option("")
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the audits page scrolls sideways at 390 px"
    for button in page.get_by_role("button").all():
        if button.is_visible():
            box = button.bounding_box()
            assert not box or box["height"] >= 44, (button.inner_text(), box)
    screenshot(page, "audits-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    page.get_by_role("heading", name="Audits", exact=True).wait_for()
    expect(page.locator(".recharts-surface").first).to_be_visible()
    screenshot(page, "audits-desktop")
