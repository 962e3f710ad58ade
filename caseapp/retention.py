"""Retention: how long records are kept after a person's last case closed (an organisation
setting, 6 years by default), the report of people past it, and anonymising them in bulk.

A person is past the period when every one of their cases is Closed and the latest end date is
more than the period ago. People already anonymised are not listed again. The bulk action is a
``RightsJob`` of kind "retention" worked through by ``caseapp.rights_jobs``: one person per
transaction, each checked again when its turn comes (a case reopened meanwhile is skipped), so
an interrupted job resumes where it stopped and nothing is done twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case as sql_case
from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.erasure import ErasureResult, closure_cutoff, erase_in
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import (
    Case,
    Person,
    PersonErasure,
    RetentionPolicy,
    RightsJob,
    RightsJobItem,
    Status,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.timefmt import format_date, format_datetime

DEFAULT_YEARS = 6
MIN_YEARS, MAX_YEARS = 1, 100
REPORT_PAGE = 50
ONLY_ADMINS = "Only an admin can manage retention"


@dataclass
class RetentionRow:
    person_id: int
    name: str
    cases: int
    last_closed: str


@dataclass
class RetentionReport:
    years: int
    cutoff: str  # cases closed on or before this date are past the period
    total: int
    rows: list[RetentionRow]
    page: int
    pages: int


def _refuse(db: Session, actor: Actor, attempted: str) -> None:
    if not access.can_use_data_rights(actor):
        audit.record_denial(db, actor, "access.denied", "retention", None, attempted=attempted)
        raise PermissionDenied(ONLY_ADMINS)


def policy_years(db: Session) -> int:
    row = db.get(RetentionPolicy, 1)
    return row.years if row else DEFAULT_YEARS


def get_years(actor: Actor) -> int:
    with session_scope() as db:
        _refuse(db, actor, "retention.view")
        return policy_years(db)


def set_years(actor: Actor, years: str | int) -> int:
    """Change the period (whole years). Audited with the old and new value."""
    raw = str(years).strip()
    if not (raw.isascii() and raw.isdigit()) or not MIN_YEARS <= int(raw) <= MAX_YEARS:
        raise ValidationFailed({"years": f"Enter a whole number of years from {MIN_YEARS} to "
                                         f"{MAX_YEARS}"})
    value = int(raw)
    with session_scope() as db:
        _refuse(db, actor, "retention.update")
        row = db.get(RetentionPolicy, 1)
        old = row.years if row else DEFAULT_YEARS
        if row is None:
            row = RetentionPolicy(id=1)
        row.years, row.updated_at, row.updated_by_id = value, utcnow(), actor.id
        db.add(row)
        audit.record(db, actor, "retention.update", "retention", 1, old=old, new=value)
        return value


def _past_retention(cutoff: date):  # type: ignore[no-untyped-def]
    """SQL: (person id, cases, last end date) of people past the period, not yet anonymised."""
    still_open = func.sum(sql_case((Case.status != Status.CLOSED.value, 1), else_=0))
    last_end = func.max(Case.end_date)
    erased = select(PersonErasure.person_id)
    return (select(Case.person_id, func.count().label("cases"), last_end.label("last_end"))
            .where(~col(Case.person_id).in_(erased))
            .group_by(Case.person_id)
            .having(still_open == 0, last_end <= cutoff,
                    func.count(Case.end_date) == func.count()))  # every closed case has a date


def report(actor: Actor, page: int = 1, today: date | None = None) -> RetentionReport:
    """People past the retention period, oldest closure first. Reading it is audited."""
    today = today or date.today()
    with session_scope() as db:
        _refuse(db, actor, "retention.report")
        years = policy_years(db)
        cutoff = closure_cutoff(today, years)
        found = _past_retention(cutoff).subquery()
        total = db.exec(select(func.count()).select_from(found)).one()
        pages = max(1, math.ceil(total / REPORT_PAGE))
        page = max(1, min(int(page), pages))
        rows = db.exec(select(found.c.person_id, Person.name, found.c.cases, found.c.last_end)
                       .join(Person, col(Person.id) == found.c.person_id)
                       .order_by(found.c.last_end, found.c.person_id)
                       .offset((page - 1) * REPORT_PAGE).limit(REPORT_PAGE)).all()
        audit.record(db, actor, "retention.report", "retention", None, years=years,
                     total=total, page=page)
        return RetentionReport(
            years=years, cutoff=format_date(cutoff), total=int(total), page=page, pages=pages,
            rows=[RetentionRow(person_id=int(p), name=n, cases=int(c),
                               last_closed=format_date(d if isinstance(d, date)
                                                       else date.fromisoformat(str(d))))
                  for p, n, c, d in rows])


def last_run(actor: Actor) -> str:
    """One line about the latest "Anonymise all": when, by whom, how it went ("" if never)."""
    with session_scope() as db:
        _refuse(db, actor, "retention.view")
        row = db.exec(select(RightsJob, User.name).join(User, col(User.id) == RightsJob.created_by_id)
                      .where(RightsJob.kind == "retention")
                      .order_by(col(RightsJob.id).desc())).first()
        if row is None:
            return ""
        job, name = row
        tz = organisation_time_zone(db)
        state = {"queued": "waiting to start", "running": f"{job.done} of {job.total} done so far"
                 }.get(job.status, job.message or job.status)
        return f"Last “Anonymise all”: {format_datetime(job.created_at, tz)} by {name}: {state}"


def start_bulk_anonymise(actor: Actor, confirmation: str, today: date | None = None) -> int:
    """Queue the anonymisation of everyone now past the period. ``confirmation`` must be the
    number of people, as the page shows it, so a click alone never erases anything. Returns the
    job's id (an unfinished one of this admin's is returned instead of starting another)."""
    today = today or date.today()
    with session_scope() as db:
        _refuse(db, actor, "retention.anonymise")
        running = db.exec(select(RightsJob.id).where(
            RightsJob.kind == "retention", col(RightsJob.status).in_(("queued", "running")))
        ).first()
        if running is not None:
            return running
        years = policy_years(db)
        ids = [int(r[0]) for r in db.exec(_past_retention(closure_cutoff(today, years))
                                          .order_by(Case.person_id)).all()]
        if not ids:
            raise ValidationFailed({"confirmation": "Nobody is past the retention period"})
        if str(confirmation).strip() != str(len(ids)):
            raise ValidationFailed({"confirmation": f"Type {len(ids)} (the number of people) to "
                                                    "confirm. Nothing was anonymised."})
        job = RightsJob(kind="retention", created_by_id=actor.id, total=len(ids))
        db.add(job)
        db.flush()
        db.execute(insert(RightsJobItem), [{"job_id": job.id, "person_id": p, "status": "queued",
                                            "message": ""} for p in ids])
        audit.record(db, actor, "retention.anonymise_started", "rights_job", job.id,
                     people=len(ids), years=years)
        assert job.id is not None
        return job.id


def anonymise_if_still_due(db: Session, actor: Actor, person_id: int, years: int,
                           today: date | None = None) -> tuple[str, ErasureResult | None]:
    """One person of a bulk job, inside the caller's transaction: "done" (with what to finish
    after the commit) or "skipped"."""
    cutoff = closure_cutoff(today or date.today(), years)
    due = db.exec(_past_retention(cutoff).where(Case.person_id == person_id)).first()
    person = db.get(Person, person_id)
    if due is None or person is None:
        return "skipped", None
    return "done", erase_in(db, actor, person, "anonymise",
                            f"Retention period passed ({years} years after the last case closed)")
