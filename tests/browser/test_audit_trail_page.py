"""The audit trail on a phone: an admin opens it from the More sheet, filters by action and sees
the matching events as cards, with a download link carrying the filter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_more, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_admin_filters_the_audit_trail_on_a_phone(page: Page) -> None:
    sign_in(page, "admin@example.org")
    open_more(page)
    page.get_by_role("dialog", name="More").get_by_role("link", name="Audit trail").click()
    page.wait_for_url(re.compile(r".*/audit-trail/?$"))
    page.get_by_role("heading", name="Audit trail").wait_for()
    cards = page.locator(".trail-card")
    expect(cards.first).to_be_visible()  # at least the admin's own sign-in

    page.get_by_label("Action").fill("sign_in")
    page.get_by_role("button", name="Filter").click()
    # The link and the rows change in the same update: once it carries the filter, so do they.
    download = page.get_by_role("link", name="Download CSV")
    expect(download).to_have_attribute("href", "/admin/audit-trail.csv?action=sign_in")
    expect(cards.first.locator("code")).to_have_text(re.compile(r"^sign_in(\..*)?$"))
    for text in cards.locator("code").all_inner_texts():
        assert text == "sign_in" or text.startswith("sign_in."), text
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the audit trail scrolls sideways at 390 px"
    screenshot(page, "audit-trail-phone")

    page.get_by_label("Action").fill("no.such.action")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No events match these filters")).to_be_visible()
    expect(cards).to_have_count(0)
