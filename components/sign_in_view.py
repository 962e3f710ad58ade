"""The sign-in page: a plain form POST, so the server can set an HttpOnly cookie."""

from __future__ import annotations

import reflex as rx

from components.plain_form import plain_form
from state.sign_in import SignInState as S


def sign_in_body() -> rx.Component:
    return rx.center(
        rx.card(
            plain_form(
                rx.vstack(
                    rx.hstack(rx.image(src="/icon.svg", width="40px", height="40px", alt=""),
                              rx.vstack(rx.heading("Caseline", size="6", as_="h1"),
                                        rx.text(S.org_name, size="2", color_scheme="gray"),
                                        spacing="0"),
                              align="center", spacing="3"),
                    rx.cond(S.error != "", rx.callout(S.error, icon="circle-alert",
                                                      color_scheme="red", role="alert",
                                                      width="100%")),
                    rx.cond(S.notice != "", rx.callout(S.notice, icon="info", role="status",
                                                       width="100%")),
                    rx.vstack(
                        rx.el.label("Email", html_for="email", class_name="field-label"),
                        rx.input(id="email", name="email", type="email", required=True,
                                 auto_complete="username", default_value=S.email_value,
                                 size="3", width="100%"),
                        spacing="1", width="100%",
                    ),
                    rx.vstack(
                        rx.el.label("Password", html_for="password", class_name="field-label"),
                        rx.input(id="password", name="password", type="password", required=True,
                                 auto_complete="current-password", size="3", width="100%"),
                        spacing="1", width="100%",
                    ),
                    rx.el.input(type="hidden", name="next", value=S.next_path),
                    rx.button("Sign in", type="submit", size="3", width="100%",
                              class_name="tap"),
                    spacing="4",
                    width="100%",
                ),
                action="/auth/sign-in",
                method="post",
            ),
            width="100%",
            max_width="400px",
            size="3",
        ),
        min_height="100vh",
        padding="4",
        class_name="sign-in-page",
    )
