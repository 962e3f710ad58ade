"""Field use: the app installs, opens with no signal, and never loses a note written offline."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.browser.conftest import CHROMIUM, PHONE, query, screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser

WORKER = "caseworker@example.org"
QUEUED = "Saved on this phone — will send when you're back online"


def _worker_case(app_data: Path, offset: int = 0) -> int:
    rows = query(app_data, "select c.id from 'case' c join user u on u.id = c.worker_id "
                           "where u.email = ? and c.status = 'open' order by c.id", WORKER)
    return int(rows[offset % len(rows)][0])


def _controlled(page: Page) -> None:
    """Wait until the service worker controls the page, as it does for a returning user."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=30_000)


def _open_case_with_worker(page: Page, app_data: Path, offset: int = 0) -> int:
    sign_in(page, WORKER)
    case_id = _worker_case(app_data, offset)
    page.goto(f"/cases/{case_id}")
    page.get_by_role("heading", name="Timeline").wait_for()
    _controlled(page)
    return case_id


def _count(app_data: Path, text: str) -> int:
    return int(query(app_data, "select count(*) from interaction where text = ?", text)[0][0])


def _outbox_size(page: Page) -> int:
    return int(page.evaluate("window.caselineOutbox.all().then(items => items.length)"))


def test_the_app_is_installable(playwright_instance: Playwright, app_url: str,
                                tmp_path: Path) -> None:
    # An ordinary context is incognito, which Chromium never offers to install (DESIGN.md §7).
    ctx = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, base_url=app_url, viewport=PHONE,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    try:
        page = ctx.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email").wait_for()
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        cdp = ctx.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = cdp.send("Page.getAppManifest")
        assert not manifest.get("errors"), manifest.get("errors")
        icons = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")["icons"]
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= {
            (i["sizes"], i["purpose"]) for i in icons}
        for icon in icons:
            assert page.request.get(icon["src"]).ok, icon["src"]
    finally:
        ctx.close()


def test_every_page_links_the_manifest_and_theme(page: Page) -> None:
    for path in ("/sign-in", "/cases"):
        page.goto(path)
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"
        assert page.locator("meta[name=theme-color]").count() >= 1
        assert page.locator("link[rel=apple-touch-icon]").count() == 1


def test_offline_reload_shows_the_offline_page(context: BrowserContext, page: Page) -> None:
    sign_in(page, WORKER)
    _controlled(page)
    context.set_offline(True)
    try:
        page.reload()
        expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
        screenshot(page, "offline-page-phone")
    finally:
        context.set_offline(False)
    # Back online, the page reloads itself into the real one.
    page.get_by_role("heading", name="Cases").wait_for(timeout=30_000)


