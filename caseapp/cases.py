"""Cases: the cases list, opening a case, creating one, and changing status, concern and worker.

Every function takes the acting user first, asks ``caseapp.access``, and writes the audit trail in
the same transaction as the change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.errors import Conflict, NoAccess, PermissionDenied, ValidationFailed
from caseapp.models import (
    Assignment,
    Case,
    CaseTag,
    ConcernChange,
    ConcernLevel,
    Pathway,
    Person,
    Status,
    StatusChange,
    Tag,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.people import NewPerson, create_person_in
from caseapp.textinput import clean_tags
from caseapp.timefmt import format_date, format_datetime, relative

PAGE_SIZE = 25
SORTS = ("last_interaction", "name", "worker", "status", "concern", "pathway", "start")


@dataclass
class CaseFilters:
    search: str = ""
    status: str = ""  # "" = any
    concern_level: str = ""
    worker: str = ""  # "" any, "me", "unassigned", or a user id as text
    pathway_id: int | None = None
    tag: str = ""
    sort: str = "last_interaction"
    descending: bool = True
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass
class CaseRow:
    id: int
    reference: str
    person_name: str
    worker_id: int | None
    worker_name: str
    status: str
    concern_level: str
    pathway_name: str
    pathway_colour: str
    tags: list[str]
    last_interaction: str  # relative, e.g. "3 days ago"
    last_interaction_at: str  # full local time, for a tooltip
    can_claim: bool


@dataclass
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


@dataclass
class HistoryEntry:
    when: str
    who: str
    what: str


@dataclass
class CaseDetail:
    id: int
    reference: str
    version: int
    person_id: int
    person_name: str
    person_dob: str
    person_phone: str
    person_email: str
    person_address: str
    worker_id: int | None
    worker_name: str
    pathway_id: int
    pathway_name: str
    pathway_colour: str
    status: str
    concern_level: str
    start_date: str
    end_date: str
    last_interaction: str
    tags: list[str]
    other_cases: list[dict[str, Any]]
    history: list[HistoryEntry]
    can_add_interaction: bool
    can_change_status: bool
    can_change_concern: bool
    can_reassign: bool
    can_claim: bool


@dataclass
class NewCase:
    person_id: int | None = None
    person: NewPerson | None = None
    worker_id: int | None = None
    pathway_id: int | None = None
    status: str = Status.OPEN.value
    concern_level: str = ConcernLevel.LOW.value
    tags: list[str] = field(default_factory=list)
    start_date: date | None = None


def reference_for(case_id: int) -> str:
    return f"CL-{case_id:05d}"


def _facts(db: Session, case: Case) -> access.CaseFacts:
    team = None
    if case.worker_id is not None:
        team = db.exec(select(User.team).where(User.id == case.worker_id)).first()
    return access.CaseFacts(worker_id=case.worker_id, worker_team=team)


def load_case_for(db: Session, actor: Actor, case_id: int) -> tuple[Case, access.CaseFacts]:
    """The case if the actor may see it; the same NoAccess whether it exists or not."""
    case = db.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None:
        audit.record_denial(db, actor, "access.denied", "case", case_id if isinstance(case_id, int) else None)
        raise NoAccess()
    facts = _facts(db, case)
    if not access.can_view_case(actor, facts):
        audit.record_denial(db, actor, "access.denied", "case", case_id)
        raise NoAccess()
    return case, facts


def _case_tags(db: Session, case_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return out
    rows = db.exec(
        select(CaseTag.case_id, Tag.name)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(col(CaseTag.case_id).in_(case_ids))
        .order_by(Tag.name)
    ).all()
    for cid, name in rows:
        out[cid].append(name)
    return out


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_cases(actor: Actor, filters: CaseFilters) -> CasePage:
    """One page of the cases list, filtered, searched and sorted in SQL."""
    worker = aliased(User)
    concern_rank = sql_case(
        (Case.concern_level == "high", 3), (Case.concern_level == "medium", 2), else_=1
    )
    where = [access.case_visibility_clause(actor)]
    errors: dict[str, str] = {}
    if filters.status:
        if filters.status not in {s.value for s in Status}:
            errors["status"] = "Unknown status"
        where.append(Case.status == filters.status)
    if filters.concern_level:
        if filters.concern_level not in {c.value for c in ConcernLevel}:
            errors["concern_level"] = "Unknown concern level"
        where.append(Case.concern_level == filters.concern_level)
    if filters.worker == "me":
        where.append(Case.worker_id == actor.id)
    elif filters.worker == "unassigned":
        where.append(col(Case.worker_id).is_(None))
    elif filters.worker:
        if not filters.worker.isdigit():
            errors["worker"] = "Unknown case worker"
        else:
            where.append(Case.worker_id == int(filters.worker))
    if filters.pathway_id:
        where.append(Case.pathway_id == filters.pathway_id)
    if filters.tag:
        tagged = select(CaseTag.case_id).join(Tag, Tag.id == CaseTag.tag_id).where(
            Tag.name == filters.tag.strip().lower())
        where.append(col(Case.id).in_(tagged))
    search = " ".join(filters.search.split()).lower()
    if search:
        pattern = f"%{_like_escape(search)}%"
        where.append(or_(col(Person.name_search).like(pattern, escape="\\"),
                         func.lower(Case.reference) == search))
    if filters.sort not in SORTS:
        errors["sort"] = "Unknown sort"
    if errors:
        raise ValidationFailed(errors)

    sort_column: Any = {
        "last_interaction": Case.last_interaction_at,
        "name": Person.name_search,
        "worker": worker.name,
        "status": Case.status,
        "concern": concern_rank,
        "pathway": Pathway.name,
        "start": Case.start_date,
    }[filters.sort]
    order = [
        # Empty values (never contacted, unassigned) go last whichever the direction.
        sort_column.is_(None),
        sort_column.desc() if filters.descending else sort_column.asc(),
        col(Case.id).desc(),
    ]
    page_size = max(1, min(filters.page_size, 100))
    with session_scope() as db:
        base = (
            select(Case, Person.name, Pathway.name, Pathway.colour, worker.name)
            .join(Person, Person.id == Case.person_id)
            .join(Pathway, Pathway.id == Case.pathway_id)
            .outerjoin(worker, worker.id == Case.worker_id)
            .where(*where)
        )
        count_q = (
            select(func.count())
            .select_from(Case)
            .join(Person, Person.id == Case.person_id)
            .where(*where)
        )
        total = db.exec(count_q).one()
        pages = max(1, math.ceil(total / page_size))
        page = max(1, min(filters.page, pages))
        results = db.exec(base.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
        tags = _case_tags(db, [c.id for c, *_ in results])
        tz = organisation_time_zone(db)
        # Whether this actor may claim an unassigned case does not depend on the row.
        may_claim = access.can_claim(actor, access.CaseFacts(None, None))
        rows = []
        for case, person_name, pathway_name, colour, worker_name in results:
            rows.append(CaseRow(
                id=case.id, reference=case.reference, person_name=person_name,
                worker_id=case.worker_id, worker_name=worker_name or "Unassigned",
                status=case.status, concern_level=case.concern_level,
                pathway_name=pathway_name, pathway_colour=colour, tags=tags[case.id],
                last_interaction=relative(case.last_interaction_at),
                last_interaction_at=format_datetime(case.last_interaction_at, tz),
                can_claim=case.worker_id is None and may_claim,
            ))
        audit.record(db, actor, "cases.list", "case", None, total=total, page=page)
        return CasePage(rows=rows, total=total, page=page, pages=pages)


def get_case(actor: Actor, case_id: int) -> CaseDetail:
    """Open a case: its header, the person's other cases and its history. Audited as a view."""
    with session_scope() as db:
        case, facts = load_case_for(db, actor, case_id)
        tz = organisation_time_zone(db)
        person = db.get(Person, case.person_id)
        pathway = db.get(Pathway, case.pathway_id)
        worker = db.get(User, case.worker_id) if case.worker_id else None
        assert person is not None and pathway is not None
        others = db.exec(
            select(Case).where(Case.person_id == case.person_id, Case.id != case.id)
            .order_by(col(Case.start_date).desc())
        ).all()
        other_cases = [
            {"id": o.id, "reference": o.reference, "status": Status(o.status).label,
             "start_date": format_date(o.start_date),
             "visible": access.can_view_case(actor, _facts(db, o))}
            for o in others
        ]
        audit.record(db, actor, "case.view", "case", case.id)
        return CaseDetail(
            id=case.id, reference=case.reference, version=case.version,
            person_id=person.id, person_name=person.name,
            person_dob=format_date(person.date_of_birth), person_phone=person.phone or "",
            person_email=person.email or "", person_address=", ".join(
                p for p in (person.address, person.postcode) if p),
            worker_id=case.worker_id, worker_name=worker.name if worker else "Unassigned",
            pathway_id=pathway.id, pathway_name=pathway.name, pathway_colour=pathway.colour,
            status=case.status, concern_level=case.concern_level,
            start_date=format_date(case.start_date), end_date=format_date(case.end_date),
            last_interaction=relative(case.last_interaction_at),
            tags=_case_tags(db, [case.id])[case.id],
            other_cases=other_cases,
            history=_history(db, case.id, tz),
            can_add_interaction=access.can_add_interaction(actor, facts),
            can_change_status=access.can_change_status_or_concern(actor, facts),
            can_change_concern=access.can_change_status_or_concern(actor, facts),
            can_reassign=access.can_reassign(actor),
            can_claim=access.can_claim(actor, facts),
        )


