"""Audits page: how good the notes are. Filters, trends (a chart with the same figures as a
table), the notes not yet audited with Audit and Audit all, and the audited notes, lowest score
first, each with its reason per criterion."""

from __future__ import annotations

import reflex as rx

from caseapp.note_audits import AuditView, CriterionResult, TrendPoint, UnauditedRow, WorkerScore
from components.fields import labelled, native_select
from state.audits_page import PAGE
from state.audits_page import AuditsState as S

PERIOD_OPTIONS = [("7", "Last 7 days"), ("28", "Last 28 days"), ("90", "Last 90 days"),
                  ("365", "Last year")]
SCORE_OPTIONS = [("", "All scores"), ("poor", "Below 50"), ("fair", "50 to 74"),
                 ("good", "75 and over")]


def _score_badge(score: rx.Var[int], band: rx.Var[str]) -> rx.Component:
    return rx.badge(score.to_string(), "/100",
                    color_scheme=rx.match(band, ("good", "green"), ("fair", "orange"), "red"),
                    variant="solid", size="2", class_name="audit-score")


def _result_badge(r: CriterionResult) -> rx.Component:
    return rx.badge(rx.match(r.result, ("pass", "Pass"), ("partial", "Partial"),
                             ("fail", "Fail"), "Not judged"),
                    color_scheme=rx.match(r.result, ("pass", "green"), ("partial", "orange"),
                                          ("fail", "red"), "gray"),
                    variant="soft", min_width="5.5em", justify="center")


def _criterion(r: CriterionResult) -> rx.Component:
    return rx.el.li(
        rx.flex(_result_badge(r),
                rx.box(rx.text(r.name, size="2", weight="medium"),
                       rx.text(r.reason, size="2", color_scheme="gray"), flex="1"),
                spacing="2", align="start"),
        class_name="audit-criterion",
    )


def _interaction_href(case_id: rx.Var[int], interaction_id: rx.Var[int]) -> rx.Var[str]:
    return "/cases/" + case_id.to_string() + "#interaction-" + interaction_id.to_string()


def _audited(a: AuditView) -> rx.Component:
    return rx.el.article(rx.card(rx.vstack(
        rx.flex(
            _score_badge(a.score, a.band),
            rx.link(rx.text(a.reference, " · ", a.kind, weight="bold", size="3"),
                    href=_interaction_href(a.case_id, a.interaction_id), underline="none"),
            spacing="2", align="center", wrap="wrap", width="100%"),
        rx.text(a.author_name, " · ", a.occurred, size="2", color_scheme="gray"),
        rx.el.details(
            rx.el.summary("Criteria and reasons", class_name="audit-summary tap"),
            rx.el.ul(rx.foreach(a.results, _criterion), class_name="audit-criteria"),
            rx.text("Audited ", a.audited_at, " by ", a.method, size="1", color_scheme="gray"),
        ),
        spacing="2", width="100%")), aria_label="Audit of " + a.reference + " " + a.occurred,
        width="100%")


def _unaudited(u: UnauditedRow) -> rx.Component:
    return rx.flex(
        rx.box(
            rx.link(rx.text(u.reference, " · ", u.kind, weight="medium", size="2"),
                    href=_interaction_href(u.case_id, u.interaction_id), underline="none"),
            rx.text(u.author_name, " · ", u.occurred, size="1", color_scheme="gray"),
            flex="1", min_width="0"),
        rx.button(rx.cond(S.busy_id == u.interaction_id, "Auditing…", "Audit"),
                  on_click=S.audit(u.interaction_id), variant="soft", class_name="tap",
                  disabled=S.busy_id != 0,
                  aria_label="Audit " + u.reference + " " + u.kind + " " + u.occurred),
        align="center", spacing="2", width="100%", class_name="audit-unaudited-row",
    )


def _filters() -> rx.Component:
    return rx.grid(
        labelled("Period", native_select("audit-period", PERIOD_OPTIONS, S.days,
                                         lambda v: S.set_filter("days", v)), "audit-period"),
        rx.cond(S.is_manager, labelled(
            "Case worker", native_select("audit-worker", S.worker_options, S.worker,
                                         lambda v: S.set_filter("worker", v),
                                         placeholder="Everyone"), "audit-worker")),
        labelled("Score", native_select("audit-score", SCORE_OPTIONS, S.score,
                                        lambda v: S.set_filter("score", v)), "audit-score"),
        columns=rx.breakpoints(initial="1", xs="3"), spacing="3", width="100%",
    )


