"""Phone and tablet layout: the bottom navigation and what sits above it, the list beside the
case on a tablet, and no layout shift on the cases list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, TABLET, query, sign_in

pytestmark = pytest.mark.browser

# Sums layout shifts as Chromium reports them (the Layout Instability API Lighthouse reads).
_CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
}).observe({type: 'layout-shift', buffered: true});
"""


def _rows_drawn(page: Page) -> None:
    expect(page.locator(".skeleton-card, .skeleton-row")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_cases_list_loads_without_layout_shift(context: BrowserContext, page: Page,
                                               viewport: dict[str, int]) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, "manager@example.org")
    context.add_init_script(_CLS_OBSERVER)
    # A slower phone: the rows arrive well after the first paint, as Lighthouse's 4x CPU sees it.
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.reload()  # a cold load of /cases with the observer in place from the first paint
    page.get_by_role("heading", name="Cases").wait_for()
    _rows_drawn(page)
    expect(page.get_by_role("link", name="Add case")).to_be_visible()
    page.wait_for_timeout(1500)
    cls = page.evaluate("window.__cls")
    print(f"cases list CLS at {viewport['width']} px: {cls:.3f}")
    assert cls <= 0.1, f"cumulative layout shift {cls:.3f} (budget 0.1)"


def test_device_status_sits_above_the_bottom_navigation(context: BrowserContext, page: Page,
                                                        app_data: Path) -> None:
    (case_id,) = query(app_data, "select c.id from 'case' c join user u on u.id = c.worker_id "
                                 "where u.email = ? order by c.id limit 1",
                       "caseworker@example.org")[0]
    sign_in(page, "caseworker@example.org")
    page.goto(f"/cases/{case_id}")
    page.get_by_role("heading", name="Timeline").wait_for()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    context.set_offline(True)
    try:
        status = page.locator(".device-status")
        expect(status).to_contain_text("You're offline")
        box, bar = status.bounding_box(), nav.bounding_box()
        opener = page.get_by_role("button", name="Add interaction").bounding_box()
        assert box and bar and opener
        assert box["y"] + box["height"] <= bar["y"], (box, bar)
        # Nor over the Add interaction button, which stays in reach.
        assert box["y"] + box["height"] <= opener["y"], (box, opener)
    finally:
        context.set_offline(False)


def test_tablet_shows_the_list_beside_the_case_and_keeps_its_filters(
        context: BrowserContext, page: Page) -> None:
    page.set_viewport_size(TABLET)
    sign_in(page, "manager@example.org")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Pathways")
           ).to_be_visible()  # the top navigation, not the phone's bar
    expect(page.get_by_role("button", name="More")).to_be_hidden()
    page.get_by_text(re.compile(r"^Filters (and sort|\(on\))$")).click()
    page.get_by_label("Concern level").select_option("high")
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).not_to_have_count(1)
    # Wait for the filtered rows, not the page of every case still shown while the filter runs.
    expect(table.locator(".concern-badge:not([data-level=high])")).to_have_count(0)
    high = table.get_by_role("rowheader").get_by_role("link")
    expect(high.first).to_be_visible()
    names = high.all_inner_texts()
    assert len(names) >= 2, "the demo data has more than one high-concern case"
    high.first.click()
    expect(page.get_by_role("heading", name=names[0], level=1)).to_be_visible()

    beside = page.get_by_role("complementary", name="Case list")
    expect(beside).to_be_visible()
    cards = beside.get_by_role("listitem")
    expect(cards).to_have_count(len(names))  # the filtered list, not every case
    expect(beside.locator(".concern-badge:not([data-level=high])")).to_have_count(0)
    expect(beside.locator("[aria-current=page]")).to_contain_text(names[0])
    url = page.url
    cards.filter(has_text=names[1]).get_by_role("link").click()
    expect(page.get_by_role("heading", name=names[1], level=1)).to_be_visible()
    assert page.url != url
    expect(beside.locator("[aria-current=page]")).to_contain_text(names[1])
    expect(cards).to_have_count(len(names))
    # And back on the list page the filter is still set.
    beside.get_by_role("link", name=re.compile("Cases, filters")).click()
    page.wait_for_url(re.compile(r".*/cases/?$"))
    expect(page.locator("#filter-concern")).to_have_value("high")


def test_phone_case_page_has_no_list_beside_it(page: Page, app_data: Path) -> None:
    (case_id,) = query(app_data, "select id from 'case' order by id limit 1")[0]
    sign_in(page, "manager@example.org")
    page.goto(f"/cases/{case_id}")
    page.get_by_role("heading", name="Timeline").wait_for()
    expect(page.get_by_role("complementary", name="Case list")).to_be_hidden()
    assert page.viewport_size == PHONE


def test_tablet_keeps_the_navigation_in_one_row_and_account_pages_in_a_menu(
        page: Page) -> None:
    page.set_viewport_size(TABLET)
    sign_in(page, "admin@example.org")  # the role with the most pages
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Insights")).to_be_attached()
    links = nav.get_by_role("link")
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))
            if box}
    assert len(tops) == 1, f"the top navigation wraps onto rows at {sorted(tops)}"
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    page.locator(".account-menu-button").click()
    menu = page.get_by_role("menu")
    for name in ("Settings", "Audit trail", "API tokens", "Your account", "Data rights"):
        expect(menu.get_by_role("menuitem", name=name)).to_be_visible()
    menu.get_by_role("menuitem", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
