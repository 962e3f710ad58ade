"""The import page (admins), its card on Settings, and the cases list's Export CSV link."""

from __future__ import annotations

import reflex as rx
from reflex.vars import FunctionStringVar

from caseapp.importing import FIELDS, MAX_ROWS, RowProblem, max_import_bytes
from components.fields import field_error, native_select
from state.cases_list import CasesState
from state.import_page import DuplicateChoice
from state.import_page import ImportState as S

UPLOAD_ID = "import-file"
ACCEPT = {
    "text/csv": [".csv"],
    "text/plain": [".txt", ".tsv"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
}
LIST_STYLE = {"list_style": "none", "padding": "0", "margin": "0", "display": "flex",
              "flex_direction": "column", "gap": "0.75rem", "width": "100%"}
LINK_STYLE = {"display": "inline-flex", "align_items": "center", "justify_content": "center",
              "gap": "0.25rem", "min_width": "44px"}
INTRO = ("Bring people and cases in from a spreadsheet (CSV or Excel .xlsx). The first row "
         "should name the columns. Nothing is saved until you press Import, and then either "
         "every row is imported or none is.")


def _message() -> rx.Component:
    return rx.cond(
        S.message != "",
        rx.callout(S.message, icon="info", role="status", width="100%",
                   color_scheme=rx.cond(S.message_kind == "error", "red", "blue")),
    )


def _upload_step() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("1. Choose the file", size="4", as_="h2"),
        rx.upload(
            rx.vstack(
                rx.icon("file-spreadsheet", size=24, aria_hidden="true"),
                rx.button("Choose a CSV or Excel file", type="button", size="3",
                          variant="soft", class_name="tap"),
                rx.text(f"Up to {max_import_bytes() // (1024 * 1024)} MB and {MAX_ROWS:,} rows.",
                        size="1", color_scheme="gray"),
                align="center", spacing="2", class_name="dropzone", width="100%",
            ),
            # The browser refuses a file over the limit at once; the server checks again.
            id=UPLOAD_ID, multiple=False, max_files=1, accept=ACCEPT, max_size=max_import_bytes(),
            on_drop=S.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
            width="100%",
        ),
        rx.cond(S.busy, rx.text("Reading the file…", size="2", role="status")),
        spacing="3", width="100%"), width="100%")


def _mapping_field(key: str, label: str) -> rx.Component:
    field_id = f"map-{key}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        native_select(field_id, S.column_options, S.mapping[key],
                      lambda v: S.set_mapping(key, v), placeholder="Not imported"),
        rx.cond(S.examples[key] != "",
                rx.text("First row: ", S.examples[key], size="1", color_scheme="gray",
                        style={"overflow_wrap": "anywhere"})),
        field_error(S.mapping_errors.get(key, ""), field_id),
        spacing="1", width="100%", min_width="0",
    )


def _mapping_step() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("2. Match the columns", size="4", as_="h2"),
        rx.text("For each field, the column of ", rx.text.strong(S.file_name),
                " that holds it (", S.row_count, " rows). Use Name, or First name and "
                "Last name.", size="2"),
        rx.grid(*[_mapping_field(f.key, f.label) for f in FIELDS],
                columns=rx.breakpoints(initial="1", xs="2", md="3"), spacing="3",
                width="100%"),
        rx.vstack(
            rx.el.label("Pathway for rows without one", html_for="default-pathway",
                        class_name="field-label"),
            native_select("default-pathway", S.pathway_options, S.default_pathway,
                          S.set_default_pathway, placeholder="None: such rows are problems"),
            field_error(S.mapping_errors.get("default_pathway", ""), "default-pathway"),
            spacing="1", width="100%",
        ),
        rx.flex(
            rx.button("Start again", variant="soft", color_scheme="gray", on_click=S.start_over,
                      class_name="tap", type="button"),
            rx.button("Check the rows", on_click=S.check, loading=S.busy, class_name="tap",
                      type="button"),
            justify="end", spacing="3", width="100%", wrap="wrap",
        ),
        spacing="3", width="100%"), width="100%")


def _problem(p: RowProblem) -> rx.Component:
    return rx.el.li(rx.text.strong("Row ", p.row.to_string()), " · ", p.field, ": ", p.reason,
                    style={"overflow_wrap": "anywhere"})


def _duplicate(d: DuplicateChoice) -> rx.Component:
    field_id = "dup-" + d.row.to_string()
    return rx.el.li(rx.vstack(
        rx.el.label(rx.text.strong("Row ", d.row.to_string()), ": ", d.name,
                    rx.cond(d.date_of_birth != "", ", born " + d.date_of_birth, ""),
                    html_for=field_id, class_name="field-label"),
        rx.el.select(rx.foreach(d.options, lambda o: rx.el.option(o[1], value=o[0])),
                     id=field_id, value=S.decisions[d.row.to_string()],
                     on_change=lambda v: S.set_decision(d.row, v), class_name="native-select"),
        spacing="1", width="100%"))


