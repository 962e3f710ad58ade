"""Insights: a heatmap of cases × the six Theory of Change stages. Colour is progress (red, amber,
green), opacity is confidence (faded = little evidence), and every cell also says L, M or H and
has a label in words. Built from plain elements in a CSS grid; it scrolls inside its own box on
a narrow phone, never the page. A cell opens its evidence, where a manager can correct it."""

from __future__ import annotations

import reflex as rx

from caseapp.insights import EvidenceItem, HeatCell, HeatRow, WorkerRow
from components.fields import native_select
from state.insights_page import InsightsState as S

STATUS_OPTIONS = [("open", "Open"), ("paused", "Paused"), ("closed", "Closed")]
CONCERN_OPTIONS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
LEVEL_OPTIONS = [("", "Keep the scorer's level"), ("low", "Low progress"),
                 ("medium", "Medium progress"), ("high", "High progress")]
# The name column grows to a readable width and no further, so the cells stay by the names.
GRID_COLUMNS = "minmax(4.75rem, 16rem) repeat(6, 2.75rem)"
CELL_STYLE = {"width": "2.75rem", "height": "2.75rem", "display": "flex",
              "align_items": "center", "justify_content": "center", "border_radius": "6px",
              "font_weight": "600", "font_size": "0.85rem", "color": "#111827"}


def _filter(label: str, field_id: str, options: list[tuple[str, str]] | rx.Var,
            value: rx.Var[str], name: str, any_label: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        native_select(field_id, options, value, lambda v: S.set_filter(name, v),
                      placeholder=any_label),
        spacing="1", class_name="filter",
    )


def _toolbar() -> rx.Component:
    return rx.vstack(
        rx.debounce_input(
            rx.input(placeholder="Search by name or reference", value=S.search,
                     on_change=S.set_search, aria_label="Search cases", type="search",
                     size="3", width="100%"),
            debounce_timeout=300,
        ),
        rx.el.details(
            rx.el.summary("Filters and sort", class_name="filters-summary"),
            rx.flex(
                _filter("Status", "insights-status", STATUS_OPTIONS, S.status, "status",
                        "Any status"),
                _filter("Concern level", "insights-concern", CONCERN_OPTIONS, S.concern_level,
                        "concern_level", "Any concern"),
                _filter("Case worker", "insights-worker", S.worker_options, S.worker, "worker",
                        "Anyone"),
                _filter("Pathway", "insights-pathway", S.pathway_options, S.pathway, "pathway",
                        "Any pathway"),
                rx.vstack(
                    rx.el.label("Sort by", html_for="insights-sort", class_name="field-label"),
                    native_select("insights-sort", S.sort_options, S.sort_value, S.set_sort),
                    spacing="1", class_name="filter",
                ),
                wrap="wrap", spacing="3", padding_top="2",
            ),
            class_name="filters",
        ),
        width="100%", spacing="2",
    )


def _actions() -> rx.Component:
    return rx.flex(
        rx.button(rx.icon("sparkles", size=16, aria_hidden="true"), "Generate insights",
                  on_click=S.generate_all, loading=S.watching, disabled=S.watching, size="3",
                  class_name="tap"),
        rx.cond(S.can_export,
                rx.button(rx.el.a(rx.icon("download", size=16, aria_hidden="true"),
                                  "Export CSV", href=S.export_href, download="insights.csv",
                                  style={"color": "inherit", "display": "inline-flex",
                                         "gap": "0.4rem", "align_items": "center"}),
                          as_child=True, variant="soft", size="3", class_name="tap")),
        rx.flex(
            rx.button("Cases", variant=rx.cond(S.view == "cases", "solid", "outline"),
                      aria_pressed=rx.cond(S.view == "cases", "true", "false"),
                      on_click=S.set_view("cases"), size="3", class_name="tap"),
            rx.button("Compare by case worker",
                      variant=rx.cond(S.view == "workers", "solid", "outline"),
                      aria_pressed=rx.cond(S.view == "workers", "true", "false"),
                      on_click=S.set_view("workers"), size="3", class_name="tap"),
            spacing="2", wrap="wrap", role="group", aria_label="View",
        ),
        spacing="3", wrap="wrap", align="center", width="100%",
    )


