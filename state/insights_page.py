"""Insights: the heatmap's filters, sort and page, the comparison by case worker, the narrative,
one cell's evidence and correction, and Generate insights with its progress. Every handler goes
through caseapp/insights.py with the actor from the session; this only holds the view."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

from caseapp import insights, pathways, staff
from caseapp.actor import Actor
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.insights import HeatRow, InsightFilters, StageDetail, WorkerRow
from caseapp.models import Role
from state.run_progress import RunProgressState, RunService
from state.session import SessionState

RUNS = RunService(progress=insights.progress, cancel=insights.cancel_run,
                  resume=insights.resume_run, runner=insights.runner,
                  cancelled="Cancelled. Cases already done are kept.")
FILTERS = ("status", "concern_level", "worker", "pathway")


def _blank_detail() -> StageDetail:
    return StageDetail(case_id=0, reference="", person_name="", stage=0, stage_name="",
                       stage_description="", level="", confidence="none", shown_level="",
                       corrected_level="", corrected_by="", corrected_at="", correction_note="",
                       reason="", method="", generated_at="", evidence=[], hidden_evidence=0,
                       can_correct=False)


class InsightsState(SessionState, RunProgressState):
    allowed: bool = False
    can_correct: bool = False
    can_export: bool = False
    view: str = "cases"  # cases | workers
    search: str = ""
    status: str = "open"
    concern_level: str = ""
    worker: str = ""
    pathway: str = ""
    sort: str = "concern"
    descending: bool = True
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[HeatRow] = []
    worker_rows: list[WorkerRow] = []
    stage_names: list[str] = []
    stage_descriptions: list[str] = []
    worker_options: list[list[str]] = []
    pathway_options: list[list[str]] = []
    narrative: list[str] = []
    narrative_method: str = ""
    narrative_by_model: bool = False
    detail: StageDetail = _blank_detail()
    detail_open: bool = False
    correction_level: str = ""
    correction_note: str = ""
    correction_error: str = ""
    generating_case: bool = False
    message: str = ""
    message_kind: str = "info"
    loaded: bool = False

    def _filters(self) -> InsightFilters:
        return InsightFilters(
            search=self.search, status=self.status, concern_level=self.concern_level,
            worker=self.worker,
            pathway_id=int(self.pathway) if self.pathway.isdigit() and len(self.pathway) < 11
            else None, sort=self.sort, descending=self.descending, page=self.page)

    def _say(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def _runs(self) -> RunService:
        return RUNS

    async def _after_watching(self, actor: Actor, run_id: int) -> None:
        async with self:
            self._refresh()

    def _refresh(self) -> rx.event.EventSpec | None:
        """Load what the current view shows, with the actor from the session."""
        try:
            actor = self._actor()
            filters = self._filters()
            if self.view == "workers":
                self.worker_rows = insights.compare_workers(actor, filters)
            else:
                result = insights.heatmap(actor, filters)
                self.rows, self.total, self.page, self.pages = (result.rows, result.total,
                                                                result.page, result.pages)
                self.stage_names = [s.name for s in result.stages]
                self.stage_descriptions = [s.description for s in result.stages]
            story = insights.narrative(actor, filters)
            self.narrative, self.narrative_method = story.paragraphs, story.method
            self.narrative_by_model = story.by_model
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        self.loaded = True
        return None

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        self.message, self.detail_open, self.rows, self.worker_rows = "", False, [], []
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        self.allowed = insights.may_view(actor)
        self.can_correct, self.can_export = insights.may_correct(actor), insights.may_export(actor)
        if not self.allowed:
            self._say(insights.NOT_FOR_VOLUNTEERS)
            return None
        if actor.role is Role.CASE_WORKER:
            self.worker_options = [[str(actor.id), actor.name]]
        else:
            self.worker_options = [[str(s.id), s.name] for s in staff.list_staff(actor)
                                   if s.role in ("case_worker", "manager", "admin")]
        self.pathway_options = [[str(p.id), p.name] for p in pathways.list_pathways(actor)]
        result = self._refresh()
        run_id = insights.latest_run(actor)
        if run_id is not None:
            progress = insights.progress(actor, run_id)
            self._show_run(progress)
            if progress.active and not self.watching:
                return InsightsState.watch
        return result

    @rx.event
    def set_search(self, value: str) -> rx.event.EventSpec | None:
        self.search, self.page = value[:200], 1
        return self._refresh()

    @rx.event
    def set_filter(self, name: str, value: str) -> rx.event.EventSpec | None:
        if name not in FILTERS:
            return None
        setattr(self, name, value[:20])
        self.page = 1
        return self._refresh()

    @rx.event
    def set_sort(self, value: str) -> rx.event.EventSpec | None:
        column, _, direction = value.partition(":")
        if column not in insights.SORTS:
            return None
        self.sort, self.descending, self.page = column, direction != "asc", 1
        return self._refresh()

    @rx.event
    def set_view(self, value: str) -> rx.event.EventSpec | None:
        if value not in ("cases", "workers"):
            return None
        self.view = value
        return self._refresh()

    @rx.event
    def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        try:
            self.page = max(1, min(int(page), self.pages))
        except (TypeError, ValueError):
            return None
        return self._refresh()

    @rx.event
    def open_cell(self, case_id: int, stage: int) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            self.detail = insights.stage_detail(actor, int(case_id), int(stage))
        except NotSignedIn:
            return self._to_sign_in()
        except (CaselineError, TypeError, ValueError) as exc:
            self._say(str(exc) or "Unknown stage", "error")
            return None
        self.detail_open = True
        self.correction_level = self.detail.corrected_level
        self.correction_note, self.correction_error = self.detail.correction_note, ""
        return None

    @rx.event
    def close_detail(self) -> None:
        self.detail_open = False

    @rx.event
    def set_detail_open(self, value: bool) -> None:
        """Escape or a tap outside closes the dialog; nothing opens it but a cell."""
        if not value:
            self.detail_open = False

    @rx.event
    def set_correction_level(self, value: str) -> None:
        if value in ("", "low", "medium", "high"):
            self.correction_level = value

    @rx.event
    def set_correction_note(self, value: str) -> None:
        self.correction_note = value[:500]

    @rx.event
    def save_correction(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            insights.correct(actor, self.detail.case_id, self.detail.stage,
                             self.correction_level, self.correction_note)
            self.detail = insights.stage_detail(actor, self.detail.case_id, self.detail.stage)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.correction_error = str(exc)
            return None
        except CaselineError as exc:
            self.correction_error = str(exc)
            return None
        self.correction_error = ""
        self._say("Correction saved." if self.correction_level else "Correction cleared.")
        return self._refresh()

    @rx.event(background=True)
    async def generate_case(self):  # type: ignore[no-untyped-def]
        """Score the open cell's case now (an AI call may take seconds: off the event loop)."""
        async with self:
            if self.generating_case or not self.detail.case_id:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            case_id, stage = self.detail.case_id, self.detail.stage
            self.generating_case = True
        try:
            outcome = await asyncio.to_thread(insights.generate_for_case, actor, case_id)
            detail = await asyncio.to_thread(insights.stage_detail, actor, case_id, stage)
            async with self:
                self.detail = detail
                self._say("Nothing has changed since the last time: insights kept."
                          if outcome == "skipped" else "Insights updated for this case.")
                self._refresh()
        except CaselineError as exc:
            async with self:
                self._say(str(exc), "error")
        finally:
            async with self:
                self.generating_case = False

    @rx.event(background=True)
    async def generate_all(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.watching:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            self.message = ""
        await self._start_and_watch(lambda: insights.start_run(actor))

    @rx.var
    def sort_value(self) -> str:
        return f"{self.sort}:{'desc' if self.descending else 'asc'}"

    @rx.var
    def export_href(self) -> str:
        query = {"status": self.status, "concern_level": self.concern_level,
                 "worker": self.worker, "pathway": self.pathway, "search": self.search}
        return "/exports/insights.csv?" + urlencode({k: v for k, v in query.items() if v}
                                                    | {"status": self.status})

    @rx.var
    def sort_options(self) -> list[list[str]]:
        options = [["concern:desc", "Concern (highest first)"],
                   ["progress:desc", "Overall progress (most first)"],
                   ["progress:asc", "Overall progress (least first)"],
                   ["last_interaction:desc", "Last interaction (newest)"],
                   ["name:asc", "Name (A–Z)"], ["worker:asc", "Case worker"]]
        for i, name in enumerate(self.stage_names, start=1):
            options.append([f"stage{i}:asc", f"{name} (least progress first)"])
        return options
