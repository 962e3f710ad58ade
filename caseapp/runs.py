"""Background runs: long work (weekly summaries, Audit all, Generate insights, data-rights jobs)
that lives in the database, so it survives a restart, and is worked through by a runner in the
server process.

A run is one row (status queued, running, cancelled, done or failed) and, for runs over many
things, one item row per thing. A runner holds a lease on the run while it works and renews it
while alive; a run whose lease has lapsed was orphaned by a crash and any runner may resume it.
Workers claim queued items with one conditional UPDATE each (so no item is done twice by two
runners), and a claim requires the run to be running under this runner's lease, so Cancel
takes effect between items (or batches) and a runner that lost its lease stops.

What a kind of run does per item is the subclass's part (``ItemRunner._do``); the service
functions here (progress, cancel, resume) are called by each capability's module with the acting
user and do the ownership check every caller shares: a run is seen only by whoever started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import exists, func, insert, or_, update
from sqlmodel import Session, col, select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.cases import plausible_id
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import CaselineError, PermissionDenied
from caseapp.models import User, utcnow

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")
GONE = "The person who started this run can no longer sign in."
QUEUE_CHUNK = 1000  # item rows per INSERT when queueing, to keep statements a sane size


@dataclass
class RunProgress:
    """How far a run has got, for a page to show. ``period`` and ``started_at`` are filled by
    the kinds of run that show them."""

    run_id: int = 0
    status: str = ""  # queued | running | cancelled | done | failed
    total: int = 0
    finished: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    period: str = ""
    method: str = ""
    started_at: str = ""
    message: str = ""
    active: bool = False  # a runner holds a live lease on it
    can_resume: bool = False  # unfinished and nobody is working on it (e.g. after a restart)

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED


@dataclass(frozen=True)
class RunKind:
    """The tables of one kind of run and the words its audit trail uses.

    ``run`` has id, created_by_id, status, total, method, message, created_at, finished_at,
    lease_owner and lease_until; ``item`` has id, run_id, status, claimed_by, message,
    finished_at and the ``subject`` column naming what is worked on."""

    run: Any
    item: Any
    subject: str  # e.g. "case_id", "interaction_id"
    entity: str  # the run's entity type in the audit trail, e.g. "summary_run"
    cancelled: str  # audit actions
    resumed: str
    not_yours: str  # the refusal for a missing run and for someone else's (the same on purpose)


# ---------------------------------------------------------------------------------------------
# Service side (called by each capability's module with the acting user)


def own_run(db: Session, kind: RunKind, actor: Actor, run_id: int) -> Any:
    valid = plausible_id(run_id)  # an out-of-range id would be a database error, not "no access"
    run = db.get(kind.run, valid) if valid is not None else None
    if run is None or run.created_by_id != actor.id:
        raise PermissionDenied(kind.not_yours)  # the same for missing and other people's runs
    return run


def unfinished_run(db: Session, kind: RunKind, actor: Actor) -> int | None:
    """The actor's unfinished run, if any: starting again returns it rather than a second run."""
    return db.exec(select(kind.run.id).where(
        kind.run.created_by_id == actor.id, col(kind.run.status).in_(UNFINISHED))
        .order_by(col(kind.run.id).desc())).first()


def latest_run(kind: RunKind, actor: Actor) -> int | None:
    with session_scope() as db:
        return db.exec(select(kind.run.id).where(kind.run.created_by_id == actor.id)
                       .order_by(col(kind.run.id).desc())).first()


def queue_items(db: Session, kind: RunKind, run_id: int, subject_ids: list[int]) -> None:
    for start in range(0, len(subject_ids), QUEUE_CHUNK):
        db.execute(insert(kind.item), [
            {"run_id": run_id, kind.subject: s, "status": "queued", "message": ""}
            for s in subject_ids[start:start + QUEUE_CHUNK]])


def lease_live(run: Any, now: datetime | None = None) -> bool:
    return (run.lease_owner is not None and run.lease_until is not None
            and run.lease_until > (now or utcnow()))


def progress(kind: RunKind, actor: Actor, run_id: int,
             describe: Callable[[Session, Any], dict[str, str]] | None = None) -> RunProgress:
    """``describe`` adds the kind's own words (period, started at) read in the same session."""
    with session_scope() as db:
        run = own_run(db, kind, actor, run_id)
        extra = describe(db, run) if describe else {}
        counts = dict(db.exec(select(kind.item.status, func.count())
                              .where(kind.item.run_id == run_id)
                              .group_by(kind.item.status)).all())
    live = lease_live(run)
    done, skipped, failed = (counts.get(s, 0) for s in ("done", "skipped", "failed"))
    return RunProgress(run_id=run_id, status=run.status, total=run.total,
                       finished=done + skipped + failed, done=done, skipped=skipped,
                       failed=failed, method=run.method, message=run.message,
                       active=live and run.status in UNFINISHED,
                       can_resume=run.status in UNFINISHED and not live, **extra)


