"""Note audits: the quality of case notes, scored against the organisation's audit criteria.

**Audit** judges one interaction; **Audit all** judges every unaudited interaction of a period in
the background. Each audit is a score 0-100 and pass / partial / fail with a one-line reason per
criterion, stored with when and how it was made: by the offline rules
(``caseapp.ai.note_audit``) or, with an AI endpoint configured and AI on, by the model, which
sees the note pseudonymised like every other AI feature.

Who may audit and see audits (DESIGN.md §4): admins and managers every interaction they may
read; a case worker their own interactions only; volunteers none. Nothing is audited that the
acting user may not read (another worker's private note stays out), and access is checked again
for each interaction of a bulk run.

A run is rows in the database (``audit_run``, one ``audit_run_item`` per interaction). The
``AuditRunner`` works through it like the weekly summaries' runner: a fixed number of worker
threads (the concurrency bound), a lease renewed while alive so that a run orphaned by a restart
is resumed by whichever runner is alive then, and one conditional UPDATE per claim so no
interaction is audited twice. An interaction audited meanwhile is skipped, so repeating a run is
safe.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, exists, func
from sqlmodel import Session, col, select

from caseapp import access, audit, runs
from caseapp.actor import Actor
from caseapp.ai.casework import known_names
from caseapp.ai.client import AIConfig, AIUnavailable, structured
from caseapp.ai.note_audit import (
    BUILT_IN_KEYS,
    DEFAULT_CRITERIA,
    OFFLINE_RULES,
    Criterion,
    Judgement,
    audit_note,
    score_of,
)
from caseapp.ai.policy import model_config, sent_to
from caseapp.ai.pseudonymise import Pseudonymiser
from caseapp.cases import load_case_for, plausible_id, reference_for
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.models import (
    AuditCriterion,
    AuditRun,
    AuditRunItem,
    Case,
    Interaction,
    InteractionType,
    NoteAudit,
    Organisation,
    Role,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.runs import RunProgress
from caseapp.timefmt import format_datetime, to_local

log = logging.getLogger(__name__)

NOT_FOR_VOLUNTEERS = "Audits are for managers and case workers."
ONLY_ADMINS = "Only an admin can change the audit criteria."
NOT_YOUR_RUN = "You do not have access to this audit run."
NOT_YOURS = "You can audit your own notes only."
PERIODS = (7, 28, 90, 365)
MAX_CRITERIA = 15
MAX_RUN = 5000  # interactions in one "Audit all"; a larger backlog takes another run


def may_audit(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)


def _require(actor: Actor) -> None:
    if not may_audit(actor):
        raise PermissionDenied(NOT_FOR_VOLUNTEERS)


def _days(days: int) -> int:
    if not isinstance(days, int) or not 1 <= days <= 366:
        raise ValidationFailed({"days": "Choose a period between 1 day and a year"})
    return days


# ---------------------------------------------------------------------------------------------
# Criteria (Settings)


@dataclass
class CriterionView:
    name: str
    description: str
    rule_key: str = ""  # "" = judged by an AI model only


def _criteria(db: Session) -> list[Criterion]:
    rows = db.exec(select(AuditCriterion).order_by(col(AuditCriterion.position),
                                                   col(AuditCriterion.id))).all()
    if not rows:
        return list(DEFAULT_CRITERIA)
    return [Criterion(r.name, r.description, r.rule_key) for r in rows]


def list_criteria(actor: Actor) -> list[CriterionView]:
    """The criteria audits use. Any signed-in role may read them (they are not case data)."""
    del actor  # every role may know what notes are judged against
    with session_scope() as db:
        return [CriterionView(c.name, c.description, c.key or "") for c in _criteria(db)]


def save_criteria(actor: Actor, items: list[CriterionView]) -> None:
    """Replace the criteria (admin only). Audits already made keep the criteria they were made
    with; new audits use these."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(ONLY_ADMINS)
    errors: dict[str, str] = {}
    cleaned: list[CriterionView] = []
    seen: set[str] = set()
    if not items:
        errors["criteria"] = "Keep at least one criterion"
    if len(items) > MAX_CRITERIA:
        errors["criteria"] = f"At most {MAX_CRITERIA} criteria"
    for n, item in enumerate(items, start=1):
        name = " ".join((item.name or "").split())
        description = " ".join((item.description or "").split())
        key = item.rule_key or ""
        if not name:
            errors[f"name_{n}"] = f"Criterion {n} needs a name"
        elif len(name) > 80:
            errors[f"name_{n}"] = f"The name of criterion {n} is too long (80 characters at most)"
        elif name.lower() in seen:
            errors[f"name_{n}"] = f"Two criteria are called \"{name}\""
        if len(description) > 500:
            errors[f"description_{n}"] = f"The description of criterion {n} is too long " \
                                         "(500 characters at most)"
        if key and key not in BUILT_IN_KEYS:
            errors[f"rule_{n}"] = f"Criterion {n} names an unknown rule"
        seen.add(name.lower())
        cleaned.append(CriterionView(name, description, key))
    if errors:
        raise ValidationFailed(errors)
    with session_scope() as db:
        old = [c.name for c in _criteria(db)]
        db.execute(delete(AuditCriterion))
        now = utcnow()
        for position, c in enumerate(cleaned):
            db.add(AuditCriterion(position=position, name=c.name, description=c.description,
                                  rule_key=c.rule_key or None, updated_at=now))
        audit.record(db, actor, "audit_criteria.updated", "organisation", 1, old=old,
                     new=[c.name for c in cleaned])


