"""Weekly summaries: Generate all with its progress, then every case, High concern first, each
with its AI-drafted summary and the interactions it came from. Prints as a supervision pack
(assets/styles.css hides the controls and keeps each case on one page)."""

from __future__ import annotations

import reflex as rx

from caseapp.ai.casework import SummarySentence
from caseapp.ai.weekly import WeeklyItem
from components.badges import concern_badge
from components.fields import labelled, native_select
from state.weekly_page import WeeklyState as S

PERIOD_OPTIONS = [("7", "Last 7 days"), ("14", "Last 14 days"), ("28", "Last 28 days")]


def _interaction_href(case_id: rx.Var[int], interaction_id: rx.Var[int]) -> rx.Var[str]:
    return "/cases/" + case_id.to_string() + "#interaction-" + interaction_id.to_string()


def _sentence(item: WeeklyItem, s: SummarySentence) -> rx.Component:
    return rx.el.li(
        rx.text(s.text, size="2"),
        rx.link("from ", s.when, href=_interaction_href(item.case_id, s.interaction_id),
                size="1"),
        class_name="ai-item",
    )


def _status_marker(item: WeeklyItem) -> rx.Component:
    return rx.match(
        item.status,
        ("skipped", rx.badge("Unchanged: earlier summary reused", color_scheme="gray",
                             variant="soft")),
        ("failed", rx.callout(rx.text("Not summarised: ", item.message), icon="triangle-alert",
                              color_scheme="red", size="1", role="status", width="100%")),
        ("queued", rx.badge("Waiting", color_scheme="gray", variant="outline")),
        ("running", rx.badge("Summarising…", color_scheme="blue", variant="soft")),
        rx.fragment(),
    )


def _summary(item: WeeklyItem) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(rx.icon("sparkles", size=12, aria_hidden="true"),
                     rx.cond(item.by_model, "AI-generated draft", "Machine-picked draft"),
                     color_scheme="indigo", variant="soft", class_name="draft-label"),
            rx.text(item.method, " · ", item.generated_at, " · ", item.period, size="1",
                    color_scheme="gray"),
            spacing="2", align="center", wrap="wrap",
        ),
        rx.el.ul(rx.foreach(item.sentences, lambda s: _sentence(item, s)), class_name="ai-list"),
        rx.flex(
            rx.text("From interactions", size="1", color_scheme="gray"),
            rx.foreach(item.evidence_ids, lambda i: rx.link(
                "#", i.to_string(), href=_interaction_href(item.case_id, i), size="1")),
            spacing="2", wrap="wrap", align="center",
        ),
        rx.cond(item.note != "", rx.text(item.note, size="1", color_scheme="gray")),
        spacing="2", width="100%", class_name="ai-result",
    )


def _case(item: WeeklyItem) -> rx.Component:
    return rx.el.article(
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.link(rx.text(item.reference, " · ", item.person_name, weight="bold",
                                    size="3"),
                            href="/cases/" + item.case_id.to_string(), underline="none"),
                    concern_badge(item.concern_level),
                    spacing="2", align="center", wrap="wrap", width="100%",
                ),
                rx.text(item.worker_name, " · last interaction ", item.last_interaction,
                        size="1", color_scheme="gray"),
                _status_marker(item),
                rx.cond(item.sentences.length() > 0, _summary(item)),
                rx.cond((item.status == "done") & (item.message != ""),
                        rx.text(item.message, size="2", color_scheme="gray")),
                rx.cond(item.accepted,
                        rx.badge("Saved to the record", color_scheme="green", variant="soft")),
                rx.cond(item.can_accept,
                        rx.flex(rx.button("Accept", on_click=S.accept(item.case_id),
                                          aria_label="Accept summary for " + item.reference,
                                          variant="soft", class_name="tap no-print"),
                                justify="end", width="100%")),
                spacing="2", width="100%",
            ),
            width="100%",
        ),
        class_name="weekly-case",
        aria_label=item.reference + " " + item.person_name,
    )


