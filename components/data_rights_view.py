"""Data rights (admins): find a person; export everything held about them; erase them; and the
retention report with "Anonymise all". Erasing asks for a reason and the person's name typed out,
and says plainly what will go and what stays."""

from __future__ import annotations

import reflex as rx

from caseapp.retention import RetentionRow
from caseapp.subject_access import CaseLine, ExportLine, PersonFound
from components.fields import field_error, labelled, native_select
from state.data_rights_page import DataRightsState as S

INTRO = ("Give a person everything Caseline holds about them, or erase them. Only admins see "
         "this page, and everything done here is recorded in the audit trail.")
ANONYMISE_SAYS = ("Anonymise: their name, date of birth, contact details, every note's text, "
                  "outcomes and reasons are erased and their files deleted. Their cases stay "
                  "with dates, pathway, status, concern level and counts, for your statistics.")
DELETE_SAYS = ("Delete entirely: the person, all their cases, notes, files and history are "
               "removed. Statistics will no longer count them.")
# Lists without bullets, stacked with a gap (inline: no shared stylesheet change for one page).
LIST = {"list_style": "none", "padding": "0", "margin": "0", "display": "flex",
        "flex_direction": "column", "gap": "0.5rem", "width": "100%"}
BOTH_SAY = ("Either way, mentions of their name, phone or email in other notes, search data, "
            "weekly summaries, their exports and the audit trail's details are erased too. "
            "This cannot be undone.")


def _found(p: PersonFound) -> rx.Component:
    return rx.el.li(rx.button(
        rx.vstack(
            rx.text(p.name, weight="bold"),
            rx.text(rx.cond(p.date_of_birth != "", "Born " + p.date_of_birth + " · ", ""),
                    rx.cond(p.postcode != "", p.postcode + " · ", ""), p.cases, " cases",
                    size="2", color_scheme="gray"),
            spacing="0", align="start",
        ),
        on_click=S.open_person(p.id), variant="outline", width="100%", height="auto",
        padding="2", class_name="tap", justify="start",
        aria_label="Open " + p.name,
    ))


def _search() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Find a person", size="4", as_="h2"),
        rx.form(
            rx.flex(
                rx.box(labelled("Search people", rx.input(
                    id="people-query", name="query", default_value=S.query, size="3",
                    width="100%", placeholder="Name, email, phone or case reference",
                    auto_complete="off"), "people-query"), flex="1 1 14rem"),
                rx.button("Search", type="submit", size="3", class_name="tap"),
                spacing="2", align="end", wrap="wrap", width="100%",
            ),
            on_submit=S.search, width="100%",
        ),
        rx.cond(S.searched & (S.found.length() == 0),
                rx.text("Nobody matches. Try part of the name or a case reference.", size="2",
                        role="status")),
        rx.el.ul(rx.foreach(S.found, _found), **LIST),
        spacing="3", width="100%",
    ), width="100%")


def _case_line(c: CaseLine) -> rx.Component:
    return rx.el.li(rx.text(
        # Underlined: a link inside a line of text must not rely on colour alone.
        rx.link(c.reference, href="/cases/" + c.id.to_string(), underline="always"), " · ",
        c.pathway, " · ",
        c.status, " · from ", c.start_date, rx.cond(c.end_date != "", " to " + c.end_date, ""),
        size="2"))


def _export_line(e: ExportLine) -> rx.Component:
    return rx.el.li(rx.flex(
        rx.text(e.requested_at, " by ", e.requested_by, " · ",
                rx.match(e.status, ("done", "Ready"), ("running", "Preparing"),
                         ("queued", "Waiting"), ("expired", "Deleted after its keep period"),
                         ("erased", "Deleted at erasure"), ("failed", "Failed"), e.status),
                rx.cond(e.size != "", " · " + e.size, ""),
                rx.cond(e.ready & (e.expires != ""), " · deleted " + e.expires, ""),
                size="2"),
        rx.cond(e.ready, rx.el.a(
            rx.hstack(rx.icon("download", size=16, aria_hidden="true"), rx.text("Download"),
                      spacing="1", align="center"),
            # A plain link: the server answers with the file (admins only, audited).
            href="/admin/subject-access/" + e.id.to_string(), class_name="tap download-link",
            aria_label="Download export made " + e.requested_at)),
        spacing="2", align="center", wrap="wrap", justify="between", width="100%"))


def _export() -> rx.Component:
    return rx.vstack(
        rx.heading("Subject access export", size="3", as_="h3"),
        rx.text("A ZIP of everything held about this person: their details, every case, every "
                "interaction (private ones marked), files, history and who viewed the records, "
                "as data and as a readable page. Review it before release: notes can mention "
                "other people.", size="2"),
        rx.button(rx.icon("file-archive", size=16, aria_hidden="true"), "Prepare export",
                  on_click=S.start_export, loading=S.exporting, disabled=S.exporting,
                  size="3", class_name="tap"),
        rx.cond(S.exporting,
                rx.vstack(
                    rx.el.progress(value=S.export_done,
                                   max=rx.cond(S.export_total > 0, S.export_total, 1),
                                   aria_label="Export progress", class_name="weekly-progress"),
                    rx.text(S.export_percent, "% prepared", size="2", role="status",
                            aria_live="polite"),
                    spacing="1", width="100%")),
        rx.el.ul(rx.foreach(S.person.exports, _export_line), **LIST),
        spacing="2", width="100%",
    )


