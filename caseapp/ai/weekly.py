"""Weekly summaries: "Generate all" summarises every open case with activity in a period, for a
supervision pack.

A run is rows in the database (``summary_run``, one ``summary_run_case`` per case), so it survives
a restart. A ``WeeklyRunner`` (the shared mechanism of caseapp/runs.py) works through a run with
a fixed number of worker threads (the concurrency bound: each thread has at most one request in
flight), records
each case as it finishes, and holds a lease on the run that it renews while alive; a run whose
lease has lapsed was orphaned by a crash and any runner may resume it. Claiming a case is one
conditional UPDATE, so no case is summarised twice by two runners.

Each case is summarised from the interactions the person who started the run may read, with the
same code as a single summary (``casework.model_summary`` or ``casework.offline_sentences``).
A case whose interactions have not changed since an earlier summary reuses it. Nothing enters
the record until a person accepts a summary (``casework.accept_summary``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from caseapp import access, audit, runs
from caseapp.actor import Actor
from caseapp.ai.casework import (
    OFFLINE_METHOD,
    CaseSummary,
    SummarySentence,
    accept_summary,
    known_names,
    model_summary,
    offline_sentences,
)
from caseapp.ai.client import AIConfig, AIUnavailable
from caseapp.ai.policy import AI_OFF, model_config, require_ai_on, sent_to
from caseapp.cases import load_case_for, reference_for
from caseapp.db import session_scope
from caseapp.errors import CaselineError, PermissionDenied, ValidationFailed
from caseapp.interactions import readable
from caseapp.models import (
    Case,
    Interaction,
    InteractionType,
    Person,
    Role,
    Status,
    SummaryRun,
    SummaryRunCase,
    User,
    WeeklySummary,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.runs import RunProgress
from caseapp.timefmt import format_date, format_datetime, to_local

log = logging.getLogger(__name__)

NOT_FOR_VOLUNTEERS = "Weekly summaries are for managers and case workers."
NOT_YOUR_RUN = "You do not have access to this run of weekly summaries."
MODEL_NOTE = "AI-generated: check it against the notes it cites before saving it."
PERIODS = (7, 14, 28)


def may_run(actor: Actor) -> bool:
    """Managers (and admins) for every case they may read; case workers for their own. Volunteers
    are not offered bulk summaries (DESIGN.md §4: their AI is a summary of assigned cases)."""
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)


@dataclass
class WeeklyItem:
    case_id: int
    reference: str
    person_name: str
    worker_name: str
    concern_level: str
    last_interaction: str
    status: str  # queued | running | done | skipped | failed
    message: str = ""
    sentences: list[SummarySentence] = field(default_factory=list)
    method: str = ""
    note: str = ""
    generated_at: str = ""
    period: str = ""
    evidence_ids: list[int] = field(default_factory=list)
    accepted: bool = False
    can_accept: bool = False
    by_model: bool = False  # written by an AI model (else picked from the notes offline)


# ---------------------------------------------------------------------------------------------
# Starting, watching, cancelling and accepting (called with the acting user)


def _method(config: AIConfig | None) -> str:
    return f"AI model {config.model}" if config else OFFLINE_METHOD


def _scope(actor: Actor):  # type: ignore[no-untyped-def]
    """The cases a run covers: a case worker's own; for managers, every case they may read."""
    if actor.role is Role.CASE_WORKER:
        return Case.worker_id == actor.id
    return access.case_visibility_clause(actor)


def _activity(actor: Actor, since: datetime, until: datetime):  # type: ignore[no-untyped-def]
    """Some interaction the actor may read in the period. An accepted summary is not activity."""
    return exists().where(
        Interaction.case_id == Case.id, Interaction.occurred_at >= since,
        Interaction.occurred_at <= until, Interaction.kind != InteractionType.SUMMARY.value,
        access.private_interaction_clause(actor, Interaction.author_id, Interaction.private))


KIND = runs.RunKind(run=SummaryRun, item=SummaryRunCase, subject="case_id",
                    entity="summary_run", cancelled="ai.weekly_cancelled",
                    resumed="ai.weekly_resumed", not_yours=NOT_YOUR_RUN)


def _own_run(db: Session, actor: Actor, run_id: int) -> SummaryRun:
    run: SummaryRun = runs.own_run(db, KIND, actor, run_id)
    return run