def _progress() -> rx.Component:
    unfinished = (S.run_status == "queued") | (S.run_status == "running")
    return rx.card(
        rx.vstack(
            rx.text(rx.match(S.run_status, ("done", "Finished"), ("cancelled", "Cancelled"),
                             ("failed", "Stopped"), "Working"),
                    " · ", S.run_period, " · ", S.run_method, size="2", weight="medium"),
            rx.el.progress(value=S.run_finished, max=rx.cond(S.run_total > 0, S.run_total, 1),
                           aria_label="Progress", class_name="weekly-progress no-print"),
            rx.text(S.run_finished, " of ", S.run_total, " cases", size="2", role="status",
                    aria_live="polite", id="weekly-progress-count"),
            rx.text(S.run_done, " summarised · ", S.run_skipped, " unchanged · ",
                    S.run_failed, " failed · started ", S.run_started_at, size="1",
                    color_scheme="gray"),
            rx.cond(S.run_message != "", rx.text(S.run_message, size="2")),
            rx.cond(unfinished & S.run_can_resume,
                    rx.text("This run stopped (the server restarted). Resume carries on with "
                            "the cases not yet done.", size="2", class_name="no-print")),
            rx.flex(
                rx.cond(unfinished & ~S.run_can_resume,
                        rx.button("Cancel", variant="soft", color_scheme="red",
                                  on_click=S.cancel, class_name="tap")),
                rx.cond(unfinished & S.run_can_resume,
                        rx.button("Resume", on_click=S.resume, class_name="tap")),
                spacing="2", class_name="no-print",
            ),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def weekly_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Weekly summaries", size="6", as_="h1"),
        rx.text("A supervision pack: every open case with activity in the period, High concern "
                "first. Summaries are drafts until someone accepts them.", size="2",
                color_scheme="gray", class_name="no-print"),
        rx.cond(S.message != "",
                rx.callout(S.message, icon="info", role="status", width="100%",
                           color_scheme=rx.cond(S.message_kind == "error", "red", "blue"),
                           class_name="no-print")),
        rx.cond(S.run_id > 0,
                rx.text("Supervision pack for ", S.user_name, " · ", S.run_period, size="2",
                        class_name="print-only")),
        rx.cond(
            S.allowed & ~S.ai_enabled,
            rx.callout("AI features are turned off for this organisation. An admin can turn "
                       "them on in Settings.", icon="info", width="100%"),
        ),
        rx.cond(
            S.allowed,
            rx.vstack(
                rx.flex(
                    rx.box(labelled("Period", native_select("weekly-period", PERIOD_OPTIONS,
                                                            S.days, S.set_days), "weekly-period"),
                           flex="1 1 12rem"),
                    rx.button(rx.icon("sparkles", size=16, aria_hidden="true"), "Generate all",
                              on_click=S.generate_all, loading=S.watching,
                              disabled=S.watching | ~S.ai_enabled, size="3", class_name="tap"),
                    rx.button(rx.icon("printer", size=16, aria_hidden="true"), "Print",
                              variant="soft", size="3", class_name="tap",
                              on_click=rx.call_script("window.print()")),
                    spacing="3", align="end", wrap="wrap", width="100%", class_name="no-print",
                ),
                rx.cond(S.run_id > 0, _progress()),
                rx.foreach(S.items, _case),
                rx.cond(S.has_more,
                        rx.flex(rx.text("Showing ", S.items.length(), " of ", S.run_total, " cases",
                                        size="2"),
                                rx.button("Show more", variant="soft", on_click=S.show_more,
                                          class_name="tap"),
                                spacing="3", align="center", wrap="wrap",
                                class_name="no-print")),
                spacing="3", width="100%",
            ),
        ),
        spacing="3", width="100%", max_width="900px", class_name="weekly-page",
    )
