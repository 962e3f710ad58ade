"""The cases list: search, filters, sortable table (tablet and desktop) or cards (phone)."""

from __future__ import annotations

import reflex as rx

from caseapp.cases import CaseRow
from components.badges import concern_badge, pathway_chip, status_badge, tag_list
from components.fields import native_select
from components.import_view import export_links
from state.cases_list import CasesState

STATUS_OPTIONS = [("open", "Open"), ("paused", "Paused"), ("closed", "Closed")]
CONCERN_OPTIONS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
# Placeholders drawn before the first page arrives, at the height of real rows and cards, so the
# pager and what follows do not jump when it does (Lighthouse measured CLS 0.168 without them).
SKELETON_ROWS = 12
SORT_OPTIONS = [
    ("last_interaction:desc", "Last interaction (newest)"),
    ("last_interaction:asc", "Last interaction (oldest)"),
    ("concern:desc", "Concern (highest first)"),
    ("name:asc", "Name (A–Z)"),
    ("name:desc", "Name (Z–A)"),
    ("worker:asc", "Case worker"),
    ("status:asc", "Status"),
    ("pathway:asc", "Pathway"),
    ("start:desc", "Start date (newest)"),
]


def _filter(label: str, field_id: str, options: list[tuple[str, str]] | rx.Var,
            value: rx.Var[str], name: str, any_label: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        native_select(field_id, options, value,
                      lambda v: CasesState.set_filter(name, v), placeholder=any_label),
        spacing="1",
        class_name="filter",
    )


def toolbar() -> rx.Component:
    tag_options = rx.Var.create(CasesState.tag_options).to(list[str])
    return rx.vstack(
        rx.flex(
            rx.box(
                rx.debounce_input(
                    rx.input(
                        rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
                        placeholder="Search by name or reference",
                        value=CasesState.search,
                        on_change=CasesState.set_search,
                        aria_label="Search cases",
                        type="search",
                        enter_key_hint="search",  # the phone keyboard's action key says Search
                        auto_capitalize="words",
                        size="3",
                        width="100%",
                    ),
                    debounce_timeout=300,
                ),
                flex="1",
                min_width="0",
            ),
            rx.button(
                rx.icon("user-check", size=16, aria_hidden="true"),
                "My cases",
                variant=rx.cond(CasesState.worker == "me", "solid", "outline"),
                on_click=CasesState.toggle_my_cases,
                aria_pressed=rx.cond(CasesState.worker == "me", "true", "false"),
                size="3",
                class_name="tap",
            ),
            spacing="2",
            width="100%",
            align="center",
        ),
        rx.el.details(
            rx.el.summary(
                rx.cond(CasesState.filtered, "Filters (on)", "Filters and sort"),
                class_name="filters-summary",
            ),
            rx.flex(
                _filter("Status", "filter-status", STATUS_OPTIONS, CasesState.status, "status",
                        "Any status"),
                _filter("Concern level", "filter-concern", CONCERN_OPTIONS,
                        CasesState.concern_level, "concern_level", "Any concern"),
                _filter("Case worker", "filter-worker",
                        CasesState.worker_options, CasesState.worker, "worker", "Anyone"),
                _filter("Pathway", "filter-pathway", CasesState.pathway_options,
                        CasesState.pathway, "pathway", "Any pathway"),
                rx.vstack(
                    rx.el.label("Tags", html_for="filter-tag", class_name="field-label"),
                    rx.el.select(
                        rx.el.option("Any tag", value=""),
                        rx.foreach(tag_options, lambda t: rx.el.option(t, value=t)),
                        id="filter-tag", value=CasesState.tag,
                        on_change=lambda v: CasesState.set_filter("tag", v),
                        class_name="native-select",
                    ),
                    spacing="1",
                    class_name="filter",
                ),
                rx.vstack(
                    rx.el.label("Sort by", html_for="sort-by", class_name="field-label"),
                    native_select("sort-by", SORT_OPTIONS, CasesState.sort_value,
                                  CasesState.set_sort),
                    spacing="1",
                    class_name="filter",
                ),
                rx.button("Clear filters", variant="ghost", on_click=CasesState.clear_filters,
                          class_name="tap", align_self="end"),
                wrap="wrap",
                spacing="3",
                padding_top="2",
            ),
            class_name="filters",
        ),
        width="100%",
        spacing="2",
    )


