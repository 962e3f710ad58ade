"""caseapp/runs.py on its own: a toy kind of run over the insight run tables whose per-item work
only records what it was given, so each test sees exactly which items were done and by whom."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from caseapp import runs
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied
from caseapp.models import AuditEvent, InsightRun, InsightRunCase, utcnow
from tests.conftest import World

KIND = runs.RunKind(run=InsightRun, item=InsightRunCase, subject="case_id", entity="insight_run",
                    cancelled="test.run_cancelled", resumed="test.run_resumed",
                    not_yours="Not your run.")


class Toy(runs.ItemRunner):
    kind = KIND

    def __init__(self, batch: int = 1, after: Callable[[Toy], None] | None = None,
                 lease_s: float = 30.0, pause_s: float = 0.0) -> None:
        super().__init__(concurrency=1, lease_s=lease_s)
        self.batch, self.after, self.pause_s = batch, after, pause_s
        self.seen: list[int] = []

    def _batch_size(self, run: Any, context: Any) -> int:
        return self.batch

    def _do(self, run: Any, actor: Actor, context: Any, row_id: int, case_id: int) -> None:
        time.sleep(self.pause_s)
        self.seen.append(case_id)
        self._mark(row_id, "done", "")
        if self.after:
            self.after(self)

    def _do_batch(self, run: Any, actor: Actor, context: Any,
                  batch: list[tuple[int, int]]) -> None:
        for row_id, case_id in batch:
            self._do(run, actor, context, row_id, case_id)


def _cases(world: World) -> list[int]:
    return [world.case_worker, world.case_south, world.case_unassigned, world.case_volunteer]


def _run(world: World) -> int:
    with session_scope() as db:
        run = InsightRun(created_by_id=world.manager.id, method="test",  # type: ignore[attr-defined]
                         total=4)
        db.add(run)
        db.flush()
        assert run.id is not None
        runs.queue_items(db, KIND, run.id, _cases(world))
        return run.id


def _statuses(run_id: int) -> list[str]:
    with session_scope() as db:
        return sorted(db.exec(select(InsightRunCase.status)
                              .where(InsightRunCase.run_id == run_id)).all())


def _lease_runs_out(run_id: int) -> None:
    """The lease's time passes: set in the past rather than slept through, so CI's load cannot
    decide whether it has run out yet."""
    with session_scope() as db:
        run = db.get(InsightRun, run_id)
        assert run is not None and run.lease_until is not None
        run.lease_until = utcnow() - timedelta(seconds=1)
        db.add(run)


def _progress(world: World, run_id: int) -> runs.RunProgress:
    return runs.progress(KIND, world.manager, run_id)  # type: ignore[arg-type]


def test_an_expired_lease_lets_another_runner_take_over_a_stalled_run(world: World) -> None:
    run_id = _run(world)
    stalled = Toy()
    assert stalled._acquire(run_id)
    assert stalled._claim(run_id) is not None  # took a case, then hung without renewing
    other = Toy()
    assert not other.process(run_id)  # the lease still holds
    assert _progress(world, run_id).active
    _lease_runs_out(run_id)
    progress = _progress(world, run_id)
    assert progress.can_resume and not progress.active
    assert other._acquire(run_id)
    assert stalled._claim(run_id) is None  # it lost the run: it claims nothing more
    assert other.process(run_id)
    assert sorted(other.seen) == sorted(_cases(world))  # the stalled one's case done again
    assert stalled.seen == []
    done = _progress(world, run_id)
    assert (done.status, done.done, done.active, done.can_resume) == ("done", 4, False, False)
    with session_scope() as db:
        run = db.get(InsightRun, run_id)
        assert run is not None and run.lease_owner is None


def test_a_working_runner_renews_its_lease_so_nobody_takes_over(world: World) -> None:
    run_id = _run(world)
    # Four items of 0.6 s: 2.4 s of work on a 1.5 s lease, renewed every 0.5 s. At 1.9 s the
    # first lease would have run out had it not been renewed.
    busy = Toy(lease_s=1.5, pause_s=0.6)
    worker = threading.Thread(target=busy.process, args=(run_id,))
    worker.start()
    time.sleep(1.9)
    intruder = Toy()
    assert not intruder.process(run_id)
    worker.join()
    assert sorted(busy.seen) == sorted(_cases(world)) and intruder.seen == []
    assert _progress(world, run_id).status == "done"


def test_cancel_stops_the_run_between_batches(world: World) -> None:
    run_id = _run(world)

    def cancel_midway(runner: Toy) -> None:
        if len(runner.seen) == 2:  # the end of the first batch
            runs.cancel_run(KIND, world.manager, run_id)  # type: ignore[arg-type]

    toy = Toy(batch=2, after=cancel_midway)
    assert toy.process(run_id)
    assert len(toy.seen) == 2
    progress = _progress(world, run_id)
    assert (progress.status, progress.finished, progress.done) == ("cancelled", 2, 2)
    assert progress.message == "Cancelled by Mo Manager." and not progress.can_resume
    assert _statuses(run_id) == ["done", "done", "queued", "queued"]
    assert not runs.resume_run(KIND, world.manager, run_id, Toy())  # type: ignore[arg-type]
    with session_scope() as db:
        actions = db.exec(select(AuditEvent.action).where(
            AuditEvent.entity_type == "insight_run", AuditEvent.entity_id == run_id)).all()
    assert list(actions) == ["test.run_cancelled"]


def test_resume_carries_on_where_the_run_stopped(world: World) -> None:
    run_id = _run(world)

    def crash_after_two(runner: Toy) -> None:
        if len(runner.seen) == 2:
            runner.halt()  # the process dies: nothing more, the lease is left to lapse

    crashed = Toy(after=crash_after_two)
    assert crashed.process(run_id)
    assert _progress(world, run_id).status == "running"
    fresh = Toy()
    assert not runs.resume_run(KIND, world.manager, run_id, fresh)  # type: ignore[arg-type]
    _lease_runs_out(run_id)
    with pytest.raises(PermissionDenied):  # only whoever started it may resume it
        runs.resume_run(KIND, world.worker, run_id, fresh)  # type: ignore[arg-type]
    assert runs.resume_run(KIND, world.manager, run_id, fresh)  # type: ignore[arg-type]
    for _ in range(1000):  # up to 20 s on a loaded machine
        if not fresh._active:
            break
        time.sleep(0.02)
    assert len(crashed.seen) == 2 and len(fresh.seen) == 2
    assert sorted(crashed.seen + fresh.seen) == sorted(_cases(world))  # none twice, none lost
    progress = _progress(world, run_id)
    assert (progress.status, progress.done) == ("done", 4)
    with session_scope() as db:
        resumed = db.exec(select(AuditEvent).where(AuditEvent.action == "test.run_resumed")).all()
    assert {e.actor_id for e in resumed} == {world.manager.id}  # type: ignore[attr-defined]
