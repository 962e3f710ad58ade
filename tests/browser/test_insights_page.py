"""Insights as a manager: Generate insights over every open case with the offline default, the
heatmap fills with labelled cells, a cell shows its evidence and takes a correction, the page
never scrolls sideways on a phone, and the comparison by case worker at desktop size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import query, screenshot, sign_in

pytestmark = pytest.mark.browser
LABEL = re.compile(r"^CL-\d+ .+: (?:(?:low|medium|high) progress, (?:low|medium|high) confidence"
                   r"|no evidence yet|(?:low|medium|high) progress, corrected by a manager)$")


def test_manager_generates_reads_and_corrects_insights(page: Page, app_data: Path) -> None:
    open_cases = query(app_data, "select count(*) from 'case' where status = 'open'")[0][0]
    assert open_cases > 0
    sign_in(page, "manager@example.org")
    page.goto("/insights")
    page.get_by_role("heading", name="Insights").wait_for()
    page.get_by_role("button", name="Generate insights").click()
    expect(page.locator("#insights-progress-count")).to_have_text(
        f"{open_cases} of {open_cases} open cases", timeout=120_000)
    table = page.get_by_role("table", name="Progress of each case on each stage")
    cells = table.get_by_role("button")
    expect(cells.first).to_be_visible()
    assert cells.count() == 6 * min(open_cases, 25)
    labels = [cells.nth(k).get_attribute("aria-label") for k in range(cells.count())]
    assert all(LABEL.match(label or "") for label in labels), labels[:6]
    assert any("progress" in (label or "") for label in labels), "no evidence anywhere"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    expect(page.get_by_role("heading", name="Caseload summary")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ of \d+ cases have insights\."))).to_be_visible()
    screenshot(page, "insights-phone")

    # Open a cell with evidence, read it, and correct it.
    with_evidence = next(k for k, label in enumerate(labels) if "confidence" in (label or ""))
    stage_name = (labels[with_evidence] or "").split(": ")[0].split(" ", 1)[1]
    cells.nth(with_evidence).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Evidence")).to_be_visible()
    expect(dialog.get_by_role("link", name=re.compile("From the interaction on"))).not_to_have_count(0)
    screenshot(page, "insights-evidence-phone")
    dialog.get_by_label("Corrected level").select_option("high")
    dialog.get_by_label("Reason for the correction").fill("Seen the tenancy agreement")
    dialog.get_by_role("button", name="Save correction").click()
    expect(dialog.get_by_text(re.compile("Corrected by Daniel Osei"))).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(table.get_by_role("button", name=re.compile(
        rf"{re.escape(stage_name)}: high progress, corrected by a manager"))).to_have_count(1)

    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "insights-desktop")
    page.get_by_role("button", name="Compare by case worker").click()
    workers = page.get_by_role("table", name="Average progress by case worker")
    expect(workers.get_by_role("row").nth(1)).to_be_visible()
    screenshot(page, "insights-by-worker-desktop")