def _claim_button(row: CaseRow) -> rx.Component:
    return rx.cond(
        row.can_claim,
        rx.button("Claim case", size="2", variant="soft", class_name="tap",
                  on_click=CasesState.claim(row.id)),
    )


def _sort_header(label: str, column: str) -> rx.Component:
    return rx.table.column_header_cell(
        rx.button(
            label,
            rx.cond(
                CasesState.sort == column,
                # Two fixed icons: an icon name chosen at run time pulls in a loader for every
                # Lucide icon (about 84 KB gzipped on every signed-in page).
                rx.cond(CasesState.descending,
                        rx.icon("arrow-down", size=14, aria_hidden="true"),
                        rx.icon("arrow-up", size=14, aria_hidden="true")),
            ),
            variant="ghost",
            size="1",
            on_click=CasesState.sort_by(column),
            class_name="sort-button",
        ),
        aria_sort=rx.cond(CasesState.sort == column,
                          rx.cond(CasesState.descending, "descending", "ascending"), "none"),
    )


def _table_row(row: CaseRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row.person_name, href=f"/cases/{row.id}", weight="medium"),
            rx.text(row.reference, size="1", color_scheme="gray"),
        ),
        rx.table.cell(rx.vstack(rx.text(row.worker_name, size="2"), _claim_button(row),
                                spacing="1")),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(concern_badge(row.concern_level)),
        rx.table.cell(pathway_chip(row.pathway_name, row.pathway_colour)),
        rx.table.cell(tag_list(row.tags)),
        rx.table.cell(rx.text(row.last_interaction, size="2", title=row.last_interaction_at)),
        align="center",
    )


def cases_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                _sort_header("Case", "name"),
                _sort_header("Case worker", "worker"),
                _sort_header("Status", "status"),
                _sort_header("Concern", "concern"),
                _sort_header("Pathway", "pathway"),
                rx.table.column_header_cell("Tags"),
                _sort_header("Last interaction", "last_interaction"),
            )
        ),
        rx.table.body(
            rx.foreach(CasesState.rows, _table_row),
            rx.cond(~CasesState.loaded, rx.fragment(*[
                rx.table.row(rx.table.cell(rx.box(class_name="skeleton-line"), col_span=7),
                             class_name="skeleton-row", aria_hidden="true")
                for _ in range(SKELETON_ROWS)])),
        ),
        variant="surface",
        width="100%",
        display=["none", "none", "table"],
        class_name="cases-table",
    )


def _card(row: CaseRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.link(row.person_name, href=f"/cases/{row.id}", weight="bold", size="4",
                            class_name="card-link"),
                    rx.text(row.reference, " · ", row.worker_name, size="2",
                            color_scheme="gray"),
                    spacing="0",
                    min_width="0",
                ),
                concern_badge(row.concern_level),
                justify="between",
                align="start",
                width="100%",
                spacing="2",
            ),
            rx.flex(status_badge(row.status), pathway_chip(row.pathway_name, row.pathway_colour),
                    rx.text(row.last_interaction, size="2", color_scheme="gray"),
                    spacing="3", align="center", wrap="wrap"),
            tag_list(row.tags),
            _claim_button(row),
            spacing="2",
            width="100%",
        ),
        class_name="case-card",
        width="100%",
        role="listitem",
    )


def cases_cards() -> rx.Component:
    return rx.fragment(
        rx.vstack(rx.foreach(CasesState.rows, _card), spacing="2", width="100%",
                  display=["flex", "flex", "none"], role="list", aria_label="Cases"),
        rx.cond(~CasesState.loaded, rx.vstack(
            *[rx.box(class_name="skeleton-card") for _ in range(SKELETON_ROWS)],
            spacing="2", width="100%", display=["flex", "flex", "none"], aria_hidden="true")),
    )


