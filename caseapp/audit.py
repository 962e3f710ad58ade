"""The audit trail: one append-only, hash-chained event for every view of a case or note and every
change."""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from caseapp.actor import Actor
from caseapp.models import AuditChainHead, AuditEvent

KEEP_ON_ROLLBACK = "caseline_keep_on_rollback"
# Set for the length of a call that did not come from the app's own pages (the JSON API sets
# {"api_token": id}): every event written meanwhile names it, so the trail says which token did it.
VIA: ContextVar[dict[str, Any] | None] = ContextVar("caseline_audit_via", default=None)


def _detail(detail: dict[str, Any]) -> str:
    via = VIA.get()
    if via:
        detail = {**detail, "via": via}
    return json.dumps(detail, default=str, ensure_ascii=False) if detail else ""


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
            detail=_detail(detail),
        )
    )


def record_denial(session: Session, actor: Actor | None, action: str, entity_type: str,
                  entity_id: int | None, **detail: Any) -> None:
    """An event that must outlive the caller's transaction, which is about to roll back (a
    refused access, a failed sign-in). ``db.session_scope`` writes it once the unit ends."""
    session.info.setdefault(KEEP_ON_ROLLBACK, []).append(
        AuditEvent(actor_id=actor.id if actor else None, action=action, entity_type=entity_type,
                   entity_id=entity_id, detail=_detail(detail)))


# --- The hash chain -------------------------------------------------------------------------------
# Each event's hash covers the hash of the event before it, so changing, inserting or removing any
# event breaks every link after it, and ``verify_chain`` names the first broken one. The chain
# covers a digest of the detail rather than the detail itself, so an erasure can redact personal
# details kept in old events (replacing the detail with a REDACTED marker) without breaking the
# chain; verify counts redactions and reports them.

GENESIS = "0" * 64
REDACTED_PREFIX = '{"redacted":'


def _canonical_time(at: datetime) -> str:
    if at.tzinfo is None:  # stored naive on some databases: always UTC here
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def detail_digest(detail: str) -> str:
    return hashlib.sha256(detail.encode("utf-8")).hexdigest()


def event_hash(seq: int, prev_hash: str, at: datetime, actor_id: int | None, action: str,
               entity_type: str, entity_id: int | None, digest: str) -> str:
    payload = json.dumps([seq, prev_hash, _canonical_time(at), actor_id, action, entity_type,
                          entity_id, digest], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _claim_head(connection: Connection) -> tuple[int, str]:
    """Lock the chain head and read it. The UPDATE takes the write lock (SQLite) or the row lock
    (PostgreSQL, where a waiting writer then sees the committed head), held until commit."""
    head = AuditChainHead.__table__
    row = connection.execute(
        update(head).where(head.c.id == 1).values(seq=head.c.seq)
        .returning(head.c.seq, head.c.hash)).first()
    if row is None:  # a database made without the migrations (the bench generator's bulk path)
        connection.execute(insert(head).values(id=1, seq=0, hash=GENESIS))
        return 0, GENESIS
    return int(row[0]), str(row[1] or GENESIS)


@event.listens_for(OrmSession, "before_flush")
def _seal_new_events(session: OrmSession, _context: object, _instances: object) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent) and not obj.hash]
    if not new:
        return
    seq, prev = _claim_head(session.connection())
    for ev in new:
        seq += 1
        ev.seq = seq
        ev.prev_hash = prev
        ev.detail_digest = detail_digest(ev.detail)
        ev.hash = event_hash(seq, prev, ev.at, ev.actor_id, ev.action, ev.entity_type,
                             ev.entity_id, ev.detail_digest)
        prev = ev.hash
    head = AuditChainHead.__table__
    session.connection().execute(update(head).where(head.c.id == 1).values(seq=seq, hash=prev))


@dataclass(frozen=True)
class ChainReport:
    events: int
    redacted: int
    last_hash: str
    broken_at: int | None = None  # the seq (or row id, for an unchained row) of the first break
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole trail in chain order and report the first link that does not hold."""
    events = redacted = 0
    prev = GENESIS
    unchained = session.exec(select(AuditEvent.id).where(
        AuditEvent.seq == None).order_by(AuditEvent.id)).first()  # noqa: E711
    rows = session.exec(select(AuditEvent).where(AuditEvent.seq != None)  # noqa: E711
                        .order_by(AuditEvent.seq).execution_options(yield_per=5000))
    for ev in rows:
        events += 1
        where = f"event {ev.seq} (row {ev.id}, {ev.action} at {_canonical_time(ev.at)})"
        if ev.seq != events:
            missing = "missing or removed" if (ev.seq or 0) > events else "out of order"
            return ChainReport(events - 1, redacted, prev, events,
                               f"event {events} is {missing}: the next one found is {where}")
        if ev.prev_hash != prev:
            return ChainReport(events - 1, redacted, prev, ev.seq,
                               f"{where} does not follow the event before it")
        if ev.hash != event_hash(ev.seq, ev.prev_hash, ev.at, ev.actor_id, ev.action,
                                 ev.entity_type, ev.entity_id, ev.detail_digest):
            return ChainReport(events - 1, redacted, prev, ev.seq,
                               f"{where} was changed after it was written")
        if detail_digest(ev.detail) != ev.detail_digest:
            if not ev.detail.startswith(REDACTED_PREFIX):
                return ChainReport(events - 1, redacted, prev, ev.seq,
                                   f"the detail of {where} was changed after it was written")
            redacted += 1
        prev = ev.hash
    if unchained is not None:
        return ChainReport(events, redacted, prev, unchained,
                           f"row {unchained} was added outside the chain")
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.seq, head.hash or GENESIS) != (events, prev):
        return ChainReport(events, redacted, prev, head.seq,
                           f"the trail ends at event {events} but the chain head says {head.seq}: "
                           "events were removed from the end")
    return ChainReport(events, redacted, prev)