def _review_step() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.problem_total > 0,
            rx.card(rx.vstack(
                rx.heading("Rows with problems", size="4", as_="h2"),
                rx.text(S.problem_rows, " rows have ", S.problem_total,
                        " problems. Row numbers are as the spreadsheet shows them (the header "
                        "is row 1).", size="2"),
                rx.el.ul(rx.foreach(S.problems, _problem), aria_label="Rows with problems",
                         style=LIST_STYLE),
                rx.cond(S.problems_hidden > 0,
                        rx.text("and ", S.problems_hidden, " more problems.", size="2")),
                spacing="2", width="100%"), width="100%"),
        ),
        rx.cond(
            S.duplicate_total > 0,
            rx.card(rx.vstack(
                rx.heading("People who may already be on record", size="4", as_="h2"),
                rx.text("Choose for each row: link the case to the person on record, or create "
                        "a new person. Same name and date of birth links by default; a shared "
                        "phone or email may be a relative, so those create a new person "
                        "unless you choose otherwise.", size="2"),
                rx.el.ul(rx.foreach(S.duplicates, _duplicate), style=LIST_STYLE),
                rx.cond(S.duplicate_total > S.duplicates.length(),
                        rx.text("Further matches (", S.duplicate_total - S.duplicates.length(),
                                ") take the default choice.", size="2")),
                spacing="3", width="100%"), width="100%"),
        ),
        rx.cond(S.checked_ok, rx.text(S.summary, size="2")),
        rx.flex(
            rx.button("Change the mapping", variant="soft", color_scheme="gray",
                      on_click=S.back_to_mapping, class_name="tap", type="button"),
            rx.button("Start again", variant="soft", color_scheme="gray", on_click=S.start_over,
                      class_name="tap", type="button"),
            rx.cond(S.checked_ok,
                    rx.button("Import", on_click=S.run_import, loading=S.busy,
                              class_name="tap", type="button")),
            justify="end", spacing="3", width="100%", wrap="wrap",
        ),
        spacing="3", width="100%",
    )


def _done_step() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Imported", size="4", as_="h2"),
        rx.text(S.result, size="2"),
        rx.flex(
            rx.button("Import another file", variant="soft", on_click=S.start_over,
                      class_name="tap", type="button"),
            rx.button(rx.link("Go to cases", href="/cases", underline="none",
                              color="var(--accent-contrast)"), as_child=True, class_name="tap"),
            justify="end", spacing="3", width="100%", wrap="wrap",
        ),
        spacing="3", width="100%"), width="100%")


def import_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Import people and cases", size="6", as_="h1"),
        rx.text(INTRO, size="2", color_scheme="gray"),
        _message(),
        rx.cond(
            S.allowed,
            rx.match(
                S.step,
                ("mapping", _mapping_step()),
                ("review", _review_step()),
                ("done", _done_step()),
                _upload_step(),
            ),
        ),
        spacing="4", width="100%", max_width="860px",
    )


# --- The cases list's links (admins and managers) ----------------------------------------------

_encode = FunctionStringVar.create("encodeURIComponent")


def _param(name: str, value: rx.Var) -> rx.Var:
    return f"&{name}=" + _encode.call(value).to(str)


def export_links() -> rx.Component:
    """Export CSV with the list's current filters (admins and managers). On a phone, the icon
    alone: the header row has no room for the words beside Add case."""
    role = CasesState.user_role_key
    href = ("/export/cases.csv?search=" + _encode.call(CasesState.search).to(str)
            + _param("status", CasesState.status)
            + _param("concern_level", CasesState.concern_level)
            + _param("worker", CasesState.worker) + _param("pathway", CasesState.pathway)
            + _param("tag", CasesState.tag))
    return rx.fragment(
        rx.cond(
            (role == "admin") | (role == "manager"),
            # A plain link, not client-side routing: the server answers with the file.
            rx.el.a(rx.icon("download", size=18, aria_hidden="true"), _wide_only("Export CSV"),
                    href=href, download="cases.csv", reload_document=True, class_name="tap",
                    aria_label="Export CSV", title="Export CSV", style=LINK_STYLE),
        ),
    )


def import_settings_card() -> rx.Component:
    """Settings (admins only) leads to the import page."""
    return rx.card(rx.vstack(
        rx.heading("Import from a spreadsheet", size="4", as_="h2"),
        rx.text("Bring people and cases in from a CSV or Excel file, with a check of every row "
                "before anything is saved.", size="2"),
        rx.flex(rx.button(rx.link("Import people and cases", href="/import", underline="none",
                                  color="var(--accent-contrast)"), as_child=True,
                          class_name="tap"), justify="end", width="100%"),
        spacing="3", width="100%"), width="100%")


def _wide_only(text: str) -> rx.Component:
    # On a phone the header row has room for icons only; the link's aria-label names it.
    return rx.text(text, display=rx.breakpoints(initial="none", sm="inline"), aria_hidden="true")