def _progress() -> rx.Component:
    unfinished = (S.run_status == "queued") | (S.run_status == "running")
    return rx.cond(S.run_id != 0, rx.vstack(
        rx.el.progress(value=S.run_finished, max=rx.cond(S.run_total > 0, S.run_total, 1),
                       aria_label="Audit all progress", class_name="weekly-progress"),
        rx.text(rx.match(S.run_status, ("done", "Finished: "), ("cancelled", "Cancelled: "),
                         ("failed", "Stopped: "), "Auditing: "),
                S.run_finished, " of ", S.run_total, " notes", size="2", role="status",
                aria_live="polite", id="audit-progress-count"),
        rx.text(S.run_done, " audited · ", S.run_skipped, " already audited · ", S.run_failed,
                " failed · ", S.run_method, size="1", color_scheme="gray"),
        rx.cond(S.run_message != "", rx.text(S.run_message, size="2")),
        rx.flex(
            rx.cond(unfinished & ~S.run_can_resume,
                    rx.button("Cancel", variant="soft", color_scheme="red", on_click=S.cancel,
                              class_name="tap")),
            rx.cond(unfinished & S.run_can_resume,
                    rx.button("Resume", on_click=S.resume, class_name="tap")),
            spacing="2", justify="end", width="100%"),
        spacing="1", width="100%"))


def _trend_row(p: TrendPoint) -> rx.Component:
    return rx.el.tr(
        rx.el.td(p.week),
        rx.cond(S.is_manager, rx.el.td(rx.cond(p.team, p.team.to_string(), "–"))),
        rx.cond(S.trend_worker != "", rx.el.td(rx.cond(p.worker, p.worker.to_string(), "–"))),
        rx.el.td(p.audits),
    )


def _worker_row(w: WorkerScore) -> rx.Component:
    return rx.el.tr(rx.el.td(w.worker_name), rx.el.td(w.audits), rx.el.td(w.average),
                    rx.el.td(w.lowest))


def _trends() -> rx.Component:
    chart = rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key="week"),
        rx.recharts.y_axis(domain=[0, 100], width=32),
        rx.recharts.tooltip(),
        rx.recharts.legend(),
        rx.cond(S.is_manager, rx.recharts.line(data_key="team", name="Team average",
                                               stroke="#0f766e", stroke_width=2,
                                               connect_nulls=True, is_animation_active=False)),
        rx.cond(S.trend_worker != "", rx.recharts.line(
            data_key="worker", name=S.trend_worker, stroke="#c2410c", stroke_width=2,
            connect_nulls=True, is_animation_active=False)),
        data=S.chart, width="100%", height=220,
    )
    return rx.card(rx.vstack(
        rx.heading("Trends", size="4", as_="h2"),
        rx.text(S.audited_count, " notes audited",
                rx.cond(S.average != "", rx.fragment(" · average score ", S.average)),
                size="2"),
        rx.cond(S.chart.length() > 0,
                rx.box(chart, role="img", width="100%",
                       aria_label="Line chart of the average audit score per week; the same "
                                  "figures are in the table below.")),
        rx.el.details(
            rx.el.summary("Scores by week (table)", class_name="audit-summary tap"),
            rx.el.table(
                rx.el.thead(rx.el.tr(
                    rx.el.th("Week of", scope="col"),
                    rx.cond(S.is_manager, rx.el.th("Team", scope="col")),
                    rx.cond(S.trend_worker != "", rx.el.th(S.trend_worker, scope="col")),
                    rx.el.th("Audits", scope="col"))),
                rx.el.tbody(rx.foreach(S.points, _trend_row)),
                class_name="audit-table"),
        ),
        rx.cond(S.is_manager & (S.workers.length() > 1), rx.box(
            rx.text("Average score by case worker", size="2", weight="medium"),
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", horizontal=False),
                rx.recharts.x_axis(type_="number", domain=[0, 100]),
                rx.recharts.y_axis(data_key="name", type_="category", width=110),
                rx.recharts.tooltip(),
                rx.recharts.bar(data_key="average", name="Average score", fill="#0f766e",
                                is_animation_active=False),
                data=S.worker_chart, layout="vertical", width="100%",
                height=S.worker_chart.length() * 34 + 40,
            ),
            role="img", width="100%",
            aria_label="Bar chart of each case worker's average audit score; the same figures "
                       "are in the table below.")),
        rx.cond(S.is_manager & (S.workers.length() > 0), rx.el.details(
            rx.el.summary("By case worker (table)", class_name="audit-summary tap"),
            rx.el.table(
                rx.el.thead(rx.el.tr(rx.el.th("Case worker", scope="col"),
                                     rx.el.th("Audits", scope="col"),
                                     rx.el.th("Average", scope="col"),
                                     rx.el.th("Lowest", scope="col"))),
                rx.el.tbody(rx.foreach(S.workers, _worker_row)),
                class_name="audit-table"),
        )),
        spacing="2", width="100%"), width="100%")