def reset_criteria(actor: Actor) -> None:
    save_criteria(actor, [CriterionView(c.name, c.description, c.key or "")
                          for c in DEFAULT_CRITERIA])


# ---------------------------------------------------------------------------------------------
# What an actor may audit


def _scope(actor: Actor):  # type: ignore[no-untyped-def]
    """SQL over Interaction joined to Case: the interactions this actor may audit. Accepted
    summaries are not case notes and are never audited."""
    clauses = [Interaction.kind != InteractionType.SUMMARY.value,
               access.case_visibility_clause(actor),
               access.private_interaction_clause(actor, Interaction.author_id,
                                                 Interaction.private)]
    if actor.role is not Role.ADMIN and actor.role is not Role.MANAGER:
        clauses.append(Interaction.author_id == actor.id)
    return clauses


def _worker_filter(actor: Actor, worker_id: int | None) -> int | None:
    """A case worker sees their own whatever they ask for."""
    if actor.role is Role.CASE_WORKER:
        return actor.id
    return worker_id or None


def _ai_config(db: Session) -> AIConfig | None:
    org = db.get(Organisation, 1)
    if org is not None and not org.ai_enabled:
        return None  # AI off: audits still run, by the offline rules
    return model_config(db)


def _method(config: AIConfig | None) -> str:
    return f"AI model {config.model}" if config else OFFLINE_RULES


# ---------------------------------------------------------------------------------------------
# Judging one note


class _CriterionAnswer(BaseModel):
    number: int = Field(description="the criterion's number as listed")
    result: Literal["pass", "partial", "fail"]
    reason: str = Field(description="one short line a case worker can act on")


class _AuditAnswer(BaseModel):
    criteria: list[_CriterionAnswer]


_AUDIT_SYSTEM = (
    "You audit case notes written by UK charity case workers, as a supervisor preparing for a "
    "safeguarding review would. For each numbered criterion say pass, partial or fail, with one "
    "short, specific reason the worker can act on. Judge only the note given; do not invent "
    "facts. Placeholders like [PERSON_1] stand for real details: keep them exactly as written.")


def model_audit(config: AIConfig, criteria: list[Criterion], kind: str, text: str,
                names: list[str]) -> tuple[Judgement, ...]:
    """Ask the model; the note leaves pseudonymised unless the admin chose otherwise for an
    endpoint on this machine. Needs no database session."""
    shield = Pseudonymiser(names) if config.pseudonymise else None
    listed = "\n".join(f"{n}. {c.name}: {c.description}" for n, c in enumerate(criteria, 1))
    note = shield.hide(text) if shield else text
    answer = structured(config, _AUDIT_SYSTEM,
                        f"Criteria:\n{listed}\n\nThe note ({kind}):\n{note}", _AuditAnswer)
    by_number = {a.number: a for a in answer.criteria}
    if not all(n in by_number for n in range(1, len(criteria) + 1)):
        raise AIUnavailable("The AI answer left out some of the criteria.")
    out = []
    for n, c in enumerate(criteria, 1):
        a = by_number[n]
        reason = " ".join(a.reason.split())[:300]
        out.append(Judgement(c.name, a.result, shield.restore(reason) if shield else reason,
                             c.key))
    return tuple(out)


