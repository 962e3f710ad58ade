"""Erasure: anonymise a person (the right to erasure, or the end of the retention period) or
delete them entirely. Admins only, with a reason and a confirmation (typing the person's name).

**Anonymise** keeps the shape of the record for statistics: the person row (named "Anonymised
person N", no date of birth or contact details), their cases (pathway, status, concern level,
dates, worker, tags), each interaction's kind, time, author, private flag and concern change, and
the status/concern/assignment history. Every free text goes: notes become "[Erased]", outcomes
and change reasons are emptied, attachments are deleted from disk and from the database.

**Delete** removes the person, their cases and everything hanging from them.

Either way the traces go too: search vectors of their notes, weekly summaries of their cases,
subject access exports of them, their name, phone or email where another person's note or a
weekly summary mentions them, and every audit event detail that holds their details or is about
their records. Those details are replaced by a ``{"redacted": ...}`` marker that keeps only
numbers, yes/no values and the app's own words (statuses, concern levels); the hash chain covers a
digest of the detail, so it still verifies and counts the redactions (caseapp/audit.py).

The erasure itself is audited (who, when, why, what kind, how many records) without any of the
erased content; the reason is refused if it repeats the person's name or contact details.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, false, func, or_, text, update
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.cases import plausible_id
from caseapp.config import settings
from caseapp.db import engine, session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import (
    Assignment,
    Attachment,
    AuditEvent,
    Case,
    CaseTag,
    ConcernChange,
    ConcernLevel,
    Interaction,
    InteractionTag,
    InteractionType,
    NoteEmbedding,
    Person,
    PersonErasure,
    RightsJob,
    Role,
    Status,
    StatusChange,
    SummaryRunCase,
    WeeklySummary,
    utcnow,
)
from caseapp.textinput import required_line

ERASED_TEXT = "[Erased]"
MODES = ("anonymise", "delete")
ONLY_ADMINS = "Only an admin can erase a person's records"
NOT_FOUND = "There is no such person"
# Values an anonymised audit detail may keep: they describe what happened, never who to.
SAFE_WORDS = frozenset({s.value for s in Status} | {c.value for c in ConcernLevel}
                       | {k.value for k in InteractionType} | {r.value for r in Role}
                       | {"anonymise", "delete", "done", "skipped", "failed"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")


def anonymised_name(person_id: int) -> str:
    return f"Anonymised person {person_id}"


def _norm(value: str) -> str:
    return " ".join((value or "").split()).casefold()


@dataclass
class ErasureResult:
    person_id: int
    mode: str
    cases: int
    interactions: int
    attachments: int
    mentions: int  # other records' text where their name, phone or email was replaced
    audit_redacted: int
    files_deleted: int = 0
    file_keys: list[str] = field(default_factory=list)  # deleted after the commit


def identifiers(person: Person) -> list[str]:
    """The strings that identify this person, longest first: searched for in other records."""
    found = {v.strip() for v in (person.name, person.email, person.phone, person.address)
             if v and len(v.strip()) >= 4}
    return sorted(found, key=len, reverse=True)


def mentioned_by(person: Person) -> list[str]:
    """What may be replaced inside other people's notes: only what names this person alone
    (a postcode or address fragment could be a neighbour's too)."""
    return [v for v in identifiers(person) if v != (person.address or "").strip()]


def _replace_all(value: str, needles: list[str]) -> tuple[str, int]:
    count = 0
    for needle in needles:
        value, n = re.subn(re.escape(needle), ERASED_TEXT, value, flags=re.IGNORECASE)
        count += n
    return value, count


def _like_any(column, needles: list[str]):  # type: ignore[no-untyped-def]
    """SQL: the column contains any of the strings, whatever the case."""
    return or_(*[func.lower(column).like(f"%{_escape_like(n.lower())}%", escape="\\")
                 for n in needles])


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keep(value: object) -> object | None:
    """What of one detail value survives redaction (None: nothing)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return value if value in SAFE_WORDS or _ISO_DATE.match(value) else None
    if isinstance(value, list):
        kept = [v for v in value if isinstance(v, int | float | bool)
                or (isinstance(v, str) and v in SAFE_WORDS)]
        return kept if len(kept) == len(value) else None
    if isinstance(value, dict):
        inner = {k: _keep(v) for k, v in value.items()}
        inner = {k: v for k, v in inner.items() if v is not None}
        return inner if inner == value else (inner or None)
    return None


def redacted_detail(detail: str, erasure_ref: str) -> str | None:
    """The redaction marker for an audit detail, or None when it holds nothing to redact."""
    if not detail or detail.startswith(audit.REDACTED_PREFIX):
        return None
    try:
        parsed = json.loads(detail)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return json.dumps({"redacted": erasure_ref}, ensure_ascii=False)
    kept = {k: _keep(v) for k, v in parsed.items()}
    kept = {k: v for k, v in kept.items() if v is not None}
    if kept == parsed:
        return None  # numbers and the app's own words only: nothing personal to remove
    return json.dumps({"redacted": erasure_ref, "kept": kept}, ensure_ascii=False)


def check_reason(reason: str, person: Person) -> str:
    errors: dict[str, str] = {}
    clean = required_line(errors, "reason", "Reason", reason, 500)
    if errors:
        raise ValidationFailed(errors)
    lowered = clean.casefold()
    personal = identifiers(person) + ([person.postcode] if person.postcode else [])
    if any(v.casefold() in lowered for v in personal):
        raise ValidationFailed({"reason": "Do not put the person's name or contact details in "
                                          "the reason: the reason is kept after the erasure."})
    return clean


def check_confirmation(confirmation: str, person: Person) -> None:
    if _norm(confirmation) != _norm(person.name):
        raise ValidationFailed({"confirmation": "Type the person's name exactly as shown to "
                                                "confirm. Nothing was erased."})


def erase_person(actor: Actor, person_id: int, mode: str, reason: str,
                 confirmation: str) -> ErasureResult:
    """Anonymise or delete one person, confirmed by typing their name. Admins only: anyone else
    gets the same refusal whether the person exists or not."""
    checked = plausible_id(person_id)
    with session_scope() as db:
        if not access.can_use_data_rights(actor):
            audit.record_denial(db, actor, "access.denied", "person", checked,
                                attempted="erase")
            raise PermissionDenied(ONLY_ADMINS)
        if mode not in MODES:
            raise ValidationFailed({"mode": "Choose Anonymise or Delete entirely"})
        person = db.get(Person, checked) if checked is not None else None
        if person is None:
            raise ValidationFailed({"person": NOT_FOUND})
        clean = check_reason(reason, person)
        check_confirmation(confirmation, person)
        if mode == "anonymise" and already_anonymised(db, person.id):  # type: ignore[arg-type]
            raise ValidationFailed({"mode": "This person's records are already anonymised"})
        result = erase_in(db, actor, person, mode, clean)
    finish_erasure(result)
    return result


def already_anonymised(db: Session, person_id: int) -> bool:
    return db.exec(select(PersonErasure.id).where(PersonErasure.person_id == person_id)
                   ).first() is not None


def erase_in(db: Session, actor: Actor, person: Person, mode: str, reason: str) -> ErasureResult:
    """The erasure inside the caller's transaction (checks done by the caller). Files are only
    collected here; ``finish_erasure`` deletes them once the transaction has committed."""
    assert person.id is not None
    pid = person.id
    ids = identifiers(person)
    mention_ids = mentioned_by(person)
    case_ids = list(db.exec(select(Case.id).where(Case.person_id == pid)).all())
    interaction_ids = list(db.exec(select(Interaction.id).where(
        col(Interaction.case_id).in_(case_ids))).all()) if case_ids else []
    attachments = list(db.exec(select(Attachment).where(
        col(Attachment.interaction_id).in_(interaction_ids))).all()) if interaction_ids else []
    keys = [k for a in attachments for k in (a.storage_key, a.thumbnail_key) if k]
    erasure = PersonErasure(person_id=pid, mode=mode, reason=reason, erased_by_id=actor.id,
                            cases=len(case_ids), interactions=len(interaction_ids),
                            attachments=len(attachments))
    db.add(erasure)
    db.flush()
    ref = f"erasure {erasure.id}"

    # Other people's notes and weekly summaries that name them (before their own go).
    mentions = 0
    if mention_ids:
        others = db.exec(select(Interaction).where(
            _like_any(Interaction.text, mention_ids) | _like_any(Interaction.outcome, mention_ids),
            ~col(Interaction.id).in_(interaction_ids or [-1]))).all()
        for other in others:
            other.text, n = _replace_all(other.text, mention_ids)
            if other.outcome:
                other.outcome, m = _replace_all(other.outcome, mention_ids)
                n += m
            mentions += n
            db.add(other)
        if others:
            # Their meaning is re-read from the new text the next time search catches up.
            db.execute(delete(NoteEmbedding).where(
                col(NoteEmbedding.interaction_id).in_([o.id for o in others])))
    summaries = select(WeeklySummary.id).where(
        or_(col(WeeklySummary.case_id).in_(case_ids or [-1]),
            _like_any(WeeklySummary.sentences, mention_ids) if mention_ids else false()))
    summary_ids = list(db.exec(summaries).all())
    if summary_ids:
        db.execute(update(SummaryRunCase).where(col(SummaryRunCase.summary_id).in_(summary_ids))
                   .values(summary_id=None))
        db.execute(delete(WeeklySummary).where(col(WeeklySummary.id).in_(summary_ids)))

    if interaction_ids:
        db.execute(delete(NoteEmbedding).where(
            col(NoteEmbedding.interaction_id).in_(interaction_ids)))
        db.execute(delete(Attachment).where(col(Attachment.interaction_id).in_(interaction_ids)))
    if case_ids:
        db.execute(update(SummaryRunCase).where(col(SummaryRunCase.case_id).in_(case_ids))
                   .values(message=""))
    if mode == "anonymise":
        if interaction_ids:
            db.execute(update(Interaction).where(col(Interaction.id).in_(interaction_ids))
                       .values(text=ERASED_TEXT, outcome=None))
        if case_ids:
            db.execute(update(StatusChange).where(col(StatusChange.case_id).in_(case_ids))
                       .values(reason=None))
            db.execute(update(Assignment).where(col(Assignment.case_id).in_(case_ids))
                       .values(reason=None))
        person.name = anonymised_name(pid)
        person.name_search = person.name.lower()
        person.date_of_birth = None
        person.phone = person.email = person.address = person.postcode = None
        person.updated_at = utcnow()
        db.add(person)
    else:
        if case_ids:
            db.execute(delete(SummaryRunCase).where(col(SummaryRunCase.case_id).in_(case_ids)))
            db.execute(delete(ConcernChange).where(col(ConcernChange.case_id).in_(case_ids)))
            db.execute(delete(StatusChange).where(col(StatusChange.case_id).in_(case_ids)))
            db.execute(delete(Assignment).where(col(Assignment.case_id).in_(case_ids)))
            db.execute(delete(CaseTag).where(col(CaseTag.case_id).in_(case_ids)))
        if interaction_ids:
            db.execute(delete(InteractionTag).where(
                col(InteractionTag.interaction_id).in_(interaction_ids)))
            db.execute(delete(Interaction).where(col(Interaction.id).in_(interaction_ids)))
        if case_ids:
            db.execute(delete(Case).where(col(Case.id).in_(case_ids)))
        db.delete(person)

    # Subject access exports of them: the files go, the jobs say why.
    for job in db.exec(select(RightsJob).where(RightsJob.person_id == pid)).all():
        if job.file_key:
            keys.append(f"export:{job.file_key}")
        job.file_key, job.status = None, "erased"
        job.message = "Deleted when the person's records were erased."
        if mode == "delete":
            job.person_id = None
        db.add(job)

    redacted = redact_audit(db, pid, case_ids, interaction_ids,
                            [a.id for a in attachments if a.id is not None], ids, ref)
    audit.record(db, actor, "person.erase", "person", pid, mode=mode, reason=reason,
                 erasure_id=erasure.id, cases=len(case_ids), interactions=len(interaction_ids),
                 attachments=len(attachments), mentions_replaced=mentions,
                 audit_events_redacted=redacted)
    return ErasureResult(person_id=pid, mode=mode, cases=len(case_ids),
                         interactions=len(interaction_ids), attachments=len(attachments),
                         mentions=mentions, audit_redacted=redacted, file_keys=keys)


def redact_audit(db: Session, person_id: int, case_ids: list[int], interaction_ids: list[int],
                 attachment_ids: list[int], needles: list[str], ref: str) -> int:
    """Replace the details of earlier audit events about these records, or holding the person's
    details anywhere (a search for their name), with the redaction marker. Only the detail
    changes, which the chain and the database trigger allow."""
    about = [(AuditEvent.entity_type == "person") & (AuditEvent.entity_id == person_id)]
    for kind, ids in (("case", case_ids), ("interaction", interaction_ids),
                      ("attachment", attachment_ids)):
        if ids:
            about.append((AuditEvent.entity_type == kind) & col(AuditEvent.entity_id).in_(ids))
    if needles:
        about.append(_like_any(AuditEvent.detail, needles))
    count = 0
    rows = db.exec(select(AuditEvent.id, AuditEvent.detail).where(
        or_(*about), AuditEvent.detail != "")).all()
    for event_id, detail in rows:
        marker = redacted_detail(detail, ref)
        if marker is None:
            continue
        db.execute(update(AuditEvent).where(col(AuditEvent.id) == event_id)
                   .values(detail=marker))
        count += 1
    return count


def finish_erasure(result: ErasureResult) -> None:
    """After the commit: delete the files, forget cached vectors, and on SQLite move the
    write-ahead log into the database file and empty it, so the old pages are gone from disk."""
    from caseapp.interactions import attachment_store

    store = attachment_store()
    for key in result.file_keys:
        if key.startswith("export:"):
            from caseapp.subject_access import delete_export_file

            delete_export_file(key.removeprefix("export:"))
        else:
            store.delete(key)
        result.files_deleted += 1
    forget_cached_vectors()
    compact_sqlite_log()


def forget_cached_vectors() -> None:
    """The in-memory search vectors are re-read from the database at the next search."""
    from caseapp.ai import embeddings

    with embeddings._copies_lock:
        for copy in embeddings._copies.values():
            with copy.lock:
                copy.loaded_at = -1e12


def compact_sqlite_log() -> None:
    if not settings().db_url.startswith("sqlite"):
        return  # PostgreSQL: autovacuum reclaims the old row versions
    with engine().connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def closure_cutoff(today: date, years: int) -> date:
    """The last closing date that is past a retention period of ``years`` on ``today``."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)
