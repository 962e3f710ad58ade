"""A day of casework on a phone, driven through accessible names (DESIGN.md §3)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import TABLET, open_more, query, screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser

DEMO = {
    "admin": "admin@example.org",
    "manager": "manager@example.org",
    "case_worker": "caseworker@example.org",
    "volunteer": "volunteer@example.org",
}


def _photo_with_gps() -> bytes:
    img = Image.new("RGB", (1600, 1200), (180, 140, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (53.0, 48.0, 1.5), 3: "W", 4: (1.0, 32.0, 44.2)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("role", list(DEMO))
def test_each_demo_role_signs_in_and_sees_cases(page: Page, role: str) -> None:
    sign_in(page, DEMO[role])
    # On a phone, Sign out is in the More sheet of the bottom navigation.
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    open_more(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Escape")
    cards = page.get_by_role("list", name="Cases").get_by_role("link")
    expect(cards.first).to_be_visible()
    if role == "volunteer":
        # Every card the volunteer sees is one of their own cases.
        texts = page.get_by_role("list", name="Cases").inner_text()
        assert "Unassigned" not in texts
    screenshot(page, f"cases-phone-{role}")


def test_wrong_password_gets_one_generic_message(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an active account")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("caseline-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an active account")


def test_signed_out_visitor_is_sent_to_sign_in(page: Page) -> None:
    page.goto("/cases")
    page.wait_for_url(re.compile(r".*/sign-in\?next=.*"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_create_case_add_photo_interaction_close_and_find_it(page: Page, tmp_path: Path,
                                                             context: BrowserContext) -> None:
    sign_in(page, DEMO["case_worker"])
    page.get_by_role("link", name="Add case").click()
    page.get_by_label("Name").fill("Ffion Test-Pritchard")
    page.get_by_label("Pathway").select_option(label="Housing Support")
    page.get_by_label("Concern level").select_option("medium")
    page.get_by_label("Tags").fill("browser test, damp")
    screenshot(page, "add-case-phone")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Ffion Test-Pritchard")).to_be_visible()
    case_url = page.url

    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Interaction type").select_option("home_visit")
    page.get_by_label("Notes").fill("Visited the flat. **Black mould** in the bedroom; "
                                    "agreed to photograph it for the landlord.")
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(_photo_with_gps())
    page.get_by_label("Attachments").set_input_files(str(photo))
    expect(page.get_by_text("IMG_0042.jpg")).to_be_visible()
    page.get_by_label("Concern level", exact=True).select_option("high")
    page.get_by_role("button", name="Save").click()

    item = page.get_by_role("article").first
    expect(item.get_by_text("Black mould")).to_be_visible()
    thumb = item.get_by_role("img", name=re.compile("Photo: IMG_0042"))
    expect(thumb).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) > 0
    screenshot(page, "case-page-phone-after-save")

    # The served photo has no GPS (nor any EXIF) left in it.
    href = item.get_by_role("link", name=re.compile("Photo: IMG_0042")).get_attribute("href")
    response = context.request.get(href)
    assert response.ok and response.headers["content-type"] == "image/jpeg"
    served = Image.open(io.BytesIO(response.body()))
    assert 0x8825 not in served.getexif() and not served.getexif()
    # Without the session cookie the same file is refused.
    anonymous = context.browser.new_context()  # type: ignore[union-attr]
    assert anonymous.request.get(response.url).status == 401
    anonymous.close()

    # Edit the case's tags.
    page.get_by_label("Tags").fill("browser test, damp, disrepair")
    page.get_by_label("Tags").blur()
    expect(page.get_by_text("Tags saved.")).to_be_visible()
    expect(page.get_by_text("disrepair", exact=True).first).to_be_visible()

    # Close the case: the end date appears.
    page.get_by_label("Change status").select_option("closed")
    expect(page.get_by_text("Case closed.")).to_be_visible()
    expect(page.get_by_text("Ended")).to_be_visible()

    # Search and filter find it from the cases list.
    page.goto("/cases")
    page.get_by_label("Search cases").fill("test-pritchard")
    cards = page.get_by_role("list", name="Cases")
    expect(cards.get_by_role("link", name="Ffion Test-Pritchard")).to_be_visible()
    # Its label says "Filters (on)" once the search reaches the server: either is right here.
    page.get_by_text(re.compile(r"^Filters (and sort|\(on\))$")).click()
    page.get_by_label("Status").select_option("open")
    expect(cards.get_by_role("link", name="Ffion Test-Pritchard")).to_have_count(0)
    page.get_by_label("Status").select_option("closed")
    page.get_by_label("Concern level").select_option("high")
    expect(cards.get_by_role("link", name="Ffion Test-Pritchard")).to_be_visible()
    cards.get_by_role("link", name="Ffion Test-Pritchard").click()
    page.wait_for_url(case_url)


def test_private_note_is_invisible_to_the_volunteer(page: Page, app_data: Path,
                                                    context: BrowserContext) -> None:
    (case_id,) = query(app_data, "select c.id from 'case' c join user u on u.id = c.worker_id "
                                 "where u.email = ? order by c.id limit 1", DEMO["volunteer"])[0]
    sign_in(page, DEMO["manager"])
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Notes").fill("Safeguarding strategy meeting held; details for managers only.")
    page.get_by_label("Private").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("details for managers only")).to_be_visible()
    sign_out(page)
    page.wait_for_url("**/sign-in**")

    sign_in(page, DEMO["volunteer"])
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_text("details for managers only")).to_have_count(0)


def test_volunteer_cannot_open_an_unassigned_case_by_url(page: Page, app_data: Path) -> None:
    (case_id,) = query(app_data, "select id from 'case' where worker_id is null limit 1")[0]
    sign_in(page, DEMO["volunteer"])
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("alert")).to_have_text("You do not have access to this case")
    expect(page.get_by_role("heading", name="Timeline")).to_have_count(0)
    screenshot(page, "no-access-phone")


def test_sign_out_ends_the_session(page: Page) -> None:
    sign_in(page, DEMO["admin"])
    sign_out(page)
    page.wait_for_url("**/sign-in**")
    page.goto("/cases")
    page.wait_for_url(re.compile(r".*/sign-in.*"))


def test_tablet_shows_a_sortable_table(context: BrowserContext, page: Page) -> None:
    page.set_viewport_size(TABLET)
    sign_in(page, DEMO["manager"])
    table = page.get_by_role("table")
    expect(table).to_be_visible()
    table.get_by_role("button", name="Case", exact=True).click()
    expect(table.get_by_role("columnheader", name="Case", exact=True)).to_have_attribute(
        "aria-sort", "ascending")
    screenshot(page, "cases-tablet-manager")
    # No horizontal scrolling at phone width either.
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_second_case_for_an_existing_person_links_to_their_record(page: Page) -> None:
    sign_in(page, DEMO["manager"])
    page.get_by_role("link", name="Add case").click()
    page.get_by_label("Name").fill("Aisha Rah")
    page.get_by_role("button", name=re.compile("Use existing person Aisha Rahman")).first.click()
    expect(page.get_by_text("existing record: the new case links to it")).to_be_visible()
    page.get_by_label("Pathway").select_option(label="Family Support")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Aisha Rahman")).to_be_visible()
    expect(page.get_by_text("Other cases for this person:")).to_be_visible()


def test_two_people_changing_one_case_get_a_conflict_not_an_overwrite(
        browser: Browser, app_url: str, app_data: Path) -> None:
    (case_id,) = query(app_data, "select c.id from 'case' c join user u on u.id = c.worker_id "
                                 "where u.email = ? and c.status = 'open' order by c.id limit 1",
                       DEMO["case_worker"])[0]
    pages = []
    for email in (DEMO["case_worker"], DEMO["manager"]):
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=app_url)
        p = ctx.new_page()
        sign_in(p, email)
        p.goto(f"/cases/{case_id}")
        expect(p.get_by_role("heading", name="Timeline")).to_be_visible()
        pages.append(p)
    worker, manager = pages
    manager.get_by_label("Set concern level").select_option("high")
    expect(manager.get_by_text("Concern level set to High.")).to_be_visible()
    worker.get_by_label("Change status").select_option("paused")  # from a stale page
    expect(worker.get_by_text(re.compile("changed by someone else"))).to_be_visible()
    expect(worker.get_by_label("Set concern level")).to_have_value("high")  # current values
    expect(worker.get_by_label("Change status")).to_have_value("open")  # nothing overwritten
    for p in pages:
        p.context.close()


def test_summary_and_risk_indicators_are_labelled_and_need_a_person_to_save(
        page: Page, app_data: Path) -> None:
    (case_id,) = query(app_data, "select c.id from 'case' c join user u on u.id = c.worker_id "
                                 "join interaction i on i.case_id = c.id where u.email = ? "
                                 "group by c.id order by count(*) desc limit 1",
                       DEMO["case_worker"])[0]
    sign_in(page, DEMO["case_worker"])
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name="Summarise").click()
    expect(page.get_by_text(re.compile("picked by offline key sentences"))).to_be_visible()
    page.get_by_role("button", name="Risk indicators").click()
    expect(page.get_by_text(re.compile("never clear a flag"))).to_be_visible()
    screenshot(page, "ai-panel-phone")
    page.get_by_role("button", name="Save summary to the record").click()
    expect(page.get_by_text("Summary saved to the record.")).to_be_visible()
    expect(page.get_by_role("article").first.get_by_text(
        re.compile("Accepted summary"))).to_be_visible()


def test_every_response_carries_security_headers(app_url: str) -> None:
    import httpx

    for path in ("/sign-in/", "/files/attachments/1", "/ping"):
        response = httpx.get(app_url + path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["referrer-policy"] == "same-origin", path
    post = httpx.post(app_url + "/auth/sign-in", data={"email": "x@example.org",
                                                       "password": "nope"})
    assert post.status_code == 303 and post.headers["x-frame-options"] == "DENY"


def test_manager_sees_who_has_seen_a_case(page: Page, app_data: Path) -> None:
    (case_id,) = query(app_data, "select id from 'case' order by id limit 1")[0]
    sign_in(page, DEMO["manager"])
    page.goto(f"/cases/{case_id}")
    page.get_by_text("Who has seen this case").click()
    seen = page.get_by_role("group").filter(has_text="Who has seen this case")
    expect(seen.get_by_role("listitem").filter(has_text="(Manager)")).to_be_visible()