def _erase() -> rx.Component:
    e = S.errors
    return rx.vstack(
        rx.heading("Erase this person", size="3", as_="h3"),
        rx.callout(rx.vstack(rx.text(ANONYMISE_SAYS, size="2"), rx.text(DELETE_SAYS, size="2"),
                             rx.text(BOTH_SAY, size="2", weight="medium"), spacing="2"),
                   icon="triangle-alert", color_scheme="red", width="100%"),
        rx.cond(
            S.person.erased != "",
            rx.text("Already anonymised. What is left is to delete the record entirely.",
                    size="2", weight="medium"),
            labelled("What to do", native_select(
                "erase-mode", [("anonymise", "Anonymise (keep statistics)"),
                               ("delete", "Delete entirely")],
                S.erase_mode, lambda v: S.set_field("erase_mode", v)), "erase-mode",
                e.get("mode", "")),
        ),
        labelled("Reason", rx.text_area(
            id="erase-reason", value=S.erase_reason, rows="2", width="100%", size="3",
            on_change=lambda v: S.set_field("erase_reason", v),
            placeholder="For example: right to erasure request received 20 Nov"),
            "erase-reason", e.get("reason", ""),
            hint="Kept in the audit trail. Do not write their name or contact details here."),
        labelled("Type the person's name to confirm", rx.input(
            id="erase-confirm", value=S.erase_confirm, size="3", width="100%",
            on_change=lambda v: S.set_field("erase_confirm", v), auto_complete="off"),
            "erase-confirm", e.get("confirmation", "")),
        rx.text("Type: ", rx.el.strong(S.person.name), size="2", color_scheme="gray"),
        field_error(e.get("person", ""), "erase-person"),
        rx.button(rx.icon("trash-2", size=16, aria_hidden="true"),
                  rx.cond(S.erase_mode == "delete", "Delete this person",
                          "Anonymise this person"),
                  on_click=S.erase, color_scheme="red", size="3", class_name="tap"),
        spacing="3", width="100%",
    )


def _person() -> rx.Component:
    p = S.person
    return rx.card(rx.vstack(
        rx.flex(
            rx.heading(p.name, size="5", as_="h2"),
            rx.button("Close", variant="soft", on_click=S.close_person, class_name="tap"),
            justify="between", align="center", width="100%", wrap="wrap", spacing="2",
        ),
        rx.cond(p.date_of_birth != "", rx.text("Born ", p.date_of_birth, size="2")),
        rx.cond(p.contact != "", rx.text(p.contact, size="2", overflow_wrap="anywhere")),
        rx.cond(p.erased != "", rx.badge(p.erased, color_scheme="gray", variant="soft")),
        rx.el.ul(rx.foreach(p.cases, _case_line), **LIST),
        rx.separator(size="4"),
        _export(),
        rx.separator(size="4"),
        _erase(),
        spacing="3", width="100%",
    ), width="100%")


def _retention_row(r: RetentionRow) -> rx.Component:
    return rx.el.li(rx.flex(
        rx.text(r.name, " · ", r.cases, " cases · last closed ", r.last_closed, size="2"),
        rx.button("Open", variant="soft", size="2", on_click=S.open_person(r.person_id),
                  class_name="tap", aria_label="Open " + r.name),
        justify="between", align="center", spacing="2", wrap="wrap", width="100%"))


def _retention() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Retention", size="4", as_="h2"),
        rx.text("Records are kept for ", S.report_years, " years after a person's last case "
                "closed (admins change this in Settings). ", S.report_total,
                " people had every case closed on or before ", S.report_cutoff, ".", size="2"),
        rx.el.ul(rx.foreach(S.report_rows, _retention_row), **LIST),
        rx.cond(S.report_total > S.report_rows.length(),
                rx.text("Showing the ", S.report_rows.length(), " longest closed.", size="2")),
        rx.cond(S.report_total > 0, rx.vstack(
            rx.text("Anonymise all of them: names, contact details, note text and files are "
                    "erased; cases, dates and counts stay for statistics. This cannot be undone.",
                    size="2", weight="medium"),
            labelled("Type the number of people (" + S.report_total.to_string()
                     + ") to confirm", rx.input(
                         id="bulk-confirm", value=S.bulk_confirm, size="3", width="100%",
                         input_mode="numeric", auto_complete="off",
                         on_change=lambda v: S.set_field("bulk_confirm", v)),
                     "bulk-confirm", S.bulk_errors.get("confirmation", "")),
            rx.button("Anonymise all " + S.report_total.to_string(), on_click=S.anonymise_all,
                      loading=S.bulk_running, disabled=S.bulk_running, color_scheme="red",
                      size="3", class_name="tap"),
            spacing="2", width="100%")),
        rx.cond((S.last_bulk != "") & ~S.bulk_running, rx.text(S.last_bulk, size="2")),
        rx.cond(S.bulk_job > 0, rx.vstack(
            rx.el.progress(value=S.bulk_done, max=rx.cond(S.bulk_total > 0, S.bulk_total, 1),
                           aria_label="Anonymise progress", class_name="weekly-progress"),
            rx.text(S.bulk_done, " of ", S.bulk_total, " people", size="2", role="status",
                    aria_live="polite"),
            rx.cond(S.bulk_message != "", rx.text(S.bulk_message, size="2")),
            spacing="1", width="100%")),
        spacing="3", width="100%",
    ), width="100%")


def data_rights_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Data rights", size="6", as_="h1"),
        rx.text(INTRO, size="2", color_scheme="gray"),
        rx.cond(S.message != "",
                # Gray, not blue: Radix's blue callout text is 4.25:1, under WCAG's 4.5:1.
                rx.callout(S.message, icon="info", role="status", width="100%",
                           color_scheme=rx.cond(S.message_kind == "error", "red", "gray"))),
        rx.cond(S.allowed, rx.vstack(
            rx.cond(S.person.id > 0, _person(), _search()),
            _retention(),
            spacing="4", width="100%")),
        spacing="3", width="100%", max_width="860px", class_name="data-rights-page",
    )