@dataclass
class _Made:
    score: int
    judgements: tuple[Judgement, ...]
    method: str
    note: str = ""  # why the offline rules stood in for the model, if they did


def _judge(config: AIConfig | None, criteria: list[Criterion], kind: str, text: str,
           names: list[str]) -> _Made:
    if config is not None:
        try:
            judgements = model_audit(config, criteria, kind, text, names)
            return _Made(score_of(judgements), judgements, _method(config))
        except AIUnavailable as exc:
            offline = audit_note(text, criteria)
            return _Made(offline.score, offline.judgements, OFFLINE_RULES,
                         f"{exc} Audited by the offline rules instead.")
    offline = audit_note(text, criteria)
    return _Made(offline.score, offline.judgements, OFFLINE_RULES)


@dataclass
class _Prepared:
    interaction: Interaction
    criteria: list[Criterion]
    config: AIConfig | None
    names: list[str]


def _prepare(db: Session, actor: Actor, interaction_id: int) -> _Prepared:
    """Load one interaction for auditing, checking every rule; NoAccess the same whether it
    exists or not."""
    valid = plausible_id(interaction_id)
    interaction = db.get(Interaction, valid) if valid is not None else None
    if interaction is None:
        raise NoAccess("You do not have access to this interaction")
    case, facts = load_case_for(db, actor, interaction.case_id)
    if not access.can_read_interaction(actor, facts, interaction.author_id, interaction.private):
        raise NoAccess("You do not have access to this interaction")
    if actor.role is Role.CASE_WORKER and interaction.author_id != actor.id:
        raise PermissionDenied(NOT_YOURS)
    if interaction.kind == InteractionType.SUMMARY.value:
        raise ValidationFailed({"interaction": "Accepted summaries are not audited"})
    config = _ai_config(db)
    names = known_names(db, case) if config is not None and config.pseudonymise else []
    return _Prepared(interaction, _criteria(db), config, names)


def _store(db: Session, actor: Actor, interaction: Interaction, made: _Made,
           config: AIConfig | None, run_id: int | None = None) -> NoteAudit:
    row = db.exec(select(NoteAudit).where(NoteAudit.interaction_id == interaction.id)).first()
    if row is None:
        row = NoteAudit(interaction_id=interaction.id, author_id=interaction.author_id,  # type: ignore[arg-type]
                        occurred_at=interaction.occurred_at, score=0, method="",
                        audited_by_id=actor.id)
    row.score, row.method, row.audited_by_id, row.audited_at = (made.score, made.method,
                                                                actor.id, utcnow())
    row.judgements = json.dumps([j.__dict__ for j in made.judgements])
    db.add(row)
    sent = sent_to(config) if config is not None else {}
    audit.record(db, actor, "note_audit.made", "interaction", interaction.id,
                 case_id=interaction.case_id, score=made.score, method=made.method,
                 run_id=run_id, **sent)
    return row


@dataclass
class CriterionResult:
    name: str
    result: str
    reason: str


@dataclass
class AuditView:
    interaction_id: int
    case_id: int
    reference: str
    kind: str
    occurred: str
    author_name: str
    score: int
    method: str
    audited_at: str
    results: list[CriterionResult] = field(default_factory=list)
    note: str = ""
    band: str = ""  # good | fair | poor: for the colour of the score


def band_of(score: int) -> str:
    return "good" if score >= 75 else "fair" if score >= 50 else "poor"


