"""The background runner for data-subject rights: subject access exports and bulk retention
anonymisation (``RightsJob`` rows).

As with weekly summaries (caseapp/ai/weekly.py), a job lives in the database, a runner in the
server process holds a lease on it while it works and renews it as it goes, and a job whose
lease has lapsed (its server restarted) is picked up again by whichever runner is alive. An
export that was cut short is simply built again from the start (a new file; the half-written
one was removed); a retention job carries on with the people not yet done, one transaction
each. The lifespan task also deletes exports past their keep period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.erasure import finish_erasure
from caseapp.errors import CaselineError
from caseapp.models import RightsJob, RightsJobItem, Role, User, utcnow
from caseapp.retention import anonymise_if_still_due, policy_years
from caseapp.subject_access import build, delete_export_file, expiry_from, purge_expired

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")


class RightsRunner:
    def __init__(self, lease_s: float = 30.0) -> None:
        self.id = uuid.uuid4().hex
        self.lease_s = lease_s
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._active: set[int] = set()

    # -- control

    def start(self, job_id: int) -> bool:
        """Work on the job in a background thread. False if it is already being worked on."""
        with self._lock:
            if job_id in self._active or self._halt.is_set():
                return False
            self._active.add(job_id)
        if not self._acquire(job_id):
            with self._lock:
                self._active.discard(job_id)
            return False
        threading.Thread(target=self._process_then_forget, args=(job_id,), daemon=True,
                         name=f"rights-job-{job_id}").start()
        return True

    def run_now(self, job_id: int) -> bool:
        """Work on the job in this thread until it is finished (commands and tests)."""
        if not self._acquire(job_id):
            return False
        self._process(job_id)
        return True

    def halt(self) -> None:
        self._halt.set()

    def resume_unfinished(self) -> list[int]:
        with session_scope() as db:
            ids = list(db.exec(select(RightsJob.id).where(
                col(RightsJob.status).in_(UNFINISHED),
                or_(col(RightsJob.lease_until).is_(None), col(RightsJob.lease_until) < utcnow()))
            ).all())
        return [i for i in ids if i is not None and self.start(i)]

    def _process_then_forget(self, job_id: int) -> None:
        try:
            self._process(job_id)
        finally:
            with self._lock:
                self._active.discard(job_id)

    # -- leases

    def _acquire(self, job_id: int) -> bool:
        now = utcnow()
        with session_scope() as db:
            took = db.execute(update(RightsJob).where(
                col(RightsJob.id) == job_id, col(RightsJob.status).in_(UNFINISHED),
                or_(col(RightsJob.lease_owner).is_(None), RightsJob.lease_owner == self.id,
                    col(RightsJob.lease_until).is_(None), col(RightsJob.lease_until) < now))
                .values(lease_owner=self.id, lease_until=now + timedelta(seconds=self.lease_s),
                        status="running")).rowcount
        return bool(took)

    def _still_mine(self, job_id: int, **values: object) -> bool:
        """Renew the lease (and record progress). False when the job is no longer this
        runner's to work on (finished elsewhere, erased, or the lease went to another)."""
        with session_scope() as db:
            return bool(db.execute(update(RightsJob).where(
                col(RightsJob.id) == job_id, RightsJob.status == "running",
                RightsJob.lease_owner == self.id)
                .values(lease_until=utcnow() + timedelta(seconds=self.lease_s), **values)
            ).rowcount)

    def _stop(self, job_id: int, status: str, message: str) -> None:
        with session_scope() as db:
            db.execute(update(RightsJob).where(col(RightsJob.id) == job_id,
                                               col(RightsJob.status).in_(UNFINISHED))
                       .values(status=status, message=message[:500], finished_at=utcnow(),
                               lease_owner=None))

    # -- the work

    def _process(self, job_id: int) -> None:
        with session_scope() as db:
            job = db.get(RightsJob, job_id)
            user = db.get(User, job.created_by_id) if job else None
        if job is None:
            return
        if user is None or not user.active or user.role != Role.ADMIN.value:
            self._stop(job_id, "failed", "The admin who started this can no longer do so.")
            return
        actor = Actor.of(user)
        try:
            if job.kind == "export":
                self._export(job_id, actor)
            elif job.kind == "retention":
                self._retention(job_id, actor)
            else:
                self._stop(job_id, "failed", "Unknown kind of job")
        except CaselineError as exc:
            self._stop(job_id, "failed", str(exc))
        except Exception:
            log.exception("data rights job %s stopped", job_id)
            self._stop(job_id, "failed", "Caseline could not finish this (an internal error "
                                         "was logged). Try again.")

    def _export(self, job_id: int, actor: Actor) -> None:
        last = [0.0]

        def tick(done: int, total: int) -> None:
            if self._halt.is_set():
                raise InterruptedError("the server is stopping")
            now = utcnow().timestamp()
            if done in (0, total) or now - last[0] > 1.0:  # at most a write a second
                last[0] = now
                if not self._still_mine(job_id, done=done, total=total):
                    raise InterruptedError("the job was taken over or erased")

        try:
            key, size = build(job_id, actor, tick)
        except InterruptedError:
            return  # the lease lapses (or the job was closed); nothing half-made is kept
        finished = utcnow()
        with session_scope() as db:
            took = db.execute(update(RightsJob).where(
                col(RightsJob.id) == job_id, RightsJob.status == "running",
                RightsJob.lease_owner == self.id)
                .values(status="done", file_key=key, file_bytes=size, finished_at=finished,
                        expires_at=expiry_from(finished), lease_owner=None, message="")).rowcount
            if took:
                job = db.get(RightsJob, job_id)
                audit.record(db, actor, "subject_access.ready", "person",
                             job.person_id if job else None, job_id=job_id, bytes=size)
        if not took:  # erased (or finished elsewhere) meanwhile: keep no copy
            delete_export_file(key)

    def _retention(self, job_id: int, actor: Actor) -> None:
        with session_scope() as db:
            years = policy_years(db)
        while not self._halt.is_set():
            with session_scope() as db:
                item = db.exec(select(RightsJobItem).where(
                    RightsJobItem.job_id == job_id, RightsJobItem.status == "queued")
                    .order_by(col(RightsJobItem.id)).limit(1)).first()
            if item is None:
                break
            result = None
            try:
                with session_scope() as db:
                    status, result = anonymise_if_still_due(db, actor, item.person_id, years)
                    db.execute(update(RightsJobItem).where(col(RightsJobItem.id) == item.id)
                               .values(status=status, message="" if status == "done" else
                                       "No longer past the retention period"))
            except Exception as exc:  # one person's failure must not stop the others
                log.exception("retention: person %s not anonymised", item.person_id)
                with session_scope() as db:
                    db.execute(update(RightsJobItem).where(col(RightsJobItem.id) == item.id)
                               .values(status="failed", message=str(exc)[:300]
                                       if isinstance(exc, CaselineError) else "Internal error"))
            if result is not None:
                finish_erasure(result)
            with session_scope() as db:
                done = db.exec(select(RightsJobItem.id).where(
                    RightsJobItem.job_id == job_id, RightsJobItem.status != "queued")).all()
            if not self._still_mine(job_id, done=len(done)):
                return
        if self._halt.is_set():
            return
        with session_scope() as db:
            counts: dict[str, int] = {}
            for status in db.exec(select(RightsJobItem.status).where(
                    RightsJobItem.job_id == job_id)).all():
                counts[status] = counts.get(status, 0) + 1
            db.execute(update(RightsJob).where(col(RightsJob.id) == job_id,
                                               RightsJob.lease_owner == self.id)
                       .values(status="done", finished_at=utcnow(), lease_owner=None,
                               message=f"{counts.get('done', 0)} anonymised, "
                                       f"{counts.get('skipped', 0)} no longer due, "
                                       f"{counts.get('failed', 0)} failed."))
            audit.record(db, actor, "retention.anonymise_finished", "rights_job", job_id,
                         anonymised=counts.get("done", 0), skipped=counts.get("skipped", 0),
                         failed=counts.get("failed", 0))


_runner: RightsRunner | None = None
_runner_lock = threading.Lock()


def runner() -> RightsRunner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = RightsRunner()
        return _runner


async def _keep_going(interval_s: float) -> None:
    while True:
        try:
            await asyncio.to_thread(purge_expired)
            await asyncio.to_thread(runner().resume_unfinished)
        except Exception:  # the database may be briefly unavailable; try again next time
            log.exception("data rights jobs: could not resume or purge")
        await asyncio.sleep(interval_s)


@contextlib.asynccontextmanager
async def resume_rights_jobs(interval_s: float = 30.0):  # type: ignore[no-untyped-def]
    """For the server's lifespan: resumes orphaned jobs, deletes expired exports; on shutdown
    stops taking new work."""
    watcher = asyncio.create_task(_keep_going(interval_s))
    try:
        yield
    finally:
        watcher.cancel()
        runner().halt()
