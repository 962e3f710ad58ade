"""Subject access: everything Caseline holds about one person, as a ZIP for an admin to review
and release (UK GDPR Article 15).

The ZIP holds ``data.json`` (complete and machine-readable), ``index.html`` (the same, readable in
any browser, no script) and ``attachments/`` (every file on their interactions). It covers the
person record; every case with its pathway, status, concern level, dates, worker and tags; every
interaction on those cases, private ones included and marked as private; the status, concern and
assignment history; and the audit trail of their records (who viewed or changed them, when).
What to withhold (for example a third party's details inside a note) is the releasing admin's
decision, made on the export: see docs/data-rights.md.

The export is built in the background (``caseapp.rights_jobs``) and kept privately under
``<data dir>/subject-access/`` (never the public upload folder) for ``CASEAPP_EXPORT_KEEP_DAYS``
days (7 by default), then deleted. Only admins may start, see or download one; each of those is
audited, and the build itself records what it read.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from caseapp import access, audit, markdown
from caseapp.actor import Actor
from caseapp.cases import plausible_id
from caseapp.config import _int, settings
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import (
    Assignment,
    Attachment,
    AuditEvent,
    Case,
    CaseTag,
    ConcernChange,
    Interaction,
    InteractionTag,
    InteractionType,
    Pathway,
    Person,
    PersonErasure,
    RightsJob,
    StatusChange,
    Tag,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.timefmt import format_date, format_datetime

ONLY_ADMINS = "Only an admin can use data rights"
NO_EXPORT = "There is no such export"
UNFINISHED = ("queued", "running")
AUDIT_EVENTS_CAP = 50_000
_KEY = re.compile(r"^[0-9a-f]{32}$")


def keep_days() -> int:
    return max(1, _int("CASEAPP_EXPORT_KEEP_DAYS", 7))


def exports_dir() -> Path:
    """Private: beside the database, never under Reflex's public upload folder."""
    return settings().data_dir / "subject-access"


def _export_path(key: str) -> Path:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise FileNotFoundError("not an export key")
    return exports_dir() / f"{key}.zip"


def delete_export_file(key: str) -> None:
    try:
        _export_path(key).unlink()
    except FileNotFoundError:
        pass


def _refuse(db: Session, actor: Actor, attempted: str, entity_type: str = "person",
            entity_id: int | None = None) -> None:
    """Everyone but admins gets the same refusal, whether the record exists or not."""
    if not access.can_use_data_rights(actor):
        audit.record_denial(db, actor, "access.denied", entity_type, entity_id,
                            attempted=attempted)
        raise PermissionDenied(ONLY_ADMINS)


# --- finding a person ------------------------------------------------------------------------


@dataclass
class PersonFound:
    id: int
    name: str
    date_of_birth: str
    postcode: str
    cases: int


@dataclass
class CaseLine:
    id: int
    reference: str
    pathway: str
    status: str
    start_date: str
    end_date: str


@dataclass
class ExportLine:
    id: int
    status: str
    requested_at: str
    requested_by: str
    done: int
    total: int
    size: str
    expires: str
    message: str
    ready: bool


@dataclass
class PersonRights:
    id: int
    name: str
    date_of_birth: str
    contact: str
    cases: list[CaseLine] = field(default_factory=list)
    erased: str = ""  # "Anonymised 23 Nov 2026 by Ada Admin", or ""
    exports: list[ExportLine] = field(default_factory=list)