def pager() -> rx.Component:
    return rx.flex(
        rx.button("Previous", variant="outline", on_click=CasesState.go_to_page(CasesState.page - 1),
                  disabled=CasesState.page <= 1, class_name="tap"),
        rx.text("Page ", CasesState.page, " of ", CasesState.pages, size="2", aria_live="polite"),
        rx.button("Next", variant="outline", on_click=CasesState.go_to_page(CasesState.page + 1),
                  disabled=CasesState.page >= CasesState.pages, class_name="tap"),
        justify="center",
        align="center",
        spacing="3",
        padding_y="3",
    )


def cases_page_body() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Cases", size="6", as_="h1"),
            rx.text(CasesState.total, rx.cond(CasesState.more, "+", ""),
                rx.cond(CasesState.total == 1, " case", " cases"),
                    size="2", color_scheme="gray", aria_live="polite"),
            rx.spacer(),
            export_links(),
            rx.cond(CasesState.can_create_case,
                    rx.button(rx.link(rx.icon("plus", size=16, aria_hidden="true"), "Add case",
                                      href="/cases/new", underline="none",
                                      # The link is the button (as_child): its own colour.
                                      color="var(--accent-contrast)"),
                              as_child=True, size="3", class_name="tap")),
            align="center",
            spacing="3",
            width="100%",
            # As tall as the Add case button, which arrives with the user's permissions: the
            # row does not grow when it appears (or stay short for a volunteer).
            min_height="48px",
        ),
        toolbar(),
        rx.cond(CasesState.message,
                rx.callout(CasesState.message, icon="info", width="100%", role="status")),
        rx.cond(
            CasesState.loaded & (CasesState.total == 0),
            rx.callout("No cases match. Clear the filters or search for something else.",
                       icon="search", color_scheme="gray", width="100%"),
        ),
        cases_table(),
        cases_cards(),
        pager(),
        width="100%",
        spacing="3",
    )


def _aside_card(row: CaseRow, current_id: rx.Var[int]) -> rx.Component:
    return rx.el.li(rx.link(
        rx.flex(
            rx.text(row.person_name, weight="bold", size="2", min_width="0"),
            concern_badge(row.concern_level),
            justify="between", align="start", spacing="2", width="100%",
        ),
        rx.text(row.reference, " · ", row.worker_name, size="1", color_scheme="gray"),
        rx.text(row.last_interaction, size="1", color_scheme="gray"),
        href=f"/cases/{row.id}",
        underline="none",
        class_name="split-card",
        aria_current=rx.cond(row.id == current_id, "page", None),
    ))


def cases_aside(current_id: rx.Var[int]) -> rx.Component:
    """Tablet and desktop: the cases list beside a case, with the filters chosen on /cases kept,
    so a drop-in session moves from person to person without going back."""
    return rx.el.aside(
        rx.link("← Cases, filters and search", href="/cases", size="2", class_name="tap-link"),
        rx.text(CasesState.total, rx.cond(CasesState.more, "+", ""),
                rx.cond(CasesState.total == 1, " case", " cases"),
                rx.cond(CasesState.filtered, " (filtered)", ""), " · page ", CasesState.page,
                " of ", CasesState.pages, size="1", color_scheme="gray"),
        rx.el.ul(rx.foreach(CasesState.rows, lambda r: _aside_card(r, current_id))),
        rx.flex(
            rx.button("Previous", variant="outline", size="2", class_name="tap",
                      on_click=CasesState.go_to_page(CasesState.page - 1),
                      disabled=CasesState.page <= 1, aria_label="Previous page of cases"),
            rx.button("Next", variant="outline", size="2", class_name="tap",
                      on_click=CasesState.go_to_page(CasesState.page + 1),
                      disabled=CasesState.page >= CasesState.pages,
                      aria_label="Next page of cases"),
            justify="between", width="100%",
        ),
        aria_label="Case list",
        class_name="split-list",
    )