def _history(db: Session, case_id: int, tz: str) -> list[HistoryEntry]:
    """Status, concern and assignment changes, newest first, in one list."""
    names = dict(db.exec(select(User.id, User.name)).all())
    entries: list[tuple[Any, HistoryEntry]] = []
    for s in db.exec(select(StatusChange).where(StatusChange.case_id == case_id)):
        what = (f"Status set to {Status(s.new_status).label}" if s.old_status is None
                else f"Status {Status(s.old_status).label} → {Status(s.new_status).label}")
        entries.append((s.changed_at, HistoryEntry(format_datetime(s.changed_at, tz),
                                                   names.get(s.changed_by_id, "?"), what)))
    for c in db.exec(select(ConcernChange).where(ConcernChange.case_id == case_id)):
        what = (f"Concern set to {ConcernLevel(c.new_level).label}" if c.old_level is None
                else f"Concern {ConcernLevel(c.old_level).label} → "
                     f"{ConcernLevel(c.new_level).label}")
        entries.append((c.changed_at, HistoryEntry(format_datetime(c.changed_at, tz),
                                                   names.get(c.changed_by_id, "?"), what)))
    for a in db.exec(select(Assignment).where(Assignment.case_id == case_id)):
        old = names.get(a.old_worker_id, "Unassigned") if a.old_worker_id else "Unassigned"
        new = names.get(a.new_worker_id, "Unassigned") if a.new_worker_id else "Unassigned"
        what = f"Assigned to {new}" if a.old_worker_id is None else f"Reassigned {old} → {new}"
        if a.reason:
            what += f" ({a.reason})"
        entries.append((a.changed_at, HistoryEntry(format_datetime(a.changed_at, tz),
                                                   names.get(a.changed_by_id, "?"), what)))
    entries.sort(key=lambda e: e[0], reverse=True)
    return [e for _, e in entries]