def find_people(actor: Actor, query: str, limit: int = 20) -> list[PersonFound]:
    """People whose name, email or phone contains the query, or whose id or a case reference
    matches it. The search is audited by how many it found, never by what was typed."""
    q = " ".join((query or "").split()).lower()[:200]
    with session_scope() as db:
        _refuse(db, actor, "data_rights.search")
        if len(q) < 2:
            return []
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = [col(Person.name_search).like(like, escape="\\"),
                 func.lower(Person.email).like(like, escape="\\"),
                 col(Person.phone).like(like, escape="\\")]
        ref = re.fullmatch(r"(?:cl-)?0*(\d{1,9})", q)
        if ref:
            where.append(col(Person.id).in_(select(Case.person_id).where(
                func.lower(Case.reference) == f"cl-{int(ref.group(1)):05d}")))
        counts = select(Case.person_id, func.count().label("n")).group_by(Case.person_id) \
            .subquery()
        rows = db.exec(select(Person, func.coalesce(counts.c.n, 0))
                       .outerjoin(counts, counts.c.person_id == Person.id)
                       .where(or_(*where)).order_by(Person.name_search, Person.id)
                       .limit(limit)).all()
        audit.record(db, actor, "data_rights.search", "person", None, results=len(rows))
        return [PersonFound(id=p.id, name=p.name, date_of_birth=format_date(p.date_of_birth),
                            postcode=p.postcode or "", cases=int(n)) for p, n in rows]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _export_lines(db: Session, person_id: int, tz: str) -> list[ExportLine]:
    names = dict(db.exec(select(User.id, User.name)).all())
    jobs = db.exec(select(RightsJob).where(RightsJob.kind == "export",
                                           RightsJob.person_id == person_id)
                   .order_by(col(RightsJob.id).desc()).limit(10)).all()
    return [ExportLine(id=j.id, status=j.status, requested_at=format_datetime(j.created_at, tz),
                       requested_by=names.get(j.created_by_id, "?"), done=j.done, total=j.total,
                       size=_size(j.file_bytes) if j.file_bytes else "",
                       expires=format_datetime(j.expires_at, tz) if j.expires_at else "",
                       message=j.message, ready=j.status == "done" and bool(j.file_key))
            for j in jobs]


def person_rights(actor: Actor, person_id: int) -> PersonRights:
    """The person's record, their cases and their exports, for the data rights page."""
    checked = plausible_id(person_id)
    with session_scope() as db:
        _refuse(db, actor, "data_rights.view", "person", checked)
        person = db.get(Person, checked) if checked is not None else None
        if person is None:
            raise ValidationFailed({"person": "There is no such person"})
        purge_expired_in(db)
        tz = organisation_time_zone(db)
        rows = db.exec(select(Case, Pathway.name).join(Pathway, col(Pathway.id) == Case.pathway_id)
                       .where(Case.person_id == person.id)
                       .order_by(col(Case.start_date).desc(), col(Case.id).desc())).all()
        erasure = db.exec(select(PersonErasure, User.name)
                          .join(User, col(User.id) == PersonErasure.erased_by_id)
                          .where(PersonErasure.person_id == person.id)
                          .order_by(col(PersonErasure.id).desc())).first()
        audit.record(db, actor, "data_rights.view", "person", person.id)
        return PersonRights(
            id=person.id, name=person.name, date_of_birth=format_date(person.date_of_birth),  # type: ignore[arg-type]
            contact=" · ".join(v for v in (person.phone, person.email, person.address,
                                           person.postcode) if v),
            cases=[CaseLine(id=c.id, reference=c.reference, pathway=p,  # type: ignore[arg-type]
                            status=c.status.capitalize(), start_date=format_date(c.start_date),
                            end_date=format_date(c.end_date)) for c, p in rows],
            erased=(f"Anonymised {format_datetime(erasure[0].erased_at, tz)} by {erasure[1]}"
                    if erasure else ""),
            exports=_export_lines(db, person.id, tz),  # type: ignore[arg-type]
        )


# --- the export job --------------------------------------------------------------------------


def start_export(actor: Actor, person_id: int) -> int:
    """Queue a subject access export. Safe to repeat: an unfinished export of the same person
    is returned instead of starting another."""
    checked = plausible_id(person_id)
    with session_scope() as db:
        _refuse(db, actor, "subject_access.export", "person", checked)
        person = db.get(Person, checked) if checked is not None else None
        if person is None:
            raise ValidationFailed({"person": "There is no such person"})
        existing = db.exec(select(RightsJob.id).where(
            RightsJob.kind == "export", RightsJob.person_id == person.id,
            col(RightsJob.status).in_(UNFINISHED))).first()
        if existing is not None:
            return existing
        job = RightsJob(kind="export", person_id=person.id, created_by_id=actor.id)
        db.add(job)
        db.flush()
        audit.record(db, actor, "subject_access.requested", "person", person.id, job_id=job.id)
        assert job.id is not None
        return job.id


@dataclass
class ExportProgress:
    job_id: int
    person_id: int
    status: str
    done: int
    total: int
    message: str
    ready: bool
    can_resume: bool


