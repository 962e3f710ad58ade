"""The audit trail (admins): filters, the events as a table (cards on a phone), paging and a
CSV download of everything the filters match."""

from __future__ import annotations

import reflex as rx

from caseapp.trail import TrailRow
from components.fields import field_error
from state.audit_trail_page import AuditTrailState as S

INTRO = "Every view and change, newest first. Filter by who, what and when; the download has " \
    "every matching event."


def _field(label: str, name: str, value: rx.Var[str], placeholder: str = "",
           kind: str = "text") -> rx.Component:
    field_id = f"trail-{name.replace('_', '-')}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.input(id=field_id, name=name, type=kind, default_value=value, placeholder=placeholder,
                 size="3", width="100%", auto_complete="off",
                 aria_describedby=f"{field_id}-error"),
        field_error(S.errors.get(name, ""), field_id),
        spacing="1",
        class_name="filter",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            _field("Who", "who", S.who, "Name or email"),
            _field("Action", "action", S.action, "e.g. case. or case.view"),
            _field("Record", "record", S.record, "e.g. case 12"),
            _field("From", "date_from", S.date_from, kind="date"),
            _field("To", "date_to", S.date_to, kind="date"),
            rx.flex(
                rx.button("Filter", type="submit", size="3", class_name="tap"),
                # Reset first, so the fields follow the cleared filters.
                rx.button("Clear", type="reset", variant="outline", size="3", class_name="tap",
                          on_click=S.clear_filters),
                spacing="2", align_self="end",
            ),
            spacing="3", wrap="wrap", width="100%", align="start",
        ),
        on_submit=S.apply_filters,
        aria_label="Filter the audit trail",
        width="100%",
        class_name="filters",
    )


def _table_row(row: TrailRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.at, size="2", white_space="nowrap")),
        rx.table.cell(rx.vstack(rx.text(row.who, size="2"),
                                rx.text(row.role, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.code(row.action, size="2", variant="ghost")),
        rx.table.cell(rx.text(row.record, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(row.detail, size="2", overflow_wrap="anywhere")),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            *[rx.table.column_header_cell(h, scope="col")
              for h in ("Time", "Who", "Action", "Record", "Detail")])),
        rx.table.body(rx.foreach(S.rows, _table_row)),
        width="100%",
        display=["none", "none", "table"],
        class_name="trail-table",
    )


def _card(row: TrailRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(rx.code(row.action, size="2", variant="ghost"),
                    rx.text(row.record, size="2", color_scheme="gray"),
                    spacing="2", wrap="wrap", align="baseline"),
            rx.text(row.who, rx.cond(row.role != "", " · " + row.role, ""), size="2"),
            rx.text(row.at, size="2", color_scheme="gray"),
            rx.cond(row.detail != "",
                    rx.text(row.detail, size="2", overflow_wrap="anywhere")),
            spacing="1", width="100%", min_width="0",
        ),
        width="100%",
        role="listitem",
        class_name="trail-card",
    )


def _cards() -> rx.Component:
    return rx.vstack(rx.foreach(S.rows, _card), spacing="2", width="100%",
                     display=["flex", "flex", "none"], role="list", aria_label="Events")


def _pager() -> rx.Component:
    return rx.flex(
        rx.button("Previous", variant="outline", on_click=S.go_to_page(S.page - 1),
                  disabled=~S.has_previous, class_name="tap"),
        rx.text("Page ", S.page, size="2", aria_live="polite"),
        rx.button("Next", variant="outline", on_click=S.go_to_page(S.page + 1),
                  disabled=~S.has_next, class_name="tap"),
        justify="center", align="center", spacing="3", padding_y="3",
    )


def audit_trail_body() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Audit trail", size="6", as_="h1"),
            rx.spacer(),
            # A plain link, not client-side routing: the server answers with the file. (rx.el.a
            # is React Router's Link in Reflex 0.10: without reload_document a tap routes
            # inside the app and nothing downloads.)
            rx.el.a(rx.hstack(rx.icon("download", size=16, aria_hidden="true"),
                              rx.text("Download CSV"), spacing="1", align="center"),
                    href=S.csv_href, download="audit-trail.csv", reload_document=True,
                    class_name="tap"),
            align="center", spacing="3", width="100%", wrap="wrap",
        ),
        rx.text(INTRO, size="2", color_scheme="gray"),
        _filters(),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red",
                                          role="alert", width="100%")),
        rx.cond(
            S.loaded & (S.rows.length() == 0),
            rx.callout("No events match these filters. Clear them or widen the dates.",
                       icon="search", color_scheme="gray", width="100%", role="status"),
        ),
        rx.cond(S.rows.length() > 0, rx.fragment(_table(), _cards(), _pager())),
        spacing="3", width="100%",
    )
