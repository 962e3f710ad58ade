"""Cases: the cases list, opening a case, creating one, and changing status, concern and worker.

Every function takes the acting user first, asks ``caseapp.access``, and writes the audit trail in
the same transaction as the change.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy import case as sql_case
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.db import in_set, session_scope
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
from caseapp.people import NewPerson, create_person_in, ids_named_like, like_pattern
from caseapp.textinput import clean_tags
from caseapp.timefmt import format_date, format_datetime, relative

PAGE_SIZE = 25
# The list counts matches up to this many and then says "10,000+": an exact count of every
# closed case costs as much as reading them, and nobody pages that far (see docs/query-plans.md).
COUNT_CAP = 10_000
REFERENCE = re.compile(r"cl-?0*(\d{1,9})")
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
    more: bool = False  # more than ``total`` cases match: the count stopped at COUNT_CAP


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


# Ids are 32-bit on PostgreSQL (64 on SQLite); a bigger number from a client would make the
# database raise instead of finding nothing, which answers differently from "no access".
MAX_ID = 2**31 - 1


def plausible_id(value: object) -> int | None:
    """``value`` if it could be a row id, else None: look it up only then."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def load_case_for(db: Session, actor: Actor, case_id: int) -> tuple[Case, access.CaseFacts]:
    """The case if the actor may see it; the same NoAccess whether it exists or not."""
    checked = plausible_id(case_id)
    case = db.get(Case, checked) if checked is not None else None
    if case is None:
        audit.record_denial(db, actor, "access.denied", "case", checked)
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


class ListFilters(Protocol):
    """What a list of cases can be narrowed by: the cases list's filters, and the insights
    heatmap's, which are the same words with sorts of its own."""

    search: str
    status: str
    concern_level: str
    worker: str
    pathway_id: int | None
    tag: str
    sort: str


def case_filter_clauses(actor: Actor, filters: CaseFilters) -> list[Any]:
    """The WHERE clauses of the cases list: visibility, filters and search. The CSV export and
    the JSON API use these, so they always select what the list shows."""
    return [access.case_visibility_clause(actor), *filter_clauses(actor, filters)]


def filter_clauses(actor: Actor, filters: ListFilters,
                   sorts: tuple[str, ...] = SORTS) -> list[Any]:
    """The filters and search alone (no visibility), for a list that scopes cases its own way."""
    where, set_based, _per_row = _filter_clauses(actor, filters, sorts)
    return [*where, *set_based]


class _Clauses(NamedTuple):
    where: list[Any]  # tests of the case's own columns: right for every plan
    # The same further filters twice: ``set_based`` (IN a set: for the count, and few matches)
    # and ``per_row`` (EXISTS per case: when many cases match, the database then walks the
    # order's index and stops after one page instead of collecting and sorting every match).
    set_based: list[Any]
    per_row: list[Any]


def _filter_clauses(actor: Actor, filters: ListFilters,
                    sorts: tuple[str, ...] = SORTS) -> _Clauses:
    """The list's filters and search as SQL, or ValidationFailed naming each bad one."""
    errors: dict[str, str] = {}
    where: list[Any] = []
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
        # Beyond any row id (or the database's integer) is no one, not an error from the driver.
        if not filters.worker.isdigit() or plausible_id(int(filters.worker)) is None:
            errors["worker"] = "Unknown case worker"
        else:
            where.append(Case.worker_id == int(filters.worker))
    if filters.pathway_id:
        if plausible_id(filters.pathway_id) is None:
            errors["pathway"] = "Unknown pathway"
        where.append(Case.pathway_id == filters.pathway_id)
    per_row: list[Any] = []
    set_based: list[Any] = []
    if filters.tag:
        # The tag's id once (an uncorrelated subquery), so each case is tested with one lookup
        # of (case, tag) rather than a join to the tag's name.
        tag_id = select(Tag.id).where(Tag.name == filters.tag.strip().lower()).scalar_subquery()
        set_based.append(in_set(col(Case.id), select(CaseTag.case_id).where(CaseTag.tag_id == tag_id)))
        per_row.append(select(CaseTag.case_id).where(
            CaseTag.case_id == Case.id, CaseTag.tag_id == tag_id).exists())
    search = " ".join(filters.search.split()).lower()
    if search:
        reference = REFERENCE.fullmatch(search)
        if reference:
            # A case reference is looked up exactly (the reference index), never scanned for.
            where.append(Case.reference == reference_for(int(reference.group(1))))
        else:
            # People first: a trigram index answers this (pg_trgm; FTS5 on SQLite); the cases
            # of those people then come by ix_case_person_id.
            set_based.append(in_set(col(Case.person_id), ids_named_like(search)))
            per_row.append(select(Person.id).where(
                Person.id == Case.person_id,
                col(Person.name_search).like(like_pattern(search), escape="\\")).exists())
    if filters.sort not in sorts:
        errors["sort"] = "Unknown sort"
    if errors:
        raise ValidationFailed(errors)
    return _Clauses(where, set_based, per_row)


