"""Interactions: the case timeline, adding a note (with attachments), and serving attachments.

A save is all or nothing: text, concern change and every file are checked before anything is
written, files are written before the transaction commits, and removed again if it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from caseapp import access, audit, markdown
from caseapp.actor import Actor
from caseapp.ai import embeddings
from caseapp.cases import (
    CaseDetail,
    apply_concern_change,
    case_detail_in,
    check_version,
    load_case_for,
    plausible_id,
)
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.files import AttachmentStore, FileRejected, PreparedFile, prepare_upload
from caseapp.models import (
    Attachment,
    Case,
    Interaction,
    InteractionTag,
    InteractionType,
    Tag,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.textinput import clean_note, clean_tags, optional_line
from caseapp.timefmt import format_datetime, local_input_to_utc, relative

TIMELINE_PAGE = 20
# Clocks on phones drift; a few minutes ahead is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
# The device outbox sends 32 hex digits; the JSON API allows the same pattern. Anything else
# (a NUL, which PostgreSQL refuses outright, or a lone surrogate) never reaches a query.
CLIENT_REF = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@lru_cache(maxsize=1)
def attachment_store() -> AttachmentStore:
    return AttachmentStore(settings().attachments_dir)


@dataclass
class NewInteraction:
    kind: str = InteractionType.NOTE.value
    occurred_at: str = ""  # local "YYYY-MM-DDTHH:MM" in the organisation's zone; "" = now
    text: str = ""
    private: bool = False
    concern_level: str | None = None  # the level to set; None or the current level = no change
    outcome: str = ""
    tags: list[str] = field(default_factory=list)
    client_ref: str | None = None


@dataclass
class AttachmentView:
    id: int
    name: str
    is_image: bool
    size: str


@dataclass
class InteractionView:
    id: int
    kind: str
    kind_label: str
    occurred_at: str
    occurred_relative: str
    author_name: str
    html: str
    private: bool
    outcome: str
    concern_level: str
    tags: list[str]
    attachments: list[AttachmentView]
    generated_by: str = ""  # for an accepted summary: how it was made


@dataclass
class TimelinePage:
    items: list[InteractionView]
    next_cursor: str  # "" when there is nothing older


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def readable(actor: Actor, case: Case):  # type: ignore[no-untyped-def]
    """Interactions of a case (already opened with load_case_for) that this actor may read,
    with author names. The one place that decides which notes anyone sees, AI included."""
    return (select(Interaction, User.name).join(User, User.id == Interaction.author_id)
            .where(Interaction.case_id == case.id,
                   access.private_interaction_clause(actor, Interaction.author_id,
                                                     Interaction.private)))


def timeline(actor: Actor, case_id: int, cursor: str = "",
             limit: int = TIMELINE_PAGE) -> TimelinePage:
    """Interactions newest first, one page at a time (keyset on occurred_at, id)."""
    with session_scope() as db:
        case, _facts = load_case_for(db, actor, case_id)
        page = _timeline_in(db, actor, case, cursor, limit)
        if page.items:
            audit.record(db, actor, "interactions.view", "case", case.id,
                         interaction_ids=[i.id for i in page.items])
        return page


def case_with_timeline(actor: Actor, case_id: int) -> tuple[CaseDetail, TimelinePage]:
    """What the case page shows (its header and the timeline's first page) in one transaction
    with both view events: a page reloading after every save holds the audit chain's head once,
    not twice."""
    with session_scope() as db:
        detail = case_detail_in(db, actor, case_id)  # checks access
        case = db.get(Case, detail.id)  # already in this session: no second query
        assert case is not None
        page = _timeline_in(db, actor, case, "", TIMELINE_PAGE)
        audit.record(db, actor, "case.view", "case", case.id)
        if page.items:
            audit.record(db, actor, "interactions.view", "case", case.id,
                         interaction_ids=[i.id for i in page.items])
        return detail, page


def _timeline_in(db: Session, actor: Actor, case: Case, cursor: str, limit: int) -> TimelinePage:
    q = readable(actor, case)
    if cursor:
        try:
            when_s, id_s = cursor.split("|")
            when, last_id = datetime.fromisoformat(when_s), int(id_s)
        except ValueError as exc:
            raise ValidationFailed({"cursor": "Bad page marker"}) from exc
        q = q.where(or_(Interaction.occurred_at < when,
                        and_(Interaction.occurred_at == when, col(Interaction.id) < last_id)))
    rows = db.exec(q.order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
                   .limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [i.id for i, _ in rows]
    files: dict[int, list[AttachmentView]] = {i: [] for i in ids}
    tags: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for a in db.exec(select(Attachment).where(col(Attachment.interaction_id).in_(ids))
                         .order_by(Attachment.id)):
            files[a.interaction_id].append(AttachmentView(
                id=a.id, name=a.display_name, is_image=a.thumbnail_key is not None,
                size=_human_size(a.size_bytes)))
        for iid, name in db.exec(select(InteractionTag.interaction_id, Tag.name)
                                 .join(Tag, Tag.id == InteractionTag.tag_id)
                                 .where(col(InteractionTag.interaction_id).in_(ids))):
            tags[iid].append(name)
    tz = organisation_time_zone(db)
    items = [InteractionView(
        id=i.id, kind=i.kind, kind_label=InteractionType(i.kind).label,
        occurred_at=format_datetime(i.occurred_at, tz),
        occurred_relative=relative(i.occurred_at), author_name=author,
        html=markdown.render(i.text), private=i.private, outcome=i.outcome or "",
        concern_level=i.concern_level or "", tags=tags[i.id], attachments=files[i.id],
        generated_by=i.generated_by or "")
        for i, author in rows]
    last = rows[-1][0] if rows and more else None
    return TimelinePage(items=items,
                        next_cursor=f"{last.occurred_at.isoformat()}|{last.id}" if last else "")


def _validate(new: NewInteraction, tz: str, file_count: int) -> tuple[dict[str, str], dict]:
    errors: dict[str, str] = {}
    values: dict = {}
    if new.kind not in {k.value for k in InteractionType} or new.kind == InteractionType.SUMMARY:
        # Summaries enter the record only by a person accepting one (caseapp.ai.casework).
        errors["kind"] = "Choose an interaction type"
    text = clean_note(new.text)
    limit = settings().max_note_chars
    if not text:
        errors["text"] = "Notes cannot be empty"
    elif len(text) > limit:
        errors["text"] = (f"This note is {len(text):,} characters; the limit is {limit:,}. "
                          "Split it into shorter notes or attach it as a document. "
                          "Your text is still in the box.")
    values["text"] = text
    now = utcnow()
    if (new.occurred_at or "").strip():
        try:
            when = local_input_to_utc(new.occurred_at, tz)
        except ValueError:
            errors["occurred_at"] = "Enter a date and time"
            when = now
        else:
            if when > now + FUTURE_TOLERANCE:
                errors["occurred_at"] = "Date and time cannot be in the future"
            elif when.year < 2000:
                errors["occurred_at"] = "Check the year"
    else:
        when = now
    values["occurred_at"] = when
    values["outcome"] = optional_line(errors, "outcome", "Outcome", new.outcome, 300)
    values["tags"] = clean_tags(new.tags)
    if file_count > settings().max_attachments_per_interaction:
        errors["attachments"] = (f"Attach at most {settings().max_attachments_per_interaction} "
                                 "files to one interaction")
    if new.client_ref is not None and not CLIENT_REF.fullmatch(new.client_ref):
        errors["client_ref"] = "Bad save reference"
    return errors, values


def add_interaction(actor: Actor, case_id: int, new: NewInteraction,
                    files: list[tuple[str, bytes]] | None = None,
                    expected_version: int | None = None, *,
                    as_summary_by: str | None = None) -> int:
    """Save an interaction with its files; returns its id. Re-sending the same client_ref
    returns the first save's id instead of adding a duplicate. ``as_summary_by`` is for
    caseapp.ai.casework.accept_summary only: it stores the note as an accepted summary."""
    files = files or []
    store = attachment_store()
    written: list[str] = []
    try:
        with session_scope() as db:
            case, facts = load_case_for(db, actor, case_id)
            if not access.can_add_interaction(actor, facts):
                raise NoAccess()
            if new.client_ref and not CLIENT_REF.fullmatch(new.client_ref):
                raise ValidationFailed({"client_ref": "Bad save reference"})
            if new.client_ref:
                existing = db.exec(select(Interaction).where(
                    Interaction.client_ref == new.client_ref)).first()
                if existing is not None:
                    if existing.case_id != case.id or existing.author_id != actor.id:
                        raise ValidationFailed({"client_ref": "Bad save reference"})
                    return existing.id  # type: ignore[return-value]
            errors, values = _validate(new, organisation_time_zone(db), len(files))
            changes_concern = bool(new.concern_level) and new.concern_level != case.concern_level
            if changes_concern:
                if not access.can_change_status_or_concern(actor, facts):
                    audit.record_denial(db, actor, "access.denied", "case", case.id,
                                        attempted="change_concern")
                    raise PermissionDenied("You cannot change the concern level of this case")
                # Setting a level over someone else's newer change would silently undo it.
                check_version(case, expected_version, db)
            prepared: list[PreparedFile] = []
            if not errors:
                for name, data in files:
                    try:
                        prepared.append(prepare_upload(name, data, settings().max_upload_bytes))
                    except FileRejected as exc:
                        errors["attachments"] = str(exc)
                        break
            if errors:
                raise ValidationFailed(errors)
            interaction = Interaction(
                case_id=case.id,
                kind=InteractionType.SUMMARY.value if as_summary_by else new.kind,
                occurred_at=values["occurred_at"], author_id=actor.id, text=values["text"],
                private=bool(new.private), outcome=values["outcome"],
                client_ref=new.client_ref or None, generated_by=as_summary_by)
            db.add(interaction)
            db.flush()
            assert interaction.id is not None
            if changes_concern:
                assert new.concern_level is not None
                apply_concern_change(db, actor, case, facts, new.concern_level, interaction.id)
                interaction.concern_level = new.concern_level
                db.add(interaction)
            _tag_interaction(db, interaction.id, values["tags"])
            embeddings.index_interaction(db, interaction)  # for search by meaning
            for p in prepared:
                key = store.save(p.data)
                written.append(key)
                thumb_key = None
                if p.thumbnail is not None:
                    thumb_key = store.save(p.thumbnail)
                    written.append(thumb_key)
                db.add(Attachment(interaction_id=interaction.id, display_name=p.display_name,
                                  content_type=p.content_type, size_bytes=len(p.data),
                                  storage_key=key, thumbnail_key=thumb_key, width=p.width,
                                  height=p.height))
            if case.last_interaction_at is None or interaction.occurred_at > \
                    case.last_interaction_at:
                case.last_interaction_at = interaction.occurred_at
            case.updated_at = utcnow()
            db.add(case)
            audit.record(db, actor, "interaction.create", "interaction", interaction.id,
                         case_id=case.id, kind=new.kind, private=bool(new.private),
                         attachments=len(prepared), concern_level=new.concern_level
                         if changes_concern else None)
            return interaction.id
    except BaseException:
        for key in written:  # the transaction rolled back: leave no orphan files behind
            store.delete(key)
        raise


def _tag_interaction(db: Session, interaction_id: int, tags: list[str]) -> None:
    for name in tags:
        tag = db.exec(select(Tag).where(Tag.name == name)).first()
        if tag is None:
            tag = Tag(name=name)
            db.add(tag)
            db.flush()
        db.add(InteractionTag(interaction_id=interaction_id, tag_id=tag.id))


@dataclass
class ServedFile:
    data: bytes
    content_type: str
    display_name: str
    is_image: bool


def open_attachment(actor: Actor, attachment_id: int, thumbnail: bool = False) -> ServedFile:
    """An attachment's bytes, if the actor may read its interaction. Audited."""
    with session_scope() as db:
        checked = plausible_id(attachment_id)
        att = db.get(Attachment, checked) if checked is not None else None
        interaction = db.get(Interaction, att.interaction_id) if att else None
        case = db.get(Case, interaction.case_id) if interaction else None
        if att is None or interaction is None or case is None:
            audit.record_denial(db, actor, "access.denied", "attachment", checked)
            raise NoAccess("You do not have access to this file")
        team = db.exec(select(User.team).where(User.id == case.worker_id)).first() \
            if case.worker_id else None
        if not access.can_read_interaction(actor, access.CaseFacts(case.worker_id, team),
                                           interaction.author_id, interaction.private):
            audit.record_denial(db, actor, "access.denied", "attachment", attachment_id)
            raise NoAccess("You do not have access to this file")
        key = att.thumbnail_key if thumbnail and att.thumbnail_key else att.storage_key
        audit.record(db, actor, "attachment.view", "attachment", att.id,
                     interaction_id=interaction.id, case_id=case.id, thumbnail=thumbnail)
        is_image = att.thumbnail_key is not None
        return ServedFile(data=attachment_store().read(key),
                          content_type="image/jpeg" if thumbnail and is_image
                          else att.content_type,
                          display_name=att.display_name, is_image=is_image)
