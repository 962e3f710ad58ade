"""The app shell: skip link, header, navigation (top on tablet and desktop, a bottom bar on
phones), the More sheet with Sign out, and the page body."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from components.plain_form import plain_form
from state.session import SessionState

ALL_ROLES = frozenset({"admin", "manager", "case_worker", "volunteer"})
STAFF_ROLES = frozenset({"admin", "manager", "case_worker"})


@dataclass(frozen=True)
class NavEntry:
    label: str  # the accessible name (DESIGN.md §3)
    href: str
    icon: str
    roles: frozenset[str]  # who is offered it; the page and its service check access again
    in_bar: bool  # on a phone: in the bottom bar (True) or in the More sheet (False)
    short: str = ""  # a shorter word for the bottom bar; the accessible name still starts with it
    # From tablet width up: in the menu under the signed-in person's name rather than the top
    # navigation, which then stays one row (a second row arriving with the role shifted the page).
    account_menu: bool = False


# Every navigation entry, in order. A new page is one line here.
NAV_ENTRIES: list[NavEntry] = [
    NavEntry("Cases", "/cases", "folder-open", ALL_ROLES, in_bar=True),
    NavEntry("Weekly summaries", "/weekly", "calendar-range",
             frozenset({"admin", "manager", "case_worker"}), in_bar=True, short="Weekly"),
    NavEntry("Search", "/search", "search", ALL_ROLES, in_bar=True),
    NavEntry("Workload", "/workload", "gauge", frozenset({"admin", "manager", "case_worker"}),
             in_bar=True),
    NavEntry("Audits", "/audits", "clipboard-check", ALL_ROLES - {"volunteer"}, in_bar=False),
    NavEntry("Insights", "/insights", "grid-3x3", STAFF_ROLES, in_bar=False),
    NavEntry("Pathways", "/pathways", "route", ALL_ROLES, in_bar=False),
    NavEntry("Settings", "/settings", "settings", frozenset({"admin"}), in_bar=False,
             account_menu=True),
    NavEntry("Audit trail", "/audit-trail", "scroll-text", frozenset({"admin"}), in_bar=False,
             account_menu=True),
    NavEntry("API tokens", "/api-tokens", "key-round", ALL_ROLES, in_bar=False, account_menu=True),
    NavEntry("Your account", "/account", "user-round", ALL_ROLES, in_bar=False, account_menu=True),
    NavEntry("Data rights", "/data-rights", "shield-check", frozenset({"admin"}), in_bar=False,
             account_menu=True),
]


def shown_entries(*, in_bar: bool | None = None, account_menu: bool | None = None
                  ) -> list[NavEntry]:
    return [e for e in NAV_ENTRIES
            if (in_bar is None or e.in_bar == in_bar)
            and (account_menu is None or e.account_menu == account_menu)]


def _for_roles(entry: NavEntry, component: rx.Component) -> rx.Component:
    if entry.roles == ALL_ROLES:
        return component  # drawn from the first paint: no navigation popping in after load
    allowed = rx.Var.create(sorted(entry.roles))
    return rx.cond(allowed.contains(SessionState.user_role_key), component)


def _current(entry: NavEntry) -> rx.Var:
    path = rx.State.router.url.path
    return rx.cond(path.startswith(entry.href), "page", None)


def _in_sheet_page() -> rx.Var:
    path = rx.State.router.url.path
    result: rx.Var = rx.Var.create(False)
    for entry in shown_entries(in_bar=False):
        result = result | path.startswith(entry.href)
    return result


def nav_link(entry: NavEntry) -> rx.Component:
    return _for_roles(entry, rx.el.li(rx.link(
        rx.hstack(rx.icon(entry.icon, size=18, aria_hidden="true"), rx.text(entry.label),
                  spacing="1", align="center"),
        href=entry.href,
        class_name="nav-link",
        underline="none",
        aria_current=_current(entry),
    )))


def bar_link(entry: NavEntry) -> rx.Component:
    return _for_roles(entry, rx.el.li(rx.el.a(
        rx.icon(entry.icon, size=22, aria_hidden="true"),
        rx.el.span(entry.short or entry.label, class_name="bottom-nav-label"),
        href=entry.href,
        class_name="bottom-nav-link",
        aria_label=entry.label if entry.short else None,
        aria_current=_current(entry),
    )))


def account_menu() -> rx.Component:
    """Tablet and desktop: who is signed in, as a menu of the pages about them and the
    organisation's administration (the phone's More sheet holds the same links)."""
    return rx.menu.root(
        rx.menu.trigger(rx.button(
            rx.text(SessionState.user_name, size="2"),
            rx.badge(SessionState.user_role, variant="soft", color_scheme="gray"),
            rx.icon("chevron-down", size=16, aria_hidden="true"),
            variant="ghost", color_scheme="gray", size="3", class_name="tap account-menu-button",
        )),
        rx.menu.content(
            *[_for_roles(e, rx.menu.item(
                rx.el.a(rx.icon(e.icon, size=16, aria_hidden="true"), e.label, href=e.href,
                        class_name="account-menu-link"),
                as_child=True,
            )) for e in shown_entries(account_menu=True)],
            align="end",
        ),
        # Not modal: a modal menu hides the page from screen readers with aria-hidden while
        # its links stay focusable (axe: aria-hidden-focus). Escape and a tap outside close it.
        modal=False,
    )


def sign_out_button() -> rx.Component:
    # A real form POST: the server revokes the session and clears the HttpOnly cookie.
    # assets/outbox.js catches its submit first (unsent notes on this device).
    return plain_form(
        rx.button(rx.icon("log-out", size=16, aria_hidden="true"), "Sign out", type="submit",
                  variant="soft", color_scheme="gray", size="3", class_name="tap"),
        action="/auth/sign-out",
        method="post",
    )


def more_sheet() -> rx.Component:
    """Phones: the rest of the navigation, who is signed in, and Sign out. A Radix dialog, so
    focus stays inside while it is open, Escape closes it, and focus returns to More."""
    return rx.dialog.root(
        rx.dialog.trigger(rx.el.button(
            rx.icon("menu", size=22, aria_hidden="true"),
            rx.el.span("More", class_name="bottom-nav-label"),
            type="button",
            # Marked while on a page the sheet leads to (Pathways, Settings).
            class_name=rx.cond(_in_sheet_page(), "bottom-nav-link is-current",
                               "bottom-nav-link"),
        )),
        rx.dialog.content(
            rx.vstack(
                rx.flex(
                    rx.dialog.title("More", size="5", margin="0"),
                    rx.dialog.close(rx.icon_button(rx.icon("x", size=20, aria_hidden="true"),
                                                   variant="ghost", color_scheme="gray",
                                                   size="3", aria_label="Close",
                                                   class_name="tap")),
                    justify="between", align="center", width="100%",
                ),
                rx.dialog.description(
                    rx.text.strong(SessionState.user_name), " · ", SessionState.user_role,
                    rx.el.br(), SessionState.org_name,
                    size="2",
                ),
                rx.el.nav(
                    rx.el.ul(*[nav_link(e) for e in shown_entries(in_bar=False)],
                             class_name="sheet-nav-list"),
                    aria_label="More",
                ),
                sign_out_button(),
                spacing="4",
                width="100%",
            ),
            class_name="more-sheet",
        ),
    )


def bottom_nav() -> rx.Component:
    return rx.el.nav(
        rx.el.ul(*[bar_link(e) for e in shown_entries(in_bar=True)],
                 rx.el.li(more_sheet()),
                 class_name="bottom-nav-list"),
        aria_label="Main",
        class_name="bottom-nav",
    )


def shell(*children: rx.Component, title: str = "", aside: rx.Component | None = None
          ) -> rx.Component:
    """aside: drawn beside the page from tablet width up (the case page's list of cases)."""
    main = rx.el.main(
        rx.cond(title != "", rx.heading(title, size="6", as_="h1", margin_bottom="3"))
        if title else rx.fragment(),
        *children,
        id="main",
        tab_index=-1,
        class_name="app-main",
    )
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        rx.el.header(
            rx.box(
                rx.flex(
                    rx.link(rx.hstack(rx.image(src="/icon.svg", width="28px", height="28px",
                                               alt=""),
                                      rx.text("Caseline", weight="bold", size="4"),
                                      align="center", spacing="2"),
                            href="/cases", underline="none", color="inherit",
                            class_name="brand"),
                    rx.text(SessionState.org_name, size="2", color_scheme="gray",
                            class_name="wide-only header-org", flex="1"),
                    rx.hstack(
                        account_menu(),
                        sign_out_button(),
                        align="center",
                        spacing="2",
                        class_name="wide-only",
                    ),
                    justify="between",
                    align="center",
                    spacing="3",
                ),
                rx.el.nav(
                    rx.el.ul(*[nav_link(e) for e in shown_entries(account_menu=False)],
                             class_name="top-nav-list"),
                    aria_label="Main",
                    class_name="top-nav",
                ),
                class_name="app-header-inner",
            ),
            class_name="app-header",
        ),
        rx.box(aside, main, class_name="split") if aside is not None else main,
        bottom_nav(),
        class_name="app-shell",
    )