def cancel_run(kind: RunKind, actor: Actor, run_id: int) -> None:
    """Stop a run: no further item is started; items already finished are kept."""
    with session_scope() as db:
        run = own_run(db, kind, actor, run_id)
        if run.status not in UNFINISHED:
            return
        db.execute(update(kind.run).where(col(kind.run.id) == run_id,
                                          col(kind.run.status).in_(UNFINISHED))
                   .values(status="cancelled", finished_at=utcnow(),
                           message=f"Cancelled by {actor.name}."))
        audit.record(db, actor, kind.cancelled, kind.entity, run_id)
    # The runner's workers see it at their next claim (a claim requires a running run).


def resume_run(kind: RunKind, actor: Actor, run_id: int, runner: LeasedRunner,
               check: Callable[[Session], None] | None = None) -> bool:
    """Carry on with an unfinished run nobody is working on (after a restart). True if resumed.
    ``check`` may refuse (e.g. AI switched off) after the ownership check."""
    with session_scope() as db:
        run = own_run(db, kind, actor, run_id)
        if check is not None:
            check(db)
        if run.status not in UNFINISHED:
            return False
        audit.record(db, actor, kind.resumed, kind.entity, run_id)
    return runner.start(run_id)


# ---------------------------------------------------------------------------------------------
# Runners


class LeasedRunner:
    """The lease: at most one runner works on a run, and a run whose runner died is taken up
    by another once its lease lapses. Subclasses do the work in ``_work_on``."""

    table: ClassVar[Any]  # the run table
    label: ClassVar[str] = "run"  # names threads and log lines

    def __init__(self, lease_s: float = 30.0) -> None:
        self.id = uuid.uuid4().hex
        self.lease_s = lease_s
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._active: set[int] = set()

    # -- control

    def start(self, run_id: int) -> bool:
        """Work on the run in a background thread. False if already at work on it here."""
        with self._lock:
            if run_id in self._active or self._halt.is_set():
                return False
            self._active.add(run_id)
        # Take the lease before returning, not in the thread: a page polling straight after
        # would otherwise see an unfinished run nobody holds and offer to resume it.
        if not self._acquire(run_id):
            with self._lock:
                self._active.discard(run_id)
            return False
        threading.Thread(target=self._process_then_forget, args=(run_id,), daemon=True,
                         name=f"{self.label.replace(' ', '-')}-{run_id}").start()
        return True

    def process(self, run_id: int) -> bool:
        """Work on a run in this thread until it is finished, cancelled or this runner halts.
        False if another live runner holds it (or it is not unfinished)."""
        if not self._acquire(run_id):
            return False
        self._work_on(run_id)
        return True

    def halt(self) -> None:
        """Stop taking new work (process shutting down). The lease is left to lapse, exactly as
        after a crash, so the run is resumed later by whichever runner is alive then."""
        self._halt.set()

    def resume_unfinished(self) -> list[int]:
        """Start every unfinished run whose lease has lapsed (its runner died). Called
        periodically in the server process."""
        with session_scope() as db:
            ids = list(db.exec(select(self.table.id).where(
                col(self.table.status).in_(UNFINISHED),
                or_(col(self.table.lease_until).is_(None), col(self.table.lease_until) < utcnow()))
            ).all())
        return [i for i in ids if i is not None and self.start(i)]

    def _process_then_forget(self, run_id: int) -> None:
        try:
            self._work_on(run_id)
        except Exception:  # a bug must not kill the server thread silently
            log.exception("%s %s stopped", self.label, run_id)
        finally:
            with self._lock:
                self._active.discard(run_id)

    def _work_on(self, run_id: int) -> None:
        raise NotImplementedError

    # -- the lease

    def _acquire(self, run_id: int) -> bool:
        now = utcnow()
        with session_scope() as db:
            took = db.execute(update(self.table).where(
                col(self.table.id) == run_id, col(self.table.status).in_(UNFINISHED),
                or_(col(self.table.lease_owner).is_(None), self.table.lease_owner == self.id,
                    col(self.table.lease_until).is_(None), col(self.table.lease_until) < now))
                .values(lease_owner=self.id, lease_until=now + timedelta(seconds=self.lease_s),
                        status="running")).rowcount
            if took:
                self._requeue(db, run_id)
        return bool(took)

    def _requeue(self, db: Session, run_id: int) -> None:
        """Just after taking the lease: put back work a dead runner left half done."""

    def _renew(self, run_id: int, **values: object) -> bool:
        """Renew the lease (and record ``values``). False when the run is no longer this
        runner's to work on (finished or cancelled elsewhere, or the lease went to another)."""
        with session_scope() as db:
            return bool(db.execute(update(self.table).where(
                col(self.table.id) == run_id, self.table.status == "running",
                self.table.lease_owner == self.id)
                .values(lease_until=utcnow() + timedelta(seconds=self.lease_s), **values)
            ).rowcount)

    def _stop(self, run_id: int, status: str, message: str) -> None:
        with session_scope() as db:
            db.execute(update(self.table).where(col(self.table.id) == run_id,
                                                col(self.table.status).in_(UNFINISHED))
                       .values(status=status, message=message[:500], finished_at=utcnow(),
                               lease_owner=None))


