"""The audit trail: one append-only event for every view of a case or note and every change."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from caseapp.actor import Actor
from caseapp.models import AuditEvent

KEEP_ON_ROLLBACK = "caseline_keep_on_rollback"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    **detail: Any,
) -> None:
    """Add an event to the caller's transaction, so it commits (or rolls back) with the change."""
    session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            detail=json.dumps(detail, default=str, ensure_ascii=False) if detail else "",
        )
    )


def record_denial(session: Session, actor: Actor | None, action: str, entity_type: str,
                  entity_id: int | None, **detail: Any) -> None:
    """An event that must outlive the caller's transaction, which is about to roll back (a
    refused access, a failed sign-in). ``db.session_scope`` writes it once the unit ends."""
    session.info.setdefault(KEEP_ON_ROLLBACK, []).append(
        AuditEvent(actor_id=actor.id if actor else None, action=action, entity_type=entity_type,
                   entity_id=entity_id,
                   detail=json.dumps(detail, default=str, ensure_ascii=False) if detail else ""))