def check_version(case: Case, expected_version: int | None, db: Session) -> None:
    if expected_version is not None and expected_version != case.version:
        worker = db.get(User, case.worker_id) if case.worker_id else None
        raise Conflict(
            "This case was changed by someone else while you had it open. "
            "The current values are shown; nothing of yours was saved yet.",
            current={"status": case.status, "concern_level": case.concern_level,
                     "worker_name": worker.name if worker else "Unassigned",
                     "version": case.version},
        )


def _active_worker(db: Session, worker_id: int | None, errors: dict[str, str]) -> User | None:
    if worker_id is None:
        return None
    user = db.get(User, worker_id)
    if user is None or not user.active:
        errors["worker_id"] = "Choose an active staff member"
        return None
    return user


def _set_tags(db: Session, case_id: int, tags: list[str]) -> None:
    existing = {t.name: t for t in db.exec(select(Tag).where(col(Tag.name).in_(tags)))}
    for old in db.exec(select(CaseTag).where(CaseTag.case_id == case_id)):
        db.delete(old)
    db.flush()
    for name in tags:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            db.add(tag)
            db.flush()
        db.add(CaseTag(case_id=case_id, tag_id=tag.id))


def create_case(actor: Actor, new: NewCase) -> int:
    """Create a case for an existing person (``person_id``) or a new one (``person``)."""
    if not access.can_create_case(actor):
        raise PermissionDenied("You do not have permission to create cases")
    errors: dict[str, str] = {}
    if new.status not in {s.value for s in Status}:
        errors["status"] = "Choose a status"
    if new.concern_level not in {c.value for c in ConcernLevel}:
        errors["concern_level"] = "Choose a concern level"
    if not access.can_assign_on_create(actor, new.worker_id):
        errors["worker_id"] = "You can only create cases for yourself or leave them unassigned"
    tags = clean_tags(new.tags)
    if len(tags) > 10:
        errors["tags"] = "At most 10 tags"
    with session_scope() as db:
        _active_worker(db, new.worker_id, errors)
        pathway = db.get(Pathway, new.pathway_id) if new.pathway_id else None
        if pathway is None or pathway.archived:
            errors["pathway_id"] = "Choose a pathway"
        person_id = new.person_id
        if person_id is not None:
            if db.get(Person, person_id) is None:
                errors["person"] = "That person no longer exists; search again"
        elif new.person is None:
            errors["name"] = "Name cannot be empty"
        if errors:
            # Check the person too so every problem is reported at once.
            if new.person is not None and person_id is None:
                try:
                    create_person_in(db, actor, new.person, dry_run=True)
                except ValidationFailed as exc:
                    errors.update(exc.errors)
            raise ValidationFailed(errors)
        if person_id is None:
            assert new.person is not None
            person_id = create_person_in(db, actor, new.person)
        today = date.today()
        start = new.start_date or today
        case = Case(person_id=person_id, worker_id=new.worker_id, pathway_id=new.pathway_id,
                    status=new.status, concern_level=new.concern_level, start_date=start,
                    end_date=today if new.status == Status.CLOSED.value else None)
        db.add(case)
        db.flush()
        assert case.id is not None
        case.reference = reference_for(case.id)
        db.add(case)
        _set_tags(db, case.id, tags)
        db.add(StatusChange(case_id=case.id, new_status=case.status, changed_by_id=actor.id))
        db.add(ConcernChange(case_id=case.id, new_level=case.concern_level,
                             changed_by_id=actor.id))
        if case.worker_id is not None:
            db.add(Assignment(case_id=case.id, new_worker_id=case.worker_id,
                              changed_by_id=actor.id))
        audit.record(db, actor, "case.create", "case", case.id, person_id=person_id,
                     status=case.status, concern_level=case.concern_level,
                     worker_id=case.worker_id, pathway_id=case.pathway_id, tags=tags)
        return case.id


