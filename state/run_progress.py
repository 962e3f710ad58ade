"""Watching a background run (caseapp/runs.py) from a page: poll its progress, cancel it, resume
it. The run lives in the database and the server's runner, so closing the tab stops nothing;
every poll resolves the actor again, so signing out stops the watching. Every check on who may
see, cancel or resume a run is in the service (each handler here is callable by any client)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import reflex as rx

from caseapp.actor import Actor
from caseapp.errors import CaselineError, NotSignedIn
from caseapp.runs import UNFINISHED, LeasedRunner, RunProgress


class _Polled(Protocol):
    status: str
    can_resume: bool


P = TypeVar("P", bound=_Polled)


async def poll_run(state: Any, fetch: Callable[[Actor], P], show: Callable[[P], None],
                   poll_s: float, max_polls: int) -> tuple[Actor, P]:
    """Poll until the run is over or nobody works on it (``can_resume``), showing each poll.
    ``state`` is a background event's state. Raises NotSignedIn once the session has ended."""
    for _ in range(max_polls):
        async with state:
            actor = state._actor()
        progress = await asyncio.to_thread(fetch, actor)
        async with state:  # leaving the block sends the new progress to the tab
            show(progress)
        if progress.status not in UNFINISHED or progress.can_resume:
            break
        await asyncio.sleep(poll_s)
    return actor, progress


@dataclass(frozen=True)
class RunService:
    """The service functions of one kind of run, as a page calls them."""

    progress: Callable[[Actor, int], RunProgress]
    cancel: Callable[[Actor, int], None]
    resume: Callable[[Actor, int], bool]
    runner: Callable[[], LeasedRunner]
    cancelled: str  # what Cancel says happens to the work already done
    poll_s: float = 1.0
    max_polls: int = 4 * 3600  # a tab stops watching after hours; the run carries on


class RunProgressState(rx.State, mixin=True):
    """Mixed into a page's state (after SessionState): the run's progress vars and the Watch,
    Cancel and Resume handlers. The page says which run service it uses (``_runs``), what to
    reload when a run stops (``_after_watching``) and has ``_say(text, kind)``."""

    run_id: int = 0
    run_status: str = ""
    run_total: int = 0
    run_finished: int = 0
    run_done: int = 0
    run_skipped: int = 0
    run_failed: int = 0
    run_period: str = ""
    run_method: str = ""
    run_started_at: str = ""
    run_message: str = ""
    run_active: bool = False
    run_can_resume: bool = False
    watching: bool = False  # this tab is polling the run

    def _runs(self) -> RunService:
        raise NotImplementedError

    async def _after_watching(self, actor: Actor, run_id: int) -> None:
        """Reload what the run changed, once it has stopped (called outside the state lock)."""

    def _show_run(self, p: RunProgress) -> None:
        self.run_id, self.run_status, self.run_total = p.run_id, p.status, p.total
        self.run_finished, self.run_done = p.finished, p.done
        self.run_skipped, self.run_failed = p.skipped, p.failed
        self.run_period, self.run_method, self.run_started_at = p.period, p.method, p.started_at
        self.run_message, self.run_active, self.run_can_resume = p.message, p.active, p.can_resume

    async def _start_and_watch(self, start: Callable[[], int]) -> None:
        """From a background event: start (or rejoin) a run with the service, then watch it."""
        try:
            run_id = await asyncio.to_thread(start)
        except CaselineError as exc:
            async with self:
                self._say(str(exc), "error")  # type: ignore[attr-defined]
            return
        self._runs().runner().start(run_id)
        async with self:
            self.run_id = run_id
        await self._watch_loop()

    async def _watch_loop(self) -> None:
        async with self:
            self.watching = True
            run_id = self.run_id
        service = self._runs()
        try:
            actor, _ = await poll_run(self, lambda actor: service.progress(actor, run_id),
                                      self._show_run, service.poll_s, service.max_polls)
            await self._after_watching(actor, run_id)
        except CaselineError as exc:  # NotSignedIn included: the next click goes to sign-in
            async with self:
                self._say(str(exc), "error")  # type: ignore[attr-defined]
        finally:
            async with self:
                self.watching = False

    @rx.event(background=True)
    async def watch(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.watching or not self.run_id:
                return
            try:
                self._actor()  # type: ignore[attr-defined]
            except NotSignedIn:
                yield self._to_sign_in()  # type: ignore[attr-defined]
                return
        await self._watch_loop()

    @rx.event
    def cancel(self):  # type: ignore[no-untyped-def]
        service = self._runs()
        try:
            actor = self._actor()  # type: ignore[attr-defined]
            service.cancel(actor, self.run_id)
            self._show_run(service.progress(actor, self.run_id))
            self._say(service.cancelled)  # type: ignore[attr-defined]
        except NotSignedIn:
            return self._to_sign_in()  # type: ignore[attr-defined]
        except CaselineError as exc:
            self._say(str(exc), "error")  # type: ignore[attr-defined]
        return None

    @rx.event
    def resume(self):  # type: ignore[no-untyped-def]
        service = self._runs()
        try:
            actor = self._actor()  # type: ignore[attr-defined]
            if service.resume(actor, self.run_id):
                self._say("Carrying on where the run stopped.")  # type: ignore[attr-defined]
            self._show_run(service.progress(actor, self.run_id))
        except NotSignedIn:
            return self._to_sign_in()  # type: ignore[attr-defined]
        except CaselineError as exc:
            self._say(str(exc), "error")  # type: ignore[attr-defined]
            return None
        return type(self).watch

    @rx.var
    def percent(self) -> int:
        return round(100 * self.run_finished / self.run_total) if self.run_total else 0