def start_run(actor: Actor, days: int = 7) -> int:
    """Queue a run over the actor's cases with activity in the last ``days`` days. Safe to
    repeat: while the actor has an unfinished run, that run's id is returned instead."""
    if not may_run(actor):
        raise PermissionDenied(NOT_FOR_VOLUNTEERS)
    if not 1 <= days <= 366:
        raise ValidationFailed({"days": "Choose a period between 1 day and a year"})
    with session_scope() as db:
        require_ai_on(db)
        existing = runs.unfinished_run(db, KIND, actor)
        if existing is not None:
            return existing
        now = utcnow()
        since = now - timedelta(days=days)
        case_ids = list(db.exec(select(Case.id).where(
            Case.status == Status.OPEN.value, _scope(actor), _activity(actor, since, now))
            .order_by(col(Case.id))).all())
        config = model_config(db)
        run = SummaryRun(created_by_id=actor.id, days=days, period_start=since, period_end=now,
                         method=_method(config), total=len(case_ids),
                         status="queued" if case_ids else "done",
                         finished_at=None if case_ids else now)
        db.add(run)
        db.flush()
        assert run.id is not None
        runs.queue_items(db, KIND, run.id, case_ids)
        audit.record(db, actor, "ai.weekly_started", "summary_run", run.id, days=days,
                     cases=len(case_ids), method=run.method,
                     **(sent_to(config) if config else {}))
        return run.id


def latest_run(actor: Actor) -> int | None:
    return runs.latest_run(KIND, actor)


def _describe(db: Session, run: SummaryRun) -> dict[str, str]:
    tz = organisation_time_zone(db)
    return {"period": f"{format_date(to_local(run.period_start, tz).date())} to "
                      f"{format_date(to_local(run.period_end, tz).date())}",
            "started_at": format_datetime(run.created_at, tz)}


def progress(actor: Actor, run_id: int) -> RunProgress:
    return runs.progress(KIND, actor, run_id, _describe)


def cancel_run(actor: Actor, run_id: int) -> None:
    """Stop a run: no further case is started; cases already finished are kept."""
    runs.cancel_run(KIND, actor, run_id)


def resume_run(actor: Actor, run_id: int) -> bool:
    """Carry on with an unfinished run nobody is working on (after a restart). True if resumed."""
    return runs.resume_run(KIND, actor, run_id, runner(), check=require_ai_on)


def results(actor: Actor, run_id: int, limit: int = 100) -> list[WeeklyItem]:
    """The run's cases, High concern first, then the most recent interaction first. Cases the
    actor can no longer see (reassigned away) drop out."""
    with session_scope() as db:
        _own_run(db, actor, run_id)
        tz = organisation_time_zone(db)
        concern_rank = sql_case({"high": 0, "medium": 1}, value=Case.concern_level, else_=2)
        worker = select(User.name).where(User.id == Case.worker_id).scalar_subquery()
        rows = db.exec(
            select(SummaryRunCase, Case, Person.name, worker, WeeklySummary, _accepted_anywhere())
            .join(Case, col(Case.id) == SummaryRunCase.case_id)
            .join(Person, col(Person.id) == Case.person_id)
            .outerjoin(WeeklySummary, col(WeeklySummary.id) == SummaryRunCase.summary_id)
            .where(SummaryRunCase.run_id == run_id, access.case_visibility_clause(actor))
            .order_by(concern_rank, col(Case.last_interaction_at).desc().nulls_last(),
                      col(Case.id))
            .limit(limit)).all()
        facts = {u.id: u.team for u in db.exec(select(User)).all()} if rows else {}
        items = []
        for rc, case, person, worker_name, summary, accepted in rows:
            sentences = [SummarySentence(**s) for s in json.loads(summary.sentences)] \
                if summary else []
            may_add = access.can_add_interaction(
                actor, access.CaseFacts(case.worker_id, facts.get(case.worker_id)))
            items.append(WeeklyItem(
                case_id=case.id, reference=case.reference or reference_for(case.id),
                person_name=person, worker_name=worker_name or "Unassigned",
                concern_level=case.concern_level,
                last_interaction=format_datetime(case.last_interaction_at, tz),
                status=rc.status, message=rc.message, sentences=sentences,
                method=summary.method if summary else "", note=summary.note if summary else "",
                generated_at=format_datetime(summary.created_at, tz) if summary else "",
                period=summary.period if summary else "",
                evidence_ids=sorted({s.interaction_id for s in sentences}),
                accepted=bool(accepted), by_model=bool(summary and summary.method != OFFLINE_METHOD),
                can_accept=bool(sentences) and may_add and not accepted))
        audit.record(db, actor, "ai.weekly_viewed", "summary_run", run_id,
                     case_ids=[i.case_id for i in items if i.sentences])
        return items


def _accepted_anywhere():  # type: ignore[no-untyped-def]
    """SQL: this run case's summary is already in the record, accepted from this run or from an
    earlier one that produced the same summary (a reused summary is not offered twice)."""
    earlier = SummaryRunCase.__table__.alias("earlier")  # type: ignore[attr-defined]
    return exists().where(earlier.c.summary_id == SummaryRunCase.summary_id,
                          earlier.c.accepted_interaction_id.is_not(None))


