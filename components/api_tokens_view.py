"""API tokens: make a token for an integration (shown once), see and revoke tokens."""

from __future__ import annotations

import reflex as rx

from caseapp.auth.api_tokens import TokenView
from components.fields import field_error, select_field, text_field
from state.api_tokens_page import EXPIRY_CHOICES
from state.api_tokens_page import ApiTokensState as S


def _status_badge(t: TokenView) -> rx.Component:
    return rx.badge(t.status, color_scheme=rx.match(t.status, ("Active", "green"),
                                                    ("Expired", "orange"), "gray"))


def _token_row(t: TokenView) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(rx.text(t.name, weight="bold"), _status_badge(t), align="center",
                          wrap="wrap"),
                rx.text(rx.el.code(t.hint), size="2"),
                rx.cond(~t.mine, rx.text("Belongs to ", t.owner_name, size="2")),
                rx.text("Made ", t.created, " · Last used: ", t.last_used, size="2",
                        color_scheme="gray"),
                rx.text(rx.cond(t.expires != "", "Expires " + t.expires, "Does not expire"),
                        size="2", color_scheme="gray"),
                spacing="1", flex="1", min_width="0",
            ),
            rx.cond(t.status == "Active",
                    rx.button("Revoke", variant="soft", color_scheme="red", size="3",
                              on_click=S.revoke(t.id), aria_label="Revoke " + t.name,
                              class_name="tap")),
            spacing="3", align="start", width="100%", wrap="wrap",
        ),
        width="100%",
    )


def _new_token() -> rx.Component:
    return rx.callout.root(
        rx.vstack(
            rx.callout.text(S.message),
            rx.el.label("Your new API token", html_for="new-api-token", class_name="field-label"),
            rx.input(id="new-api-token", value=S.new_token, read_only=True, size="3",
                     width="100%", font_family="monospace"),
            rx.flex(
                rx.button("Copy token", on_click=rx.set_clipboard(S.new_token), class_name="tap"),
                rx.button("Done", on_click=S.dismiss_token, variant="outline",
                          color_scheme="gray", class_name="tap"),
                spacing="3", justify="end", width="100%", wrap="wrap",
            ),
            spacing="2", width="100%",
        ),
        role="status", width="100%",
    )


def api_tokens_body() -> rx.Component:
    e = S.errors
    return rx.vstack(
        rx.heading("API tokens", size="6", as_="h1"),
        rx.text("A token lets another system (a referral form, a funder's dashboard) read and add "
                "cases, people, interactions and pathways through Caseline's API, with your "
                "access: it sees only what you see, and everything it does is in the audit "
                "trail under your name. ",
                rx.link("API description (OpenAPI)", href="/api/v1/openapi.json",
                        is_external=True, underline="always"),
                size="2"),
        rx.cond(S.new_token != "", _new_token(),
                rx.cond(S.message != "", rx.callout(S.message, icon="info", role="status",
                                                    width="100%"))),
        rx.card(rx.vstack(
            rx.heading("Make a token", size="4", as_="h2"),
            rx.grid(
                text_field("Token name", "token-name", S.new_name,
                           lambda v: S.set_field("new_name", v), e.get("name", ""),
                           placeholder="e.g. Referral form"),
                select_field("Expires", "token-expires", EXPIRY_CHOICES, S.new_expiry,
                             lambda v: S.set_field("new_expiry", v), e.get("expires", "")),
                columns=rx.breakpoints(initial="1", xs="2"), spacing="3", width="100%",
            ),
            field_error(e.get("form", ""), "token-form"),
            rx.flex(rx.button("Make token", on_click=S.create, class_name="tap"),
                    justify="end", width="100%"),
            spacing="3", width="100%"), width="100%"),
        rx.heading(rx.cond(S.can_manage_users, "All tokens", "Your tokens"), size="4", as_="h2"),
        rx.cond(S.tokens.length() == 0, rx.text("No tokens yet.", size="2")),
        rx.foreach(S.tokens, _token_row),
        spacing="4", width="100%", max_width="800px",
    )