def list_cases(actor: Actor, filters: CaseFilters) -> CasePage:
    """One page of the cases list, filtered, searched and sorted in SQL.

    Built to cost the same at 200 cases and at 200,000 (plans in docs/query-plans.md): the page's
    ids come first from one index-ordered query over ``case`` alone (joins only when a sort or
    search needs them), then the 50 rows are loaded by id; the count stops at ``COUNT_CAP``."""
    where, set_based, per_row = _filter_clauses(actor, filters)
    page_size = max(1, min(filters.page_size, 100))
    with session_scope() as db:
        team_ids = access.team_member_ids(db, actor)
        matching = [access.case_visibility_clause(actor, team_ids), *where, *set_based]
        few: list[int] = []
        if set_based:
            # A search or a tag: the matching ids themselves (up to the cap) are the count, and
            # when few they are the page's candidates, so the search is not run a second time.
            few = list(db.connection().execute(
                select(Case.id).where(*matching).limit(COUNT_CAP + 1)).scalars())
            counted = len(few)
        else:
            counted = db.exec(select(func.count()).select_from(
                select(Case.id).where(*matching).limit(COUNT_CAP + 1).subquery())).one()
        total = min(counted, COUNT_CAP)
        pages = max(1, math.ceil(total / page_size))
        page = max(1, min(filters.page, pages))
        if counted > GROUP_WALK_FROM:
            page_where = [access.case_visibility_per_row(actor, team_ids), *where, *per_row]
            ids = _page_ids(db, page_where, filters.sort, filters.descending,
                            (page - 1) * page_size, page_size, counted)
        elif set_based:
            ids = _page_ids(db, [col(Case.id).in_(few)], filters.sort, filters.descending,
                            (page - 1) * page_size, page_size, counted) if few else []
        else:
            ids = _page_ids(db, matching, filters.sort, filters.descending,
                            (page - 1) * page_size, page_size, counted)
        worker = aliased(User)
        # Plain columns, not Case objects: the list shows a few fields of 50 cases, and building
        # ORM instances for them was a good part of the service's own time.
        found = {row[0]: row for row in db.exec(
            select(Case.id, Case.reference, Case.worker_id, Case.status, Case.concern_level,
                   Case.last_interaction_at, Person.name, Pathway.name, Pathway.colour, worker.name)
            .join(Person, Person.id == Case.person_id)
            .join(Pathway, Pathway.id == Case.pathway_id)
            .outerjoin(worker, worker.id == Case.worker_id)
            .where(col(Case.id).in_(ids))).all()} if ids else {}
        tags = _case_tags(db, ids)
        tz = organisation_time_zone(db)
        # Whether this actor may claim an unassigned case does not depend on the row.
        may_claim = access.can_claim(actor, access.CaseFacts(None, None))
        rows = []
        for case_id in ids:
            (_, reference, worker_id, status, concern, last_at, person_name, pathway_name, colour,
             worker_name) = found[case_id]
            rows.append(CaseRow(
                id=case_id, reference=reference, person_name=person_name,
                worker_id=worker_id, worker_name=worker_name or "Unassigned",
                status=status, concern_level=concern,
                pathway_name=pathway_name, pathway_colour=colour, tags=tags[case_id],
                last_interaction=relative(last_at),
                last_interaction_at=format_datetime(last_at, tz),
                can_claim=worker_id is None and may_claim,
            ))
        audit.record(db, actor, "cases.list", "case", None, total=total, page=page)
        return CasePage(rows=rows, total=total, page=page, pages=pages,
                        more=counted > COUNT_CAP)