def export_progress(actor: Actor, job_id: int, kind: str = "export") -> ExportProgress:
    """How far a job has got: an export, or (``kind="retention"``) a bulk anonymisation."""
    checked = plausible_id(job_id)
    with session_scope() as db:
        _refuse(db, actor, "subject_access.progress", "rights_job", checked)
        job = db.get(RightsJob, checked) if checked is not None else None
        if job is None or job.kind != kind:
            raise ValidationFailed({"export": NO_EXPORT})
        now = utcnow()
        live = job.lease_until is not None and _aware(job.lease_until) > now
        return ExportProgress(job_id=job.id, person_id=job.person_id or 0,  # type: ignore[arg-type]
                              status=job.status, done=job.done, total=job.total,
                              message=job.message, ready=job.status == "done" and bool(job.file_key),
                              can_resume=job.status in UNFINISHED and not live)


@dataclass
class ExportFile:
    path: Path
    filename: str
    size: int


def open_export(actor: Actor, job_id: int) -> ExportFile:
    """The ZIP of a finished export, for the download route. Audited. Non-admins, missing ids and
    expired exports all get a refusal that says nothing about which it was."""
    checked = plausible_id(job_id)
    with session_scope() as db:
        _refuse(db, actor, "subject_access.download", "rights_job", checked)
        purge_expired_in(db)
        job = db.get(RightsJob, checked) if checked is not None else None
        if job is None or job.kind != "export" or job.status != "done" or not job.file_key:
            raise ValidationFailed({"export": NO_EXPORT})
        path = _export_path(job.file_key)
        if not path.is_file():
            raise ValidationFailed({"export": NO_EXPORT})
        audit.record(db, actor, "subject_access.download", "person", job.person_id,
                     job_id=job.id, bytes=job.file_bytes)
        stamp = _aware(job.finished_at or job.created_at).strftime("%Y-%m-%d")
        return ExportFile(path=path, filename=f"subject-access-{job.person_id}-{stamp}.zip",
                          size=path.stat().st_size)


def purge_expired_in(db: Session) -> int:
    """Delete export files past their keep period (the rows stay, marked expired)."""
    now = utcnow()
    jobs = db.exec(select(RightsJob).where(RightsJob.kind == "export",
                                           col(RightsJob.file_key).is_not(None),
                                           col(RightsJob.expires_at) < now)).all()
    for job in jobs:
        delete_export_file(job.file_key or "")
        job.file_key, job.status = None, "expired"
        job.message = f"Deleted after {keep_days()} days, as every export is."
        db.add(job)
        audit.record(db, None, "subject_access.expired", "person", job.person_id, job_id=job.id)
    return len(jobs)


