"""Single sign-on in a real browser: the sign-in page's provider button, the real provider on
127.0.0.1 (tests/browser/conftest.py), and back to Caseline signed in; then Your account."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_sign_in_with_the_identity_provider_then_set_up_two_step(page: Page,
                                                                  oidc_provider: str) -> None:
    httpx.put(f"{oidc_provider}/users/admin-at-idp",
              json={"email": "admin@example.org", "email_verified": True}).raise_for_status()
    page.goto("/sign-in")
    page.get_by_role("link", name="Sign in with Test ID").click()
    # At the provider: choose the account and authorise.
    page.wait_for_url(re.compile(re.escape(oidc_provider) + r"/oauth2/authorize"))
    page.locator("input[name=sub]").fill("admin-at-idp")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r".*/cases/?$"))
    page.get_by_role("heading", name="Cases").wait_for()

    page.goto("/account")
    page.get_by_role("heading", name="Your sessions").wait_for()
    expect(page.get_by_text("Single sign-on (test)")).to_be_visible()
    page.get_by_role("button", name="Set up two-step sign-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    expect(page.get_by_label("Code from the app")).to_be_visible()
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "Your account scrolls sideways at 390 px"
    screenshot(page, "account-two-step-phone")

    # A refused sign-on comes back to the sign-in page with a plain message (signed out first:
    # a signed-in visit to the sign-in page goes on to the cases list).
    page.context.clear_cookies()
    page.goto("/sign-in?sso_error=unknown_user")
    expect(page.get_by_role("alert")).to_contain_text("no active Caseline account")
    expect(page.get_by_role("link", name="Sign in with Test ID")).to_be_visible()
    # The code step that follows a right password for an account with two-step sign-in.
    page.goto("/sign-in?step=code&error=code")
    expect(page.get_by_label("Authenticator code")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page.get_by_label("Password")).to_have_count(0)
