"""The API tokens page in the real app on a phone: a volunteer finds it under More, makes a token
(shown once), uses it against the API the app serves, and revokes it; the page passes axe, has
no sideways scroll and 44 px tap targets."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, open_more, sign_in
from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


def test_a_volunteer_makes_uses_and_revokes_a_token(page: Page, app_url: str) -> None:
    sign_in(page, "volunteer@example.org")
    open_more(page)
    page.get_by_role("dialog", name="More").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    page.get_by_label("Token name").fill("Phone app")
    page.get_by_label("Expires").select_option("30")
    page.get_by_role("button", name="Make token").click()
    shown = page.get_by_label("Your new API token")
    expect(shown).to_be_visible()
    token = shown.input_value()
    assert token.startswith("cl_") and len(token) > 40

    auth = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{app_url}/api/v1/me", headers=auth, timeout=10)
    assert me.status_code == 200 and me.json()["email"] == "volunteer@example.org"
    listed = httpx.get(f"{app_url}/api/v1/cases?limit=100", headers=auth, timeout=10).json()
    assert listed["items"] and {c["worker_id"] for c in listed["items"]} == {me.json()["id"]}

    problems = axe_violations(page, "API tokens with a new token")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], width
    small = page.evaluate("""() => [...document.querySelectorAll(
        'main button, main select, main input')].filter(el => el.offsetParent !== null)
        .map(el => [el.getAttribute('aria-label') || el.innerText || el.id,
                    el.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert not small, small

    page.get_by_role("button", name="Done").click()
    expect(shown).to_have_count(0)  # shown once: gone for good
    page.get_by_role("button", name="Revoke Phone app").click()
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    assert httpx.get(f"{app_url}/api/v1/me", headers=auth, timeout=10).status_code == 401
    problems += axe_violations(page, "API tokens after revoking")
    assert not problems, "\n".join(problems)
