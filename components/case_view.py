"""The case page: header, actions, the add-interaction form and the timeline."""

from __future__ import annotations

import reflex as rx

from caseapp.ai.casework import RiskIndicator, SummarySentence
from caseapp.ai.questions import CaseAnswer, Evidence, InsightGroup, InsightItem
from caseapp.cases import HistoryEntry
from caseapp.interactions import AttachmentView, InteractionView
from caseapp.trail import Viewer
from components.audits_view import audit_action
from components.badges import concern_badge, pathway_chip, status_badge, tag_list
from components.fields import field_error, labelled, native_select
from state.case_page import CaseState

INTERACTION_TYPES = [("note", "Note"), ("meeting", "Meeting"), ("phone_call", "Phone call"),
                     ("home_visit", "Home visit"), ("email", "Email"), ("drop_in", "Drop-in")]
CONCERN_OPTIONS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
STATUS_OPTIONS = [("open", "Open"), ("paused", "Paused"), ("closed", "Closed")]
ACCEPTED_FILES = {
    "image/*": [".jpg", ".jpeg", ".png", ".webp", ".gif"],
    "application/pdf": [".pdf"],
    "application/msword": [".doc"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
    "application/vnd.ms-excel": [".xls"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
    "application/vnd.oasis.opendocument.text": [".odt"],
    "text/plain": [".txt"],
    "text/csv": [".csv"],
}


def _fact(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.cond(
        value != "",
        rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2"),
                  spacing="0"),
    )


def case_header() -> rx.Component:
    c = CaseState.case
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading(c.person_name, size="6", as_="h1"),
                    rx.text(c.reference, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.flex(status_badge(c.status), concern_badge(c.concern_level), spacing="2"),
                justify="between",
                align="start",
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            pathway_chip(c.pathway_name, c.pathway_colour),
            rx.grid(
                _fact("Case worker", c.worker_name),
                _fact("Started", c.start_date),
                _fact("Ended", c.end_date),
                _fact("Last interaction", c.last_interaction),
                _fact("Date of birth", c.person_dob),
                _fact("Phone", c.person_phone),
                _fact("Email", c.person_email),
                _fact("Address", c.person_address),
                # Four across only where the case has the width (beside the list on tablets
                # it has about half).
                columns=rx.breakpoints(initial="2", md="4"),
                spacing="3",
                width="100%",
                class_name="case-facts",
            ),
            tag_list(c.tags),
            rx.cond(CaseState.user_role_key == "admin", rx.link(  # export or erase: admins only
                "Data rights for this person", href="/data-rights?person=" + c.person_id.to_string(),
                size="2", class_name="tap", display="inline-flex", align_items="center")),
            rx.cond(
                c.other_cases.length() > 0,
                rx.flex(
                    rx.text("Other cases for this person:", size="2", color_scheme="gray"),
                    rx.foreach(c.other_cases, lambda o: rx.cond(
                        o["visible"],
                        rx.link(o["reference"], " (", o["status"], ", ", o["start_date"], ")",
                                href="/cases/" + o["id"].to_string(), size="2"),
                        rx.text(o["reference"], " (", o["status"], ")", size="2",
                                color_scheme="gray"),
                    )),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _case_select(label: str, field_id: str, options: list[tuple[str, str]] | rx.Var,
                 value: rx.Var, on_change: rx.EventHandler, placeholder: str | None = None
                 ) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        native_select(field_id, options, value, on_change, placeholder=placeholder),
        spacing="1",
    )


def case_actions() -> rx.Component:
    c = CaseState.case
    return rx.vstack(
        # Opened by the outbox script, not a server round trip: it must open with no signal.
        rx.cond(c.can_add_interaction,
                rx.button(rx.icon("plus", size=18, aria_hidden="true"), "Add interaction",
                          size="3", id="open-interaction-form", type="button",
                          aria_controls="interaction-form", aria_expanded="false",
                          class_name="tap primary-action")),
        rx.cond(c.can_claim,
                rx.button("Claim case", size="3", variant="soft", on_click=CaseState.claim,
                          class_name="tap primary-action")),
        rx.cond(
            c.can_change_status | c.can_reassign,
            rx.box(
                rx.cond(c.can_change_status,
                        _case_select("Change status", "change-status", STATUS_OPTIONS, c.status,
                                     CaseState.change_status)),
                rx.cond(c.can_change_concern,
                        _case_select("Set concern level", "set-concern", CONCERN_OPTIONS,
                                     c.concern_level, CaseState.change_concern)),
                rx.cond(c.can_reassign,
                        _case_select("Reassign", "reassign", CaseState.staff_options,
                                     rx.cond(c.worker_id, c.worker_id.to_string(), ""),
                                     CaseState.reassign, placeholder="Unassigned")),
                rx.cond(c.can_change_status,
                        rx.vstack(
                            rx.el.label("Tags", html_for="case-tags", class_name="field-label"),
                            # Keyed by version so a saved or conflicting change redraws it.
                            rx.input(id="case-tags", key=c.version.to_string(),
                                     default_value=c.tags.join(", "), size="3", width="100%",
                                     placeholder="e.g. benefits, food bank",
                                     on_blur=CaseState.update_tags),
                            spacing="1",
                        )),
                class_name="case-actions",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _evidence_link(interaction_id: rx.Var[int], when: rx.Var[str]) -> rx.Component:
    return rx.link("from ", when, href="#interaction-" + interaction_id.to_string(), size="1")


def _risk_row(r: RiskIndicator) -> rx.Component:
    return rx.el.li(
        rx.hstack(rx.badge(r.label, color_scheme="red", variant="soft"),
                  rx.text(r.mentions, rx.cond(r.mentions == 1, " note", " notes"), size="1",
                          color_scheme="gray"), align="center", spacing="2"),
        rx.text("“", r.sentence, "”", size="2"),
        _evidence_link(r.interaction_id, r.when),
        class_name="ai-item",
    )


def _summary_row(s: SummarySentence) -> rx.Component:
    return rx.el.li(rx.text(s.text, size="2"), _evidence_link(s.interaction_id, s.when),
                    class_name="ai-item")


def _evidence_links(evidence: rx.Var[list[Evidence]]) -> rx.Component:
    return rx.flex(rx.foreach(evidence, lambda e: _evidence_link(e.interaction_id, e.when)),
                   spacing="2", wrap="wrap")


def _turn(t: CaseAnswer) -> rx.Component:
    return rx.el.li(
        rx.text(t.question, weight="bold", size="2"),
        rx.text(t.answer, size="2"),
        _evidence_links(t.evidence),
        rx.text(t.method, " · ", t.generated_at, " · ", t.note, size="1", color_scheme="gray"),
        class_name="ai-item",
    )


def ask_about_case() -> rx.Component:
    return rx.vstack(
        rx.cond(CaseState.conversation.length() > 0,
                rx.el.ul(rx.foreach(CaseState.conversation, _turn), class_name="ai-list",
                         aria_live="polite")),
        rx.form(
            rx.vstack(
                rx.el.label("Ask about this case", html_for="case-question",
                            class_name="field-label"),
                rx.flex(
                    rx.input(id="case-question", name="question", size="3", flex="1",
                             placeholder="e.g. When was the last home visit?",
                             enter_key_hint="send", max_length=500),
                    rx.button("Ask", type="submit", loading=CaseState.asking, size="3",
                              class_name="tap"),
                    spacing="2", width="100%",
                ),
                rx.cond(CaseState.ask_error != "",
                        rx.text(CaseState.ask_error, color_scheme="red", size="2", role="alert")),
                rx.text("Answers come only from the notes you can read, and cite them.",
                        size="1", color_scheme="gray"),
                rx.cond(CaseState.conversation.length() > 0,
                        rx.button("Start a new conversation", type="button", variant="ghost",
                                  color_scheme="gray", on_click=CaseState.clear_conversation,
                                  class_name="tap")),
                spacing="1", width="100%",
            ),
            on_submit=CaseState.ask,
            width="100%",
        ),
        spacing="2", width="100%", class_name="ai-result",
    )


def _insight(item: InsightItem) -> rx.Component:
    return rx.el.li(rx.text(item.text, size="2"), _evidence_links(item.evidence),
                    class_name="ai-item")


def _insight_group(g: InsightGroup) -> rx.Component:
    return rx.box(
        rx.heading(g.heading, size="2", as_="h3"),
        rx.cond(g.findings.length() > 0,
                rx.el.ul(rx.foreach(g.findings, _insight), class_name="ai-list"),
                rx.text("Nothing found in the notes.", size="2", color_scheme="gray")),
        width="100%",
    )


def analysis() -> rx.Component:
    return rx.cond(
        CaseState.analysis.length() > 0,
        rx.vstack(
            rx.text("Analysis · ", CaseState.analysis_method, " · ", CaseState.analysis_at,
                    size="1", color_scheme="gray"),
            rx.foreach(CaseState.analysis, _insight_group),
            rx.text(CaseState.analysis_note, size="1", color_scheme="gray"),
            rx.flex(rx.button("Dismiss", variant="ghost", color_scheme="gray",
                              on_click=CaseState.dismiss_analysis, class_name="tap"),
                    justify="end", width="100%"),
            spacing="3", width="100%", class_name="ai-result",
        ),
    )


def ai_panel() -> rx.Component:
    """Machine help, clearly labelled, with the evidence for every line."""
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.hstack(rx.icon("sparkles", size=18, aria_hidden="true"),
                          rx.heading("Help from Caseline", size="3", as_="h2"), align="center",
                          spacing="2"),
                rx.flex(
                    rx.button("Summarise", variant="soft", on_click=CaseState.summarise,
                              class_name="tap"),
                    rx.button("Risk indicators", variant="soft", on_click=CaseState.check_risks,
                              class_name="tap"),
                    rx.cond(CaseState.can_ask,
                            rx.button("Analyse", variant="soft", on_click=CaseState.analyse,
                                      loading=CaseState.analysing, class_name="tap")),
                    spacing="2", wrap="wrap",
                ),
                justify="between", align="center", wrap="wrap", spacing="2", width="100%",
            ),
            rx.cond(
                CaseState.summary_sentences.length() > 0,
                rx.vstack(
                    rx.text("Key sentences from ", CaseState.summary_period, " · picked by ",
                            CaseState.summary_method, " · ", CaseState.summary_at, size="1",
                            color_scheme="gray"),
                    rx.el.ul(rx.foreach(CaseState.summary_sentences, _summary_row),
                             class_name="ai-list"),
                    rx.text(CaseState.summary_note, size="1", color_scheme="gray"),
                    rx.flex(
                        rx.button("Dismiss", variant="ghost", color_scheme="gray",
                                  on_click=CaseState.dismiss_summary, class_name="tap"),
                        rx.cond(CaseState.case.can_add_interaction,
                                rx.button("Save summary to the record",
                                          on_click=CaseState.accept_summary, class_name="tap")),
                        spacing="2", justify="end", width="100%",
                    ),
                    spacing="2", width="100%", class_name="ai-result",
                ),
            ),
            rx.cond(
                CaseState.risks_checked,
                rx.vstack(
                    rx.text("Risk indicators found by rules in the notes you can read. They are "
                            "for you to review: the rules can miss things and never clear a flag.",
                            size="1", color_scheme="gray"),
                    rx.cond(CaseState.risks.length() > 0,
                            rx.el.ul(rx.foreach(CaseState.risks, _risk_row), class_name="ai-list"),
                            rx.text("No risk indicators found in these notes.", size="2")),
                    spacing="2", width="100%", class_name="ai-result",
                ),
            ),
            analysis(),
            rx.cond(CaseState.can_ask, ask_about_case()),
            spacing="3", width="100%",
        ),
        width="100%",
    )


ACCEPT = ",".join([*ACCEPTED_FILES, *(ext for exts in ACCEPTED_FILES.values() for ext in exts)])


def _uncontrolled_select(field_id: str, options: list[tuple[str, str]], value: str,
                         first: rx.Component | None = None) -> rx.Component:
    children = [rx.el.option(label, value=val) for val, label in options]
    return rx.el.select(*([first] if first is not None else []), *children, id=field_id,
                        default_value=value, class_name="native-select")


def interaction_form() -> rx.Component:
    """Fields are uncontrolled and read by assets/outbox.js when Save is pressed: with no signal
    a round trip per change is impossible, and the note must be kept on the device, not in a
    socket queue that a reload loses. The page hears back through the hidden bridge input."""
    errors = CaseState.form_errors
    return rx.card(
        rx.vstack(
            rx.heading("Add interaction", size="4", as_="h2"),
            rx.grid(
                labelled("Interaction type",
                         _uncontrolled_select("interaction-type", INTERACTION_TYPES, "note"),
                         "interaction-type", errors.get("kind", "")),
                labelled("Date and time",
                         rx.input(id="occurred-at", type="datetime-local",
                                  default_value=CaseState.form_when, size="3", width="100%"),
                         "occurred-at", errors.get("occurred_at", "")),
                columns=rx.breakpoints(initial="1", xs="2"),
                spacing="3",
                width="100%",
            ),
            labelled(
                "Notes",
                rx.text_area(id="notes", rows="7", size="3",
                             width="100%",
                             placeholder="What happened, what was discussed, concerns, "
                                         "next steps…",
                             aria_describedby="notes-hint", enter_key_hint="enter",
                             auto_capitalize="sentences", spell_check=True),
                "notes", errors.get("text", ""),
                hint="Markdown works: **bold**, *italic*, - lists.",
            ),
            rx.flex(
                rx.el.label(
                    # Uncontrolled: it must flip at the tap, not after a round trip on a slow
                    # connection. The form remounts empty after each save.
                    # A Radix checkbox is a button, which a wrapping label does not name.
                    rx.checkbox(size="3", id="private", aria_labelledby="private-label"),
                    rx.text("Private", size="3", id="private-label"),
                    rx.text("(only you and managers can read it)", size="2", color_scheme="gray"),
                    class_name="checkbox-label",
                ),
                rx.cond(
                    CaseState.case.can_change_concern,
                    rx.box(labelled("Concern level",
                                    # "No change" by default: a note saved after someone
                                    # else changed the level must not silently set it back.
                                    _uncontrolled_select(
                                        "form-concern", CONCERN_OPTIONS, "",
                                        rx.el.option(
                                            "No change (" + CaseState.case.concern_level + ")",
                                            value="")),
                                    "form-concern", errors.get("concern_level", "")),
                           min_width="10em"),
                ),
                spacing="4",
                wrap="wrap",
                align="end",
                justify="between",
                width="100%",
            ),
            rx.el.label(
                rx.text("Attachments", class_name="field-label"),
                rx.vstack(
                    rx.icon("camera", size=22, aria_hidden="true"),
                    rx.text("Take a photo or choose files", size="2"),
                    rx.text("Photos, PDF, Office documents, text. Up to 20 MB each.",
                            size="1", color_scheme="gray"),
                    align="center",
                    spacing="1",
                    class_name="dropzone",
                ),
                # A native picker: phones offer the camera for image/*, and the chosen files
                # stay readable by the outbox script.
                rx.el.input(type="file", id="attachments", multiple=True, accept=ACCEPT,
                            class_name="file-input"),
                class_name="upload-label",
                width="100%",
            ),
            rx.el.ul(id="chosen-files", class_name="chosen-files"),
            field_error(errors.get("attachments", ""), "attachments"),
            # Filled in by the outbox script: saved on this device, no connection, and so on.
            rx.el.p(id="form-status", class_name="form-status", role="status", hidden=True),
            rx.flex(
                rx.button("Cancel", variant="soft", color_scheme="gray", size="3",
                          id="cancel-interaction", class_name="tap", type="button"),
                rx.button("Save", size="3", id="save-interaction", type="button",
                          class_name="tap"),
                spacing="3",
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        id="interaction-form",
        class_name="interaction-form",
        custom_attrs={
            "data-case": CaseState.case.id.to_string(),
            "data-case-label": CaseState.case.reference,
            "data-version": CaseState.case.version.to_string(),
            "data-user": CaseState.user_id.to_string(),
            "data-user-name": CaseState.user_name,
            "data-offline-drafts": rx.cond(CaseState.offline_drafts, "true", "false"),
        },
    )


_TYPE_ICONS = [("note", "file-text"), ("meeting", "users"), ("phone_call", "phone"),
               ("home_visit", "house"), ("email", "mail"), ("drop_in", "door-open"),
               ("summary", "sparkles")]


def _type_icon(kind: rx.Var[str]) -> rx.Component:
    return rx.match(kind, *[(k, rx.icon(icon, size=18, aria_hidden="true"))
                            for k, icon in _TYPE_ICONS],
                    rx.icon("file-text", size=18, aria_hidden="true"))


def _attachment(a: AttachmentView) -> rx.Component:
    href = "/files/attachments/" + a.id.to_string()
    return rx.cond(
        a.is_image,
        rx.link(rx.image(src=href + "/thumbnail", alt="Photo: " + a.name, class_name="thumb",
                         loading="lazy"),
                href=href, is_external=True),
        rx.link(rx.hstack(rx.icon("paperclip", size=14, aria_hidden="true"),
                          rx.text(a.name, " (", a.size, ")", size="2"), align="center",
                          spacing="1"),
                href=href, is_external=True),
    )


def timeline_item(item: InteractionView) -> rx.Component:
    return rx.el.article(
        rx.flex(
            rx.hstack(_type_icon(item.kind), rx.text(item.kind_label, weight="bold", size="3"),
                      align="center", spacing="2"),
            rx.cond(item.private, rx.badge(rx.icon("lock", size=12, aria_hidden="true"),
                                           "Private", color_scheme="purple", variant="soft")),
            rx.cond(item.generated_by != "",
                    rx.badge("Accepted summary · ", item.generated_by, color_scheme="indigo",
                             variant="soft")),
            rx.cond(item.concern_level != "",
                    rx.hstack(rx.text("Concern →", size="1", color_scheme="gray"),
                              concern_badge(item.concern_level), spacing="1", align="center")),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.text(item.occurred_at, " · ", item.author_name, size="2", color_scheme="gray",
                title=item.occurred_relative),
        rx.box(rx.html(item.html), class_name="note-body"),
        rx.cond(item.outcome != "", rx.text("Outcome: ", item.outcome, size="2", weight="medium")),
        tag_list(item.tags),
        rx.cond(item.attachments.length() > 0,
                rx.flex(rx.foreach(item.attachments, _attachment), spacing="2", wrap="wrap",
                        align="center")),
        audit_action(item.id, item.kind_label + " " + item.occurred_at, item.generated_by != ""),
        class_name="timeline-item",
        id="interaction-" + item.id.to_string(),
        aria_label=item.kind_label + " " + item.occurred_at,
    )


def _viewer(v: Viewer) -> rx.Component:
    return rx.el.li(rx.text(v.name, " (", v.role, ")", size="2"),
                    rx.text(v.views, rx.cond(v.views == 1, " view", " views"), " · last ",
                            v.last_seen, size="1", color_scheme="gray"))


def who_has_seen() -> rx.Component:
    """For managers: who opened this case, from the audit trail."""
    return rx.cond(
        CaseState.case.can_reassign,
        rx.el.details(
            rx.el.summary("Who has seen this case", on_click=CaseState.load_viewers),
            rx.cond(CaseState.viewers_loaded,
                    rx.el.ul(rx.foreach(CaseState.viewers, _viewer), class_name="history-list")),
            class_name="history",
        ),
    )


def _history_entry(h: HistoryEntry) -> rx.Component:
    return rx.el.li(rx.text(h.what, size="2"),
                    rx.text(h.when, " · ", h.who, size="1", color_scheme="gray"))


def timeline() -> rx.Component:
    return rx.vstack(
        rx.heading("Timeline", size="4", as_="h2"),
        rx.cond(CaseState.items.length() == 0,
                rx.text("No interactions yet.", color_scheme="gray")),
        rx.foreach(CaseState.items, timeline_item),
        rx.cond(CaseState.has_more,
                rx.button("Load older interactions", variant="outline",
                          on_click=CaseState.load_more, class_name="tap")),
        rx.el.details(
            rx.el.summary("Status, concern and assignment history"),
            rx.el.ul(rx.foreach(CaseState.case.history, _history_entry),
                     class_name="history-list"),
            class_name="history",
        ),
        who_has_seen(),
        spacing="3",
        width="100%",
        id="timeline",
        # Clear of the sticky header when scrolled to (assets/layout.js).
        scroll_margin_top="5rem",
    )


def case_page_body() -> rx.Component:
    return rx.cond(
        CaseState.denied != "",
        rx.vstack(
            rx.callout(CaseState.denied, icon="shield-alert", color_scheme="red", role="alert",
                       size="3", width="100%"),
            rx.link("← Back to cases", href="/cases", size="3"),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            CaseState.case.id > 0,
            rx.vstack(
                # The outbox script reports here (saved, sent from the device, refused).
                rx.el.input(id="outbox-bridge", type="text", hidden=True,
                            on_change=CaseState.device_report),
                rx.link("← Cases", href="/cases", size="2"),
                case_header(),
                rx.cond(CaseState.banner != "",
                        rx.callout(CaseState.banner, icon="info", role="status", width="100%",
                                   color_scheme=rx.cond(CaseState.banner_kind == "error", "red",
                                                        "teal"))),
                case_actions(),
                rx.cond(CaseState.case.can_add_interaction,
                        # Keyed by case: moving to another case must never carry a typed
                        # note along with it.
                        rx.box(interaction_form(), id="interaction-form-wrapper", hidden=True,
                               width="100%", key=CaseState.case.id.to_string())),
                rx.cond(CaseState.ai_enabled, ai_panel()),
                timeline(),
                spacing="4",
                width="100%",
                id="case-page",
                custom_attrs={
                    "data-case": CaseState.case.id.to_string(),
                    "data-user": CaseState.user_id.to_string(),
                    "data-offline-drafts": rx.cond(CaseState.offline_drafts, "true", "false"),
                },
            ),
            rx.center(rx.spinner(size="3"), padding="6"),
        ),
    )
