"""Insights (Theory of Change): where each case stands on the organisation's six outcome stages.

- The stages are the organisation's own words (Settings, admins); defaults suit a support charity.
- **Generate insights** scores one case, or every open case in the actor's scope as a background
  run (``InsightRunner``: bounded worker threads, a lease renewed while alive, resumable after a
  restart, safe to repeat: an unfinished run is returned, unchanged cases are skipped).
- Offline, the scorer in ``caseapp.ai.theory_of_change`` reads the notes for phrases of progress
  and need per stage, negation-aware and recency-weighted, and keeps the sentences as evidence.
  With an AI endpoint, the model places the case on the stages from pseudonymised notes and
  cites the interactions (pydantic structured output, like ``caseapp.ai.casework``).
- Only interactions the acting user may read feed the scoring (``interactions.readable``). An
  insight is a judgement about the case, like its concern level, and others who may see the case
  see it; its evidence sentences are shown only from interactions the viewer may read.
- A manager (or admin) may correct a stage's level: the correction is kept beside the scorer's
  level, wins over it (also after the next Generate), and is audited.
- The heatmap, the comparison by case worker, the narrative and the CSV export read the same
  filtered set of cases in SQL, a page at a time.

Who: admins and managers see every case; a case worker sees the cases assigned to them
(DESIGN.md §4, "workload, audits, insights: their own"); volunteers none. The CSV export is for
admins and managers (the "export" row of the role matrix).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import and_, exists, func
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from caseapp import access, audit, runs
from caseapp.actor import Actor
from caseapp.ai.casework import known_names
from caseapp.ai.client import AIConfig, AIUnavailable, structured
from caseapp.ai.policy import model_config, sent_to
from caseapp.ai.pseudonymise import Pseudonymiser
from caseapp.ai.theory_of_change import Note, StageResult, score_notes
from caseapp.cases import filter_clauses, load_case_for, reference_for
from caseapp.db import session_scope
from caseapp.errors import CaselineError, NoAccess, PermissionDenied, ValidationFailed
from caseapp.interactions import readable
from caseapp.models import (
    Case,
    CaseInsight,
    InsightRun,
    InsightRunCase,
    Interaction,
    InteractionType,
    OutcomeStage,
    Pathway,
    Person,
    Role,
    Status,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.runs import RunProgress
from caseapp.textinput import clean_line
from caseapp.timefmt import format_date, format_datetime

log = logging.getLogger(__name__)

STAGES = 6
DEFAULT_STAGES: list[tuple[str, str]] = [
    ("Engaged with support",
     "Keeps in touch, comes to appointments and has agreed a support plan with us."),
    ("Safe and immediate needs met",
     "Safe from harm, with food, heating and urgent needs taken care of."),
    ("Stable housing and income",
     "A settled home, benefits or wages in payment, and debts under control."),
    ("Health and wellbeing improving",
     "Registered with a GP, using treatment or support, mood and health getting better."),
    ("Skills, work and connections",
     "Learning, volunteering or working, and building friendships and family links."),
    ("Independent and sustained",
     "Managing without our support, with progress kept up; ready to close or closed well."),
]
NOT_FOR_VOLUNTEERS = "Insights are for managers and case workers."
ONLY_MANAGERS_CORRECT = "Only a manager can correct an insight."
ONLY_ADMINS_STAGES = "Only an admin can change the outcome stages."
ONLY_MANAGERS_EXPORT = "Only managers and admins can export insights."
NOT_YOUR_RUN = "You do not have access to this run of insights."
OFFLINE_METHOD = "offline evidence rules (no AI model)"
OFFLINE_BATCH = 50  # cases scored per transaction by the offline runner
PAGE_SIZE = 25
SORTS = ("name", "last_interaction", "concern", "worker", "progress",
         *(f"stage{i}" for i in range(1, STAGES + 1)))
LEVEL_RANK = {"": 0, "low": 1, "medium": 2, "high": 3}
CONFIDENCE_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}
RANK_LEVEL = {0: "", 1: "low", 2: "medium", 3: "high"}
# Colour is progress, opacity is confidence. Light tints so the dark letter in each cell keeps
# its contrast (colour is never the only sign: the cell says L, M or H, and its label in words).
_RGB = {"low": (248, 113, 113), "medium": (251, 191, 36), "high": (74, 222, 128)}
_ALPHA = {0: 1.0, 1: 0.35, 2: 0.65, 3: 1.0}
EXPORT_CAP = 50_000


# ---------------------------------------------------------------------------------------------
# Who may do what


def may_view(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)


def may_correct(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER)


def may_export(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER)


def _require_view(actor: Actor) -> None:
    if not may_view(actor):
        raise PermissionDenied(NOT_FOR_VOLUNTEERS)


def _scope(actor: Actor) -> Any:
    """The cases an actor's insights cover: a case worker's own; managers every case."""
    if actor.role is Role.CASE_WORKER:
        return Case.worker_id == actor.id
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return access.case_visibility_clause(actor)
    raise PermissionDenied(NOT_FOR_VOLUNTEERS)


def _in_scope(db: Session, actor: Actor, case_id: int) -> Case:
    case, _facts = load_case_for(db, actor, case_id)
    if actor.role is Role.CASE_WORKER and case.worker_id != actor.id:
        audit.record_denial(db, actor, "access.denied", "case", case.id, feature="insights")
        raise NoAccess()
    return case


# ---------------------------------------------------------------------------------------------
# The stages (Settings)


@dataclass
class StageView:
    position: int
    name: str
    description: str


def _stages(db: Session) -> list[StageView]:
    rows = {s.position: s for s in db.exec(select(OutcomeStage)).all()}
    out = []
    for position, (name, description) in enumerate(DEFAULT_STAGES, start=1):
        row = rows.get(position)
        out.append(StageView(position, row.name if row else name,
                             row.description if row else description))
    return out


def list_stages(actor: Actor) -> list[StageView]:
    """Anyone signed in may read the stage names (they label the heatmap)."""
    with session_scope() as db:
        return _stages(db)


def update_stages(actor: Actor, stages: list[tuple[str, str]]) -> None:
    """Replace the six stages' names and descriptions. Admins only; audited with old and new."""
    if not access.can_manage_organisation(actor):
        raise PermissionDenied(ONLY_ADMINS_STAGES)
    if len(stages) != STAGES:
        raise ValidationFailed({"form": f"There must be exactly {STAGES} stages"})
    errors: dict[str, str] = {}
    cleaned: list[tuple[str, str]] = []
    for i, (name, description) in enumerate(stages, start=1):
        n, d = clean_line(name), clean_line(description)
        if not n:
            errors[f"name{i}"] = f"Stage {i} needs a name"
        elif len(n) > 60:
            errors[f"name{i}"] = f"Stage {i}'s name is too long (at most 60 characters)"
        if len(d) > 400:
            errors[f"description{i}"] = (f"Stage {i}'s description is too long (at most 400 "
                                         "characters)")
        cleaned.append((n, d))
    names = [n.lower() for n, _ in cleaned if n]
    if not errors and len(set(names)) != len(names):
        errors["form"] = "Each stage needs a different name"
    if errors:
        raise ValidationFailed(errors)
    with session_scope() as db:
        old = _stages(db)
        for position, (name, description) in enumerate(cleaned, start=1):
            row = db.get(OutcomeStage, position)
            if row is None:
                db.add(OutcomeStage(position=position, name=name, description=description))
            else:
                row.name, row.description, row.updated_at = name, description, utcnow()
                db.add(row)
        audit.record(db, actor, "insights.stages_updated", "outcome_stage", None,
                     old=[[s.name, s.description] for s in old], new=cleaned)


