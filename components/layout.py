"""The app shell: skip link, header with navigation and Sign out, and the page body."""

from __future__ import annotations

import reflex as rx

from components.plain_form import plain_form
from state.session import SessionState


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=18, aria_hidden="true"), rx.text(label), spacing="1",
                  align="center"),
        href=href,
        class_name="nav-link",
        underline="none",
    )


def sign_out_button() -> rx.Component:
    # A real form POST: the server revokes the session and clears the HttpOnly cookie.
    return plain_form(
        rx.button(rx.icon("log-out", size=16, aria_hidden="true"), "Sign out", type="submit",
                  variant="ghost", size="2", class_name="tap"),
        action="/auth/sign-out",
        method="post",
    )


def shell(*children: rx.Component, title: str = "") -> rx.Component:
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        rx.el.header(
            rx.box(
                rx.flex(
                    rx.link(rx.hstack(rx.image(src="/icon.svg", width="28px", height="28px",
                                               alt=""),
                                      rx.text("Caseline", weight="bold", size="4"),
                                      align="center", spacing="2"),
                            href="/cases", underline="none", color="inherit"),
                    rx.text(SessionState.org_name, size="2", color_scheme="gray",
                            display=["none", "none", "block"], flex="1"),
                    rx.hstack(
                        rx.text(SessionState.user_name, size="2",
                                display=["none", "none", "block"]),
                        rx.badge(SessionState.user_role, variant="soft", color_scheme="gray",
                                 display=["none", "none", "inline-flex"]),
                        sign_out_button(),
                        align="center",
                        spacing="2",
                    ),
                    justify="between",
                    align="center",
                    spacing="3",
                ),
                rx.el.nav(
                    rx.hstack(
                        nav_link("Cases", "/cases", "folder-open"),
                        nav_link("Pathways", "/pathways", "route"),
                        rx.cond(SessionState.can_manage_users,
                                nav_link("Settings", "/settings", "settings")),
                        spacing="4",
                        align="center",
                    ),
                    aria_label="Main",
                ),
                class_name="app-header-inner",
            ),
            class_name="app-header",
        ),
        rx.el.main(
            rx.cond(title != "", rx.heading(title, size="6", as_="h1", margin_bottom="3"))
            if title else rx.fragment(),
            *children,
            id="main",
            tab_index=-1,
            class_name="app-main",
        ),
    )