def _progress() -> rx.Component:
    unfinished = (S.run_status == "queued") | (S.run_status == "running")
    return rx.card(
        rx.vstack(
            rx.text(rx.match(S.run_status, ("done", "Insights generated"),
                             ("cancelled", "Cancelled"), ("failed", "Stopped"), "Working"),
                    " · ", S.run_method, size="2", weight="medium"),
            rx.el.progress(value=S.run_finished, max=rx.cond(S.run_total > 0, S.run_total, 1),
                           aria_label="Progress", style={"width": "100%"}),
            rx.text(S.run_finished, " of ", S.run_total, " open cases", size="2", role="status",
                    aria_live="polite", id="insights-progress-count"),
            rx.text(S.run_done, " scored · ", S.run_skipped, " unchanged · ",
                    S.run_failed, " failed · started ", S.run_started_at, size="1",
                    color_scheme="gray"),
            rx.cond(S.run_message != "", rx.text(S.run_message, size="2")),
            rx.flex(
                rx.cond(unfinished & ~S.run_can_resume,
                        rx.button("Cancel", variant="soft", color_scheme="red",
                                  on_click=S.cancel, class_name="tap")),
                rx.cond(unfinished & S.run_can_resume,
                        rx.fragment(
                            rx.text("This run stopped (the server restarted).", size="2"),
                            rx.button("Resume", on_click=S.resume, class_name="tap"))),
                spacing="2", align="center", wrap="wrap",
            ),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _narrative() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading("Caseload summary", size="3", as_="h2"),
                rx.cond(S.narrative_by_model,
                        rx.badge("AI-generated", color_scheme="indigo", variant="soft")),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.foreach(S.narrative, lambda p: rx.text(p, size="2")),
            rx.text(S.narrative_method, size="1", color_scheme="gray"),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _legend() -> rx.Component:
    swatch = {"display": "inline-block", "width": "1rem", "height": "1rem",
              "border_radius": "4px", "vertical_align": "middle", "margin_right": "0.3rem"}
    return rx.vstack(
        rx.el.details(
            rx.el.summary("The six stages", class_name="filters-summary"),
            rx.el.ol(
                rx.foreach(S.stage_names, lambda name, i: rx.el.li(
                    rx.text(rx.el.strong(i + 1, ". ", name), " ", S.stage_descriptions[i],
                            size="1"))),
                style={"list_style": "none", "padding": "0", "margin": "0"},
                aria_label="Stages",
            ),
            class_name="filters",
        ),
        rx.flex(
            rx.text(rx.el.span(style={**swatch, "background": "rgb(248, 113, 113)"}), "L low",
                    size="1"),
            rx.text(rx.el.span(style={**swatch, "background": "rgb(251, 191, 36)"}), "M medium",
                    size="1"),
            rx.text(rx.el.span(style={**swatch, "background": "rgb(74, 222, 128)"}), "H high",
                    size="1"),
            rx.text(rx.el.span(style={**swatch, "background": "rgba(74, 222, 128, 0.35)"}),
                    "faded: little evidence", size="1"),
            rx.text(rx.el.span(style={**swatch, "background": "rgb(229, 231, 235)"}),
                    "– no evidence", size="1"),
            rx.text(rx.el.span(style={**swatch, "outline": "2px solid #1f2937"}),
                    "outlined: corrected by a manager", size="1"),
            spacing="3", wrap="wrap",
        ),
        spacing="2", width="100%",
    )


def _cell_style(cell: HeatCell) -> dict:
    return {**CELL_STYLE, "background": cell.background,
            "outline": rx.cond(cell.corrected, "2px solid #1f2937", "none"),
            "outline_offset": "-2px"}


def _case_cell(row: HeatRow, cell: HeatCell) -> rx.Component:
    return rx.el.div(
        rx.el.button(cell.letter, on_click=S.open_cell(row.case_id, cell.stage),
                     aria_label=row.reference + " " + cell.label, title=cell.label,
                     style={**_cell_style(cell), "border": "none", "cursor": "pointer"}),
        role="cell",
    )


def _header() -> rx.Component:
    return rx.el.div(
        rx.el.div(rx.text("Case", size="1", weight="medium"), role="columnheader"),
        rx.foreach(S.stage_names, lambda name, i: rx.el.div(
            rx.el.abbr(i + 1, title=name), role="columnheader", aria_label=name,
            style={"text_align": "center", "font_size": "0.8rem", "font_weight": "600"})),
        role="row",
        style={"display": "grid", "grid_template_columns": GRID_COLUMNS, "gap": "2px",
               "align_items": "end"},
    )


def _case_row(row: HeatRow) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.link(rx.text(row.person_name, size="2", weight="medium", trim="both",
                            style={"overflow": "hidden", "text_overflow": "ellipsis",
                                   "white_space": "nowrap"}),
                    href="/cases/" + row.case_id.to_string(), underline="hover"),
            rx.text(row.reference, " · ", row.worker_name, size="1", color_scheme="gray",
                    style={"overflow": "hidden", "text_overflow": "ellipsis",
                           "white_space": "nowrap"}),
            role="rowheader", style={"min_width": "0", "padding_right": "0.25rem"},
        ),
        rx.foreach(row.cells, lambda c: _case_cell(row, c)),
        role="row",
        style={"display": "grid", "grid_template_columns": GRID_COLUMNS, "gap": "2px",
               "align_items": "center"},
    )