# ---------------------------------------------------------------------------------------------
# Scoring one case


class _StageAnswer(BaseModel):
    stage: int = Field(description="stage number, 1 to 6")
    level: Literal["none", "low", "medium", "high"] = Field(
        description="progress on this stage; none when the notes say nothing about it")
    confidence: Literal["low", "medium", "high"] = Field(
        description="how much evidence in the notes supports the level")
    interaction_ids: list[int] = Field(description="ids of the interactions it rests on")
    reason: str = Field(description="one sentence: why this level, from the notes")


class _InsightAnswer(BaseModel):
    stages: list[_StageAnswer]


_SYSTEM = (
    "You help a UK charity see how far each person it supports has come on its Theory of "
    "Change. For each of the six stages given, judge progress (low, medium, high, or none when "
    "the notes say nothing about it) and your confidence (how much evidence there is), cite "
    "the ids of the interactions you rely on, and give a one-sentence reason. Recent notes "
    "matter more than old ones. Use only the interactions given; do not guess. Placeholders "
    "like [PERSON_1] stand for real details: keep them exactly as written.")


@dataclass
class _Scored:
    results: list[StageResult]
    method: str
    sent: dict[str, object]


def _fingerprint(rows: list, stages: list[StageView], method: str) -> str:  # type: ignore[type-arg]
    """What a set of insights was made from: the notes as they are now, the stages, the method
    and the day (recency weights move with time)."""
    parts = [method, utcnow().date().isoformat()]
    parts += [f"{s.position}:{s.name}:{s.description}" for s in stages]
    for interaction, _author in rows:
        raw = "\x1f".join([str(interaction.id), interaction.occurred_at.isoformat(),
                           interaction.kind, str(interaction.private), interaction.text])
        parts.append(hashlib.sha256(raw.encode()).hexdigest()[:16])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _model_scores(config: AIConfig, names: list[str], rows: list,  # type: ignore[type-arg]
                  stages: list[StageView]) -> list[StageResult]:
    """Ask the model. Notes are pseudonymised; citations must be among the notes sent."""
    shield = Pseudonymiser(names) if config.pseudonymise else None
    stage_text = "\n".join(f"{s.position}. {s.name}: {s.description}" for s in stages)
    lines = []
    for interaction, author in rows[-60:]:  # the newest sixty: enough to judge, bounded prompt
        text = f"[{interaction.id}] {interaction.occurred_at:%d %b %Y} {interaction.kind} by " \
               f"{author}: {interaction.text}"
        lines.append(shield.hide(text) if shield else text)
    answer = structured(config, _SYSTEM, f"Stages:\n{stage_text}\n\nInteractions:\n\n"
                        + "\n\n".join(lines), _InsightAnswer)
    allowed = {i.id: i for i, _ in rows}
    by_stage = {a.stage: a for a in answer.stages if 1 <= a.stage <= STAGES}
    if not by_stage:
        raise AIUnavailable("The AI answer placed the case on none of the stages.")
    from caseapp.ai.theory_of_change import Evidence

    results = []
    for position in range(1, STAGES + 1):
        item = by_stage.get(position)
        cited = [i for i in (item.interaction_ids if item else []) if i in allowed]
        if item is None or item.level == "none" or not cited:
            # An uncited level is a guess: the stage stays without evidence.
            results.append(StageResult(position, "", "none", 0.0, 0.0, [],
                                       "The AI found nothing in the notes for this stage."))
            continue
        reason = shield.restore(item.reason) if shield else item.reason
        evidence = [Evidence(i, allowed[i].occurred_at.date().isoformat(),
                             allowed[i].text[:300], "ai", "cited by the AI", 1.0)
                    for i in cited[:6]]
        results.append(StageResult(position, item.level, item.confidence, 0.0, 0.0, evidence,
                                   reason[:1000]))
    return results