def change_status(actor: Actor, case_id: int, new_status: str, expected_version: int | None,
                  reason: str | None = None) -> None:
    """Open / Paused / Closed. Closing records the end date; reopening clears it."""
    if new_status not in {s.value for s in Status}:
        raise ValidationFailed({"status": "Choose Open, Paused or Closed"})
    with session_scope() as db:
        case, facts = load_case_for(db, actor, case_id)
        if not access.can_change_status_or_concern(actor, facts):
            audit.record_denial(db, actor, "access.denied", "case", case.id, attempted="change_status")
            raise PermissionDenied("You cannot change the status of this case")
        check_version(case, expected_version, db)
        if case.status == new_status:
            return
        old = case.status
        case.status = new_status
        case.end_date = date.today() if new_status == Status.CLOSED.value else None
        case.version += 1
        case.updated_at = utcnow()
        db.add(case)
        db.add(StatusChange(case_id=case.id, old_status=old, new_status=new_status,
                            changed_by_id=actor.id, reason=(reason or None)))
        audit.record(db, actor, "case.status", "case", case.id, old=old, new=new_status,
                     end_date=case.end_date)


def apply_concern_change(db: Session, actor: Actor, case: Case, facts: access.CaseFacts,
                         level: str, interaction_id: int | None = None) -> bool:
    """Change the concern level inside the caller's transaction. True if it changed."""
    if level not in {c.value for c in ConcernLevel}:
        raise ValidationFailed({"concern_level": "Choose Low, Medium or High"})
    if level == case.concern_level:
        return False
    if not access.can_change_status_or_concern(actor, facts):
        audit.record_denial(db, actor, "access.denied", "case", case.id, attempted="change_concern")
        raise PermissionDenied("You cannot change the concern level of this case")
    old = case.concern_level
    case.concern_level = level
    case.version += 1
    case.updated_at = utcnow()
    db.add(case)
    db.add(ConcernChange(case_id=case.id, old_level=old, new_level=level,
                         changed_by_id=actor.id, interaction_id=interaction_id))
    audit.record(db, actor, "case.concern", "case", case.id, old=old, new=level,
                 interaction_id=interaction_id)
    return True


