"""Weekly summaries: start "Generate all", watch its progress, cancel or resume it, accept a
summary into a case's record. The run itself lives in the database and the server's runner
(caseapp/ai/weekly.py); this tab only polls it, so closing the tab stops nothing."""

from __future__ import annotations

import asyncio

import reflex as rx

from caseapp.actor import Actor
from caseapp.ai import weekly
from caseapp.ai.weekly import WeeklyItem
from caseapp.errors import CaselineError, NotSignedIn
from state.run_progress import RunProgressState, RunService
from state.session import SessionState

PAGE = 100  # cases listed at a time ("Show more" adds another page)
RUNS = RunService(progress=weekly.progress, cancel=weekly.cancel_run, resume=weekly.resume_run,
                  runner=weekly.runner, cancelled="Cancelled. Cases already summarised are kept.")


class WeeklyState(SessionState, RunProgressState):
    allowed: bool = False
    days: str = "7"
    items: list[WeeklyItem] = []
    shown: int = PAGE
    message: str = ""
    message_kind: str = "info"  # info | error

    def _runs(self) -> RunService:
        return RUNS

    async def _after_watching(self, actor: Actor, run_id: int) -> None:
        items = await asyncio.to_thread(weekly.results, actor, run_id, self.shown)
        async with self:
            self.items = items

    def _say(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        self.items, self.run_id, self.run_status, self.message = [], 0, "", ""
        self.shown = PAGE
        try:
            actor = self._actor()
            self._remember(actor)
            self.allowed = weekly.may_run(actor)
            if not self.allowed:
                self._say(weekly.NOT_FOR_VOLUNTEERS)
                return None
            run_id = weekly.latest_run(actor)
            if run_id is None:
                return None
            progress = weekly.progress(actor, run_id)
            self._show_run(progress)
            self.items = weekly.results(actor, run_id, self.shown)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        if progress.active and not self.watching:
            return WeeklyState.watch
        return None

    @rx.event
    def set_days(self, value: str) -> None:
        if value.isdigit() and int(value) in weekly.PERIODS:
            self.days = value

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
            days = int(self.days) if self.days.isdigit() else 7
            self.message, self.items = "", []
        await self._start_and_watch(lambda: weekly.start_run(actor, days))

    @rx.event
    def accept(self, case_id: int):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            weekly.accept(actor, self.run_id, int(case_id))
            self._say("Summary saved to the case record.")
            self.items = weekly.results(actor, self.run_id, self.shown)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event
    def show_more(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            self.shown = min(self.shown + PAGE, max(self.run_total, PAGE))
            self.items = weekly.results(actor, self.run_id, self.shown)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.var
    def has_more(self) -> bool:
        return len(self.items) >= self.shown and self.run_total > self.shown