def _score(config: AIConfig | None, names: list[str], rows: list,  # type: ignore[type-arg]
           stages: list[StageView]) -> _Scored:
    if config is not None:
        return _Scored(_model_scores(config, names, rows, stages), f"AI model {config.model}",
                       sent_to(config))
    notes = [Note(i.id, i.occurred_at, i.text, i.kind) for i, _ in rows]
    return _Scored(score_notes(notes, utcnow()), OFFLINE_METHOD, {})


def _read_case(db: Session, actor: Actor, case_id: int, config: AIConfig | None
               ) -> tuple[Case, list, list[StageView], list[str]]:  # type: ignore[type-arg]
    case = _in_scope(db, actor, case_id)
    rows = list(db.exec(readable(actor, case)
                        .where(Interaction.kind != InteractionType.SUMMARY.value)
                        .order_by(col(Interaction.occurred_at), col(Interaction.id))).all())
    names = known_names(db, case) if config is not None and config.pseudonymise else []
    return case, rows, _stages(db), names


def _unchanged(db: Session, case_id: int, fingerprint: str) -> bool:
    found = db.exec(select(func.count()).select_from(CaseInsight).where(
        CaseInsight.case_id == case_id, CaseInsight.fingerprint == fingerprint)).one()
    return found == STAGES


def _store(db: Session, actor: Actor, case_id: int, scored: _Scored, fingerprint: str,
           interaction_ids: list[int]) -> None:
    """Write the six stages (keeping any person's correction) and audit it."""
    existing = {i.stage: i for i in db.exec(select(CaseInsight).where(
        CaseInsight.case_id == case_id)).all()}
    now = utcnow()
    for r in scored.results:
        row = existing.get(r.stage) or CaseInsight(case_id=case_id, stage=r.stage,
                                                   generated_by_id=actor.id)
        row.level, row.confidence = r.level, r.confidence
        row.progress_weight, row.need_weight = r.progress_weight, r.need_weight
        row.evidence = json.dumps([e.__dict__ for e in r.evidence], ensure_ascii=False)
        row.reason, row.method, row.fingerprint = r.reason[:1000], scored.method, fingerprint
        row.generated_by_id, row.generated_at = actor.id, now
        _set_ranks(row)
        db.add(row)
    audit.record(db, actor, "insights.generated", "case", case_id, method=scored.method,
                 interaction_ids=interaction_ids,
                 levels={r.stage: r.level or "none" for r in scored.results}, **scored.sent)


def _set_ranks(row: CaseInsight) -> None:
    shown = row.corrected_level or row.level
    row.rank = LEVEL_RANK.get(shown, 0)
    # A person's correction is a judgement made with everything in view: shown at full strength.
    row.confidence_rank = 3 if row.corrected_level else CONFIDENCE_RANK.get(row.confidence, 0)


def generate_for_case(actor: Actor, case_id: int) -> str:
    """Score one case now. Returns "done" or "skipped" (nothing changed since the last time)."""
    _require_view(actor)
    with session_scope() as db:
        config = model_config(db)
        if config is not None and not _ai_on(db):
            config = None  # AI turned off for the organisation: the offline rules still work
        case, rows, stages, names = _read_case(db, actor, case_id, config)
        method = f"AI model {config.model}" if config else OFFLINE_METHOD
        fingerprint = _fingerprint(rows, stages, method)
        if _unchanged(db, case.id, fingerprint):  # type: ignore[arg-type]
            return "skipped"
    scored = _score(config, names, rows, stages)  # no connection held while a model thinks
    with session_scope() as db:
        _in_scope(db, actor, case_id)  # access again: it may have changed meanwhile
        _store(db, actor, case_id, scored, fingerprint, [i.id for i, _ in rows])
    return "done"