def _unaudited_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.flex(
            rx.heading("Not yet audited", size="4", as_="h2", flex="1"),
            rx.button("Audit all", on_click=S.audit_all, class_name="tap",
                      disabled=S.watching | (S.unaudited_total == 0)),
            align="center", spacing="2", width="100%"),
        rx.text(S.unaudited_total, " notes in this period", size="2", color_scheme="gray"),
        _progress(),
        rx.foreach(S.unaudited, _unaudited),
        rx.cond(S.unaudited_total > S.unaudited.length(),
                rx.text("Showing the newest ", S.unaudited.length(), "; Audit all covers "
                        "every one.", size="1", color_scheme="gray")),
        spacing="2", width="100%"), width="100%")


def _audited_list() -> rx.Component:
    return rx.vstack(
        rx.heading("Audited notes", size="4", as_="h2"),
        rx.cond(S.total == 0, rx.text("No audited notes match these filters.", size="2",
                                      color_scheme="gray")),
        rx.foreach(S.rows, _audited),
        rx.cond(S.total > PAGE, rx.flex(
            rx.button("Previous", on_click=S.go_to_page(S.offset - PAGE),
                      disabled=~S.has_previous, variant="soft", class_name="tap"),
            rx.text(S.page_label, size="2"),
            rx.button("Next", on_click=S.go_to_page(S.offset + PAGE), disabled=~S.has_next,
                      variant="soft", class_name="tap"),
            spacing="3", align="center", justify="center", width="100%")),
        spacing="2", width="100%")


def audit_action(interaction_id: rx.Var[int], label: rx.Var[str],
                 is_summary: rx.Var[bool]) -> rx.Component:
    """The case page's **Audit** on one interaction, for managers and admins (a case worker
    audits their own notes on the Audits page; the service checks every rule either way)."""
    managers = rx.Var.create(["admin", "manager"]).contains(S.user_role_key)
    return rx.cond(managers & ~is_summary, rx.flex(
        rx.cond(S.last_id == interaction_id,
                rx.link(_score_badge(S.last_score, S.last_band), href="/audits",
                        aria_label="Audit score " + S.last_score.to_string() + " out of 100")),
        rx.button(rx.cond(S.busy_id == interaction_id, "Auditing…", "Audit"),
                  on_click=S.audit(interaction_id), variant="ghost", size="1",
                  class_name="tap", disabled=S.busy_id != 0, aria_label="Audit " + label),
        spacing="2", align="center", justify="end", width="100%"))


def audits_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Audits", size="6", as_="h1"),
        rx.text("How well notes record what happened, concerns, risks and next steps, scored "
                "against the organisation's audit criteria.", size="2", color_scheme="gray"),
        rx.cond(S.message != "", rx.callout(
            S.message, icon="info", role="status", width="100%",
            color_scheme=rx.cond(S.message_kind == "error", "red", "blue"))),
        rx.cond(S.allowed, rx.vstack(
            _filters(), _trends(), _unaudited_card(), _audited_list(),
            spacing="4", width="100%")),
        spacing="4", width="100%", max_width="860px",
    )