class ItemRunner(LeasedRunner):
    """A run over many items: ``concurrency`` worker threads per run, each claiming the next
    queued item (or batch) and doing it with ``_do``; a heartbeat renews the lease meanwhile.
    ``_slots`` is shared by every run in this process, so an AI endpoint sees at most
    ``concurrency`` requests at once even with two runs going."""

    kind: ClassVar[RunKind]
    internal_error: ClassVar[str] = "Caseline could not do this (an internal error was logged)."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            cls.table = cls.kind.run

    def __init__(self, concurrency: int | None = None, lease_s: float = 30.0) -> None:
        super().__init__(lease_s)
        self.concurrency = max(1, concurrency or settings().ai_concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)

    # -- what a kind of run does (overridden)

    def _context(self, db: Session, run: Any) -> Any:
        """Read once per run, in the session that loads it (e.g. the AI configuration)."""
        return None

    def _threads(self, run: Any, context: Any) -> int:
        return self.concurrency

    def _batch_size(self, run: Any, context: Any) -> int:
        """More than 1: items are claimed and done ``_do_batch`` at a time."""
        return 1

    def _do(self, run: Any, actor: Actor, context: Any, row_id: int, subject_id: int) -> None:
        """Do one item and record its outcome with ``_mark``."""
        raise NotImplementedError

    def _do_batch(self, run: Any, actor: Actor, context: Any,
                  batch: list[tuple[int, int]]) -> None:
        raise NotImplementedError

    def _failed(self, run: Any, row_id: int, exc: CaselineError) -> None:
        """An item refused or failed with a reason a person can read."""
        self._mark(row_id, "failed", str(exc))

    # -- the loop

    def _work_on(self, run_id: int) -> None:
        with session_scope() as db:
            run = db.get(self.table, run_id)
            user = db.get(User, run.created_by_id) if run else None
            context = self._context(db, run) if run else None
        if run is None or user is None or not user.active:
            self._stop(run_id, "failed", GONE)
            return
        actor = Actor.of(user)
        beating = threading.Event()
        heart = threading.Thread(target=self._heartbeat, args=(run_id, beating), daemon=True)
        heart.start()
        workers = [threading.Thread(target=self._work, args=(run, actor, context), daemon=True)
                   for _ in range(min(self._threads(run, context), max(run.total, 1)))]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        beating.set()
        heart.join()
        if not self._halt.is_set():
            self._finish(run_id)

    def _work(self, run: Any, actor: Actor, context: Any) -> None:
        size = self._batch_size(run, context)
        while not self._halt.is_set():
            if size > 1:
                batch = self._claim_batch(run.id, size)
                if not batch or self._halt.is_set():
                    return
                self._do_batch(run, actor, context, batch)
                continue
            claimed = self._claim(run.id)
            if claimed is None or self._halt.is_set():
                return  # halted (crashed) between claim and work: the item stays "running"
            row_id, subject_id = claimed
            try:
                self._do(run, actor, context, row_id, subject_id)
            except CaselineError as exc:
                self._failed(run, row_id, exc)
            except Exception:
                log.exception("%s %s: %s %s failed", self.label, run.id, self.kind.subject,
                              subject_id)
                self._mark(row_id, "failed", self.internal_error)

    def _requeue(self, db: Session, run_id: int) -> None:
        # Items left "running" were in flight in a runner that died: do them again.
        item = self.kind.item
        db.execute(update(item).where(item.run_id == run_id, item.status == "running")
                   .values(status="queued", claimed_by=None))

    def _heartbeat(self, run_id: int, stop: threading.Event) -> None:
        while not stop.wait(self.lease_s / 3):
            if self._halt.is_set():
                return  # a crashed process renews nothing
            with session_scope() as db:
                db.execute(update(self.table).where(col(self.table.id) == run_id,
                                                    self.table.lease_owner == self.id)
                           .values(lease_until=utcnow() + timedelta(seconds=self.lease_s)))

    def _live(self, run_id: int) -> Any:
        """SQL: the run is running under this runner's lease (cancelled or taken over: not)."""
        return exists().where(col(self.table.id) == run_id, self.table.status == "running",
                              self.table.lease_owner == self.id)

    def _claim(self, run_id: int) -> tuple[int, int] | None:
        """Take the next queued item of a live run this runner holds; None when there is none
        (finished, cancelled, or the lease went to someone else). One statement, so two
        runners can never take the same item."""
        item, live = self.kind.item, self._live(run_id)
        nxt = (select(item.id).where(item.run_id == run_id, item.status == "queued")
               .order_by(col(item.id)).limit(1).scalar_subquery())
        while True:
            with session_scope() as db:
                row = db.execute(update(item)
                                 .where(col(item.id) == nxt, item.status == "queued", live)
                                 .values(status="running", claimed_by=self.id)
                                 .returning(item.id, getattr(item, self.kind.subject))).first()
                if row:
                    return row[0], row[1]
                # On PostgreSQL a worker that raced another for the same item waits, then finds
                # it taken and updates nothing: look again while the run still has queued items.
                more = db.exec(select(item.id).where(
                    item.run_id == run_id, item.status == "queued", live).limit(1)).first()
            if more is None:
                return None

    def _claim_batch(self, run_id: int, size: int) -> list[tuple[int, int]]:
        """Up to ``size`` queued items of a live run this runner holds, in one statement."""
        item = self.kind.item
        nxt = (select(item.id).where(item.run_id == run_id, item.status == "queued")
               .order_by(col(item.id)).limit(size))
        with session_scope() as db:
            rows = db.execute(update(item)
                              .where(col(item.id).in_(nxt), item.status == "queued",
                                     self._live(run_id))
                              .values(status="running", claimed_by=self.id)
                              .returning(item.id, getattr(item, self.kind.subject))).all()
        return [(r[0], r[1]) for r in rows]

    def _mark(self, row_id: int, status: str, message: str, db: Session | None = None) -> None:
        """Record one item's outcome, in ``db`` when it must commit with the item's work."""
        if db is None:
            with session_scope() as own:
                self._mark(row_id, status, message, own)
            return
        db.execute(update(self.kind.item).where(col(self.kind.item.id) == row_id)
                   .values(status=status, message=message[:500], finished_at=utcnow()))

    def _finish(self, run_id: int) -> None:
        """Done when no item is left to do; the lease is let go either way."""
        item = self.kind.item
        left = exists().where(item.run_id == run_id, col(item.status).in_(UNFINISHED))
        with session_scope() as db:
            db.execute(update(self.table).where(col(self.table.id) == run_id,
                                                self.table.status == "running",
                                                self.table.lease_owner == self.id, ~left)
                       .values(status="done", finished_at=utcnow()))
            db.execute(update(self.table).where(col(self.table.id) == run_id,
                                                self.table.lease_owner == self.id)
                       .values(lease_owner=None, lease_until=None))


@contextlib.asynccontextmanager
async def resuming(runner: Callable[[], LeasedRunner], interval_s: float, what: str,
                   also: Iterable[Callable[[], object]] = ()) -> AsyncIterator[None]:
    """For the server's lifespan: every ``interval_s`` does ``also`` (housekeeping) and takes up
    runs a restart left unfinished once their lease has lapsed; on shutdown stops the runner
    taking new work. ``runner`` is called each time, so the process's runner can be swapped."""
    chores = list(also)

    async def keep_going() -> None:
        while True:
            try:
                for chore in chores:
                    await asyncio.to_thread(chore)
                await asyncio.to_thread(runner().resume_unfinished)
            except Exception:  # the database may be briefly unavailable; try again next time
                log.exception("could not look for %s to resume", what)
            await asyncio.sleep(interval_s)

    watcher = asyncio.create_task(keep_going())
    try:
        yield
    finally:
        watcher.cancel()
        runner().halt()
