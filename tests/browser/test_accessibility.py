"""Accessibility: axe-core on every page and the main dialogs, as each role, at phone and tablet
width, light and dark; keyboard use (skip link, visible focus, dialogs that trap and return
focus, Escape); and no sideways scrolling at 360 px.

axe-core comes from npm, pinned in the Makefile (`make test` installs it into .tools/axe)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from components.layout import shown_entries
from tests.browser.conftest import PHONE, ROOT, TABLET, open_more, query, sign_in

pytestmark = pytest.mark.browser

AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
DEMO = {
    "admin": "admin@example.org",
    "manager": "manager@example.org",
    "case_worker": "caseworker@example.org",
    "volunteer": "volunteer@example.org",
}
NARROW = {"width": 360, "height": 780}
# axe's impact levels that fail the build; "moderate" and "minor" are reported by axe but left.
BLOCKING = ("serious", "critical")

_RUN_AXE = """async (blocking) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => blocking.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' :: '
      + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)),
  }));
}"""


def _axe_file() -> str:
    assert AXE.exists(), f"{AXE} is missing: run `make test` (it installs axe-core from npm)"
    return AXE.read_text()


def axe_violations(page: Page, where: str) -> list[str]:
    """Serious and critical axe violations on the page as it is now, one readable line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_file())
    found = page.evaluate(_RUN_AXE, list(BLOCKING))
    return [f"{where}: [{v['impact']}] {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"])
            for v in found]


def _context(browser: Browser, app_url: str, viewport: dict[str, int],
             scheme: str) -> BrowserContext:
    ctx = browser.new_context(viewport=viewport, base_url=app_url, color_scheme=scheme,
                              reduced_motion="reduce", is_mobile=viewport["width"] < 768,
                              has_touch=True)
    ctx.set_default_timeout(20_000)
    return ctx


def _ready(page: Page) -> None:
    """The page has drawn its data: an h1 is there and the cases list is past its placeholders."""
    page.locator("h1").first.wait_for()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".skeleton-card, .skeleton-row")).to_have_count(0)
    page.wait_for_timeout(150)


def _case_for(app_data: Path, role: str) -> int:
    if role in ("admin", "manager"):
        sql = ("select c.id from 'case' c join interaction i on i.case_id = c.id "
               "group by c.id order by count(*) desc limit 1")
        return int(query(app_data, sql)[0][0])
    sql = ("select c.id from 'case' c join user u on u.id = c.worker_id where u.email = ? "
           "and c.status = 'open' order by c.id limit 1")
    return int(query(app_data, sql, DEMO[role])[0][0])


def _pages(app_data: Path, role: str) -> list[tuple[str, str, Callable[[Page], None] | None]]:
    """(name, path, an action that opens the page's main dialog or form, or None)."""
    def filters(page: Page) -> None:
        page.get_by_text(re.compile(r"^Filters (and sort|\(on\))$")).click()
        expect(page.get_by_label("Sort by")).to_be_visible()

    def interaction_form(page: Page) -> None:
        page.get_by_role("button", name="Add interaction").click()
        expect(page.get_by_label("Notes")).to_be_visible()

    def pathway_form(page: Page) -> None:
        page.get_by_role("button", name="New pathway").click()
        expect(page.get_by_role("heading", name="New pathway")).to_be_visible()

    pages: list[tuple[str, str, Callable[[Page], None] | None]] = [
        ("cases list", "/cases", filters),
        ("case", f"/cases/{_case_for(app_data, role)}", interaction_form),
        ("new case", "/cases/new", None),
        ("pathways", "/pathways", pathway_form if role in ("admin", "manager") else None),
        ("settings", "/settings", None),
    ]
    # Every page the navigation offers this role is checked too: a page added to NAV_ENTRIES
    # joins this list by itself.
    listed = {path for _, path, _ in pages}
    for entry in shown_entries():
        if role in entry.roles and entry.href not in listed:
            pages.append((entry.label.lower(), entry.href, None))
    return pages