def _worker_row(row: WorkerRow) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.text(row.worker_name, size="2", weight="medium"),
            rx.text(row.cases, rx.cond(row.cases == 1, " case", " cases"), size="1",
                    color_scheme="gray"),
            role="rowheader", style={"min_width": "0"},
        ),
        rx.foreach(row.cells, lambda c: rx.el.div(
            rx.el.span(c.letter, aria_hidden="true"), rx.el.span(c.label, class_name="sr-only",
                                                                 style=_SR_ONLY),
            role="cell", title=c.label, style=_cell_style(c))),
        role="row",
        style={"display": "grid", "grid_template_columns": GRID_COLUMNS, "gap": "2px",
               "align_items": "center"},
    )


_SR_ONLY = {"position": "absolute", "width": "1px", "height": "1px", "padding": "0",
            "margin": "-1px", "overflow": "hidden", "clip": "rect(0, 0, 0, 0)",
            "white_space": "nowrap", "border": "0"}


def _heatmap() -> rx.Component:
    box = {"overflow_x": "auto", "max_width": "100%", "width": "100%"}
    inner = {"min_width": "22rem", "display": "flex", "flex_direction": "column",
             "gap": "2px"}
    return rx.cond(
        S.view == "workers",
        rx.el.div(rx.el.div(_header(), rx.foreach(S.worker_rows, _worker_row), role="table",
                            aria_label="Average progress by case worker", style=inner),
                  style=box, tab_index=0, aria_label="Heatmap by case worker",
                  role="region"),
        rx.el.div(rx.el.div(_header(), rx.foreach(S.rows, _case_row), role="table",
                            aria_label="Progress of each case on each stage", style=inner),
                  style=box, tab_index=0, aria_label="Heatmap of cases", role="region"),
    )


def _pager() -> rx.Component:
    return rx.cond(S.view == "cases", rx.flex(
        rx.button("Previous", variant="outline", on_click=S.go_to_page(S.page - 1),
                  disabled=S.page <= 1, class_name="tap"),
        rx.text("Page ", S.page, " of ", S.pages, size="2", aria_live="polite"),
        rx.button("Next", variant="outline", on_click=S.go_to_page(S.page + 1),
                  disabled=S.page >= S.pages, class_name="tap"),
        justify="center", align="center", spacing="3", padding_y="2",
    ))


def _evidence(item: EvidenceItem) -> rx.Component:
    return rx.el.li(
        rx.badge(rx.match(item.signal, ("progress", "Progress"), ("need", "Need"),
                          "Cited by the AI"),
                 color_scheme=rx.match(item.signal, ("progress", "green"), ("need", "red"),
                                       "indigo"), variant="soft", align_self="flex-start"),
        rx.text(item.sentence, size="2"),
        rx.link("From the interaction on ", item.when,
                href="/cases/" + S.detail.case_id.to_string() + "#interaction-"
                + item.interaction_id.to_string(), size="1"),
        style={"display": "flex", "flex_direction": "column", "gap": "0.25rem",
               "padding_bottom": "0.5rem"},
    )


