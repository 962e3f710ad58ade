"""Weekly summaries: start "Generate all", watch its progress, cancel or resume it, accept a
summary into a case's record. The run itself lives in the database and the server's runner
(caseapp/ai/weekly.py); this tab only polls it, so closing the tab stops nothing."""

from __future__ import annotations

import asyncio

import reflex as rx

from caseapp.ai import weekly
from caseapp.ai.weekly import RunProgress, WeeklyItem
from caseapp.errors import CaselineError, NotSignedIn
from state.session import SessionState

POLL_S = 1.0
PAGE = 100  # cases listed at a time ("Show more" adds another page)
MAX_POLLS = 4 * 3600  # a tab stops watching after about four hours; the run carries on


class WeeklyState(SessionState):
    allowed: bool = False
    days: str = "7"
    run_id: int = 0
    run_status: str = ""
    total: int = 0
    finished: int = 0
    done_count: int = 0
    skipped_count: int = 0
    failed_count: int = 0
    period: str = ""
    method: str = ""
    started_at: str = ""
    run_message: str = ""
    active: bool = False
    can_resume: bool = False
    watching: bool = False  # this tab is polling the run
    items: list[WeeklyItem] = []
    shown: int = PAGE
    message: str = ""
    message_kind: str = "info"  # info | error

    def _show(self, p: RunProgress) -> None:
        self.run_id, self.run_status, self.total, self.finished = (p.run_id, p.status, p.total,
                                                                   p.finished)
        self.done_count, self.skipped_count, self.failed_count = p.done, p.skipped, p.failed
        self.period, self.method, self.started_at = p.period, p.method, p.started_at
        self.run_message, self.active, self.can_resume = p.message, p.active, p.can_resume

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
            self._show(progress)
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
        try:
            run_id = await asyncio.to_thread(weekly.start_run, actor, days)
        except CaselineError as exc:
            async with self:
                self._say(str(exc), "error")
            return
        weekly.runner().start(run_id)
        async with self:
            self.run_id = run_id
        await self._watch_loop()

    @rx.event(background=True)
    async def watch(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.watching or not self.run_id:
                return
            try:
                self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
        await self._watch_loop()

    async def _watch_loop(self) -> None:
        """Poll the run until it finishes or nobody is working on it; then show the results.
        Every poll resolves the actor again, so signing out stops it."""
        async with self:
            self.watching = True
        try:
            for _ in range(MAX_POLLS):
                async with self:
                    actor = self._actor()
                    run_id = self.run_id or weekly.latest_run(actor) or 0
                progress = await asyncio.to_thread(weekly.progress, actor, run_id)
                async with self:  # leaving the block sends the new progress to the tab
                    self._show(progress)
                if not progress.unfinished or progress.can_resume:
                    break
                await asyncio.sleep(POLL_S)
            items = await asyncio.to_thread(weekly.results, actor, run_id, self.shown)
            async with self:
                self.items = items
        except CaselineError as exc:  # NotSignedIn included: the next click goes to sign-in
            async with self:
                self._say(str(exc), "error")
        finally:
            async with self:
                self.watching = False

    @rx.event
    def cancel(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            weekly.cancel_run(actor, self.run_id)
            self._show(weekly.progress(actor, self.run_id))
            self._say("Cancelled. Cases already summarised are kept.")
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event
    def resume(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            if weekly.resume_run(actor, self.run_id):
                self._say("Carrying on where the run stopped.")
            self._show(weekly.progress(actor, self.run_id))
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        return WeeklyState.watch

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
            self.shown = min(self.shown + PAGE, max(self.total, PAGE))
            self.items = weekly.results(actor, self.run_id, self.shown)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.var
    def has_more(self) -> bool:
        return len(self.items) >= self.shown and self.total > self.shown

    @rx.var
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0
