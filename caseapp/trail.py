"""Reading the audit trail: who has seen a case. For managers and admins only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.cases import load_case_for
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied
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