def _recency() -> list[Any]:
    """Most recent contact first, never contacted last: the list's default order, and the order
    within a status, concern level, pathway or worker when sorting by one of those."""
    return [col(Case.last_interaction_at).is_(None), col(Case.last_interaction_at).desc(),
            col(Case.id).desc()]


def _page_ids(db: Session, where: list[Any], sort: str, descending: bool, offset: int,
              limit: int, matches: int) -> list[int]:
    """The ids of one page, in order, read off an index wherever one serves the order.

    Orders on the case's own columns end with the case id in the same direction, so each is
    exactly an index's order (migration 0013). Sorts by a column with few values (status,
    concern level, pathway, worker) read group by group, each group in recency order from its
    own index, so page 1 costs the same for 200 cases and 200,000. Empty values (never
    contacted, unassigned) go last whichever the direction."""
    def direction(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    ids = select(Case.id).where(*where)
    if sort == "last_interaction":
        q = ids.order_by(col(Case.last_interaction_at).is_(None),
                         direction(col(Case.last_interaction_at)), direction(col(Case.id)))
    elif sort == "start":
        q = ids.order_by(direction(col(Case.start_date)), direction(col(Case.id)))
    elif sort == "name":
        if matches > GROUP_WALK_FROM:
            return _walk_names(db, where, descending, offset, limit, matches)
        q = ids.join(Person, Person.id == Case.person_id).order_by(
            direction(col(Person.name_search)), direction(col(Case.id)))
    else:
        column, values = _groups(db, sort)
        if descending:
            values = values[::-1]
        if sort == "worker":
            values.append(None)  # unassigned last either way
        if matches > GROUP_WALK_FROM:
            return _walk_groups(db, where, column, values, offset, limit)
        # A few hundred matches: one query, sorted in memory by the database, is cheaper.
        rank = sql_case({v: i for i, v in enumerate(values) if v is not None}, value=column,
                        else_=len(values))
        q = ids.order_by(rank, *_recency())
    return list(db.exec(q.offset(offset).limit(limit)).all())


# Above this many matches a group-by-group walk beats sorting every match.
GROUP_WALK_FROM = 2_000
NAME_BATCH_MIN = 500  # people read at once by the name walk, at the least


def _walk_groups(db: Session, where: list[Any], column: Any, values: list[Any], offset: int,
                 limit: int) -> list[int]:
    out: list[int] = []
    skip = offset
    for value in values:
        same = column.is_(None) if value is None else column == value
        if skip:
            # How many of this group to pass over, counted only as far as needed.
            n = db.exec(select(func.count()).select_from(
                select(Case.id).where(*where, same).limit(skip + limit).subquery())).one()
            if n <= skip:
                skip -= n
                continue
        out += db.exec(select(Case.id).where(*where, same).order_by(*_recency())
                       .offset(skip).limit(limit - len(out))).all()
        skip = 0
        if len(out) >= limit:
            break
    return out


def _walk_names(db: Session, where: list[Any], descending: bool, offset: int, limit: int,
                matches: int) -> list[int]:
    """Name order when many cases match: people are read in name order off their index, a batch
    at a time, and only their cases are tested against the filters, instead of joining and
    sorting every match (20,000 open cases took 50-90 ms on SQLite).

    A batch of people gives the right page when the page is full and its last name sorts before
    the batch's last name (every person left out sorts after that name); otherwise the batch
    doubles. Its first size comes from the share of cases that match."""
    def direction(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    need = offset + limit
    cases_in_all = db.exec(select(func.max(Case.id))).one() or 1
    batch = max(NAME_BATCH_MIN, int(need * cases_in_all / max(matches, 1) * 1.5))
    while True:
        people = (select(Person.id, Person.name_search)
                  .order_by(direction(col(Person.name_search)), direction(col(Person.id)))
                  .limit(batch).subquery())
        rows = db.exec(select(Case.id, people.c.name_search)
                       .join(people, people.c.id == Case.person_id).where(*where)
                       .order_by(direction(people.c.name_search), direction(col(Case.id)))
                       .limit(need)).all()
        last_read = db.exec(select(Person.name_search).order_by(
            direction(col(Person.name_search)), direction(col(Person.id)))
            .offset(batch - 1).limit(1)).first()
        if last_read is None:  # the batch held every person: nothing was left out
            break
        if len(rows) == need and (rows[-1][1] > last_read if descending
                                  else rows[-1][1] < last_read):
            break
        batch *= 2
    return [case_id for case_id, _ in rows[offset:]]


def _groups(db: Session, sort: str) -> tuple[Any, list[Any]]:
    """The column a few-valued sort is on, and its values from lowest to highest."""
    if sort == "status":
        return Case.status, sorted(s.value for s in Status)
    if sort == "concern":
        return Case.concern_level, [c.value for c in ConcernLevel]  # low, medium, high
    if sort == "pathway":
        return Case.pathway_id, list(db.exec(select(Pathway.id).order_by(Pathway.name, Pathway.id)))
    # Staff by name: 500 rows at most, read from the primary key.
    return Case.worker_id, list(db.exec(select(User.id).order_by(User.name, User.id)))


def get_case(actor: Actor, case_id: int) -> CaseDetail:
    """Open a case: its header, the person's other cases and its history. Audited as a view."""
    with session_scope() as db:
        detail = case_detail_in(db, actor, case_id)
        # Last, after every read: the audit write takes the chain head's lock until commit, so
        # it must not be held while the history is read (concurrent saves queue on it).
        audit.record(db, actor, "case.view", "case", detail.id)
        return detail


def case_detail_in(db: Session, actor: Actor, case_id: int) -> CaseDetail:
    """get_case's reads inside the caller's transaction; the caller writes the view event."""
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
    detail = CaseDetail(
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
    return detail


def _history(db: Session, case_id: int, tz: str) -> list[HistoryEntry]:
    """Status, concern and assignment changes, newest first, in one list."""
    statuses = db.exec(select(StatusChange).where(StatusChange.case_id == case_id)).all()
    concerns = db.exec(select(ConcernChange).where(ConcernChange.case_id == case_id)).all()
    assignments = db.exec(select(Assignment).where(Assignment.case_id == case_id)).all()
    # Only the staff named in this history (not all 500 of them on every case view).
    ids = {r.changed_by_id for r in (*statuses, *concerns, *assignments)}
    ids |= {i for a in assignments for i in (a.old_worker_id, a.new_worker_id) if i}
    names = dict(db.exec(select(User.id, User.name).where(col(User.id).in_(ids))).all()) \
        if ids else {}
    entries: list[tuple[Any, HistoryEntry]] = []
    for s in statuses:
        what = (f"Status set to {Status(s.new_status).label}" if s.old_status is None
                else f"Status {Status(s.old_status).label} → {Status(s.new_status).label}")
        entries.append((s.changed_at, HistoryEntry(format_datetime(s.changed_at, tz),
                                                   names.get(s.changed_by_id, "?"), what)))
    for c in concerns:
        what = (f"Concern set to {ConcernLevel(c.new_level).label}" if c.old_level is None
                else f"Concern {ConcernLevel(c.old_level).label} → "
                     f"{ConcernLevel(c.new_level).label}")
        entries.append((c.changed_at, HistoryEntry(format_datetime(c.changed_at, tz),
                                                   names.get(c.changed_by_id, "?"), what)))
    for a in assignments:
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
    checked = plausible_id(worker_id)
    user = db.get(User, checked) if checked is not None else None
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
        pathway_id = plausible_id(new.pathway_id)
        pathway = db.get(Pathway, pathway_id) if pathway_id is not None else None
        if pathway is None or pathway.archived:
            errors["pathway_id"] = "Choose a pathway"
        person_id = new.person_id
        if person_id is not None:
            checked = plausible_id(person_id)
            # A person the actor may not see reads as one that does not exist.
            if checked is None or db.exec(select(Person.id).where(
                    Person.id == checked, access.person_visibility_clause(actor))).first() is None:
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
        reassign_in(db, actor, case_id, worker_id, expected_version, reason)


def reassign_in(db: Session, actor: Actor, case_id: int, worker_id: int | None,
                expected_version: int | None, reason: str | None = None) -> bool:
    """``reassign`` inside the caller's transaction (the workload page moves several cases at
    once, all or none). True if the case changed hands."""
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
        return False
    _assign(db, actor, case, worker_id, reason)
    return True


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
