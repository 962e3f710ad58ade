"""AI on a case, as the services see it: risk indicators, summaries, and accepting a summary.

Everything reads only the interactions the acting user may read (``interactions.readable``), is
audited, and shows its evidence. Nothing becomes part of the record until a person accepts it.
This is the offline default; an OpenAI-compatible endpoint will plug in behind the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, Field
from sqlmodel import col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.ai.client import AIConfig, AIUnavailable, structured
from caseapp.ai.key_sentences import key_sentences
from caseapp.ai.policy import model_config, require_ai_on, sent_to
from caseapp.ai.pseudonymise import Pseudonymiser
from caseapp.ai.risk import SEVERITY_ORDER, flags_for_text
from caseapp.cases import load_case_for
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.interactions import NewInteraction, add_interaction, readable
from caseapp.models import Case, Interaction, InteractionType, Person, Role, User, utcnow
from caseapp.organisation import organisation_time_zone
from caseapp.textinput import clean_note
from caseapp.timefmt import format_date, format_datetime

OFFLINE_METHOD = "offline key sentences (no AI model)"
NEEDS_ENDPOINT = ("A written summary in your own words, answers to questions about the case and "
                  "the structured analysis need an AI endpoint, which this organisation has not "
                  "set up. What you see here is picked from the notes themselves.")


class _CitedSentence(BaseModel):
    text: str = Field(description="One sentence of the summary, in plain professional English")
    interaction_ids: list[int] = Field(description="ids of the interactions it rests on")


class _SummaryAnswer(BaseModel):
    sentences: list[_CitedSentence] = Field(description="two or three sentences")


_SUMMARY_SYSTEM = (
    "You help UK charity case workers. Summarise the case's recent activity for a supervisor in "
    "two or three sentences: what happened, current risks and agreed next steps. Use only the "
    "interactions given; cite the ids each sentence rests on; if the notes do not say "
    "something, do not guess. Placeholders like [PERSON_1] stand for real details: keep them "
    "exactly as written.")


@dataclass
class RiskIndicator:
    category: str
    label: str
    sentence: str
    interaction_id: int
    when: str
    mentions: int  # how many readable interactions show this risk


@dataclass
class SummarySentence:
    text: str
    interaction_id: int
    when: str
    reason: str


@dataclass
class CaseSummary:
    sentences: list[SummarySentence]
    period: str
    generated_at: str
    method: str
    note: str


def _may_use_ai(actor: Actor) -> bool:
    # Every role may use AI on cases it can read; volunteers get summaries of assigned cases,
    # which "cases it can read" already means for them (DESIGN.md §4).
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER, Role.VOLUNTEER)


def risk_indicators(actor: Actor, case_id: int) -> list[RiskIndicator]:
    """Risk categories across the case's readable interactions, most serious first, each with
    the newest sentence that shows it. Flags are for a person to review; none is ever cleared
    here because a later note sounds better."""
    if not _may_use_ai(actor):
        raise PermissionDenied()
    with session_scope() as db:
        require_ai_on(db)
        case, _ = load_case_for(db, actor, case_id)
        tz = organisation_time_zone(db)
        rows = db.exec(readable(actor, case).order_by(col(Interaction.occurred_at),
                                                      col(Interaction.id))).all()
        latest: dict[str, RiskIndicator] = {}
        for interaction, _author in rows:
            for flag in flags_for_text(interaction.text):
                seen = latest.get(flag.category)
                latest[flag.category] = RiskIndicator(
                    category=flag.category, label=flag.label, sentence=flag.sentence,
                    interaction_id=interaction.id,  # type: ignore[arg-type]
                    when=format_datetime(interaction.occurred_at, tz),
                    mentions=(seen.mentions if seen else 0) + 1)
        audit.record(db, actor, "ai.risk_indicators", "case", case.id, method="offline rules",
                     interaction_ids=[i.id for i, _ in rows])
        return [latest[c] for c in SEVERITY_ORDER if c in latest]


def summarise(actor: Actor, case_id: int, days: int = 7) -> CaseSummary:
    """Two or three key sentences from the last ``days`` days (or the newest notes if the case
    has been quiet), in date order, each linked to the interaction it came from."""
    if not _may_use_ai(actor):
        raise PermissionDenied()
    if not 1 <= days <= 366:
        raise ValidationFailed({"days": "Choose a period between 1 day and a year"})
    with session_scope() as db:
        require_ai_on(db)
        case, _ = load_case_for(db, actor, case_id)
        tz = organisation_time_zone(db)
        since = utcnow() - timedelta(days=days)
        query = readable(actor, case).where(Interaction.kind != InteractionType.SUMMARY.value)
        rows = db.exec(query.where(Interaction.occurred_at >= since)
                       .order_by(col(Interaction.occurred_at))).all()
        period = f"the last {days} days"
        if not rows:  # quiet case: summarise the newest few instead of saying nothing
            rows = list(reversed(db.exec(query.order_by(col(Interaction.occurred_at).desc())
                                         .limit(5)).all()))
            period = "the most recent interactions"
        config = model_config(db)
        method, note = OFFLINE_METHOD, NEEDS_ENDPOINT
        sent: dict[str, object] = {}
        sentences: list[SummarySentence] = []
        if config is not None and rows:
            try:
                sent = sent_to(config)
                sentences = model_summary(config, known_names(db, case), rows)
                method, note = f"AI model {config.model}", "AI-generated: check it against " \
                    "the notes it cites before saving it."
            except AIUnavailable as exc:
                note = f"{exc} Showing key sentences picked from the notes instead."
        if not sentences:
            sentences = offline_sentences(rows)
        audit.record(db, actor, "ai.summarise", "case", case.id, method=method,
                     interaction_ids=[i.id for i, _ in rows], days=days, **sent)
        return CaseSummary(sentences=sentences, period=period,
                           generated_at=format_datetime(utcnow(), tz), method=method, note=note)


def offline_sentences(rows: list) -> list[SummarySentence]:  # type: ignore[type-arg]
    """Key sentences picked from readable (interaction, author) rows, in date order."""
    picked = key_sentences([(i.occurred_at.date(), i.text) for i, _ in rows])
    return [SummarySentence(text=k.sentence, interaction_id=rows[k.source][0].id,
                            when=format_date(k.when), reason=k.reason) for k in picked]


def known_names(db, case: Case) -> list[str]:  # type: ignore[no-untyped-def]
    """Names the pseudonymiser must hide whatever their position: the person and all staff."""
    person = db.get(Person, case.person_id)
    known = [person.name] if person else []
    return known + list(db.exec(select(User.name)).all())  # staff names appear in notes too


def model_summary(config: AIConfig, known: list[str], rows: list) -> list[SummarySentence]:  # type: ignore[type-arg]
    """Ask the model. Text leaving the machine is pseudonymised; citations must be readable.
    Needs no database session, so a bulk run holds no connection while the model thinks."""
    shield = Pseudonymiser(known) if config.pseudonymise else None
    lines = []
    for interaction, author in rows:
        text = f"[{interaction.id}] {interaction.occurred_at:%d %b %Y} {interaction.kind} by " \
               f"{author}: {interaction.text}"
        lines.append(shield.hide(text) if shield else text)
    answer = structured(config, _SUMMARY_SYSTEM, "\n\n".join(lines), _SummaryAnswer)
    allowed = {i.id: i for i, _ in rows}
    out = []
    for item in answer.sentences[:3]:
        cited = [i for i in item.interaction_ids if i in allowed]
        if not cited:
            continue  # an uncited sentence is a guess: leave it out
        text = shield.restore(item.text) if shield else item.text
        out.append(SummarySentence(text=text, interaction_id=cited[0],
                                   when=format_date(allowed[cited[0]].occurred_at.date()),
                                   reason="AI"))
    if not out:
        raise AIUnavailable("The AI answer cited none of the notes.")
    return out


def accept_summary(actor: Actor, case_id: int, summary: CaseSummary,
                   expected_version: int | None = None) -> int:
    """A person puts a summary into the record: saved as an interaction of type "summary",
    authored by them and marked with how it was generated. Evidence must be readable by them."""
    if not summary.sentences:
        raise ValidationFailed({"summary": "There is nothing to save"})
    with session_scope() as db:
        case, facts = load_case_for(db, actor, case_id)
        if not access.can_add_interaction(actor, facts):
            raise NoAccess()
        allowed = {i.id for i, _ in db.exec(readable(actor, case)).all()}
    evidence = sorted({s.interaction_id for s in summary.sentences})
    if not set(evidence) <= allowed:
        raise NoAccess()  # a summary can only quote what its acceptor may read
    lines = [f"- {clean_note(s.text)} ({s.when})" for s in summary.sentences]
    text = (f"**Summary of {summary.period}**\n\n" + "\n".join(lines)
            + f"\n\n_Generated by Caseline ({summary.method}) from interactions "
            + ", ".join(f"#{i}" for i in evidence) + "; accepted by the author._")
    return add_interaction(actor, case_id, NewInteraction(text=text),
                           expected_version=expected_version, as_summary_by=summary.method)