def _ai_on(db: Session) -> bool:
    from caseapp.models import Organisation

    org = db.get(Organisation, 1)
    return org is None or org.ai_enabled


# ---------------------------------------------------------------------------------------------
# Corrections


def correct(actor: Actor, case_id: int, stage: int, level: str, note: str = "") -> None:
    """A manager sets a stage's level by hand ("" clears the correction). Audited."""
    if not may_correct(actor):
        raise PermissionDenied(ONLY_MANAGERS_CORRECT)
    errors: dict[str, str] = {}
    if not isinstance(stage, int) or not 1 <= stage <= STAGES:
        errors["stage"] = "Unknown stage"
    if level not in ("", "low", "medium", "high"):
        errors["level"] = "Choose low, medium or high progress"
    note = clean_line(note)
    if len(note) > 500:
        errors["note"] = "The reason is too long (at most 500 characters)"
    if errors:
        raise ValidationFailed(errors)
    with session_scope() as db:
        case = _in_scope(db, actor, case_id)
        row = db.exec(select(CaseInsight).where(CaseInsight.case_id == case.id,
                                                CaseInsight.stage == stage)).first()
        if row is None:
            if not level:
                return
            row = CaseInsight(case_id=case.id, stage=stage, generated_by_id=actor.id,  # type: ignore[arg-type]
                              method="", reason="No insight generated yet.")
        old = row.corrected_level
        row.corrected_level = level or None
        row.corrected_by_id = actor.id if level else None
        row.corrected_at = utcnow() if level else None
        row.correction_note = note if level else ""
        _set_ranks(row)
        db.add(row)
        audit.record(db, actor, "insights.corrected", "case", case.id, stage=stage,
                     scorer_level=row.level or "none", old=old or "", new=level, note=note)


# ---------------------------------------------------------------------------------------------
# Reading: heatmap, stage detail, comparison by worker, narrative, CSV


@dataclass
class InsightFilters:
    search: str = ""
    status: str = Status.OPEN.value  # "" = any
    concern_level: str = ""
    worker: str = ""  # "" any, "me", "unassigned", or a user id as text
    pathway_id: int | None = None
    tag: str = ""
    sort: str = "concern"
    descending: bool = True
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass
class HeatCell:
    stage: int
    level: str  # "" none | low | medium | high (the shown level: a correction wins)
    confidence: str  # none | low | medium | high
    label: str  # e.g. "Stable housing and income: medium progress, low confidence"
    letter: str  # L, M, H or a dash: colour is never the only sign
    background: str  # rgba: colour is progress, alpha is confidence
    corrected: bool


@dataclass
class HeatRow:
    case_id: int
    reference: str
    person_name: str
    worker_name: str
    concern_level: str
    pathway_name: str
    cells: list[HeatCell] = field(default_factory=list)
    generated: bool = False


@dataclass
class HeatmapPage:
    rows: list[HeatRow]
    total: int
    page: int
    pages: int
    stages: list[StageView]


def _background(level: str, confidence_rank: int) -> str:
    if not level:
        return "rgba(229, 231, 235, 1)"  # grey: no evidence
    r, g, b = _RGB[level]
    return f"rgba({r}, {g}, {b}, {_ALPHA[confidence_rank]})"


def _cell(stage: StageView, level: str, confidence: str, corrected: bool,
          prefix: str = "") -> HeatCell:
    if not level:
        label = f"{stage.name}: {prefix}no evidence yet"
    elif corrected:
        label = f"{stage.name}: {prefix}{level} progress, corrected by a manager"
    else:
        label = f"{stage.name}: {prefix}{level} progress, {confidence} confidence"
    confidence_rank = 3 if corrected else CONFIDENCE_RANK.get(confidence, 0)
    return HeatCell(stage=stage.position, level=level, confidence=confidence, label=label,
                    letter={"low": "L", "medium": "M", "high": "H"}.get(level, "–"),
                    background=_background(level, confidence_rank), corrected=corrected)


def _where(actor: Actor, filters: InsightFilters) -> list[Any]:
    """The heatmap's cases: the cases list's filters and search, within what this actor may see
    of insights, with the heatmap's own sorts."""
    return [_scope(actor), *filter_clauses(actor, filters, SORTS)]


@dataclass(frozen=True)
class _Shown:
    """What a heatmap cell needs of a stored insight (not its evidence: that is read per cell)."""

    level: str
    confidence: str
    corrected_level: str | None


def _insights_for(db: Session, case_ids: list[int]) -> dict[int, dict[int, _Shown]]:
    out: dict[int, dict[int, _Shown]] = {c: {} for c in case_ids}
    if case_ids:
        for case_id, stage, level, confidence, corrected in db.exec(
                select(CaseInsight.case_id, CaseInsight.stage, CaseInsight.level,
                       CaseInsight.confidence, CaseInsight.corrected_level)
                .where(col(CaseInsight.case_id).in_(case_ids))):
            out[case_id][stage] = _Shown(level, confidence, corrected)
    return out