def purge_expired() -> int:
    with session_scope() as db:
        return purge_expired_in(db)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# --- building the ZIP ------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def collect(db: Session, person: Person) -> dict[str, Any]:
    """Everything held about the person, as plain data (the content of data.json)."""
    tz = organisation_time_zone(db)
    names = dict(db.exec(select(User.id, User.name)).all())
    cases = db.exec(select(Case).where(Case.person_id == person.id).order_by(Case.id)).all()
    case_ids = [c.id for c in cases]
    pathways = dict(db.exec(select(Pathway.id, Pathway.name)).all())
    case_tags: dict[int, list[str]] = {}
    for cid, name in db.exec(select(CaseTag.case_id, Tag.name).join(Tag, Tag.id == CaseTag.tag_id)
                             .where(col(CaseTag.case_id).in_(case_ids or [-1]))):
        case_tags.setdefault(cid, []).append(name)
    interactions = db.exec(select(Interaction).where(
        col(Interaction.case_id).in_(case_ids or [-1]))
        .order_by(Interaction.occurred_at, Interaction.id)).all()
    iids = [i.id for i in interactions]
    itags: dict[int, list[str]] = {}
    for iid, name in db.exec(select(InteractionTag.interaction_id, Tag.name)
                             .join(Tag, Tag.id == InteractionTag.tag_id)
                             .where(col(InteractionTag.interaction_id).in_(iids or [-1]))):
        itags.setdefault(iid, []).append(name)
    files = db.exec(select(Attachment).where(col(Attachment.interaction_id).in_(iids or [-1]))
                    .order_by(Attachment.id)).all()
    by_interaction: dict[int, list[Attachment]] = {}
    for a in files:
        by_interaction.setdefault(a.interaction_id, []).append(a)

    def who(user_id: int | None) -> str:
        return names.get(user_id, "Unassigned") if user_id else "Unassigned"

    out_cases = []
    for c in cases:
        history = []
        for s in db.exec(select(StatusChange).where(StatusChange.case_id == c.id)):
            history.append({"at": _iso(s.changed_at), "by": who(s.changed_by_id),
                            "change": "status", "from": s.old_status, "to": s.new_status,
                            "reason": s.reason})
        for k in db.exec(select(ConcernChange).where(ConcernChange.case_id == c.id)):
            history.append({"at": _iso(k.changed_at), "by": who(k.changed_by_id),
                            "change": "concern level", "from": k.old_level, "to": k.new_level,
                            "reason": None})
        for a in db.exec(select(Assignment).where(Assignment.case_id == c.id)):
            history.append({"at": _iso(a.changed_at), "by": who(a.changed_by_id),
                            "change": "case worker", "from": who(a.old_worker_id),
                            "to": who(a.new_worker_id), "reason": a.reason})
        history.sort(key=lambda h: str(h["at"]))
        out_cases.append({
            "id": c.id, "reference": c.reference, "pathway": pathways.get(c.pathway_id, ""),
            "status": c.status, "concern_level": c.concern_level,
            "start_date": _iso(c.start_date), "end_date": _iso(c.end_date),
            "case_worker": who(c.worker_id), "tags": sorted(case_tags.get(c.id, [])),
            "history": history,
            "interactions": [{
                "id": i.id, "type": InteractionType(i.kind).label, "occurred_at": _iso(i.occurred_at),
                "occurred_local": format_datetime(i.occurred_at, tz), "author": who(i.author_id),
                "private": i.private, "text": i.text, "outcome": i.outcome,
                "concern_level_set": i.concern_level, "generated_by": i.generated_by,
                "tags": sorted(itags.get(i.id, [])),  # type: ignore[arg-type]
                "attachments": [{"id": a.id, "name": a.display_name, "type": a.content_type,
                                 "bytes": a.size_bytes, "file": _member(a)}
                                for a in by_interaction.get(i.id, [])],  # type: ignore[arg-type]
            } for i in interactions if i.case_id == c.id],
        })

    about = [(AuditEvent.entity_type == "person") & (AuditEvent.entity_id == person.id)]
    for kind, ids in (("case", case_ids), ("interaction", iids),
                      ("attachment", [a.id for a in files])):
        if ids:
            about.append((AuditEvent.entity_type == kind) & col(AuditEvent.entity_id).in_(ids))
    events = db.exec(select(AuditEvent).where(or_(*about)).order_by(AuditEvent.seq)
                     .limit(AUDIT_EVENTS_CAP)).all()
    return {
        "format": "Caseline subject access export 1",
        "generated_at": utcnow().isoformat(),
        "time_zone": tz,
        "notes_on_content": [
            "Private interactions are included and marked private: true.",
            "Notes may mention other people. Review them before release and withhold third "
            "parties' information where the law requires (UK GDPR Article 15(4)).",
        ],
        "person": {"id": person.id, "name": person.name,
                   "date_of_birth": _iso(person.date_of_birth), "phone": person.phone,
                   "email": person.email, "address": person.address,
                   "postcode": person.postcode, "created_at": _iso(person.created_at),
                   "updated_at": _iso(person.updated_at)},
        "cases": out_cases,
        "audit_trail": [{"at": _iso(e.at), "who": names.get(e.actor_id, "System")
                         if e.actor_id else "System", "action": e.action,
                         "record": f"{e.entity_type} {e.entity_id}" if e.entity_id is not None
                         else e.entity_type,
                         "detail": json.loads(e.detail) if e.detail.startswith("{") else e.detail}
                        for e in events],
        "audit_trail_truncated": len(events) >= AUDIT_EVENTS_CAP,
    }


