"""Audits: audited interactions with their scores (filter by worker, period, score), the
unaudited list with Audit per item and Audit all with a progress bar, and trends. Every rule is
in caseapp/note_audits.py; a case worker sees their own whatever this tab asks for."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from caseapp import note_audits
from caseapp.actor import Actor
from caseapp.errors import CaselineError, NotSignedIn
from caseapp.note_audits import AuditFilters, AuditView, TrendPoint, UnauditedRow, WorkerScore
from state.run_progress import RunProgressState, RunService
from state.session import SessionState

PAGE = 20
RUNS = RunService(progress=note_audits.progress, cancel=note_audits.cancel_run,
                  resume=note_audits.resume_run, runner=note_audits.runner,
                  cancelled="Cancelled. Notes already audited keep their audits.",
                  poll_s=0.5, max_polls=8 * 3600)


class AuditsState(SessionState, RunProgressState):
    allowed: bool = False
    is_manager: bool = False
    days: str = "90"
    worker: str = ""  # a staff member's id, "" = everyone the actor may see
    score: str = ""  # "" | poor | fair | good
    offset: int = 0
    rows: list[AuditView] = []
    total: int = 0
    unaudited: list[UnauditedRow] = []
    unaudited_total: int = 0
    worker_options: list[list[str]] = []
    points: list[TrendPoint] = []
    chart: list[dict[str, Any]] = []
    worker_chart: list[dict[str, Any]] = []  # one bar per case worker: their average score
    workers: list[WorkerScore] = []
    trend_worker: str = ""
    average: str = ""
    audited_count: int = 0
    busy_id: int = 0  # the interaction being audited by this tab
    # The latest single Audit, for the case page's Audit action to show beside the note.
    last_id: int = 0
    last_score: int = 0
    last_band: str = ""
    message: str = ""
    message_kind: str = "info"

    def _say(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def _runs(self) -> RunService:
        return RUNS

    async def _after_watching(self, actor: Actor, run_id: int) -> None:
        async with self:
            self._refresh()

    def _days(self) -> int:
        return int(self.days) if self.days.isdigit() else 90

    def _worker(self) -> int | None:
        return int(self.worker) if self.worker.isdigit() else None

    def _refresh(self) -> None:
        """Load every part of the page for the current filters (raises NotSignedIn)."""
        actor = self._actor()
        worker, days = self._worker(), self._days()
        page = note_audits.list_audits(actor, AuditFilters(
            worker_id=worker, days=days, score=self.score, offset=self.offset, limit=PAGE))
        self.rows, self.total = page.rows, page.total
        self.unaudited, self.unaudited_total = note_audits.list_unaudited(
            actor, days=days, worker_id=worker, limit=PAGE)
        trend = note_audits.trends(actor, days=days, worker_id=worker)
        self.points, self.workers = trend.points, trend.workers
        self.trend_worker = trend.worker_name
        self.average = "" if trend.average is None else str(trend.average)
        self.audited_count = trend.audits
        self.chart = [{"week": p.week, "team": p.team, "worker": p.worker, "audits": p.audits}
                      for p in trend.points]
        self.worker_chart = [{"name": w.worker_name, "average": w.average}
                             for w in trend.workers]

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        self.message, self.last_id, self.offset = "", 0, 0
        try:
            actor = self._actor()
            self._remember(actor)
            self.allowed = note_audits.may_audit(actor)
            if not self.allowed:
                self._say(note_audits.NOT_FOR_VOLUNTEERS)
                return None
            self.is_manager = actor.role.value in ("admin", "manager")
            self.worker_options = [[str(i), n] for i, n in note_audits.workers_to_filter(actor)]
            self._refresh()
            run_id = note_audits.latest_run(actor)
            if run_id is not None:
                self._show_run(note_audits.progress(actor, run_id))
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        if self.run_active and not self.watching:
            return AuditsState.watch
        return None

    @rx.event
    def set_filter(self, name: str, value: str):  # type: ignore[no-untyped-def]
        allowed = {"days": {str(d) for d in note_audits.PERIODS},
                   "score": {"", "poor", "fair", "good"},
                   "worker": {""} | {o[0] for o in self.worker_options}}
        if name not in allowed or value not in allowed[name]:
            return None  # not a filter, or not one of its choices: ignored
        setattr(self, name, value)
        self.offset = 0
        try:
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event
    def go_to_page(self, offset: int):  # type: ignore[no-untyped-def]
        self.offset = max(0, min(int(offset), max(self.total - 1, 0)))
        try:
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event(background=True)
    async def audit(self, interaction_id: int):  # type: ignore[no-untyped-def]
        """Audit one interaction off the event loop (a model may take seconds)."""
        async with self:
            if self.busy_id:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            self.busy_id, self.message = int(interaction_id), ""
        try:
            view = await asyncio.to_thread(note_audits.audit_interaction, actor,
                                           int(interaction_id))
            async with self:
                self.last_id, self.last_score, self.last_band = (view.interaction_id,
                                                                 view.score, view.band)
                self._say(f"Audited: {view.score} out of 100 ({view.method})."
                          + (f" {view.note}" if view.note else ""))
                if self.router.url.path.startswith("/audits"):
                    self._refresh()  # the case page's Audit action needs no lists
        except CaselineError as exc:
            async with self:
                self._say(str(exc), "error")
        finally:
            async with self:
                self.busy_id = 0

    @rx.event(background=True)
    async def audit_all(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.watching:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            days, worker = self._days(), self._worker()
            self.message = ""
        await self._start_and_watch(lambda: note_audits.start_run(actor, days, worker))

    @rx.var
    def page_label(self) -> str:
        if not self.total:
            return ""
        return f"{self.offset + 1}–{min(self.offset + PAGE, self.total)} of {self.total}"

    @rx.var
    def has_next(self) -> bool:
        return self.offset + PAGE < self.total

    @rx.var
    def has_previous(self) -> bool:
        return self.offset > 0
