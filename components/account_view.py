"""Your account: two-step sign-in with an authenticator app, and your sessions."""

from __future__ import annotations

import reflex as rx

from components.fields import text_field
from state.account_page import AccountState as S
from state.account_page import SessionRow


def _two_step() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Two-step sign-in", size="4", as_="h2"),
        rx.cond(
            S.totp_enabled,
            rx.text("On: after your password you enter a code from your authenticator app. ",
                    S.recovery_left, " recovery codes left. If you lose your phone, use a "
                    "recovery code, or ask an admin to reset it.", size="2"),
            rx.text("Off. Admins and managers can add a code from an authenticator app (such "
                    "as Microsoft Authenticator or Google Authenticator) to their password. "
                    "Signing in with single sign-on uses your organisation's own checks "
                    "instead.", size="2"),
        ),
        rx.cond(
            ~S.totp_enabled & (S.enrol_qr == ""),
            rx.button("Set up two-step sign-in", on_click=S.start_totp, class_name="tap"),
        ),
        rx.cond(
            S.enrol_qr != "",
            rx.vstack(
                rx.text("1. Scan this code with your authenticator app.", size="2"),
                rx.image(src=S.enrol_qr, alt="QR code for your authenticator app",
                         width="220px", height="220px"),
                rx.text("Or type this key into the app:", size="2"),
                rx.code(S.enrol_secret, size="3", style={"word_break": "break-all"}),
                rx.text("2. Enter the 6-digit code the app shows.", size="2"),
                text_field("Code from the app", "enrol-code", S.enrol_code, S.set_enrol_code,
                           S.totp_error, input_mode="numeric", auto_complete="one-time-code"),
                rx.button("Turn on two-step sign-in", on_click=S.confirm_totp,
                          class_name="tap"),
                spacing="3", width="100%",
            ),
            rx.cond(S.totp_error != "", rx.text(S.totp_error, color_scheme="red", size="2",
                                                role="alert")),
        ),
        rx.cond(
            S.recovery_codes.length() > 0,
            rx.callout.root(rx.callout.text(rx.vstack(
                rx.text("Your recovery codes. Each works once, instead of a code from the app. "
                        "Keep them somewhere safe: they will not be shown again.",
                        weight="bold"),
                rx.grid(rx.foreach(S.recovery_codes, lambda c: rx.code(c, size="3")),
                        columns="2", spacing="2"),
                rx.button("I have saved them", on_click=S.hide_recovery_codes,
                          variant="soft", class_name="tap"),
                spacing="3")), color_scheme="amber", role="status", width="100%"),
        ),
        spacing="3", width="100%"), width="100%")


def _session_row(s: SessionRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(s.device, rx.cond(s.current, " (this browser)", ""), weight="bold"),
            rx.text(s.method, " · signed in ", s.started, " · last used ", s.last_seen,
                    size="2", color_scheme="gray"),
            spacing="0", flex="1", min_width="12em",
        ),
        rx.cond(~s.current,
                rx.button("Sign out", variant="outline", class_name="tap",
                          aria_label="Sign out " + s.device + " signed in " + s.started,
                          on_click=S.end_session(s.id))),
        spacing="3", align="center", wrap="wrap", width="100%",
    )


def _sessions() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Your sessions", size="4", as_="h2"),
        rx.text("Browsers where you are signed in now.", size="2"),
        rx.foreach(S.session_rows, _session_row),
        rx.button("Sign out everywhere else", on_click=S.sign_out_elsewhere,
                  variant="outline", class_name="tap"),
        spacing="3", width="100%"), width="100%")


def account_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Your account", size="6", as_="h1"),
        rx.cond(S.message != "", rx.callout(S.message, icon="info", role="status",
                                            width="100%")),
        rx.cond(S.totp_offered, _two_step()),
        _sessions(),
        spacing="4", width="100%", max_width="860px",
    )
