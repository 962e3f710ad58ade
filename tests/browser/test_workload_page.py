"""The workload page on a phone, as a manager: bars and the table show, and reassigning a case
from the busiest person to another (after a preview) shortens one bar and lengthens the other.
Screenshots at phone and desktop size go to test-results/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

# The summed width of a person's bar segments (recharts names each segment after its category),
# or -1 if the chart has no line for that name.
_BAR_WIDTH = """(label) => {
  const ticks = [...document.querySelectorAll('.workload-chart .recharts-cartesian-axis-tick-label')];
  if (!ticks.some(t => t.textContent.trim() === label)) return -1;
  return [...document.querySelectorAll('.workload-chart .recharts-bar-rectangle path')]
    .filter(p => p.getAttribute('name') === label)
    .reduce((sum, p) => sum + parseFloat(p.getAttribute('width') || '0'), 0);
}"""


def _short(name: str) -> str:
    parts = name.split()
    return f"{parts[0]} {parts[-1][0]}."[:14]


def _bar(page: Page, name: str) -> float:
    return float(page.evaluate(_BAR_WIDTH, _short(name)))


def test_manager_reassigns_from_the_workload_page_on_a_phone(page: Page) -> None:
    sign_in(page, "manager@example.org")
    page.goto("/workload")
    page.get_by_role("heading", name="Workload", exact=True).wait_for()
    table = page.get_by_role("table", name="Workload by staff member")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator(".workload-chart .recharts-bar-rectangle path").first).to_be_visible()
    names = [rows.nth(k).get_by_role("button").first.inner_text().strip()
             for k in range(rows.count())]
    busiest, other = names[0], names[-1]
    before_busiest, before_other = _bar(page, busiest), _bar(page, other)
    assert before_busiest > 0 and before_other >= 0, (before_busiest, before_other)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    screenshot(page, "workload-phone")

    page.get_by_role("button", name=f"Cases of {busiest}").click()
    expect(page.get_by_role("heading", name=f"Cases of {busiest}")).to_be_visible()
    first = page.locator("#worker-cases").get_by_role("checkbox").first
    first.click()
    expect(first).to_be_checked()
    page.get_by_label("Give to").select_option(label=other)
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("list", name="Loads after reassigning").locator("li")
    expect(preview).to_have_count(2)
    expect(preview.first).to_contain_text(f"{busiest} gives up cases")
    expect(preview.nth(1)).to_contain_text(f"{other} receives them")
    screenshot(page, "workload-phone-preview")
    page.get_by_role("button", name="Confirm reassign").click()
    expect(page.get_by_role("status").filter(has_text="Reassigned 1 case")).to_be_visible()
    expect(page.get_by_role("list", name="Loads after reassigning")).to_have_count(0)
    page.wait_for_function(  # the chart redraws from the new rows
        f"() => ({_BAR_WIDTH})({_short(busiest)!r}) < {before_busiest - 1}")
    after_busiest, after_other = _bar(page, busiest), _bar(page, other)
    assert after_busiest < before_busiest and after_other > before_other, (
        before_busiest, after_busiest, before_other, after_other)

    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("link", name=re.compile("Export CSV"))).to_be_visible()
    screenshot(page, "workload-desktop")