def accept(actor: Actor, run_id: int, case_id: int) -> int:
    """Save one weekly summary into the case record through the ordinary accept path (author
    and AI marked, evidence must be readable by the acceptor). Returns the new interaction id."""
    with session_scope() as db:
        _own_run(db, actor, run_id)
        row = db.exec(select(SummaryRunCase, WeeklySummary, _accepted_anywhere())
                      .join(WeeklySummary, col(WeeklySummary.id) == SummaryRunCase.summary_id)
                      .where(SummaryRunCase.run_id == run_id,
                             SummaryRunCase.case_id == case_id)).first()
        tz = organisation_time_zone(db)
    if row is None:
        raise ValidationFailed({"summary": "There is no summary of this case to save"})
    run_case, summary, accepted = row
    if accepted:
        raise ValidationFailed({"summary": "This summary is already in the record"})
    draft = CaseSummary(sentences=[SummarySentence(**s) for s in json.loads(summary.sentences)],
                        period=summary.period, generated_at=format_datetime(summary.created_at, tz),
                        method=summary.method, note=summary.note)
    interaction_id = accept_summary(actor, case_id, draft)
    with session_scope() as db:
        db.execute(update(SummaryRunCase).where(col(SummaryRunCase.id) == run_case.id)
                   .values(accepted_interaction_id=interaction_id))
    return interaction_id


# ---------------------------------------------------------------------------------------------
# The runner


def _key(interaction: Interaction) -> str:
    """Identifies one interaction as it is now: any change to it changes the key."""
    raw = "\x1f".join([interaction.occurred_at.isoformat(), interaction.kind,
                       str(interaction.private), interaction.text])
    return f"{interaction.id}:{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