def audit_interaction(actor: Actor, interaction_id: int) -> AuditView:
    """**Audit** one interaction (again, if it was audited before)."""
    _require(actor)
    with session_scope() as db:
        job = _prepare(db, actor, interaction_id)
        text, kind = job.interaction.text, job.interaction.kind
    # The model may take seconds: no connection is held meanwhile.
    made = _judge(job.config, job.criteria, kind, text, job.names)
    with session_scope() as db:
        _store(db, actor, job.interaction, made, job.config if made.method != OFFLINE_RULES
               else None)
        tz = organisation_time_zone(db)
        author = db.get(User, job.interaction.author_id)
        case = db.get(Case, job.interaction.case_id)
    return AuditView(
        interaction_id=job.interaction.id, case_id=job.interaction.case_id,  # type: ignore[arg-type]
        reference=(case.reference if case else "") or reference_for(job.interaction.case_id),
        kind=InteractionType(kind).label, occurred=format_datetime(job.interaction.occurred_at, tz),
        author_name=author.name if author else "", score=made.score, method=made.method,
        audited_at=format_datetime(utcnow(), tz),
        results=[CriterionResult(j.name, j.result, j.reason) for j in made.judgements],
        note=made.note, band=band_of(made.score))


# ---------------------------------------------------------------------------------------------
# Lists and trends


@dataclass
class AuditFilters:
    worker_id: int | None = None
    days: int = 90
    score: str = ""  # "" | poor | fair | good
    offset: int = 0
    limit: int = 25


@dataclass
class AuditPage:
    rows: list[AuditView]
    total: int


_SCORE_BANDS = {"poor": (0, 49), "fair": (50, 74), "good": (75, 100)}


def _since(days: int) -> datetime:
    return utcnow() - timedelta(days=_days(days))


def list_audits(actor: Actor, filters: AuditFilters) -> AuditPage:
    """Audited interactions, lowest score first (what needs attention), newest first within."""
    _require(actor)
    if filters.score and filters.score not in _SCORE_BANDS:
        raise ValidationFailed({"score": "Choose a score band"})
    worker = _worker_filter(actor, filters.worker_id)
    where = [*_scope(actor), Interaction.occurred_at >= _since(filters.days)]
    if worker:
        where.append(Interaction.author_id == worker)
    if filters.score:
        low, high = _SCORE_BANDS[filters.score]
        where += [NoteAudit.score >= low, NoteAudit.score <= high]
    limit = max(1, min(filters.limit, 100))
    with session_scope() as db:
        tz = organisation_time_zone(db)
        base = (select(NoteAudit, Interaction, Case.reference, User.name)
                .join(Interaction, col(Interaction.id) == NoteAudit.interaction_id)
                .join(Case, col(Case.id) == Interaction.case_id)
                .join(User, col(User.id) == Interaction.author_id)
                .where(*where))
        total = db.exec(select(func.count()).select_from(base.subquery())).one()
        rows = db.exec(base.order_by(col(NoteAudit.score), col(Interaction.occurred_at).desc(),
                                     col(Interaction.id).desc())
                       .offset(max(0, filters.offset)).limit(limit)).all()
        out = []
        for na, inter, ref, author in rows:
            out.append(AuditView(
                interaction_id=inter.id, case_id=inter.case_id, reference=ref or
                reference_for(inter.case_id), kind=InteractionType(inter.kind).label,
                occurred=format_datetime(inter.occurred_at, tz), author_name=author,
                score=na.score, method=na.method, audited_at=format_datetime(na.audited_at, tz),
                results=[CriterionResult(j["name"], j["result"], j["reason"])
                         for j in json.loads(na.judgements or "[]")],
                band=band_of(na.score)))
        # Reasons describe the notes' content: reading them is a read of case data.
        audit.record(db, actor, "note_audits.viewed", "interaction", None,
                     interaction_ids=[r.interaction_id for r in out])
    return AuditPage(out, int(total))


@dataclass
class UnauditedRow:
    interaction_id: int
    case_id: int
    reference: str
    kind: str
    occurred: str
    author_name: str


def _unaudited_where(actor: Actor, days: int, worker_id: int | None) -> list:  # type: ignore[type-arg]
    where = [*_scope(actor), Interaction.occurred_at >= _since(days),
             ~exists().where(NoteAudit.interaction_id == Interaction.id)]
    worker = _worker_filter(actor, worker_id)
    if worker:
        where.append(Interaction.author_id == worker)
    return where