def test_no_case_data_is_cached_on_the_device(page: Page, app_data: Path) -> None:
    case_id = _open_case_with_worker(page, app_data)
    page.goto(f"/cases/{case_id}")
    page.get_by_role("heading", name="Timeline").wait_for()
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const key of await caches.keys()) {
            for (const req of await (await caches.open(key)).keys()) urls.push(req.url);
        }
        return urls;
    }""")
    assert cached, "the app shell should be cached"
    paths = [re.sub(r"^https?://[^/]+", "", u) for u in cached]
    assert "/offline.html" in paths
    leaked = [p for p in paths if p.startswith(("/files/", "/api/", "/auth/", "/_event", "/cases"))]
    assert leaked == []


def test_a_note_saved_offline_is_sent_once_when_back_online(
        context: BrowserContext, page: Page, app_data: Path) -> None:
    case_id = _open_case_with_worker(page, app_data)
    text = f"Met under the bridge, no signal. {uuid.uuid4().hex[:8]}"
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Interaction type").select_option("meeting")
    page.get_by_label("Notes").fill(text)
    context.set_offline(True)
    try:
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#form-status")).to_contain_text(QUEUED)
        expect(page.locator("#device-status")).to_contain_text("1 note waiting")
        assert page.get_by_label("Notes").input_value() == ""
        screenshot(page, "saved-offline-phone")
        assert _outbox_size(page) == 1
        page.reload()  # the tab is reloaded with no signal: the note must survive it
        expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
        expect(page.locator("#device-status")).to_contain_text("1 note waiting")
        assert _count(app_data, text) == 0
    finally:
        context.set_offline(False)
    page.get_by_role("heading", name="Timeline").wait_for(timeout=30_000)
    expect(page.get_by_text(text)).to_have_count(1)
    assert _count(app_data, text) == 1
    (kind,) = query(app_data, "select kind from interaction where text = ?", text)[0]
    assert kind == "meeting"
    assert _outbox_size(page) == 0
    page.reload()
    page.get_by_role("heading", name="Timeline").wait_for()
    expect(page.get_by_text(text)).to_have_count(1)
    assert page.url.rstrip("/").endswith(f"/cases/{case_id}")


def test_a_photo_taken_offline_is_queued_with_its_note(
        context: BrowserContext, page: Page, app_data: Path, tmp_path: Path) -> None:
    _open_case_with_worker(page, app_data, offset=1)
    photo = tmp_path / "IMG_2041.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (90, 140, 180)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    text = f"Photo of the damp wall. {uuid.uuid4().hex[:8]}"
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Notes").fill(text)
    page.get_by_label("Attachments").set_input_files(str(photo))
    context.set_offline(True)
    try:
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#form-status")).to_contain_text(QUEUED)
        page.reload()
        expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    finally:
        context.set_offline(False)
    page.get_by_role("heading", name="Timeline").wait_for(timeout=30_000)
    expect(page.get_by_text(text)).to_have_count(1)
    rows = query(app_data, "select a.display_name from attachment a join interaction i "
                           "on i.id = a.interaction_id where i.text = ?", text)
    assert rows == [("IMG_2041.jpg",)]
    expect(page.get_by_role("link", name=re.compile("IMG_2041.jpg"))).to_have_count(1)


def test_an_outbox_waits_for_sign_in_after_the_session_expired(
        context: BrowserContext, page: Page, app_data: Path) -> None:
    case_id = _open_case_with_worker(page, app_data, offset=2)
    text = f"Written while the session ran out. {uuid.uuid4().hex[:8]}"
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Notes").fill(text)
    context.set_offline(True)
    try:
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#form-status")).to_contain_text(QUEUED)
        # Meanwhile the session ends on the server (idle timeout, say).
        query(app_data, "update user_session set revoked_at = '2026-01-01 00:00:00.000000' "
                        "where revoked_at is null and user_id = (select id from user where email = ?)",
              WORKER)
    finally:
        context.set_offline(False)
    page.evaluate("window.caselineOutbox.flush()")
    expect(page.locator("#device-status")).to_contain_text("Sign in to send", timeout=30_000)
    assert _count(app_data, text) == 0
    assert _outbox_size(page) == 1  # never discarded
    page.goto("/sign-in?next=" + f"/cases/{case_id}")
    page.get_by_label("Email").fill(WORKER)
    page.get_by_label("Password").fill("caseline-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Timeline").wait_for()
    expect(page.get_by_text(text)).to_have_count(1, timeout=30_000)
    assert _count(app_data, text) == 1


def test_a_draft_survives_a_reload(page: Page, app_data: Path) -> None:
    _open_case_with_worker(page, app_data, offset=3)
    text = f"Half-written when the phone locked. {uuid.uuid4().hex[:8]}"
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Interaction type").select_option("phone_call")
    page.get_by_label("Notes").fill(text)
    page.get_by_label("Private").check()
    page.wait_for_timeout(400)  # drafts are kept a moment after typing stops
    page.reload()
    expect(page.get_by_label("Notes")).to_have_value(text)
    expect(page.get_by_label("Interaction type")).to_have_value("phone_call")
    expect(page.get_by_label("Private")).to_be_checked()
    expect(page.locator("#form-status")).to_contain_text("Draft restored")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Interaction saved.")).to_be_visible()
    expect(page.get_by_text(text)).to_have_count(1)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('caseline.draft'))") == []


def test_sign_out_warns_about_unsent_notes_then_clears_the_device(
        context: BrowserContext, page: Page, app_data: Path) -> None:
    _open_case_with_worker(page, app_data, offset=4)
    text = f"Not sent before sign-out. {uuid.uuid4().hex[:8]}"
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Notes").fill(text)
    # The server cannot be reached for saves, but sign-out can: the note stays waiting.
    page.route("**/api/interactions", lambda route: route.abort())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-status")).to_contain_text(QUEUED)
    with page.expect_event("dialog") as warning:
        sign_out(page)
    assert "1 note saved on this device has not been sent" in warning.value.message
    warning.value.dismiss()
    page.keyboard.press("Escape")  # close the More sheet: nothing was signed out
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    assert "/sign-in" not in page.url
    assert _outbox_size(page) == 1
    page.evaluate("""async () => {
        localStorage.setItem('marker', 'x');
        await (await caches.open('marker')).put('/marker', new Response('x'));
    }""")
    with page.expect_event("dialog") as warning:
        sign_out(page)
    warning.value.accept()
    page.wait_for_url(re.compile(r".*/sign-in.*"))
    page.get_by_label("Email").wait_for()
    # Clear-Site-Data emptied the caches, local storage and the outbox database.
    assert page.evaluate("caches.has('marker')") is False
    # (The new sign-in page may write its own settings, such as the colour mode.)
    assert page.evaluate("localStorage.getItem('marker')") is None
    assert _outbox_size(page) == 0
    assert _count(app_data, text) == 0


def test_with_offline_drafts_off_nothing_is_kept_on_the_device(
        context: BrowserContext, page: Page, app_data: Path) -> None:
    query(app_data, "update organisation set offline_drafts = 0")
    try:
        _open_case_with_worker(page, app_data, offset=5)
        text = f"Policy says no data on devices. {uuid.uuid4().hex[:8]}"
        page.get_by_role("button", name="Add interaction").click()
        page.get_by_label("Notes").fill(text)
        page.wait_for_timeout(400)
        context.set_offline(True)
        try:
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.locator("#form-status")).to_contain_text("needs a connection to save")
            expect(page.get_by_label("Notes")).to_have_value(text)  # nothing lost either
            assert _outbox_size(page) == 0
            assert page.evaluate(
                "Object.keys(localStorage).filter(k => k.startsWith('caseline.draft'))") == []
            expect(page.locator("#device-status")).to_contain_text("needs a connection")
        finally:
            context.set_offline(False)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text(text)).to_have_count(1)
    finally:
        query(app_data, "update organisation set offline_drafts = 1")


def test_a_double_tapped_save_is_one_interaction(page: Page, app_data: Path) -> None:
    _open_case_with_worker(page, app_data, offset=6)
    text = f"Tapped Save twice on a bumpy bus. {uuid.uuid4().hex[:8]}"
    page.get_by_role("button", name="Add interaction").click()
    page.get_by_label("Notes").fill(text)
    page.get_by_role("button", name="Save", exact=True).dblclick()
    expect(page.get_by_text("Interaction saved.")).to_be_visible()
    expect(page.get_by_text(text)).to_have_count(1)
    assert _count(app_data, text) == 1