def _level_text() -> rx.Component:
    d = S.detail
    return rx.vstack(
        rx.text(rx.cond(d.shown_level == "", "No evidence yet",
                        rx.cond(d.corrected_level != "",
                                "Progress: " + d.shown_level + " (corrected)",
                                "Progress: " + d.shown_level + " · confidence: "
                                + d.confidence)),
                weight="bold", size="3"),
        rx.cond(d.corrected_level != "",
                rx.text("Corrected by ", d.corrected_by, " on ", d.corrected_at,
                        rx.cond(d.correction_note != "", ": " + d.correction_note, ""),
                        ". The scorer said: ", rx.cond(d.level == "", "no evidence", d.level),
                        ".", size="2")),
        rx.text(d.reason, size="2"),
        rx.cond(d.method != "", rx.text(d.method, " · ", d.generated_at, size="1",
                                        color_scheme="gray")),
        spacing="1", width="100%",
    )


def _correction() -> rx.Component:
    return rx.cond(S.detail.can_correct, rx.vstack(
        rx.heading("Correct this stage", size="2", as_="h3"),
        rx.el.label("Corrected level", html_for="correction-level", class_name="field-label"),
        native_select("correction-level", LEVEL_OPTIONS, S.correction_level,
                      S.set_correction_level),
        rx.el.label("Reason for the correction", html_for="correction-note",
                    class_name="field-label"),
        rx.input(id="correction-note", value=S.correction_note, on_change=S.set_correction_note,
                 size="3", width="100%"),
        rx.cond(S.correction_error != "",
                rx.text(S.correction_error, color_scheme="red", size="2", role="alert")),
        rx.button("Save correction", on_click=S.save_correction, class_name="tap"),
        spacing="2", width="100%",
    ))


def _detail() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.dialog.title(d.stage_name, " · ", d.reference),
                rx.dialog.description(d.person_name, " — ", d.stage_description, size="2"),
                _level_text(),
                rx.heading("Evidence", size="2", as_="h3"),
                rx.cond(d.evidence.length() == 0,
                        rx.text("No sentences to show.", size="2", color_scheme="gray")),
                rx.el.ul(rx.foreach(d.evidence, _evidence),
                         style={"list_style": "none", "padding": "0", "margin": "0"}),
                rx.cond(d.hidden_evidence > 0,
                        rx.text(d.hidden_evidence, " more from notes you may not read.",
                                size="2", color_scheme="gray")),
                rx.button("Generate insights for this case", on_click=S.generate_case,
                          loading=S.generating_case, variant="soft", class_name="tap",
                          aria_label="Generate insights for " + d.reference),
                _correction(),
                rx.flex(rx.dialog.close(rx.button("Close", variant="outline",
                                                  class_name="tap", on_click=S.close_detail)),
                        justify="end", width="100%"),
                spacing="3", width="100%",
            ),
            max_width="560px",
        ),
        open=S.detail_open,
        on_open_change=S.set_detail_open,
    )


def insights_body() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Insights", size="6", as_="h1"),
            rx.cond(S.view == "cases",
                    rx.text(S.total, rx.cond(S.total == 1, " case", " cases"), size="2",
                            color_scheme="gray", aria_live="polite")),
            spacing="3", align="center", width="100%",
        ),
        rx.text("Where each case stands on our six Theory of Change stages. Colour is progress "
                "(red low, amber medium, green high); faded means little evidence. Tap a cell "
                "for the evidence.", size="2", color_scheme="gray"),
        rx.cond(S.message != "",
                rx.callout(S.message, icon="info", role="status", width="100%",
                           color_scheme=rx.cond(S.message_kind == "error", "red", "blue"))),
        rx.cond(
            S.allowed,
            rx.vstack(
                _toolbar(),
                _actions(),
                rx.cond(S.run_id > 0, _progress()),
                _legend(),
                _heatmap(),
                rx.cond(S.loaded & (S.view == "cases") & (S.total == 0),
                        rx.callout("No cases match. Clear the filters or search for something "
                                   "else.", icon="search", color_scheme="gray", width="100%")),
                _pager(),
                _narrative(),
                _detail(),
                spacing="3", width="100%",
            ),
        ),
        spacing="3", width="100%", max_width="900px",
    )