@pytest.fixture(scope="module")
def axe_ready() -> None:
    _axe_file()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_sign_in_page_passes_axe(browser: Browser, app_url: str, size: str, scheme: str,
                                 axe_ready: None) -> None:
    ctx = _context(browser, app_url, PHONE if size == "phone" else TABLET, scheme)
    page = ctx.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").wait_for()
    problems = axe_violations(page, f"sign-in ({size}, {scheme})")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    problems += axe_violations(page, f"sign-in with an error ({size}, {scheme})")
    ctx.close()
    assert not problems, "axe found serious or critical problems:\n" + "\n".join(problems)


# The admin, who is offered every page, at both sizes in both schemes; each other role once, in
# a different size and scheme each: what a role changes is which controls a page draws, and the
# size and scheme change only CSS, which the admin's four runs cover on every page. (All 16
# took ~6.5 of CI's minutes; these 7 take under 3.)
AXE_RUNS = [("admin", size, scheme) for size in ("phone", "tablet") for scheme in ("light", "dark")]
AXE_RUNS += [("manager", "tablet", "dark"), ("case_worker", "phone", "light"),
             ("volunteer", "phone", "dark")]


@pytest.mark.parametrize(("role", "size", "scheme"), AXE_RUNS)
def test_every_page_passes_axe(browser: Browser, app_url: str, app_data: Path, role: str,
                               size: str, scheme: str, axe_ready: None) -> None:
    ctx = _context(browser, app_url, PHONE if size == "phone" else TABLET, scheme)
    page = ctx.new_page()
    sign_in(page, DEMO[role])
    problems: list[str] = []
    checked = 0
    for name, path, open_dialog in _pages(app_data, role):
        where = f"{name} {path} as {role} ({size}, {scheme})"
        page.goto(path)
        _ready(page)
        problems += axe_violations(page, where)
        checked += 1
        if open_dialog is not None:
            open_dialog(page)
            page.wait_for_timeout(150)
            problems += axe_violations(page, where + " with its form open")
            checked += 1
        if size == "phone" and name == "cases list":
            open_more(page)
            page.wait_for_timeout(150)
            problems += axe_violations(page, where + " with the More sheet open")
            checked += 1
            page.keyboard.press("Escape")
        if size == "tablet" and name == "cases list":
            page.locator(".account-menu-button").click()
            expect(page.get_by_role("menu")).to_be_visible()
            problems += axe_violations(page, where + " with the account menu open")
            checked += 1
            page.keyboard.press("Escape")
    ctx.close()
    assert checked >= 6
    assert not problems, "axe found serious or critical problems:\n" + "\n".join(problems)


@pytest.fixture
def phone(browser: Browser, app_url: str) -> Iterator[Page]:
    ctx = _context(browser, app_url, PHONE, "light")
    yield ctx.new_page()
    ctx.close()


def _focused(page: Page) -> dict[str, str]:
    return page.evaluate("""() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return {tag: el.tagName.toLowerCase(), id: el.id || '', text: (el.innerText || '').trim(),
              label: el.getAttribute('aria-label') || '', outline: style.outlineStyle,
              width: style.outlineWidth, shadow: style.boxShadow,
              inDialog: String(!!el.closest('[role=dialog]'))};
    }""")


def test_skip_link_moves_focus_to_the_page(phone: Page) -> None:
    sign_in(phone, DEMO["case_worker"])
    phone.goto("/cases")
    _ready(phone)
    phone.keyboard.press("Tab")
    first = _focused(phone)
    assert first["text"] == "Skip to content", first
    box = phone.get_by_role("link", name="Skip to content").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link shows when focused"
    phone.keyboard.press("Enter")
    assert _focused(phone)["id"] == "main"
    # The next Tab goes into the page, past the header.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_focus_is_visible_on_every_kind_of_control(phone: Page) -> None:
    sign_in(phone, DEMO["manager"])
    phone.goto("/cases")
    _ready(phone)
    seen: set[str] = set()
    for _ in range(12):
        phone.keyboard.press("Tab")
        f = _focused(phone)
        if f["tag"] == "body":
            continue
        visible = (f["outline"] not in ("none", "") and f["width"] not in ("0px", "")) or \
            f["shadow"] not in ("none", "")
        assert visible, f"no visible focus on {f}"
        seen.add(f["tag"])
    assert {"a", "button", "input"} <= seen, seen


