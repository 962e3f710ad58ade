"""One case: header, timeline, the add-interaction form and the case actions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import reflex as rx

from caseapp import cases, interactions, staff
from caseapp.actor import Actor
from caseapp.ai import casework as ai
from caseapp.ai import questions
from caseapp.ai.casework import CaseSummary, RiskIndicator, SummarySentence
from caseapp.ai.questions import CaseAnswer, InsightGroup
from caseapp.cases import CaseDetail
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.interactions import InteractionView
from caseapp.organisation import local_now_input
from caseapp.trail import Viewer, case_viewers
from state.session import SessionState


def _blank_detail() -> CaseDetail:
    return CaseDetail(
        id=0, reference="", version=0, person_id=0, person_name="", person_dob="",
        person_phone="", person_email="", person_address="", worker_id=None, worker_name="",
        pathway_id=0, pathway_name="", pathway_colour="#888888", status="open",
        concern_level="low", start_date="", end_date="", last_interaction="", tags=[],
        other_cases=[], history=[], can_add_interaction=False, can_change_status=False,
        can_change_concern=False, can_reassign=False, can_claim=False)


class CaseState(SessionState):
    case: CaseDetail = _blank_detail()
    denied: str = ""
    items: list[InteractionView] = []
    cursor: str = ""
    banner: str = ""
    banner_kind: str = "info"  # info | error
    # The add-interaction form's starting values. The fields are read and saved by the outbox
    # script in the page (assets/outbox.js), which works with no connection.
    form_when: str = ""
    form_errors: dict[str, str] = {}
    staff_options: list[list[str]] = []
    # AI results: shown, labelled, and kept out of the record until a person saves them.
    risks: list[RiskIndicator] = []
    risks_checked: bool = False
    summary_sentences: list[SummarySentence] = []
    summary_period: str = ""
    summary_method: str = ""
    summary_note: str = ""
    summary_at: str = ""
    viewers: list[Viewer] = []
    viewers_loaded: bool = False
    # Ask about this case: the conversation so far, newest last; Analyse: its groups.
    can_ask: bool = False
    conversation: list[CaseAnswer] = []
    asking: bool = False
    ask_error: str = ""
    analysis: list[InsightGroup] = []
    analysis_method: str = ""
    analysis_note: str = ""
    analysis_at: str = ""
    analysing: bool = False

    def _case_id(self) -> int:
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        return int(raw) if raw.isdigit() else 0

    def _reload(self, actor: Actor) -> None:
        self._show(*interactions.case_with_timeline(actor, self._case_id()))

    def _show(self, case: CaseDetail, page: interactions.TimelinePage) -> None:
        self.case = case
        self.items, self.cursor = page.items, page.next_cursor

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        self.denied, self.banner, self.items, self.form_errors = "", "", [], {}
        self.risks, self.risks_checked, self.summary_sentences = [], False, []
        self.viewers, self.viewers_loaded = [], False
        self.conversation, self.ask_error, self.analysis = [], "", []
        self.case = _blank_detail()
        try:
            actor = self._actor()
            self._remember(actor)
            self.can_ask = questions.may_ask(actor)
            self._reload(actor)
            if self.case.can_reassign:
                self.staff_options = [[str(s.id), f"{s.name} ({s.role_label})"]
                                      for s in staff.list_staff(actor)]
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.denied = str(exc)
            self.case = _blank_detail()
        self._reset_form()
        return None

    def _reset_form(self) -> None:
        self.form_when = local_now_input()
        self.form_errors = {}

    @rx.event
    def load_more(self) -> rx.event.EventSpec | None:
        if not self.cursor:
            return None
        try:
            page = interactions.timeline(self._actor(), self.case.id, self.cursor)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.banner, self.banner_kind = str(exc), "error"
            return None
        self.items = self.items + page.items
        self.cursor = page.next_cursor
        return None

    @rx.event
    async def device_report(self, raw: str) -> rx.event.EventSpec | None:
        """What assets/outbox.js did with a Save: the save itself went through the HTTP route,
        so this only refreshes what the page shows. Nothing here trusts the report's content
        beyond choosing which message to show. The reload runs on a worker thread: every save
        ends here, and the server's other sessions must not wait for this one's queries."""
        try:
            report = json.loads(raw)
            outcome = str(report.get("outcome", ""))
        except (ValueError, AttributeError):
            return None
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        if outcome == "invalid":
            errors = report.get("errors") or {}
            self.form_errors = {str(k): str(v)[:500] for k, v in dict(errors).items()}
            return None
        try:
            self._show(*await asyncio.to_thread(interactions.case_with_timeline, actor,
                                                self._case_id()))
        except CaselineError as exc:
            self.denied = str(exc)
            return None
        if outcome == "saved":
            self._reset_form()
            self.banner, self.banner_kind = "Interaction saved.", "info"
        elif outcome == "sent":
            self.banner, self.banner_kind = "Notes saved on this device have been sent.", "info"
        elif outcome == "conflict":
            self.form_errors = {"concern_level": str(report.get("message", ""))[:300]
                                + " Check the concern level, then press Save again."}
        elif outcome == "refused":
            self.form_errors = {"text": str(report.get("message", ""))[:300]}
        return None

    def _case_action(self, action: Callable[[Actor], object], success: str
                     ) -> rx.event.EventSpec | None:
        """Run one case change; on refusal or conflict show why, then show current values."""
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        try:
            action(actor)
            self.banner, self.banner_kind = success, "info"
        except CaselineError as exc:
            self.banner, self.banner_kind = str(exc), "error"
        try:
            self._reload(actor)
        except CaselineError as exc:  # e.g. reassigned away from a case worker's team
            self.denied = str(exc)
        return None

    @rx.event
    def change_status(self, status: str) -> rx.event.EventSpec | None:
        label = {"open": "reopened", "paused": "paused", "closed": "closed"}.get(status, status)
        return self._case_action(
            lambda a: cases.change_status(a, self.case.id, status, self.case.version),
            f"Case {label}.")

    @rx.event
    def change_concern(self, level: str) -> rx.event.EventSpec | None:
        return self._case_action(
            lambda a: cases.change_concern(a, self.case.id, level, self.case.version),
            f"Concern level set to {level.capitalize()}.")

    @rx.event
    def reassign(self, worker_id: str) -> rx.event.EventSpec | None:
        target = int(worker_id) if worker_id.isdigit() else None
        return self._case_action(
            lambda a: cases.reassign(a, self.case.id, target, self.case.version),
            "Case reassigned.")

    @rx.event
    def update_tags(self, value: str) -> rx.event.EventSpec | None:
        if sorted(t.strip().lower() for t in value.split(",") if t.strip()) == sorted(
                self.case.tags):
            return None  # left the field without changing it
        return self._case_action(
            lambda a: cases.update_tags(a, self.case.id, value, self.case.version),
            "Tags saved.")

    @rx.event
    def claim(self) -> rx.event.EventSpec | None:
        return self._case_action(lambda a: cases.claim(a, self.case.id),
                                 "Case claimed: it is now yours.")

    @rx.event
    def check_risks(self) -> rx.event.EventSpec | None:
        try:
            self.risks = ai.risk_indicators(self._actor(), self.case.id)
            self.risks_checked = True
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.banner, self.banner_kind = str(exc), "error"
        return None

    @rx.event
    def summarise(self) -> rx.event.EventSpec | None:
        try:
            summary = ai.summarise(self._actor(), self.case.id)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.banner, self.banner_kind = str(exc), "error"
            return None
        self.summary_sentences, self.summary_period = summary.sentences, summary.period
        self.summary_method, self.summary_note = summary.method, summary.note
        self.summary_at = summary.generated_at
        return None

    @rx.event
    def accept_summary(self) -> rx.event.EventSpec | None:
        summary = CaseSummary(sentences=self.summary_sentences, period=self.summary_period,
                              generated_at=self.summary_at, method=self.summary_method,
                              note=self.summary_note)
        result = self._case_action(
            lambda a: ai.accept_summary(a, self.case.id, summary, self.case.version),
            "Summary saved to the record.")
        self.summary_sentences = []
        return result

    @rx.event
    async def ask(self, form: dict):  # type: ignore[no-untyped-def]
        """A question about the case. The model may take a while: it runs on a worker thread so
        the server keeps serving everyone else."""
        question = str(form.get("question", ""))[:2000]
        self.asking, self.ask_error = True, ""
        yield
        try:
            actor = self._actor()
            earlier = [(t.question, t.answer) for t in self.conversation]
            answer = await asyncio.to_thread(questions.ask, actor, self.case.id, question, earlier)
        except NotSignedIn:
            self.asking = False
            yield self._to_sign_in()
            return
        except ValidationFailed as exc:
            self.ask_error = exc.errors.get("question", str(exc))
        except CaselineError as exc:
            self.ask_error = str(exc)
        else:
            self.conversation = [*self.conversation, answer][-questions.MAX_TURNS:]
            yield rx.set_value("case-question", "")
        self.asking = False

    @rx.event
    def clear_conversation(self) -> None:
        self.conversation, self.ask_error = [], ""

    @rx.event
    async def analyse(self):  # type: ignore[no-untyped-def]
        self.analysing = True
        yield
        try:
            result = await asyncio.to_thread(questions.analyse, self._actor(), self.case.id)
        except NotSignedIn:
            self.analysing = False
            yield self._to_sign_in()
            return
        except CaselineError as exc:
            self.banner, self.banner_kind = str(exc), "error"
        else:
            self.analysis = result.groups
            self.analysis_method, self.analysis_note = result.method, result.note
            self.analysis_at = result.generated_at
        self.analysing = False

    @rx.event
    def dismiss_analysis(self) -> None:
        self.analysis = []

    @rx.event
    def load_viewers(self) -> rx.event.EventSpec | None:
        try:
            self.viewers = case_viewers(self._actor(), self.case.id)
            self.viewers_loaded = True
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.banner, self.banner_kind = str(exc), "error"
        return None

    @rx.event
    def dismiss_summary(self) -> None:
        self.summary_sentences = []

    @rx.var
    def has_more(self) -> bool:
        return self.cursor != ""
