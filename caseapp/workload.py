"""Workload and capacity: who is overloaded, which cases need attention, and moving cases between
workers with a preview of both loads.

A worker's workload is the sum, over their Open and Paused cases, of the hours a week a case
counts for: by concern level for an Open case (defaults Low 1, Medium 2, High 4), one figure for a
Paused case (default 0). Closed cases count nothing. The figures and the needs-attention
thresholds are the organisation's settings (admins change them; every change is audited).

Everything is computed from a handful of grouped queries (counts per worker, status and concern
level; per pathway), never per case or per worker, so the page costs the same few queries for 5
staff or 500. Who sees what: admins and managers everyone; a case worker only their own
workload and cases; volunteers nothing (``PermissionDenied``).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.cases import MAX_ID, plausible_id, reassign_in
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import Case, Organisation, Pathway, Person, Role, Status, User, utcnow
from caseapp.timefmt import relative
from caseapp.trail import safe_cell

APPROACHING = 85.0  # per cent of capacity: "approaching"
OVER = 100.0  # more than this: "over capacity"
OPEN, PAUSED = Status.OPEN.value, Status.PAUSED.value  # plain strings: compared in loops
ACTIVE = (OPEN, PAUSED)  # the statuses that count towards workload
MAX_HOURS = 40.0  # one case counting for more than a working week is a typing mistake
MAX_DAYS = 365
ATTENTION_LIMIT = 100  # rows of the needs-attention list shown at once (the total is counted)
WORKER_CASES_LIMIT = 200
MAX_REASSIGN = 200  # cases moved in one go

NOT_FOR_VOLUNTEERS = "Workload is for staff who hold cases: ask your manager about yours."
ONLY_MANAGERS = "Only managers and admins can see everyone's workload"


# --- Settings ---------------------------------------------------------------------------------

@dataclass
class WorkloadSettings:
    hours_low: float = 1.0
    hours_medium: float = 2.0
    hours_high: float = 4.0
    hours_paused: float = 0.0
    days_low: int = 28
    days_medium: int = 14
    days_high: int = 7

    def hours_for(self, status: str, concern_level: str) -> float:
        """The hours a week one case counts for."""
        if status == PAUSED:
            return self.hours_paused
        if status != OPEN:
            return 0.0
        return {"high": self.hours_high, "medium": self.hours_medium}.get(concern_level,
                                                                          self.hours_low)

    def days_for(self, concern_level: str) -> int:
        return {"high": self.days_high, "medium": self.days_medium}.get(concern_level,
                                                                        self.days_low)


HOURS_FIELDS = {"hours_low": "workload_hours_low", "hours_medium": "workload_hours_medium",
                "hours_high": "workload_hours_high", "hours_paused": "workload_hours_paused"}
DAYS_FIELDS = {"days_low": "attention_days_low", "days_medium": "attention_days_medium",
               "days_high": "attention_days_high"}
LABELS = {"hours_low": "Hours for a Low concern case", "hours_medium":
          "Hours for a Medium concern case", "hours_high": "Hours for a High concern case",
          "hours_paused": "Hours for a Paused case",
          "days_low": "Days before a Low concern case needs attention",
          "days_medium": "Days before a Medium concern case needs attention",
          "days_high": "Days before a High concern case needs attention"}


def _settings_in(db: Session) -> WorkloadSettings:
    org = db.get(Organisation, 1)
    if org is None:
        return WorkloadSettings()
    return WorkloadSettings(**{k: getattr(org, c) for k, c in {**HOURS_FIELDS,
                                                                **DAYS_FIELDS}.items()})


def workload_settings() -> WorkloadSettings:
    """Not personal data: the page shows them to everyone who sees a workload."""
    with session_scope() as db:
        return _settings_in(db)


def _parse_hours(errors: dict[str, str], key: str, value: object) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        errors[key] = f"{LABELS[key]}: enter a number of hours, e.g. 2 or 1.5"
        return 0.0
    if not math.isfinite(number) or not 0 <= number <= MAX_HOURS:
        errors[key] = f"{LABELS[key]}: between 0 and {MAX_HOURS:g} hours"
    return number


def _parse_days(errors: dict[str, str], key: str, value: object) -> int:
    text = str(value).strip()
    if not text.isdigit():
        errors[key] = f"{LABELS[key]}: enter a whole number of days, e.g. 14"
        return 0
    days = int(text)
    if not 1 <= days <= MAX_DAYS:
        errors[key] = f"{LABELS[key]}: between 1 and {MAX_DAYS} days"
    return days


def update_workload_settings(actor: Actor, values: dict[str, object]) -> WorkloadSettings:
    """Admins only. ``values`` as typed (text or numbers), keyed like ``WorkloadSettings``;
    every field must be given. Anything wrong is reported per field and nothing is saved."""
    if not access.can_manage_organisation(actor):
        raise PermissionDenied("Only an admin can change workload settings")
    errors: dict[str, str] = {}
    unknown = set(values) - set(HOURS_FIELDS) - set(DAYS_FIELDS)
    if unknown:
        errors["form"] = "Unknown setting: " + ", ".join(sorted(unknown))
    parsed: dict[str, float | int] = {}
    for key in HOURS_FIELDS:
        parsed[key] = _parse_hours(errors, key, values.get(key, ""))
    for key in DAYS_FIELDS:
        parsed[key] = _parse_days(errors, key, values.get(key, ""))
    if errors:
        raise ValidationFailed(errors)
    new = WorkloadSettings(**parsed)  # type: ignore[arg-type]
    with session_scope() as db:
        org = db.get(Organisation, 1)
        if org is None:
            org = Organisation(id=1)
        old = _settings_in(db)
        for key, column in {**HOURS_FIELDS, **DAYS_FIELDS}.items():
            setattr(org, column, getattr(new, key))
        org.updated_at = utcnow()
        db.add(org)
        audit.record(db, actor, "organisation.workload_settings", "organisation", 1,
                     old=old.__dict__, new=new.__dict__)
    return new


# --- The arithmetic (pure) --------------------------------------------------------------------

def load_percent(hours: float, capacity: float) -> float | None:
    """Hours as a percentage of capacity; None when no capacity is set (no division by zero)."""
    if capacity <= 0:
        return None
    return hours / capacity * 100


def load_band(hours: float, capacity: float) -> str:
    """"over" above 100% (or any load at all on zero capacity), "approaching" from 85% up to and
    including 100% (full), otherwise "within"."""
    percent = load_percent(hours, capacity)
    if percent is None:
        return "over" if hours > 0 else "within"
    if percent > OVER:
        return "over"
    if percent >= APPROACHING:
        return "approaching"
    return "within"


@dataclass
class StaffLoad:
    worker_id: int
    name: str
    team: str
    role: str
    active: bool
    capacity_hours: float
    hours_low: float = 0.0  # Open cases at each concern level
    hours_medium: float = 0.0
    hours_high: float = 0.0
    hours_paused: float = 0.0
    open_low: int = 0
    open_medium: int = 0
    open_high: int = 0
    paused_low: int = 0
    paused_medium: int = 0
    paused_high: int = 0

    @property
    def hours(self) -> float:
        return self.hours_low + self.hours_medium + self.hours_high + self.hours_paused

    @property
    def open_cases(self) -> int:
        return self.open_low + self.open_medium + self.open_high

    @property
    def paused_cases(self) -> int:
        return self.paused_low + self.paused_medium + self.paused_high

    @property
    def percent(self) -> float | None:
        return load_percent(self.hours, self.capacity_hours)

    @property
    def band(self) -> str:
        return load_band(self.hours, self.capacity_hours)

    def add(self, status: str, concern_level: str, count: int, weights: WorkloadSettings) -> None:
        # Spelled out rather than getattr/setattr by name: this runs once per (worker, status,
        # level) group, a few thousand times for 500 staff.
        if status == OPEN:
            if concern_level == "high":
                self.open_high += count
                self.hours_high += weights.hours_high * count
            elif concern_level == "medium":
                self.open_medium += count
                self.hours_medium += weights.hours_medium * count
            else:
                self.open_low += count
                self.hours_low += weights.hours_low * count
        elif status == PAUSED:
            if concern_level == "high":
                self.paused_high += count
            elif concern_level == "medium":
                self.paused_medium += count
            else:
                self.paused_low += count
            self.hours_paused += weights.hours_paused * count


def load_order(s: StaffLoad) -> tuple[float, float, str]:
    """Most loaded first: by share of capacity (any load on no capacity is the most), then by
    hours, then by name."""
    percent = s.percent
    share = math.inf if percent is None and s.hours > 0 else (percent or 0.0)
    return (-share, -s.hours, s.name.lower())


@dataclass
class TeamTotals:
    staff: int = 0
    capacity_hours: float = 0.0
    hours: float = 0.0
    over: int = 0
    approaching: int = 0
    open_cases: int = 0
    paused_cases: int = 0
    open_by_concern: dict[str, int] = field(default_factory=lambda: {"low": 0, "medium": 0,
                                                                      "high": 0})
    unassigned_open: int = 0
    unassigned_paused: int = 0

    @property
    def percent(self) -> float | None:
        return load_percent(self.hours, self.capacity_hours)


@dataclass
class PathwayLoad:
    pathway_id: int
    name: str
    colour: str
    open_low: int = 0
    open_medium: int = 0
    open_high: int = 0
    paused: int = 0
    hours: float = 0.0

    @property
    def open_cases(self) -> int:
        return self.open_low + self.open_medium + self.open_high


@dataclass
class TeamWorkload:
    staff: list[StaffLoad]  # most loaded first
    totals: TeamTotals
    pathways: list[PathwayLoad]  # most open cases first
    settings: WorkloadSettings
    everyone: bool  # False: a case worker's own workload only


def build_workload(people: Iterable[tuple[int, str, str | None, str, bool, float]],
                   counts: Iterable[tuple[int | None, str, str, int]],
                   weights: WorkloadSettings) -> tuple[list[StaffLoad], TeamTotals]:
    """Staff loads and totals from staff rows (id, name, team, role, active, capacity) and case
    counts (worker id or None, status, concern level, count). Pure: the tests check the
    arithmetic on it directly, and the preview reuses it."""
    loads = {pid: StaffLoad(worker_id=pid, name=name, team=team or "", role=role, active=active,
                            capacity_hours=float(capacity or 0.0))
             for pid, name, team, role, active, capacity in people}
    totals = TeamTotals()
    for worker_id, status, level, count in counts:
        if status not in ACTIVE:
            continue
        if worker_id is None:
            if status == OPEN:
                totals.unassigned_open += count
            else:
                totals.unassigned_paused += count
            continue
        load = loads.get(worker_id)
        if load is not None:
            load.add(status, level, count, weights)
    staff = sorted(loads.values(), key=load_order)
    for s in staff:
        totals.staff += 1
        totals.capacity_hours += s.capacity_hours
        totals.hours += s.hours
        band = s.band
        totals.over += band == "over"
        totals.approaching += band == "approaching"
        totals.open_cases += s.open_cases
        totals.paused_cases += s.paused_cases
        for level in ("low", "medium", "high"):
            totals.open_by_concern[level] += getattr(s, f"open_{level}")
    totals.open_cases += totals.unassigned_open
    totals.paused_cases += totals.unassigned_paused
    return staff, totals


# --- Reading the workload ---------------------------------------------------------------------

def _require_workload(db: Session, actor: Actor) -> None:
    if not access.can_see_workload(actor):
        audit.record_denial(db, actor, "access.denied", "workload", None, attempted="workload")
        raise PermissionDenied(NOT_FOR_VOLUNTEERS)


def _require_team(db: Session, actor: Actor, attempted: str) -> None:
    if not access.can_see_team_workload(actor):
        audit.record_denial(db, actor, "access.denied", "workload", None, attempted=attempted)
        raise PermissionDenied(ONLY_MANAGERS)


def _grouped(db: Session, by: object, worker_ids: list[int] | None) -> list[tuple]:
    """Open and Paused cases counted per status, ``by`` and concern level, grouped in the order
    of a covering index (``ix_case_workload`` for workers, ``ix_case_portfolio`` for pathways):
    the database reads only that index's Open and Paused entries and sorts nothing. Sent through
    the connection (plain rows, no ORM row building: the page's hot path at 500 staff)."""
    c = Case.__table__.c
    q = (sa_select(c.status, by, c.concern_level, func.count())
         .where(c.status.in_(ACTIVE))
         .group_by(c.status, by, c.concern_level))
    if worker_ids is not None:
        q = q.where(c.worker_id.in_(worker_ids))
    return [tuple(r) for r in db.connection().execute(q)]


def _case_counts(db: Session, worker_ids: list[int] | None
                 ) -> list[tuple[int | None, str, str, int]]:
    """(worker id or None, status, concern level, count)."""
    return [(w, s, lvl, int(n)) for s, w, lvl, n in
            _grouped(db, Case.__table__.c.worker_id, worker_ids)]


def _pathway_counts(db: Session, worker_ids: list[int] | None
                    ) -> list[tuple[int, str, str, int]]:
    """(pathway id, status, concern level, count)."""
    return [(p, s, lvl, int(n)) for s, p, lvl, n in
            _grouped(db, Case.__table__.c.pathway_id, worker_ids)]


def _staff_rows(db: Session, only: list[int] | None, holders: set[int]
                ) -> list[tuple[int, str, str | None, str, bool, float]]:
    """Who appears: active staff who work cases (admins only if they hold some), and anyone,
    even deactivated, who still holds Open or Paused cases (those cases need a new worker)."""
    q = select(User.id, User.name, User.team, User.role, User.active, User.capacity_hours)
    if only is not None:
        q = q.where(col(User.id).in_(only))
    rows = db.exec(q).all()
    return [r for r in rows if only is not None or r[0] in holders
            or (r[4] and r[3] != Role.ADMIN.value)]


def team_workload(actor: Actor) -> TeamWorkload:
    """Per staff member: hours against capacity split by concern level, cases by status and
    concern; team totals; cases by pathway. A case worker gets only their own. Audited."""
    with session_scope() as db:
        _require_workload(db, actor)
        everyone = access.can_see_team_workload(actor)
        weights = _settings_in(db)
        only = None if everyone else [actor.id]
        counts = _case_counts(db, only)
        holders = {w for w, *_ in counts if w is not None}
        staff, totals = build_workload(_staff_rows(db, only, holders), counts, weights)
        if not everyone:  # nobody's unassigned cases are part of one person's own load
            totals.open_cases -= totals.unassigned_open
            totals.paused_cases -= totals.unassigned_paused
            totals.unassigned_open = totals.unassigned_paused = 0
        pathways = _pathway_loads(db, _pathway_counts(db, only), weights)
        audit.record(db, actor, "workload.view", "workload", None, everyone=everyone,
                     staff=len(staff))
        return TeamWorkload(staff=staff, totals=totals, pathways=pathways, settings=weights,
                            everyone=everyone)


def _pathway_loads(db: Session, rows: list[tuple[int, str, str, int]],
                   weights: WorkloadSettings) -> list[PathwayLoad]:
    """The portfolio: Open and Paused cases per pathway and concern level."""
    names = {p.id: p for p in db.exec(select(Pathway)).all()}
    out: dict[int, PathwayLoad] = {}
    for pathway_id, status, level, count in rows:
        load = out.get(pathway_id)
        if load is None:
            p = names.get(pathway_id)
            load = out[pathway_id] = PathwayLoad(pathway_id=pathway_id,
                                                 name=p.name if p else "?",
                                                 colour=p.colour if p else "#666666")
        load.hours += weights.hours_for(status, level) * count
        if status == PAUSED:
            load.paused += count
        elif level in ("low", "medium", "high"):
            setattr(load, f"open_{level}", getattr(load, f"open_{level}") + count)
    return sorted(out.values(), key=lambda p: (-p.open_cases, -p.paused, p.name.lower()))


# --- Needs attention --------------------------------------------------------------------------

@dataclass
class AttentionCase:
    case_id: int
    reference: str
    person_name: str
    worker_id: int | None
    worker_name: str
    concern_level: str
    status: str
    version: int
    last_interaction: str  # "12 days ago", or "never"
    reason: str  # why it is on the list, in words
    hours: float


@dataclass
class AttentionList:
    cases: list[AttentionCase]
    total: int


def needs_attention(actor: Actor, limit: int = ATTENTION_LIMIT,
                    now: datetime | None = None) -> AttentionList:
    """Open cases with no interaction for longer than their concern level's threshold, and open
    cases with no worker; High concern first, then the longest quiet. A case worker sees their
    own cases and the unassigned ones they could claim."""
    now = now or utcnow()
    with session_scope() as db:
        _require_workload(db, actor)
        weights = _settings_in(db)
        # One expression rather than an OR per level: the database then reads the Open cases'
        # entries of ix_case_workload once instead of merging several index searches.
        stamp = Case.__table__.c.last_interaction_at.type  # stored form: compares as stored

        def days_ago(level: str) -> object:
            return literal(now - timedelta(days=weights.days_for(level)), stamp)

        cutoff = sql_case(*[(Case.concern_level == level, days_ago(level))
                            for level in ("high", "medium")], else_=days_ago("low"))
        since = func.coalesce(Case.last_interaction_at, Case.created_at)
        where = [Case.status == Status.OPEN.value,
                 or_(col(Case.worker_id).is_(None), since < cutoff)]
        if not access.can_see_team_workload(actor):
            where.append(or_(col(Case.worker_id).is_(None), Case.worker_id == actor.id))
        rank = sql_case((Case.concern_level == "high", 3), (Case.concern_level == "medium", 2),
                        else_=1)
        # Choose the page's cases from the case table alone (with the total, in one pass), and
        # only then fetch the names for those few.
        chosen = (select(Case.id.label("id"), rank.label("rank"), since.label("since"),
                         func.count().over().label("total"))
                  .where(*where).order_by(rank.desc(), since.asc(), col(Case.id).asc())
                  .limit(max(1, min(limit, 500))).subquery())
        worker = aliased(User)
        rows = db.exec(
            select(Case.id, Case.reference, Person.name, Case.worker_id, worker.name,
                   Case.concern_level, Case.status, Case.version, Case.last_interaction_at,
                   Case.created_at, chosen.c.total)
            .join(chosen, chosen.c.id == Case.id)
            .join(Person, Person.id == Case.person_id)
            .outerjoin(worker, worker.id == Case.worker_id)
            .order_by(chosen.c.rank.desc(), chosen.c.since.asc(), col(Case.id).asc())).all()
        total = int(rows[0][-1]) if rows else 0
        cases = []
        for cid, ref, person, wid, wname, level, status, version, last, created, _ in rows:
            reasons = []
            if wid is None:
                reasons.append("Unassigned")
            quiet_from = last or created
            if quiet_from is not None and _days(now, quiet_from) > weights.days_for(level):
                days = _days(now, quiet_from)
                reasons.append(f"No interaction for {days} days" if last else
                               f"No interaction since it opened {days} days ago")
            cases.append(AttentionCase(
                case_id=cid, reference=ref, person_name=person, worker_id=wid,
                worker_name=wname or "Unassigned", concern_level=level, status=status,
                version=version, last_interaction=relative(last) if last else "never",
                reason=" · ".join(reasons), hours=weights.hours_for(status, level)))
        audit.record(db, actor, "workload.attention", "workload", None, total=total,
                     shown=[c.case_id for c in cases])
        return AttentionList(cases=cases, total=total)


def _days(now: datetime, then: datetime) -> int:
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (now - then).days


# --- One worker's cases (tap a person) --------------------------------------------------------

@dataclass
class WorkerCase:
    case_id: int
    reference: str
    person_name: str
    concern_level: str
    status: str
    pathway_name: str
    version: int
    last_interaction: str
    hours: float


def worker_cases(actor: Actor, worker_id: int) -> list[WorkerCase]:
    """The Open and Paused cases a worker holds, heaviest first. A case worker: their own only."""
    checked = plausible_id(worker_id)
    with session_scope() as db:
        _require_workload(db, actor)
        if checked != actor.id:
            _require_team(db, actor, "workload.worker_cases")
        if checked is None:
            raise ValidationFailed({"worker_id": "Choose a staff member"})
        weights = _settings_in(db)
        rank = sql_case((Case.status == Status.PAUSED.value, 0),
                        (Case.concern_level == "high", 3), (Case.concern_level == "medium", 2),
                        else_=1)
        rows = db.exec(
            select(Case.id, Case.reference, Person.name, Case.concern_level, Case.status,
                   Pathway.name, Case.version, Case.last_interaction_at)
            .join(Person, Person.id == Case.person_id)
            .join(Pathway, Pathway.id == Case.pathway_id)
            .where(Case.worker_id == checked, col(Case.status).in_(ACTIVE))
            .order_by(rank.desc(), col(Case.last_interaction_at).asc(), col(Case.id).asc())
            .limit(WORKER_CASES_LIMIT)).all()
        out = [WorkerCase(case_id=cid, reference=ref, person_name=person, concern_level=level,
                          status=status, pathway_name=pathway, version=version,
                          last_interaction=relative(last) if last else "never",
                          hours=weights.hours_for(status, level))
               for cid, ref, person, level, status, pathway, version, last in rows]
        audit.record(db, actor, "workload.worker_cases", "user", checked,
                     shown=[c.case_id for c in out])
        return out


# --- Reassigning, with a preview --------------------------------------------------------------

@dataclass
class LoadChange:
    worker_id: int
    name: str
    capacity_hours: float
    hours_before: float
    hours_after: float
    cases_before: int
    cases_after: int

    @property
    def percent_before(self) -> float | None:
        return load_percent(self.hours_before, self.capacity_hours)

    @property
    def percent_after(self) -> float | None:
        return load_percent(self.hours_after, self.capacity_hours)

    @property
    def band_before(self) -> str:
        return load_band(self.hours_before, self.capacity_hours)

    @property
    def band_after(self) -> str:
        return load_band(self.hours_after, self.capacity_hours)


@dataclass(frozen=True)
class MovingCase:
    case_id: int
    worker_id: int | None  # who holds it now
    hours: float
    version: int


def preview_reassignment(loads: dict[int, StaffLoad], moving: list[MovingCase],
                         to_worker_id: int) -> list[LoadChange]:
    """Each affected worker's load before and after moving ``moving`` to ``to_worker_id``: the
    workers giving cases up (heaviest loss first), then the one receiving them. Cases the target
    already holds do not move. Pure arithmetic on loads already read."""
    target = loads[to_worker_id]
    lost: dict[int, tuple[float, int]] = defaultdict(lambda: (0.0, 0))
    gained_hours, gained_cases = 0.0, 0
    for case in moving:
        if case.worker_id == to_worker_id:
            continue
        gained_hours += case.hours
        gained_cases += 1
        if case.worker_id is not None and case.worker_id in loads:
            hours, count = lost[case.worker_id]
            lost[case.worker_id] = (hours + case.hours, count + 1)
    changes = []
    for worker_id, (hours, count) in sorted(lost.items(), key=lambda kv: (-kv[1][0], kv[0])):
        s = loads[worker_id]
        total = s.open_cases + s.paused_cases
        changes.append(LoadChange(worker_id, s.name, s.capacity_hours, s.hours, s.hours - hours,
                                  total, total - count))
    total = target.open_cases + target.paused_cases
    changes.append(LoadChange(target.worker_id, target.name, target.capacity_hours, target.hours,
                              target.hours + gained_hours, total, total + gained_cases))
    return changes


@dataclass
class ReassignPreview:
    changes: list[LoadChange]
    moving: list[MovingCase]
    to_worker_id: int
    to_worker_name: str


def _check_case_ids(case_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(plausible_id(c) for c in case_ids))
    if not ids:
        raise ValidationFailed({"cases": "Choose at least one case to reassign"})
    if None in ids:
        raise ValidationFailed({"cases": "One of the chosen cases does not exist"})
    if len(ids) > MAX_REASSIGN:
        raise ValidationFailed({"cases": f"Reassign at most {MAX_REASSIGN} cases at a time"})
    return [i for i in ids if i is not None]


def _target(db: Session, to_worker_id: int) -> User:
    checked = plausible_id(to_worker_id)
    user = db.get(User, checked) if checked is not None else None
    if user is None or not user.active:
        raise ValidationFailed({"worker_id": "Choose an active staff member to give the cases to"})
    return user


def reassign_preview(actor: Actor, case_ids: list[int], to_worker_id: int) -> ReassignPreview:
    """What moving these cases to this worker would do to everyone's load. Changes nothing."""
    with session_scope() as db:
        _require_team(db, actor, "workload.reassign_preview")
        ids = _check_case_ids(case_ids)
        target = _target(db, to_worker_id)
        weights = _settings_in(db)
        found = db.exec(select(Case.id, Case.worker_id, Case.status, Case.concern_level,
                               Case.version).where(col(Case.id).in_(ids))).all()
        if len(found) != len(ids):
            raise ValidationFailed({"cases": "One of the chosen cases does not exist"})
        moving = [MovingCase(cid, wid, weights.hours_for(status, level), version)
                  for cid, wid, status, level, version in found]
        workers = sorted({m.worker_id for m in moving if m.worker_id is not None}
                         | {target.id})  # type: ignore[arg-type]
        staff, _ = build_workload(_staff_rows(db, workers, set()), _case_counts(db, workers),
                                  weights)
        changes = preview_reassignment({s.worker_id: s for s in staff}, moving, target.id)
        return ReassignPreview(changes=changes, moving=moving, to_worker_id=target.id,
                               to_worker_name=target.name)


def reassign_cases(actor: Actor, case_ids: list[int], to_worker_id: int,
                   versions: dict[int, int] | None = None, reason: str = "") -> int:
    """Move the cases to one worker, all or none, through the cases service's own reassign (so
    each keeps its assignment history and audit event). ``versions``: as previewed, so a case
    someone changed since is refused rather than moved blind. Returns how many moved."""
    with session_scope() as db:
        _require_team(db, actor, "workload.reassign")
        ids = _check_case_ids(case_ids)
        target = _target(db, to_worker_id)
        text = " ".join((reason or "").split())[:200] or "From the workload page"
        moved = 0
        for cid in ids:
            expected = (versions or {}).get(cid)
            moved += reassign_in(db, actor, cid, target.id,
                                 expected if expected is not None and 0 < expected <= MAX_ID
                                 else None, text)
        return moved


# --- Export -----------------------------------------------------------------------------------

CSV_HEADER = ("name", "team", "role", "capacity_hours", "hours", "percent_of_capacity", "load",
              "hours_low", "hours_medium", "hours_high", "hours_paused", "open_low",
              "open_medium", "open_high", "paused")
BAND_WORDS = {"over": "Over capacity", "approaching": "Approaching capacity",
              "within": "Within capacity"}


def export_csv(actor: Actor) -> str:
    """Everyone's workload as CSV (admins and managers). Text cells a spreadsheet would run as a
    formula get a leading quote. Audited as an export."""
    with session_scope() as db:
        _require_team(db, actor, "workload.export")
    workload = team_workload(actor)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for s in workload.staff:
        percent = s.percent
        writer.writerow([safe_cell(v) for v in (
            s.name, s.team, Role(s.role).label, _num(s.capacity_hours), _num(s.hours),
            "" if percent is None else f"{percent:.0f}", BAND_WORDS[s.band],
            _num(s.hours_low), _num(s.hours_medium), _num(s.hours_high), _num(s.hours_paused),
            s.open_low, s.open_medium, s.open_high, s.paused_cases)])
    with session_scope() as db:
        audit.record(db, actor, "workload.export", "workload", None, rows=len(workload.staff))
    return out.getvalue()


def _num(value: float) -> str:
    return f"{value:g}"