def test_more_sheet_traps_focus_and_returns_it(phone: Page) -> None:
    sign_in(phone, DEMO["admin"])
    _ready(phone)
    more = phone.get_by_role("button", name="More")
    more.focus()
    phone.keyboard.press("Enter")
    sheet = phone.get_by_role("dialog", name="More")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("link", name="Settings")).to_be_visible()
    expect(sheet.get_by_role("button", name="Sign out")).to_be_visible()
    expect(sheet).to_contain_text("Rachel Ingram")
    expect(sheet).to_contain_text("Admin")
    for _ in range(8):  # more Tabs than the sheet has controls: focus must wrap, not leave
        phone.keyboard.press("Tab")
        assert _focused(phone)["inDialog"] == "true", _focused(phone)
    phone.keyboard.press("Shift+Tab")
    assert _focused(phone)["inDialog"] == "true"
    phone.keyboard.press("Escape")
    expect(sheet).to_have_count(0)
    f = _focused(phone)
    assert f["text"] == "More", f


def test_more_sheet_offers_each_role_only_its_pages(browser: Browser, app_url: str) -> None:
    for role, settings in (("admin", 1), ("manager", 0), ("volunteer", 0)):
        ctx = _context(browser, app_url, PHONE, "light")
        page = ctx.new_page()
        sign_in(page, DEMO[role])
        bar = page.get_by_role("navigation", name="Main")
        expect(bar.get_by_role("link", name="Cases")).to_have_attribute("aria-current", "page")
        open_more(page)
        sheet = page.get_by_role("dialog", name="More")
        expect(sheet.get_by_role("link", name="Pathways")).to_be_visible()
        expect(sheet.get_by_role("link", name="Settings")).to_have_count(settings)
        ctx.close()


def test_interaction_form_returns_focus_to_its_opener(phone: Page, app_data: Path) -> None:
    sign_in(phone, DEMO["case_worker"])
    phone.goto(f"/cases/{_case_for(app_data, 'case_worker')}")
    _ready(phone)
    opener = phone.get_by_role("button", name="Add interaction")
    # One-thumb reach: the button sits in the bottom part of the screen, above the bottom bar.
    box, bar = opener.bounding_box(), phone.locator(".bottom-nav").bounding_box()
    assert box is not None and bar is not None
    assert box["y"] > PHONE["height"] * 0.6 and box["y"] + box["height"] <= bar["y"], (box, bar)
    opener.focus()
    phone.keyboard.press("Enter")
    assert _focused(phone)["id"] == "notes"
    phone.get_by_role("button", name="Cancel").click()
    assert _focused(phone)["id"] == "open-interaction-form"


def test_no_sideways_scrolling_at_360px(browser: Browser, app_url: str, app_data: Path) -> None:
    wide: list[str] = []
    for role in ("admin", "volunteer"):
        ctx = _context(browser, app_url, NARROW, "light")
        page = ctx.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email").wait_for()
        pages = [("sign-in", "/sign-in")] + [(n, p) for n, p, _ in _pages(app_data, role)]
        sign_in(page, DEMO[role])
        for name, path in pages:
            page.goto(path)
            if path != "/sign-in":
                _ready(page)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > NARROW["width"]:
                wide.append(f"{name} {path} as {role}: {width}px")
        ctx.close()
    assert not wide, "pages wider than 360 px: " + ", ".join(wide)


def test_tap_targets_are_at_least_44px(phone: Page, app_data: Path) -> None:
    sign_in(phone, DEMO["manager"])
    small: list[str] = []
    for path in ("/cases", f"/cases/{_case_for(app_data, 'manager')}"):
        phone.goto(path)
        _ready(phone)
        small += phone.evaluate("""() => [...document.querySelectorAll(
            '.bottom-nav a, .bottom-nav button, button.tap, .tap button, a.tap, select, input')]
          .filter(el => el.offsetParent !== null && el.type !== 'hidden' && el.type !== 'file'
                        && el.type !== 'checkbox')
          .map(el => [el, el.getBoundingClientRect()])
          .filter(([el, r]) => r.height < 44 || r.width < 44)
          .map(([el, r]) => `${location.pathname} ${el.tagName} ${el.id
               || el.innerText.trim() || el.getAttribute('aria-label')}: `
               + `${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert not small, small
