"""Settings (admins): single sign-on sign-up, and each staff member's sessions and two-step
sign-in."""

from __future__ import annotations

import reflex as rx

from components.fields import text_field
from state.sign_in_settings import SignInSettingsState as S


def sign_in_settings_section() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Sign-in", size="4", as_="h2"),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="info", role="status",
                                           width="100%")),
        rx.text(rx.cond(S.sso_configured != "",
                        "Single sign-on is set up with: " + S.sso_configured + ".",
                        "No single sign-on is set up on this server (see the README)."),
                size="2"),
        text_field("Allow sign-up from these email domains", "signup-domains",
                   S.signup_domains, S.set_signup_domains_text, S.signup_error,
                   placeholder="e.g. yourcharity.org.uk"),
        rx.text("People whose identity provider confirms an email at one of these domains can "
                "create their own account by signing in, as a volunteer (who sees no case until "
                "one is assigned to them). Leave empty so that only staff you add can sign in.",
                size="2", color_scheme="gray"),
        rx.flex(rx.button("Save sign-up domains", on_click=S.save_signup_domains,
                          class_name="tap"), justify="end", width="100%"),
        spacing="3", width="100%"), width="100%", on_mount=S.load_section)


def user_sign_in_controls(user_id: rx.Var[int], name: rx.Var[str]) -> rx.Component:
    """Per staff member in the Settings list."""
    return rx.flex(
        rx.button("Sign out everywhere", variant="outline", class_name="tap",
                  aria_label="Sign out everywhere: " + name,
                  on_click=S.sign_out_everywhere(user_id)),
        rx.button("Reset two-step sign-in", variant="outline", class_name="tap",
                  aria_label="Reset two-step sign-in: " + name,
                  on_click=S.reset_two_step(user_id)),
        spacing="2", wrap="wrap",
    )