def _cells(stages: list[StageView], found: dict[int, _Shown]) -> list[HeatCell]:
    cells = []
    for s in stages:
        row = found.get(s.position)
        if row is None:
            cells.append(_cell(s, "", "none", False))
        else:
            cells.append(_cell(s, row.corrected_level or row.level, row.confidence,
                               bool(row.corrected_level)))
    return cells


def heatmap(actor: Actor, filters: InsightFilters) -> HeatmapPage:
    """One page of cases × six stages, filtered and sorted in SQL. Audited as a view."""
    _require_view(actor)
    where = _where(actor, filters)
    worker = aliased(User)
    concern_rank = sql_case((Case.concern_level == "high", 3),
                            (Case.concern_level == "medium", 2), else_=1)
    # Sorting by a stage joins that stage's row (the unique (case, stage) index finds it);
    # overall progress is the sum of the six levels.
    by_stage = aliased(CaseInsight)
    stage_no = int(filters.sort[5:]) if filters.sort.startswith("stage") else 0
    progress = select(func.coalesce(func.sum(CaseInsight.rank), 0)).where(
        CaseInsight.case_id == Case.id).scalar_subquery()
    sort_column: Any = {"name": Person.name_search, "last_interaction": Case.last_interaction_at,
                        "concern": concern_rank, "worker": worker.name, "progress": progress,
                        }.get(filters.sort, func.coalesce(by_stage.rank, 0))
    order = [sort_column.is_(None), sort_column.desc() if filters.descending
             else sort_column.asc(), col(Case.id).desc()]
    page_size = max(1, min(filters.page_size, 100))
    with session_scope() as db:
        stages = _stages(db)
        total = db.exec(select(func.count()).select_from(Case).where(*where)).one()
        pages = max(1, math.ceil(total / page_size))
        page = max(1, min(filters.page, pages))
        # First the page's ids, joining only what the sort needs (SQLite would otherwise join
        # the person, pathway and worker of every open case before sorting); then their details.
        ids_query = select(Case.id)
        if filters.sort == "name":
            ids_query = ids_query.join(Person, col(Person.id) == Case.person_id)
        elif filters.sort == "worker":
            ids_query = ids_query.outerjoin(worker, worker.id == Case.worker_id)
        elif stage_no:
            ids_query = ids_query.outerjoin(by_stage, and_(by_stage.case_id == Case.id,
                                                           by_stage.stage == stage_no))
        ids = list(db.exec(ids_query.where(*where).order_by(*order)
                           .offset((page - 1) * page_size).limit(page_size)).all())
        details = {r[0]: r for r in db.exec(
            select(Case.id, Case.reference, Person.name, worker.name, Case.concern_level,
                   Pathway.name)
            .join(Person, col(Person.id) == Case.person_id)
            .join(Pathway, col(Pathway.id) == Case.pathway_id)
            .outerjoin(worker, worker.id == Case.worker_id)
            .where(col(Case.id).in_(ids))).all()} if ids else {}
        found = [details[i] for i in ids if i in details]
        insights = _insights_for(db, [r[0] for r in found])
        rows = [HeatRow(case_id=cid, reference=ref or reference_for(cid), person_name=name,
                        worker_name=wname or "Unassigned", concern_level=concern,
                        pathway_name=pathway, cells=_cells(stages, insights[cid]),
                        generated=bool(insights[cid]))
                for cid, ref, name, wname, concern, pathway in found]
        audit.record(db, actor, "insights.view", "case", None, total=total, page=page,
                     case_ids=[r.case_id for r in rows])
        return HeatmapPage(rows=rows, total=total, page=page, pages=pages, stages=stages)


@dataclass
class EvidenceItem:
    interaction_id: int
    when: str
    sentence: str
    signal: str  # progress | need | ai


@dataclass
class StageDetail:
    case_id: int
    reference: str
    person_name: str
    stage: int
    stage_name: str
    stage_description: str
    level: str  # the scorer's (or the model's)
    confidence: str
    shown_level: str
    corrected_level: str
    corrected_by: str
    corrected_at: str
    correction_note: str
    reason: str
    method: str
    generated_at: str
    evidence: list[EvidenceItem]
    hidden_evidence: int  # from interactions this viewer may not read
    can_correct: bool