def _member(att: Attachment) -> str:
    safe = re.sub(r"[^\w.\- ]", "_", att.display_name).strip() or "file"
    return f"attachments/{att.id}-{safe}"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def render_html(data: dict[str, Any]) -> str:
    """A readable page with no script and no outside resources; notes are rendered through the
    same sanitiser as the case timeline."""
    p = data["person"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Information held about {_e(p['name'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:auto;padding:1rem;"
        "line-height:1.5}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.25rem .5rem;text-align:left;vertical-align:top}.private{background:#fff4e5}"
        "article{border-top:1px solid #ddd;padding:.5rem 0}small{color:#555}</style>",
        "</head><body>",
        f"<h1>Information held about {_e(p['name'])}</h1>",
        f"<p><small>Produced {_e(data['generated_at'])} (times shown in {_e(data['time_zone'])})."
        "</small></p>",
        "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in data["notes_on_content"]) + "</ul>",
        "<h2>Personal details</h2><table>",
    ]
    for label, key in (("Name", "name"), ("Date of birth", "date_of_birth"), ("Phone", "phone"),
                       ("Email", "email"), ("Address", "address"), ("Postcode", "postcode"),
                       ("Record created", "created_at")):
        parts.append(f"<tr><th>{label}</th><td>{_e(p[key])}</td></tr>")
    parts.append("</table>")
    parts.append(f"<h2>Cases ({len(data['cases'])})</h2>")
    for c in data["cases"]:
        parts.append(f"<section><h3>{_e(c['reference'])}: {_e(c['pathway'])}</h3><table>")
        for label, key in (("Status", "status"), ("Concern level", "concern_level"),
                           ("Started", "start_date"), ("Ended", "end_date"),
                           ("Case worker", "case_worker")):
            parts.append(f"<tr><th>{label}</th><td>{_e(c[key])}</td></tr>")
        parts.append(f"<tr><th>Tags</th><td>{_e(', '.join(c['tags']))}</td></tr></table>")
        parts.append("<h4>History</h4><ul>")
        for h in c["history"]:
            reason = f" ({_e(h['reason'])})" if h["reason"] else ""
            parts.append(f"<li>{_e(h['at'])}: {_e(h['change'])} {_e(h['from'] or '')} → "
                         f"{_e(h['to'])} by {_e(h['by'])}{reason}</li>")
        parts.append(f"</ul><h4>Interactions ({len(c['interactions'])})</h4>")
        for i in c["interactions"]:
            private = " class='private'" if i["private"] else ""
            label = " · <strong>Private</strong>" if i["private"] else ""
            parts.append(f"<article{private}><p><strong>{_e(i['type'])}</strong> · "
                         f"{_e(i['occurred_local'])} · {_e(i['author'])}{label}</p>")
            parts.append(markdown.render(i["text"]))
            if i["outcome"]:
                parts.append(f"<p>Outcome: {_e(i['outcome'])}</p>")
            for a in i["attachments"]:
                parts.append(f"<p>Attachment: <a href='{_e(a['file'])}'>{_e(a['name'])}</a></p>")
            parts.append("</article>")
        parts.append("</section>")
    parts.append(f"<h2>Who has viewed or changed these records ({len(data['audit_trail'])})</h2>"
                 "<table><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>Record</th></tr>")
    for e in data["audit_trail"]:
        parts.append(f"<tr><td>{_e(e['at'])}</td><td>{_e(e['who'])}</td><td>{_e(e['action'])}"
                     f"</td><td>{_e(e['record'])}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def build(job_id: int, actor: Actor, tick: Callable[[int, int], None]) -> tuple[str, int]:
    """Write the export ZIP for a job; returns (file key, bytes). ``tick(done, total)`` reports
    progress. Safe to repeat: a rerun after a crash writes a new file from the start."""
    from caseapp.interactions import attachment_store

    with session_scope() as db:
        job = db.get(RightsJob, job_id)
        person = db.get(Person, job.person_id) if job and job.person_id else None
        if person is None:
            raise ValidationFailed({"person": "There is no such person"})
        data = collect(db, person)
        files = [a for c in data["cases"] for i in c["interactions"] for a in i["attachments"]]
        keys = dict(db.exec(select(Attachment.id, Attachment.storage_key).where(
            col(Attachment.id).in_([a["id"] for a in files] or [-1]))).all())
        # The export reads every note and file of the person: that read is audited here.
        audit.record(db, actor, "subject_access.build", "person", person.id, job_id=job_id,
                     cases=len(data["cases"]),
                     interactions=sum(len(c["interactions"]) for c in data["cases"]),
                     attachments=len(files))
    total = 2 + len(files)
    tick(0, total)
    folder = exports_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    path = _export_path(key)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle, \
                zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2,
                                                     default=str))
            archive.writestr("index.html", render_html(data))
            tick(2, total)
            store = attachment_store()
            for n, a in enumerate(files, start=1):
                try:
                    archive.writestr(a["file"], store.read(keys[a["id"]]))
                except (FileNotFoundError, KeyError):
                    archive.writestr(a["file"] + ".missing.txt",
                                     "This file was recorded but is missing from storage.")
                tick(2 + n, total)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return key, path.stat().st_size


def expiry_from(now: datetime) -> datetime:
    return now + timedelta(days=keep_days())
