"""Data rights on a phone: an admin goes from a case to its person's data rights, prepares a
subject access export and downloads it, then anonymises the person after typing their name."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, query, screenshot, sign_in
from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


def test_admin_exports_then_anonymises_a_person_on_a_phone(page: Page, app_data: Path) -> None:
    case_id, person_id, name = query(
        app_data, "SELECT c.id, p.id, p.name FROM \"case\" c JOIN person p ON p.id = c.person_id "
                  "WHERE c.status = 'closed' ORDER BY c.id LIMIT 1")[0]
    sign_in(page, "admin@example.org")
    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Data rights for this person").click()
    page.wait_for_url(re.compile(rf".*/data-rights/?\?person={person_id}$"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    page.get_by_role("button", name="Prepare export").click()
    download = page.get_by_role("link", name=re.compile("^Download export made"))
    expect(download.first).to_be_visible(timeout=60_000)
    href = download.first.get_attribute("href")
    assert href and href.startswith("/admin/subject-access/")
    answer = page.request.get(href)  # the page's own cookies: as tapping the link would
    assert answer.status == 200 and "no-store" in answer.headers["cache-control"]
    data = zipfile.ZipFile(io.BytesIO(answer.body())).read("data.json").decode()
    assert name in data

    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the data rights page scrolls sideways at 390 px"
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main a.tap')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.textContent.trim())""")
    assert small == [], f"tap targets under 44 px: {small}"
    screenshot(page, "data-rights-phone")
    problems = axe_violations(page, "data rights with a person open")
    assert not problems, "\n".join(problems)

    page.get_by_label("Reason").fill("Right to erasure request")
    page.get_by_role("button", name="Anonymise this person").click()
    expect(page.get_by_text("Type the person's name exactly")).to_be_visible()
    page.get_by_label("Type the person's name to confirm").fill(name)
    page.get_by_role("button", name="Anonymise this person").click()
    expect(page.get_by_role("heading", name=f"Anonymised person {person_id}")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="anonymised")).to_be_visible()
    screenshot(page, "data-rights-phone-after")
    # Once anonymised, only deleting entirely is offered.
    expect(page.get_by_text("Already anonymised")).to_be_visible()
    expect(page.get_by_role("button", name="Delete this person")).to_be_visible()
    assert query(app_data, "SELECT name FROM person WHERE id = ?", person_id)[0][0] \
        == f"Anonymised person {person_id}"

    # The retention period is a setting of its own in Settings.
    page.goto("/settings")
    years = page.get_by_label("Keep records for (years after the last case closed)")
    expect(years).to_have_value("6")
    years.fill("7")
    page.get_by_role("button", name="Save retention period").click()
    expect(page.get_by_text("Saved: records are kept 7 years")).to_be_visible()
    page.get_by_role("heading", name="Retention").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "retention-settings-phone.png"))
