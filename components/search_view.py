"""Search notes: a search box and the matching notes as cards, each linking to its case."""

from __future__ import annotations

import reflex as rx

from caseapp.search import SearchHit, SnippetPart
from state.search_page import SearchState as S

EXAMPLES = "Search every note you can read, by its words or its meaning: try “eviction” or " \
    "“worried about the children”."


def _part(part: SnippetPart) -> rx.Component:
    # Text children only: React escapes them, so a note can never inject markup here.
    return rx.cond(part.mark, rx.el.mark(part.text, class_name="search-mark"),
                   rx.el.span(part.text))


def _hit(hit: SearchHit) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.link(hit.person_name, href="/cases/" + hit.case_id.to_string() + "#interaction-"
                            + hit.interaction_id.to_string(),
                            weight="bold", size="3",
                            aria_label="Open case of " + hit.person_name + ", " +
                            hit.case_reference),
                    rx.text(hit.case_reference, size="2", color_scheme="gray"),
                    spacing="2", align="baseline", wrap="wrap",
                ),
                rx.text(hit.kind_label, " · ", hit.occurred_at, size="2", color_scheme="gray",
                        title=hit.occurred_relative),
                rx.text(rx.foreach(hit.snippet, _part), size="2", class_name="search-snippet",
                        overflow_wrap="anywhere"),
                rx.flex(
                    rx.badge(hit.why_label, variant="soft",
                             color_scheme=rx.match(hit.why, ("both", "teal"),
                                                   ("keyword", "blue"), "violet")),
                    rx.cond(hit.private, rx.badge("Private", color_scheme="gray")),
                    spacing="2", wrap="wrap",
                ),
                spacing="1", width="100%", min_width="0",
            ),
            width="100%",
        ),
        class_name="search-hit",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Search notes", html_for="search-notes", class_name="field-label"),
            rx.flex(
                rx.input(id="search-notes", name="query", type="search", size="3", flex="1",
                         min_width="0", placeholder="e.g. eviction", enter_key_hint="search",
                         auto_complete="off", default_value=S.query,
                         aria_describedby="search-notes-error"),
                rx.button("Search", type="submit", loading=S.searching, size="3",
                          class_name="tap"),
                spacing="2", width="100%",
            ),
            rx.cond(S.error != "",
                    rx.text(S.error, id="search-notes-error", color_scheme="red", size="2",
                            role="alert")),
            spacing="1", width="100%",
        ),
        on_submit=S.run_search,
        role="search",
        width="100%",
    )


def search_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Search notes", size="6", as_="h1"),
        _form(),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="info", role="status", width="100%")),
        rx.cond(
            S.searched,
            rx.vstack(
                rx.text(
                    rx.cond(S.hits.length() == 0,
                            "No notes you can read match “" + S.query + "”. Try other words.",
                            rx.cond(S.hits.length() == 1, "1 note", S.hits.length().to_string()
                                    + " notes") + " for “" + S.query + "”, best first"),
                    size="2", role="status", aria_live="polite",
                ),
                rx.el.ul(rx.foreach(S.hits, _hit), class_name="search-hits",
                         style={"list_style": "none", "padding": "0", "margin": "0",
                                "display": "flex", "flex_direction": "column", "gap": "0.75em",
                                "width": "100%"}),
                spacing="2", width="100%",
            ),
            rx.text(EXAMPLES, size="2", color_scheme="gray"),
        ),
        spacing="3", width="100%", max_width="800px",
    )
