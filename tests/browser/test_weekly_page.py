"""Weekly summaries on a phone: a manager runs Generate all with the offline default, the
progress reaches the end, the High-concern cases come first, and printing leaves only the pack."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import query, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_manager_generates_the_weekly_pack_on_a_phone(page: Page, app_data: Path) -> None:
    # What the demo data holds for the last 7 days, so the test knows what the page must show.
    active = query(app_data, """
        select c.id, c.concern_level from 'case' c where c.status = 'open' and exists (
          select 1 from interaction i where i.case_id = c.id and i.kind != 'summary'
          and i.occurred_at >= datetime('now', '-7 days'))""")
    levels = {level for _, level in active}
    assert "high" in levels and levels - {"high"}, "demo data needs mixed concern this week"
    sign_in(page, "manager@example.org")
    page.goto("/weekly")
    page.get_by_role("heading", name="Weekly summaries").wait_for()
    page.get_by_role("button", name="Generate all").click()
    expect(page.locator("#weekly-progress-count")).to_have_text(
        f"{len(active)} of {len(active)} cases", timeout=120_000)
    cases = page.locator("article.weekly-case")
    expect(cases).to_have_count(len(active))
    badges = [cases.nth(k).get_by_label("Concern", exact=False).first.get_attribute("aria-label")
              for k in range(len(active))]
    highs = [b == "Concern High" for b in badges]
    assert highs[0] and highs == sorted(highs, reverse=True), badges  # High first, all together
    expect(cases.first.locator(".draft-label")).to_have_text("Machine-picked draft")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    screenshot(page, "weekly-summaries-phone")
    expect(page.locator(".print-only")).to_be_hidden()
    page.emulate_media(media="print")
    expect(page.locator(".print-only")).to_contain_text("Supervision pack for Daniel Osei")
    expect(page.get_by_role("button", name="Generate all")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(cases.first).to_be_visible()
    screenshot(page, "weekly-summaries-print")
