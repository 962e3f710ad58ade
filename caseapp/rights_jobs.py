"""The background runner for data-subject rights: subject access exports and bulk retention
anonymisation (``RightsJob`` rows).

As with every background run (caseapp/runs.py), a job lives in the database, a runner in the
server process holds a lease on it while it works and renews it as it goes, and a job whose
lease has lapsed (its server restarted) is picked up again by whichever runner is alive. An
export that was cut short is simply built again from the start (a new file; the half-written
one was removed); a retention job carries on with the people not yet done, one transaction
each. The lifespan task also deletes exports past their keep period.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from sqlalchemy import update
from sqlmodel import col, select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.erasure import finish_erasure
from caseapp.errors import CaselineError
from caseapp.models import RightsJob, RightsJobItem, Role, User, utcnow
from caseapp.retention import anonymise_if_still_due, policy_years
from caseapp.runs import LeasedRunner, resuming
from caseapp.subject_access import build, delete_export_file, expiry_from, purge_expired

log = logging.getLogger(__name__)


class RightsRunner(LeasedRunner):
    """The lease and its control come from caseapp/runs.py; a job here is one piece of work
    (an export) or a loop over people (retention), renewing the lease as it goes."""

    table = RightsJob
    label = "rights job"

    def run_now(self, job_id: int) -> bool:
        """Work on the job in this thread until it is finished (commands and tests)."""
        return self.process(job_id)

    # -- the work

    def _work_on(self, job_id: int) -> None:
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
                if not self._renew(job_id, done=done, total=total):
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
            if not self._renew(job_id, done=len(done)):
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


def resume_rights_jobs(interval_s: float = 30.0) -> contextlib.AbstractAsyncContextManager[None]:
    """For the server's lifespan: resumes orphaned jobs, deletes expired exports; on shutdown
    stops taking new work."""
    return resuming(runner, interval_s, "data rights jobs", also=(purge_expired,))