def list_unaudited(actor: Actor, days: int = 28, worker_id: int | None = None,
                   limit: int = 25) -> tuple[list[UnauditedRow], int]:
    """Interactions of the period not yet audited, newest first, and how many there are."""
    _require(actor)
    where = _unaudited_where(actor, days, worker_id)
    with session_scope() as db:
        tz = organisation_time_zone(db)
        base = (select(Interaction.id, Interaction.case_id, Case.reference, Interaction.kind,
                       Interaction.occurred_at, User.name)
                .join(Case, col(Case.id) == Interaction.case_id)
                .join(User, col(User.id) == Interaction.author_id).where(*where))
        total = db.exec(select(func.count()).select_from(base.subquery())).one()
        rows = db.exec(base.order_by(col(Interaction.occurred_at).desc(), col(Interaction.id)
                                     .desc()).limit(max(1, min(limit, 100)))).all()
    return ([UnauditedRow(i, c, ref or reference_for(c), InteractionType(k).label,
                          format_datetime(at, tz), name) for i, c, ref, k, at, name in rows],
            int(total))


@dataclass
class TrendPoint:
    week: str  # the Monday that starts the week, e.g. "2 Nov"
    team: float | None  # the team's average score that week (None for a case worker)
    worker: float | None  # the chosen worker's (or the case worker's own) average
    audits: int


@dataclass
class WorkerScore:
    worker_id: int
    worker_name: str
    audits: int
    average: int
    lowest: int


@dataclass
class Trends:
    points: list[TrendPoint]
    workers: list[WorkerScore]
    worker_name: str = ""  # whose line "worker" is
    average: int | None = None
    audits: int = 0