def stage_detail(actor: Actor, case_id: int, stage: int) -> StageDetail:
    """One cell of the heatmap with its evidence: only sentences from interactions the viewer
    may read are shown. Audited as a read of the case."""
    _require_view(actor)
    if not isinstance(stage, int) or not 1 <= stage <= STAGES:
        raise ValidationFailed({"stage": "Unknown stage"})
    with session_scope() as db:
        case = _in_scope(db, actor, case_id)
        tz = organisation_time_zone(db)
        info = _stages(db)[stage - 1]
        person = db.get(Person, case.person_id)
        row = db.exec(select(CaseInsight).where(CaseInsight.case_id == case.id,
                                                CaseInsight.stage == stage)).first()
        items = json.loads(row.evidence) if row and row.evidence else []
        ids = {int(e["interaction_id"]) for e in items}
        may_read = set(db.exec(select(Interaction.id).where(
            col(Interaction.id).in_(ids), Interaction.case_id == case.id,
            access.private_interaction_clause(actor, Interaction.author_id,
                                              Interaction.private))).all()) if ids else set()
        evidence = [EvidenceItem(int(e["interaction_id"]), format_date(
            _iso_date(e["when"])), e["sentence"], e["signal"])
            for e in items if int(e["interaction_id"]) in may_read]
        corrector = db.get(User, row.corrected_by_id) if row and row.corrected_by_id else None
        audit.record(db, actor, "insights.view_case", "case", case.id, stage=stage,
                     interaction_ids=sorted(e.interaction_id for e in evidence))
        return StageDetail(
            case_id=case.id, reference=case.reference or reference_for(case.id),  # type: ignore[arg-type]
            person_name=person.name if person else "", stage=stage, stage_name=info.name,
            stage_description=info.description, level=row.level if row else "",
            confidence=row.confidence if row else "none",
            shown_level=(row.corrected_level or row.level) if row else "",
            corrected_level=(row.corrected_level or "") if row else "",
            corrected_by=corrector.name if corrector else "",
            corrected_at=format_datetime(row.corrected_at, tz) if row and row.corrected_at
            else "", correction_note=row.correction_note if row else "",
            reason=row.reason if row else "No insight generated yet.",
            method=row.method if row else "",
            generated_at=format_datetime(row.generated_at, tz) if row and row.method else "",
            evidence=evidence, hidden_evidence=len(items) - len(evidence),
            can_correct=may_correct(actor))