def _fingerprint(keys: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


def _names_in_notes(known: list[str], rows: list) -> list[str]:  # type: ignore[type-arg]
    """The known names (the person, every staff member) that could occur in these notes.

    The pseudonymiser searches for each known name with its own pattern, which with hundreds of
    staff costs far more than the rest of a case (~0.25 s per note with 500 staff). A plain
    substring test finds every name its word-bounded search would (and perhaps a few more), so
    handing it only these gives the same placeholders, quickly."""
    text = "\n".join(f"{author}\n{interaction.text}" for interaction, author in rows)

    def present(name: str) -> bool:
        parts = [p.strip(".,'’") for p in name.split()]
        return name.strip() in text or any(len(p) > 1 and p in text for p in parts)

    return [n for n in known if present(n)]


@dataclass
class _Job:
    """What one case needs from the database before the (slow) summarising starts."""

    rows: list  # type: ignore[type-arg]  # (Interaction, author name), oldest first
    keys: list[str]
    names: list[str]
    reuse_id: int | None


class WeeklyRunner(runs.ItemRunner):
    """Works through runs in this process: ``concurrency`` worker threads per run, each with at
    most one AI request in flight, and one set of ``concurrency`` slots for every request this
    runner makes, so the endpoint never sees more than that at once."""

    kind = KIND
    label = "weekly run"
    internal_error = "Caseline could not summarise this case (an internal error was logged)."

    def _context(self, db: Session, run: SummaryRun) -> tuple[AIConfig | None, str]:
        tz = organisation_time_zone(db)
        period = f"the {run.days} days to {format_date(to_local(run.period_end, tz).date())}"
        return model_config(db), period

    def _do(self, run: SummaryRun, actor: Actor, context: tuple[AIConfig | None, str],
            row_id: int, case_id: int) -> None:
        config, period = context
        self._summarise(run, actor, config, period, row_id, case_id)

    def _failed(self, run: SummaryRun, row_id: int, exc: CaselineError) -> None:
        if isinstance(exc, PermissionDenied) and str(exc) == AI_OFF:
            self._stop(run.id, "cancelled", AI_OFF)  # type: ignore[arg-type]
        super()._failed(run, row_id, exc)

    def _summarise(self, run: SummaryRun, actor: Actor, config: AIConfig | None, period: str,
                   row_id: int, case_id: int) -> None:
        method = _method(config)
        job = self._prepare(run, actor, config, case_id, method)
        if self._halt.is_set():
            return
        ids = [i.id for i, _ in job.rows]
        sent = sent_to(config) if config else {}
        if job.reuse_id is not None:
            self._record(row_id, "skipped", job.reuse_id, "Unchanged since the last summary.",
                         actor, case_id, run.id, method, ids, {})
            return
        if config is None:
            sentences, note = offline_sentences(job.rows), ""
        else:
            try:
                with self._slots:
                    sentences, note = model_summary(config, job.names, job.rows), MODEL_NOTE
            except AIUnavailable as exc:
                self._record_failure(row_id, str(exc), actor, case_id, run.id, method, ids, sent)
                return
        if self._halt.is_set():
            return  # a crash here loses this in-flight case; resume does it again
        summary = WeeklySummary(
            case_id=case_id, fingerprint=_fingerprint(job.keys),
            interaction_keys=json.dumps(job.keys), method=method,
            period=period,
            sentences=json.dumps([s.__dict__ for s in sentences]), note=note,
            created_by_id=actor.id)
        # Short routine notes may hold no sentence worth picking: say so rather than pad.
        message = "" if sentences else "Nothing in this period's notes stood out to pick."
        self._record(row_id, "done", summary, message, actor, case_id, run.id, method, ids, sent)

    def _prepare(self, run: SummaryRun, actor: Actor, config: AIConfig | None, case_id: int,
                 method: str) -> _Job:
        """Read what the case needs, then let go of the connection before the model call."""
        with session_scope() as db:
            require_ai_on(db)
            case, _ = load_case_for(db, actor, case_id)  # access is checked again, now
            base = readable(actor, case).where(Interaction.kind != InteractionType.SUMMARY.value)
            rows = list(db.exec(base.where(Interaction.occurred_at >= run.period_start,
                                           Interaction.occurred_at <= run.period_end)
                                .order_by(col(Interaction.occurred_at), col(Interaction.id))).all())
            if not rows:
                raise ValidationFailed({"case": "No interactions you may read in this period."})
            keys = [_key(i) for i, _ in rows]
            names = _names_in_notes(known_names(db, case), rows) \
                if config is not None and config.pseudonymise else []
            reuse_id = self._reusable(db, actor, case, keys, method)
        return _Job(rows=rows, keys=keys, names=names, reuse_id=reuse_id)

    def _reusable(self, db: Session, actor: Actor, case: Case, keys: list[str],
                  method: str) -> int | None:
        """An earlier summary made the same way from every interaction there is now (unchanged),
        and only from interactions this actor may read (so nothing private is passed on)."""
        earlier = db.exec(select(WeeklySummary).where(WeeklySummary.case_id == case.id,
                                                      WeeklySummary.method == method)
                          .order_by(col(WeeklySummary.created_at).desc()).limit(3)).all()
        if not earlier:
            return None
        fingerprint = _fingerprint(keys)
        readable_ids = {i.id for i, _ in db.exec(readable(actor, case)).all()}
        for summary in earlier:
            made_from = set(json.loads(summary.interaction_keys or "[]"))
            used_ids = {int(k.split(":", 1)[0]) for k in made_from}
            if (summary.fingerprint == fingerprint or set(keys) <= made_from) \
                    and used_ids <= readable_ids:
                return summary.id
        return None

    def _record(self, row_id: int, status: str, summary: WeeklySummary | int, message: str,
                actor: Actor, case_id: int, run_id: int, method: str, ids: list[int],
                sent: dict[str, object]) -> None:
        """One transaction per case, writing first (SQLite then waits for its turn instead of
        failing a stale read), so a finished case is never lost to a later crash."""
        with session_scope() as db:
            if isinstance(summary, WeeklySummary):
                db.add(summary)
                db.flush()
                summary_id = summary.id
            else:
                summary_id = summary
            db.execute(update(SummaryRunCase).where(col(SummaryRunCase.id) == row_id)
                       .values(status=status, summary_id=summary_id, message=message,
                               finished_at=utcnow()))
            audit.record(db, actor, "ai.weekly_summary", "case", case_id, run_id=run_id,
                         outcome=status, method=method, interaction_ids=ids, **sent)

    def _record_failure(self, row_id: int, message: str, actor: Actor, case_id: int,
                        run_id: int | None, method: str, ids: list[int],
                        sent: dict[str, object]) -> None:
        """A model call that failed after the notes were read and sent: that is audited too."""
        with session_scope() as db:
            self._mark(row_id, "failed", message, db)
            audit.record(db, actor, "ai.weekly_summary", "case", case_id, run_id=run_id,
                         outcome="failed", method=method, interaction_ids=ids, **sent)


_runner: WeeklyRunner | None = None
_runner_lock = threading.Lock()


def runner() -> WeeklyRunner:
    """The server process's runner."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = WeeklyRunner()
        return _runner


def resume_orphaned_runs(interval_s: float = 20.0
                         ) -> contextlib.AbstractAsyncContextManager[None]:
    """For the server's lifespan: picks up runs left unfinished by a restart (once their lease
    has lapsed), and on shutdown stops the runner taking new cases."""
    return runs.resuming(runner, interval_s, "weekly summary runs")