def trends(actor: Actor, days: int = 90, worker_id: int | None = None) -> Trends:
    """Average audit score per week of the notes' dates: the team's (everyone the actor may
    see) and one worker's; and per worker over the period. A case worker sees their own."""
    _require(actor)
    worker = _worker_filter(actor, worker_id)
    with session_scope() as db:
        tz = organisation_time_zone(db)
        rows = db.exec(select(Interaction.author_id, User.name, NoteAudit.occurred_at,
                              NoteAudit.score)
                       .join(Interaction, col(Interaction.id) == NoteAudit.interaction_id)
                       .join(Case, col(Case.id) == Interaction.case_id)
                       .join(User, col(User.id) == Interaction.author_id)
                       .where(*_scope(actor), NoteAudit.occurred_at >= _since(days))).all()
        worker_name = ""
        if worker:
            found = db.get(User, worker)
            worker_name = found.name if found else ""
    weeks: dict[str, tuple[datetime, list[int], list[int]]] = {}
    per_worker: dict[int, tuple[str, list[int]]] = {}
    for author_id, name, at, score in rows:
        local = to_local(at, tz).date()
        monday = local - timedelta(days=local.weekday())
        key = monday.isoformat()
        entry = weeks.setdefault(key, (datetime(monday.year, monday.month, monday.day), [], []))
        entry[1].append(score)
        if worker and author_id == worker:
            entry[2].append(score)
        per_worker.setdefault(author_id, (name, []))[1].append(score)

    def mean(values: list[int]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None

    team_visible = actor.role is not Role.CASE_WORKER
    points = [TrendPoint(week=f"{start.day} {start:%b}",
                         team=mean(team) if team_visible else None,
                         worker=mean(mine) if worker else None,
                         audits=len(mine) if worker else len(team))
              for key, (start, team, mine) in sorted(weeks.items())]
    workers = sorted((WorkerScore(wid, name, len(s), round(sum(s) / len(s)), min(s))
                      for wid, (name, s) in per_worker.items()),
                     key=lambda w: (w.average, w.worker_name))
    scores = [s for _, (_, s) in per_worker.items() for s in s]
    return Trends(points=points, workers=workers, worker_name=worker_name,
                  average=round(sum(scores) / len(scores)) if scores else None,
                  audits=len(scores))


def workers_to_filter(actor: Actor) -> list[tuple[int, str]]:
    """Who the worker filter offers: every active staff member who writes notes, for managers;
    nobody for a case worker (they see their own)."""
    _require(actor)
    if actor.role is Role.CASE_WORKER:
        return []
    with session_scope() as db:
        return [(u.id, u.name) for u in db.exec(  # type: ignore[misc]
            select(User).where(User.active == True).order_by(col(User.name))).all()]  # noqa: E712


# ---------------------------------------------------------------------------------------------
# Audit all: starting, watching, cancelling


KIND = runs.RunKind(run=AuditRun, item=AuditRunItem, subject="interaction_id",
                    entity="audit_run", cancelled="note_audit.run_cancelled",
                    resumed="note_audit.run_resumed", not_yours=NOT_YOUR_RUN)


def start_run(actor: Actor, days: int = 28, worker_id: int | None = None) -> int:
    """Queue every unaudited interaction of the period the actor may audit. Safe to repeat:
    while the actor has an unfinished run, that run's id is returned instead."""
    _require(actor)
    where = _unaudited_where(actor, days, worker_id)
    with session_scope() as db:
        existing = runs.unfinished_run(db, KIND, actor)
        if existing is not None:
            return existing
        now = utcnow()
        ids = list(db.exec(select(Interaction.id).join(Case, col(Case.id) == Interaction.case_id)
                           .where(*where).order_by(col(Interaction.occurred_at).desc())
                           .limit(MAX_RUN)).all())
        config = _ai_config(db)
        run = AuditRun(created_by_id=actor.id, period_start=now - timedelta(days=days),
                       period_end=now, method=_method(config), total=len(ids),
                       status="queued" if ids else "done", finished_at=None if ids else now,
                       message="" if len(ids) < MAX_RUN else
                       f"The first {MAX_RUN} interactions; run Audit all again for the rest.")
        db.add(run)
        db.flush()
        assert run.id is not None
        runs.queue_items(db, KIND, run.id, ids)
        audit.record(db, actor, "note_audit.run_started", "audit_run", run.id, days=days,
                     interactions=len(ids), method=run.method,
                     **(sent_to(config) if config else {}))
        return run.id


def latest_run(actor: Actor) -> int | None:
    return runs.latest_run(KIND, actor)


def progress(actor: Actor, run_id: int) -> RunProgress:
    return runs.progress(KIND, actor, run_id)


def cancel_run(actor: Actor, run_id: int) -> None:
    runs.cancel_run(KIND, actor, run_id)


def resume_run(actor: Actor, run_id: int) -> bool:
    return runs.resume_run(KIND, actor, run_id, runner())


# ---------------------------------------------------------------------------------------------
# The runner (caseapp/runs.py), for interactions


class AuditRunner(runs.ItemRunner):
    kind = KIND
    label = "audit run"
    internal_error = "Caseline could not audit this note (an internal error was logged)."

    def _do(self, run: AuditRun, actor: Actor, context: None, item_id: int,
            interaction_id: int) -> None:
        self._audit(run.id, actor, item_id, interaction_id)  # type: ignore[arg-type]

    def _audit(self, run_id: int, actor: Actor, item_id: int, interaction_id: int) -> None:
        with session_scope() as db:
            if db.exec(select(NoteAudit.id).where(
                    NoteAudit.interaction_id == interaction_id)).first() is not None:
                # Audited meanwhile (one Audit, or an earlier run): repeating is safe.
                self._mark(item_id, "skipped", "Already audited.", db)
                return
            job = _prepare(db, actor, interaction_id)  # access is checked again, now
            text, kind = job.interaction.text, job.interaction.kind
        if job.config is not None:
            with self._slots:
                made = _judge(job.config, job.criteria, kind, text, job.names)
        else:
            made = _judge(None, job.criteria, kind, text, [])
        if self._halt.is_set():
            return  # a crash here loses this in-flight item; resume does it again
        with session_scope() as db:
            _store(db, actor, job.interaction, made,
                   job.config if made.method != OFFLINE_RULES else None, run_id)
            self._mark(item_id, "done", made.note, db)


_runner: AuditRunner | None = None
_runner_lock = threading.Lock()


def runner() -> AuditRunner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = AuditRunner()
        return _runner


def resume_orphaned_audit_runs(interval_s: float = 20.0
                               ) -> contextlib.AbstractAsyncContextManager[None]:
    """For the server's lifespan: resumes audit runs a restart left unfinished."""
    return runs.resuming(runner, interval_s, "audit runs")