def change_concern(actor: Actor, case_id: int, level: str, expected_version: int | None) -> None:
    with session_scope() as db:
        case, facts = load_case_for(db, actor, case_id)
        check_version(case, expected_version, db)
        apply_concern_change(db, actor, case, facts, level)


def reassign(actor: Actor, case_id: int, worker_id: int | None, expected_version: int | None,
             reason: str | None = None) -> None:
    """Give the case to another worker (or none). History is kept."""
    with session_scope() as db:
        case, _ = load_case_for(db, actor, case_id)
        if not access.can_reassign(actor):
            audit.record_denial(db, actor, "access.denied", "case", case.id, attempted="reassign")
            raise PermissionDenied("Only managers can reassign cases")
        check_version(case, expected_version, db)
        errors: dict[str, str] = {}
        _active_worker(db, worker_id, errors)
        if errors:
            raise ValidationFailed(errors)
        if case.worker_id == worker_id:
            return
        _assign(db, actor, case, worker_id, reason)


def claim(actor: Actor, case_id: int) -> None:
    """An unassigned case taken by the actor."""
    with session_scope() as db:
        case, facts = load_case_for(db, actor, case_id)
        if case.worker_id is not None:
            raise Conflict("Someone has already claimed this case",
                           current={"worker_id": case.worker_id})
        if not access.can_claim(actor, facts):
            audit.record_denial(db, actor, "access.denied", "case", case.id, attempted="claim")
            raise PermissionDenied("You cannot claim cases")
        _assign(db, actor, case, actor.id, "Claimed")


def _assign(db: Session, actor: Actor, case: Case, worker_id: int | None,
            reason: str | None) -> None:
    old = case.worker_id
    case.worker_id = worker_id
    case.version += 1
    case.updated_at = utcnow()
    db.add(case)
    db.add(Assignment(case_id=case.id, old_worker_id=old, new_worker_id=worker_id,
                      changed_by_id=actor.id, reason=(reason or None)))
    audit.record(db, actor, "case.assign", "case", case.id, old=old, new=worker_id,
                 reason=reason)


def update_tags(actor: Actor, case_id: int, tags: list[str] | str,
                expected_version: int | None) -> None:
    cleaned = clean_tags(tags)
    if len(cleaned) > 10:
        raise ValidationFailed({"tags": "At most 10 tags"})
    with session_scope() as db:
        case, facts = load_case_for(db, actor, case_id)
        if not access.can_change_status_or_concern(actor, facts):
            raise PermissionDenied("You cannot change the tags of this case")
        check_version(case, expected_version, db)
        old = _case_tags(db, [case.id])[case.id]
        _set_tags(db, case.id, cleaned)
        case.version += 1
        case.updated_at = utcnow()
        db.add(case)
        audit.record(db, actor, "case.tags", "case", case.id, old=old, new=cleaned)


def all_tags() -> list[str]:
    with session_scope() as db:
        return list(db.exec(select(Tag.name).order_by(Tag.name)).all())
