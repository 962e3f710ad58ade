"""Importing on a phone: an admin uploads a spreadsheet, sees the problem rows, uploads the fixed
file, keeps the suggested link to a person already on record and imports; then downloads the
cases list as CSV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_more, query, screenshot, sign_in

pytestmark = pytest.mark.browser

HEADER = "Full name,DOB,Programme,RAG,Key worker,Referral date,Notes\n"


def _choose(page: Page, path: Path) -> None:
    # The drop zone's own file input, as the phone's file picker would fill it.
    page.locator("input[type=file]").set_input_files(str(path))


def test_admin_imports_a_spreadsheet_on_a_phone(page: Page, app_data: Path,
                                                tmp_path: Path) -> None:
    name, dob = query(app_data, "SELECT name, date_of_birth FROM person "
                                "WHERE date_of_birth IS NOT NULL ORDER BY id LIMIT 1")[0]
    y, m, d = str(dob)[:10].split("-")
    known = f"{name.upper()},{d}/{m}/{y},Housing Support,Amber,caseworker@example.org,01/10/2026,"
    new = ("Tomasz Nowak,14/02/1979,Employment Programme,Green,,02/10/2026,"
           "\"Referred by the job centre; wants warehouse work.\"")
    cases_before = query(app_data, "SELECT count(*) FROM \"case\"")[0][0]

    sign_in(page, "admin@example.org")
    page.get_by_role("link", name="Export CSV").wait_for()
    # A page wider than the phone makes the mobile viewport itself wider: compare with 390.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the cases list is {width} px wide at 390 px with Export CSV"
    screenshot(page, "cases-admin-phone")
    open_more(page)
    page.get_by_role("dialog", name="More").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Import people and cases").click()
    page.wait_for_url(re.compile(r".*/import/?$"))
    page.get_by_role("heading", name="Import people and cases").wait_for()

    first = tmp_path / "clients.csv"
    first.write_text(HEADER + known + "\n" + new + "\nNo Concern,01/01/1990,Housing Support,"
                     "Purple,,01/10/2026,\n", encoding="utf-8")
    _choose(page, first)
    page.get_by_role("heading", name="2. Match the columns").wait_for()
    expect(page.get_by_label("Name", exact=True)).to_have_value("0")
    expect(page.get_by_label("Concern level")).to_have_value("3")
    expect(page.get_by_label("Email", exact=True)).to_have_value("")  # no such column
    screenshot(page, "import-mapping-phone")
    page.get_by_role("button", name="Check the rows").click()
    problems = page.get_by_role("list", name="Rows with problems")
    expect(problems).to_contain_text("Row 4 · Concern level: Unknown concern level “Purple”")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)  # not with problems

    page.get_by_role("button", name="Start again").click()
    fixed = tmp_path / "clients-fixed.csv"
    fixed.write_text(HEADER + known + "\n" + new + "\n", encoding="utf-8")
    _choose(page, fixed)
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_role("heading", name="People who may already be on record").wait_for()
    choice = page.get_by_label(re.compile(r"^Row 2: "))
    expect(choice).to_have_value(re.compile(r"^\d+$"))  # same name and date of birth: link
    expect(choice.locator("option:checked")).to_contain_text(f"Link to {name}")
    expect(page.get_by_text("Import will add 2 cases and 1 new person")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the import page is {width} px wide at 390 px"
    screenshot(page, "import-phone")

    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.get_by_text("Imported 2 cases: 1 new person, 1 case linked to people already on "
                            "record, 1 note.")).to_be_visible()
    assert query(app_data, "SELECT count(*) FROM \"case\"")[0][0] == cases_before + 2
    linked = query(app_data, "SELECT count(*) FROM \"case\" c JOIN person p ON p.id = c.person_id "
                             "WHERE p.name = ? AND c.start_date = '2026-10-01'", name)[0][0]
    assert linked == 1

    page.get_by_role("link", name="Go to cases").click()
    page.get_by_role("heading", name="Cases").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert body.startswith("\ufeffreference,name,date_of_birth")
    assert "Tomasz Nowak" in body
