"""The sign-in page: plain form POSTs, so the server can set an HttpOnly cookie. Single sign-on
buttons are links, not forms: the start route redirects to the identity provider, and the
Content-Security-Policy's form-action 'self' would stop a form's redirect to another site."""

from __future__ import annotations

import reflex as rx

from components.plain_form import plain_form
from state.sign_in import ProviderButton
from state.sign_in import SignInState as S


def _labelled_input(label: str, ident: str, **props: object) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=ident, class_name="field-label"),
        rx.input(id=ident, name=ident, size="3", width="100%", **props),
        spacing="1", width="100%",
    )


def _password_form() -> rx.Component:
    return plain_form(
        rx.vstack(
            _labelled_input("Email", "email", type="email", required=True,
                            auto_complete="username", default_value=S.email_value),
            _labelled_input("Password", "password", type="password", required=True,
                            auto_complete="current-password"),
            rx.el.input(type="hidden", name="next", value=S.next_path),
            rx.button("Sign in", type="submit", size="3", width="100%", class_name="tap"),
            spacing="4", width="100%",
        ),
        action="/auth/sign-in",
        method="post",
    )


def _code_form() -> rx.Component:
    return plain_form(
        rx.vstack(
            rx.text("Enter the 6-digit code from your authenticator app, or one of your "
                    "recovery codes.", size="2"),
            _labelled_input("Authenticator code", "code", required=True,
                            auto_complete="one-time-code", input_mode="numeric",
                            max_length=20, auto_focus=True),
            rx.button("Sign in", type="submit", size="3", width="100%", class_name="tap"),
            rx.link("Start again", href="/sign-in", size="2"),
            spacing="4", width="100%",
        ),
        action="/auth/sign-in/code",
        method="post",
    )


def _provider_button(p: ProviderButton) -> rx.Component:
    return rx.button(
        # A document navigation, not the router's: the server answers with a redirect to the
        # identity provider, which client-side routing would never fetch.
        rx.el.a("Sign in with " + p.label, href=p.href, reload_document=True),
        as_child=True, variant="outline", size="3", width="100%", class_name="tap",
    )


def sign_in_body() -> rx.Component:
    return rx.center(
        rx.card(
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
                rx.cond(
                    S.step == "code",
                    _code_form(),
                    rx.vstack(
                        _password_form(),
                        rx.cond(S.providers.length() > 0,
                                rx.vstack(rx.separator(size="4"),
                                          rx.foreach(S.providers, _provider_button),
                                          spacing="3", width="100%")),
                        spacing="4", width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            width="100%",
            max_width="400px",
            size="3",
        ),
        min_height="100vh",
        padding="1rem",  # a bare "4" is not a CSS length: the card touched the screen's edges
        class_name="sign-in-page",
    )
