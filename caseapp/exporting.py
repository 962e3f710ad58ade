"""CSV exports for funder reports: cases (with the cases list's filters) and interactions.

Admins and managers only (DESIGN.md §4: "export ... manager export only"), and only what the
actor may read: the same visibility clause as the cases list and the same private-note rule as
the timeline, from ``caseapp.access``. Rows stream from the database in batches, so an export of
200,000 cases never sits in memory. Every text cell a spreadsheet would run as a formula gets a
leading quote. The audit trail gets one event per export (filters and row count) before the
first byte leaves, so an export cut off half-way is still on record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.cases import CaseFilters, _case_tags, case_filter_clauses
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import (
    Case,
    ConcernLevel,
    Interaction,
    InteractionTag,
    InteractionType,
    Pathway,
    Person,
    Status,
    Tag,
    User,
)
from caseapp.organisation import organisation_time_zone
from caseapp.timefmt import to_local
from caseapp.trail import safe_cell

BATCH = 1000  # rows per database round trip and per chunk sent
ONLY_EXPORTERS = "Only admins and managers can export"

CASE_HEADER = ("reference", "name", "date_of_birth", "postcode", "pathway", "status",
               "concern_level", "case_worker", "start_date", "end_date", "last_interaction",
               "tags")
INTERACTION_HEADER = ("case_reference", "occurred_at", "type", "author", "private",
                      "concern_level_set", "outcome", "tags", "text")


@dataclass
class PreparedExport:
    file_name: str
    rows: int
    chunks: Iterator[str]  # the CSV text, a batch of rows at a time


def _refuse_unless_exporter(db: Session, actor: Actor, attempted: str) -> None:
    if not access.can_export(actor):
        audit.record_denial(db, actor, "access.denied", "export", None, attempted=attempted)
        raise PermissionDenied(ONLY_EXPORTERS)


def _csv_text(rows: list[tuple[object, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _filters_detail(filters: CaseFilters) -> dict[str, object]:
    return {k: v for k, v in (("search", filters.search), ("status", filters.status),
                              ("concern_level", filters.concern_level),
                              ("worker", filters.worker), ("pathway_id", filters.pathway_id),
                              ("tag", filters.tag)) if v}


def _local_date(d: date | None) -> str:
    return d.isoformat() if d else ""


def _local_time(dt: datetime | None, tz: str) -> str:
    return to_local(dt, tz).strftime("%Y-%m-%d %H:%M") if dt else ""


def export_cases(actor: Actor, filters: CaseFilters) -> PreparedExport:
    """The cases matching the cases list's filters, every page of them, oldest first."""
    with session_scope() as db:
        _refuse_unless_exporter(db, actor, "export.cases")
        where = case_filter_clauses(actor, filters)
        total = db.exec(select(func.count()).select_from(Case)
                        .join(Person, Person.id == Case.person_id).where(*where)).one()
        audit.record(db, actor, "export.cases", "case", None, filters=_filters_detail(filters),
                     rows=total)
    return PreparedExport("cases.csv", int(total), _stream_cases(where))


def _stream_cases(where: list) -> Iterator[str]:
    yield "\ufeff" + _csv_text([CASE_HEADER])  # the mark tells spreadsheets it is UTF-8
    worker = aliased(User)
    query = (select(Case, Person.name, Person.date_of_birth, Person.postcode, Pathway.name,
                    worker.name)
             .join(Person, Person.id == Case.person_id)
             .join(Pathway, Pathway.id == Case.pathway_id)
             .outerjoin(worker, worker.id == Case.worker_id)
             .where(*where).order_by(col(Case.id)))
    with session_scope() as db:
        tz = organisation_time_zone(db)
        last_id = 0
        while True:  # keyset pages: each batch is one indexed range read, however deep
            batch = db.exec(query.where(col(Case.id) > last_id).limit(BATCH)).all()
            if not batch:
                return
            tags = _case_tags(db, [c.id for c, *_ in batch])
            yield _csv_text([
                (case.reference, name, _local_date(dob), postcode or "", pathway,
                 Status(case.status).label, ConcernLevel(case.concern_level).label,
                 worker_name or "Unassigned", _local_date(case.start_date),
                 _local_date(case.end_date), _local_time(case.last_interaction_at, tz),
                 ", ".join(tags[case.id]))
                for case, name, dob, postcode, pathway, worker_name in batch])
            last_id = batch[-1][0].id


def _day_bound(text: str, tz: str, field: str, next_day: bool = False) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed({field: "Give the date as YYYY-MM-DD, e.g. 2026-04-01"}) from None
    if next_day:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def export_interactions(actor: Actor, filters: CaseFilters, date_from: str = "",
                        date_to: str = "") -> PreparedExport:
    """Interactions on the cases matching the filters, between two local dates (inclusive),
    that the actor may read: private ones only where the role matrix lets them."""
    with session_scope() as db:
        _refuse_unless_exporter(db, actor, "export.interactions")
        tz = organisation_time_zone(db)
        start = _day_bound(date_from, tz, "from")
        end = _day_bound(date_to, tz, "to", next_day=True)
        if start is not None and end is not None and start >= end:
            raise ValidationFailed({"to": "“To” must be on or after “From”"})
        visible_cases = (select(Case.id).join(Person, Person.id == Case.person_id)
                         .where(*case_filter_clauses(actor, filters)))
        where = [col(Interaction.case_id).in_(visible_cases),
                 access.private_interaction_clause(actor, Interaction.author_id,
                                                   Interaction.private)]
        if start is not None:
            where.append(Interaction.occurred_at >= start)
        if end is not None:
            where.append(Interaction.occurred_at < end)
        total = db.exec(select(func.count()).select_from(Interaction).where(*where)).one()
        detail = _filters_detail(filters)
        detail.update({k: v for k, v in (("from", date_from), ("to", date_to)) if v})
        audit.record(db, actor, "export.interactions", "interaction", None, filters=detail,
                     rows=total)
    return PreparedExport("interactions.csv", int(total), _stream_interactions(where))


def _interaction_tags(db: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ids}
    for iid, name in db.exec(select(InteractionTag.interaction_id, Tag.name)
                             .join(Tag, Tag.id == InteractionTag.tag_id)
                             .where(col(InteractionTag.interaction_id).in_(ids))
                             .order_by(Tag.name)).all():
        out[iid].append(name)
    return out


def _kind_label(kind: str) -> str:
    return InteractionType(kind).label if kind in InteractionType._value2member_map_ else kind


def _stream_interactions(where: list) -> Iterator[str]:
    yield "\ufeff" + _csv_text([INTERACTION_HEADER])
    query = (select(Interaction, Case.reference, User.name)
             .join(Case, Case.id == Interaction.case_id)
             .join(User, User.id == Interaction.author_id)
             .where(*where).order_by(col(Interaction.id)))
    with session_scope() as db:
        tz = organisation_time_zone(db)
        last_id = 0
        while True:
            batch = db.exec(query.where(col(Interaction.id) > last_id).limit(BATCH)).all()
            if not batch:
                return
            tags = _interaction_tags(db, [i.id for i, *_ in batch])
            yield _csv_text([
                (reference, _local_time(i.occurred_at, tz), _kind_label(i.kind), author,
                 "yes" if i.private else "no",
                 ConcernLevel(i.concern_level).label if i.concern_level else "",
                 i.outcome or "", ", ".join(tags[i.id]), i.text)
                for i, reference, author in batch])
            last_id = batch[-1][0].id
