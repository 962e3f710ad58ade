"""Reading the audit trail: who has seen a case (managers and admins), and the whole trail with
filters and a CSV export (admins only)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.cases import load_case_for
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import AuditEvent, Role, User
from caseapp.organisation import organisation_time_zone
from caseapp.timefmt import format_datetime

# Reads of a case, whichever screen or feature they came through.
VIEW_ACTIONS = ("case.view", "interactions.view", "ai.summarise", "ai.risk_indicators")


@dataclass
class Viewer:
    name: str
    role: str
    views: int
    last_seen: str


def case_viewers(actor: Actor, case_id: int) -> list[Viewer]:
    if actor.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("Only managers can see who has viewed a case")
    with session_scope() as db:
        case, _ = load_case_for(db, actor, case_id)
        tz = organisation_time_zone(db)
        rows = db.exec(
            select(User.name, User.role, func.count(), func.max(AuditEvent.at))
            .join(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case.id,
                   AuditEvent.action.in_(VIEW_ACTIONS))  # type: ignore[attr-defined]
            .group_by(User.id, User.name, User.role)
            .order_by(func.max(AuditEvent.at).desc())
        ).all()
        audit.record(db, actor, "case.viewers", "case", case.id)
        return [Viewer(name=n, role=Role(r).label, views=int(c), last_seen=format_datetime(at, tz))
                for n, r, c, at in rows]


# --- The audit-trail page and its CSV export (admins only) ---------------------------------------

PAGE_SIZE = 50
EXPORT_CAP = 100_000  # one export, held in memory: narrower filters for more
DETAIL_CHARS = 160
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TrailFilters:
    """As typed on the page or in the download link; every field optional."""

    who: str = ""  # part of a name or email
    action: str = ""  # "case." or "case" for a family, "case.view" for one action
    record: str = ""  # "case 12", "case:12", "attachment" (a type alone)
    date_from: str = ""  # YYYY-MM-DD in the organisation's time zone, inclusive
    date_to: str = ""  # likewise, inclusive

    def as_detail(self) -> dict[str, str]:
        return {k: v for k, v in (("who", self.who), ("action", self.action),
                                  ("record", self.record), ("from", self.date_from),
                                  ("to", self.date_to)) if v}


@dataclass
class TrailRow:
    id: int
    at: str  # in the organisation's time zone
    who: str
    role: str
    action: str
    record: str
    detail: str  # short and readable: the full JSON is in the CSV


@dataclass
class TrailPage:
    rows: list[TrailRow]
    page: int
    has_previous: bool
    has_next: bool


@dataclass(frozen=True)
class TrailExport:
    csv: str
    rows: int
    truncated: bool  # stopped at EXPORT_CAP rows


def _refuse_unless_admin(db: Session, actor: Actor, attempted: str) -> None:
    if actor.role is not Role.ADMIN:
        audit.record_denial(db, actor, "access.denied", "audit_trail", None, attempted=attempted)
        raise PermissionDenied("Only an admin can read the audit trail")


def _parse_record(text: str) -> tuple[str, int | None]:
    parts = re.split(r"[\s:#]+", text.strip().lower(), maxsplit=1)
    kind = parts[0]
    if not re.fullmatch(r"[a-z_]{1,40}", kind):
        raise ValidationFailed({"record": "Type a record such as “case 12” or “case”"})
    if len(parts) == 1 or not parts[1]:
        return kind, None
    number = parts[1].strip().lstrip("#")
    if not (number.isascii() and number.isdigit() and len(number) <= 18):
        raise ValidationFailed({"record": "Type a record such as “case 12” or “case”"})
    return kind, int(number)


def _day_start(text: str, tz: str, field: str) -> datetime:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed({field: "Type a date such as 2026-11-23"}) from None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _filtered(filters: TrailFilters, tz: str) -> Select:
    query = select(AuditEvent, User.name, User.role).join(
        User, User.id == AuditEvent.actor_id, isouter=True)
    who = filters.who.strip().lower()[:120]
    if who:
        like = f"%{who.replace('%', '').replace('_', '')}%"
        query = query.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    action = filters.action.strip().lower()[:60]
    if action:
        # "case." is a family (by prefix); "case.view" one action exactly, so that it does not
        # also bring "case.viewers"; "sign_in" both the action of that name and its family.
        family = AuditEvent.action.startswith(action.rstrip(".") + ".",  # type: ignore[attr-defined]
                                              autoescape=True)
        if action.endswith("."):
            query = query.where(family)
        elif "." in action:
            query = query.where(AuditEvent.action == action)
        else:
            query = query.where(or_(AuditEvent.action == action, family))
    if filters.record.strip():
        kind, number = _parse_record(filters.record)
        query = query.where(AuditEvent.entity_type == kind)
        if number is not None:
            query = query.where(AuditEvent.entity_id == number)
    start = _day_start(filters.date_from, tz, "date_from") if filters.date_from.strip() else None
    end = (_day_start(filters.date_to, tz, "date_to") if filters.date_to.strip() else None)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        # The whole "to" day: up to the start of the next local day (DST-safe via the zone).
        next_day = date.fromisoformat(filters.date_to.strip()) + timedelta(days=1)
        query = query.where(AuditEvent.at < datetime.combine(
            next_day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC))
    if start is not None and end is not None and start > end:
        raise ValidationFailed({"date_to": "“To” must be on or after “From”"})
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())  # type: ignore[attr-defined]


def _record_label(ev: AuditEvent) -> str:
    return ev.entity_type + (f" {ev.entity_id}" if ev.entity_id is not None else "")


def _short_detail(detail: str) -> str:
    if not detail:
        return ""
    try:
        parsed = json.loads(detail)
    except ValueError:
        text = detail
    else:
        if isinstance(parsed, dict):
            text = "; ".join(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
                             for k, v in parsed.items())
        else:
            text = str(parsed)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


def _who(name: str | None, role: str | None) -> tuple[str, str]:
    if name is None:
        return "System", ""
    return name, Role(role).label if role in Role._value2member_map_ else str(role or "")


def search_events(actor: Actor, filters: TrailFilters, page: int = 1) -> TrailPage:
    """One page (newest first) of the events matching ``filters``. Reading it is audited."""
    page = max(1, min(int(page), 1_000_000))
    with session_scope() as db:
        _refuse_unless_admin(db, actor, "audit_trail.view")
        tz = organisation_time_zone(db)
        found = db.exec(_filtered(filters, tz).offset((page - 1) * PAGE_SIZE)
                        .limit(PAGE_SIZE + 1)).all()
        rows = []
        for ev, name, role in found[:PAGE_SIZE]:
            who, role_label = _who(name, role)
            rows.append(TrailRow(id=int(ev.id or 0), at=format_datetime(ev.at, tz), who=who,
                                 role=role_label, action=ev.action, record=_record_label(ev),
                                 detail=_short_detail(ev.detail)))
        # Recorded after the read, so this view is not among its own results.
        audit.record(db, actor, "audit_trail.view", "audit_trail", None,
                     filters=filters.as_detail(), page=page)
        return TrailPage(rows=rows, page=page, has_previous=page > 1,
                         has_next=len(found) > PAGE_SIZE)


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


CSV_HEADER = ("time_utc", "time_local", "who", "role", "action", "record_type", "record_id",
              "detail", "seq")


def export_csv(actor: Actor, filters: TrailFilters) -> TrailExport:
    """Every event matching ``filters`` (up to EXPORT_CAP) as CSV. The export is audited."""
    with session_scope() as db:
        _refuse_unless_admin(db, actor, "audit_trail.export")
        tz = organisation_time_zone(db)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        count, truncated = 0, False
        for ev, name, role in db.exec(_filtered(filters, tz).limit(EXPORT_CAP + 1)
                                      .execution_options(yield_per=2000)):
            if count == EXPORT_CAP:
                truncated = True
                break
            who, role_label = _who(name, role)
            at = ev.at if ev.at.tzinfo else ev.at.replace(tzinfo=UTC)
            writer.writerow([safe_cell(v) for v in (
                at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), format_datetime(ev.at, tz),
                who, role_label, ev.action, ev.entity_type,
                "" if ev.entity_id is None else ev.entity_id, ev.detail, ev.seq or "")])
            count += 1
        if truncated:
            writer.writerow([f"Export stopped at {EXPORT_CAP} rows: narrow the filters "
                             "(for example by date) to export the rest."])
        audit.record(db, actor, "audit_trail.export", "audit_trail", None,
                     filters=filters.as_detail(), rows=count, truncated=truncated)
        return TrailExport(csv=out.getvalue(), rows=count, truncated=truncated)