def _iso_date(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@dataclass
class WorkerRow:
    worker_id: int
    worker_name: str
    cases: int
    cells: list[HeatCell] = field(default_factory=list)


def compare_workers(actor: Actor, filters: InsightFilters) -> list[WorkerRow]:
    """One row per case worker over the filtered cases: each stage's average progress (cases
    with evidence only) and average confidence. Audited."""
    _require_view(actor)
    where = _where(actor, filters)
    with session_scope() as db:
        stages = _stages(db)
        names = dict(db.exec(select(User.id, User.name)).all())
        counts = dict(db.exec(select(Case.worker_id, func.count()).where(*where)
                              .group_by(Case.worker_id)).all())
        averages = db.exec(
            select(Case.worker_id, CaseInsight.stage, func.avg(CaseInsight.rank),
                   func.avg(CaseInsight.confidence_rank))
            .join(CaseInsight, CaseInsight.case_id == Case.id)
            .where(*where, CaseInsight.rank > 0)
            .group_by(Case.worker_id, CaseInsight.stage)).all()
        audit.record(db, actor, "insights.compare", "case", None, workers=len(counts))
    by_worker: dict[int | None, dict[int, tuple[float, float]]] = {}
    for wid, stage, rank, conf in averages:
        by_worker.setdefault(wid, {})[stage] = (float(rank), float(conf))
    out = []
    for wid, n in counts.items():
        cells = []
        for s in stages:
            avg = by_worker.get(wid, {}).get(s.position)
            if avg is None:
                cells.append(_cell(s, "", "none", False, "average "))
                continue
            level = RANK_LEVEL[max(1, min(3, round(avg[0])))]
            confidence = RANK_LEVEL[max(1, min(3, round(avg[1])))] or "low"
            cell = _cell(s, level, confidence, False, "average ")
            cell.label = f"{s.name}: average {level} progress ({avg[0]:.1f} of 3), " \
                         f"{confidence} confidence"
            cells.append(cell)
        out.append(WorkerRow(worker_id=wid or 0,
                             worker_name=names.get(wid, "Unassigned") if wid else "Unassigned",
                             cases=int(n), cells=cells))
    out.sort(key=lambda r: (r.worker_name == "Unassigned", r.worker_name.lower()))
    return out


@dataclass
class Narrative:
    paragraphs: list[str]
    method: str
    by_model: bool


class _NarrativeAnswer(BaseModel):
    paragraphs: list[str] = Field(description="two or three short paragraphs")


_NARRATIVE_SYSTEM = (
    "You write for a UK charity's managers and funders. From the figures given about the "
    "caseload on the charity's six Theory of Change stages, write two or three short, plain "
    "paragraphs: where people are doing well, where they are stuck, and what the figures cannot "
    "show. Use only the figures given; do not invent numbers.")


def _stage_counts(db: Session, where: list[Any]) -> dict[int, dict[int, int]]:
    rows = db.exec(select(CaseInsight.stage, CaseInsight.rank, func.count())
                   .join(Case, col(Case.id) == CaseInsight.case_id)
                   .where(*where).group_by(CaseInsight.stage, CaseInsight.rank)).all()
    out: dict[int, dict[int, int]] = {s: {} for s in range(1, STAGES + 1)}
    for stage, rank, n in rows:
        out[stage][rank] = int(n)
    return out


def _facts_text(total: int, with_insights: int, stages: list[StageView],
                counts: dict[int, dict[int, int]]) -> list[str]:
    if total == 0:
        return ["No cases match these filters."]
    if with_insights == 0:
        return [f"{total} case{'s' if total != 1 else ''} match these filters; none has "
                "insights yet. Generate insights to place them on the stages."]
    lines = [f"{with_insights} of {total} cases have insights."]
    shares = []
    # A stage seen in only a handful of cases says little about the caseload: it is reported,
    # but not called the strongest or the most stuck.
    enough = max(3, with_insights // 10)
    for s in stages:
        c = counts[s.position]
        evidence = sum(n for r, n in c.items() if r > 0)
        if evidence == 0:
            lines.append(f"{s.name}: no evidence in any case yet.")
            continue
        high, low = c.get(3, 0), c.get(1, 0)
        if evidence >= enough:
            shares.append((high / evidence, low / evidence, s.name))
        lines.append(f"{s.name}: {evidence} case{'s' if evidence != 1 else ''} with evidence, "
                     f"{high} high ({round(100 * high / evidence)}%), {c.get(2, 0)} medium, "
                     f"{low} low.")
    if shares:
        best = max(shares)
        stuck = max(shares, key=lambda t: t[1])
        lines.append(f"Strongest stage: {best[2]}. Most often stuck: {stuck[2]} "
                     f"({round(100 * stuck[1])}% low).")
    return lines


def narrative(actor: Actor, filters: InsightFilters) -> Narrative:
    """An aggregate account of the filtered caseload: the factual template, or with an AI
    endpoint a few written paragraphs from the same figures (no names or notes are sent)."""
    _require_view(actor)
    where = _where(actor, filters)
    with session_scope() as db:
        stages = _stages(db)
        total = db.exec(select(func.count()).select_from(Case).where(*where)).one()
        with_insights = db.exec(select(func.count()).select_from(Case).where(
            *where, exists().where(CaseInsight.case_id == Case.id))).one()
        counts = _stage_counts(db, where)
        config = model_config(db) if _ai_on(db) else None
        audit.record(db, actor, "insights.narrative", "case", None, total=total,
                     method=f"AI model {config.model}" if config and with_insights
                     else "factual template", **(sent_to(config) if config and with_insights
                                                 else {}))
    facts = _facts_text(total, with_insights, stages, counts)
    if config is None or not with_insights:
        return Narrative(facts, "Factual summary of the figures (no AI model)", False)
    try:
        answer = structured(config, _NARRATIVE_SYSTEM, "\n".join(facts), _NarrativeAnswer)
        paragraphs = [p.strip() for p in answer.paragraphs if p.strip()][:4]
        if paragraphs:
            return Narrative(paragraphs, f"AI model {config.model}: check it against the "
                             "figures", True)
    except AIUnavailable as exc:
        return Narrative([*facts, str(exc)], "Factual summary of the figures (no AI model)",
                         False)
    return Narrative(facts, "Factual summary of the figures (no AI model)", False)


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(actor: Actor, filters: InsightFilters) -> str:
    """The heatmap data for the filtered cases (no names of the people supported: a funder needs
    the picture, not who is in it). Admins and managers; audited."""
    if not may_export(actor):
        raise PermissionDenied(ONLY_MANAGERS_EXPORT)
    where = _where(actor, filters)
    worker = aliased(User)
    with session_scope() as db:
        stages = _stages(db)
        found = db.exec(
            select(Case.id, Case.reference, Case.status, Case.concern_level, Pathway.name,
                   worker.name)
            .join(Pathway, col(Pathway.id) == Case.pathway_id)
            .outerjoin(worker, worker.id == Case.worker_id)
            .where(*where).order_by(col(Case.id)).limit(EXPORT_CAP)).all()
        out = io.StringIO()
        writer = csv.writer(out)
        header = ["case", "status", "concern_level", "pathway", "case_worker"]
        for s in stages:
            header += [f"{s.name} progress", f"{s.name} confidence", f"{s.name} corrected"]
        writer.writerow([safe_cell(h) for h in header])
        for start in range(0, len(found), 500):
            chunk = found[start:start + 500]
            insights = _insights_for(db, [r[0] for r in chunk])
            for cid, ref, status, concern, pathway, wname in chunk:
                line: list[object] = [ref or reference_for(cid), status, concern, pathway,
                                      wname or "Unassigned"]
                for s in stages:
                    row = insights[cid].get(s.position)
                    line += [(row.corrected_level or row.level or "none") if row else "none",
                             row.confidence if row and not row.corrected_level else
                             ("manager" if row else "none"),
                             "yes" if row and row.corrected_level else "no"]
                writer.writerow([safe_cell(v) for v in line])
        audit.record(db, actor, "insights.export", "case", None, rows=len(found))
        return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Generate insights for every open case: the run and its runner


KIND = runs.RunKind(run=InsightRun, item=InsightRunCase, subject="case_id",
                    entity="insight_run", cancelled="insights.run_cancelled",
                    resumed="insights.run_resumed", not_yours=NOT_YOUR_RUN)


def start_run(actor: Actor) -> int:
    """Queue every open case in the actor's scope. Safe to repeat: while the actor has an
    unfinished run, that run's id is returned instead."""
    _require_view(actor)
    with session_scope() as db:
        existing = runs.unfinished_run(db, KIND, actor)
        if existing is not None:
            return existing
        case_ids = list(db.exec(select(Case.id).where(Case.status == Status.OPEN.value,
                                                      _scope(actor))
                                .order_by(col(Case.id))).all())
        config = model_config(db) if _ai_on(db) else None
        now = utcnow()
        run = InsightRun(created_by_id=actor.id,
                         method=f"AI model {config.model}" if config else OFFLINE_METHOD,
                         total=len(case_ids), status="queued" if case_ids else "done",
                         finished_at=None if case_ids else now)
        db.add(run)
        db.flush()
        assert run.id is not None
        runs.queue_items(db, KIND, run.id, case_ids)
        audit.record(db, actor, "insights.run_started", "insight_run", run.id,
                     cases=len(case_ids), method=run.method,
                     **(sent_to(config) if config else {}))
        return run.id


def latest_run(actor: Actor) -> int | None:
    return runs.latest_run(KIND, actor)


def _started_at(db: Session, run: InsightRun) -> dict[str, str]:
    return {"started_at": format_datetime(run.created_at, organisation_time_zone(db))}


def progress(actor: Actor, run_id: int) -> RunProgress:
    return runs.progress(KIND, actor, run_id, _started_at)


def cancel_run(actor: Actor, run_id: int) -> None:
    runs.cancel_run(KIND, actor, run_id)


def resume_run(actor: Actor, run_id: int) -> bool:
    return runs.resume_run(KIND, actor, run_id, runner())


class InsightRunner(runs.ItemRunner):
    """Works through runs in this process (caseapp/runs.py). Offline scoring is quick and
    CPU-bound, so one thread scoring a batch of cases per transaction; an AI endpoint gets the
    configured bound, one case at a time."""

    kind = KIND
    label = "insight run"
    internal_error = "Caseline could not score this case (an internal error was logged)."

    def _context(self, db: Session, run: InsightRun) -> bool:
        return run.method == OFFLINE_METHOD  # offline?

    def _threads(self, run: InsightRun, offline: bool) -> int:
        return 1 if offline else self.concurrency

    def _batch_size(self, run: InsightRun, offline: bool) -> int:
        # A batch per transaction spares a commit (and an audit chain update) per case; each
        # case is still audited.
        return OFFLINE_BATCH if offline else 1

    def _do(self, run: InsightRun, actor: Actor, offline: bool, row_id: int,
            case_id: int) -> None:
        outcome = generate_for_case(actor, case_id)
        self._mark(row_id, outcome, "Unchanged since the last time." if
                   outcome == "skipped" else "")

    def _do_batch(self, run: InsightRun, actor: Actor, offline: bool,
                  batch: list[tuple[int, int]]) -> None:
        self._score_batch(actor, batch)

    def _score_batch(self, actor: Actor, batch: list[tuple[int, int]]) -> None:
        """Score a batch offline in one transaction: every case is read (access checked) and
        scored first, then all are written with their run rows, so a crash loses the batch
        whole and resume does it again."""
        try:
            with session_scope() as db:
                stages = _stages(db)
                outcomes: list[tuple[int, str, str]] = []
                for row_id, case_id in batch:
                    try:
                        case, rows, _stages_now, _names = _read_case(db, actor, case_id, None)
                    except CaselineError as exc:
                        outcomes.append((row_id, "failed", str(exc)))
                        continue
                    fingerprint = _fingerprint(rows, stages, OFFLINE_METHOD)
                    if _unchanged(db, case.id, fingerprint):  # type: ignore[arg-type]
                        outcomes.append((row_id, "skipped", "Unchanged since the last time."))
                        continue
                    _store(db, actor, case_id, _score(None, [], rows, stages), fingerprint,
                           [i.id for i, _ in rows])
                    outcomes.append((row_id, "done", ""))
                for row_id, status, message in outcomes:
                    self._mark(row_id, status, message, db)
        except Exception:
            log.exception("insights for a batch of cases failed")
            for row_id, _case_id in batch:
                self._mark(row_id, "failed", self.internal_error)


_runner: InsightRunner | None = None
_runner_lock = threading.Lock()


def runner() -> InsightRunner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = InsightRunner()
        return _runner


def resume_orphaned_runs(interval_s: float = 20.0) -> contextlib.AbstractAsyncContextManager[None]:
    """For the server's lifespan: runs left unfinished by a restart carry on."""
    return runs.resuming(runner, interval_s, "insight runs")
