"""Ask about this case, and Analyse: answers and insights that cite the notes they rest on.

Both read only what the asking user may read (``interactions.readable``), pseudonymise text that
leaves the machine, and are audited. With an endpoint the model answers; citations it gives that
the user may not read, or that do not exist, are dropped, and an answer with none left becomes
"the notes don't say". Without one, the offline default is honest about what rules can do: it
points at the sentences that match the question, and sorts sentences into the analysis headings
by their wording, each linked to its note.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.ai.client import AIConfig, AIUnavailable, structured
from caseapp.ai.policy import model_config, require_ai_on, sent_to
from caseapp.ai.pseudonymise import Pseudonymiser
from caseapp.ai.risk import CATEGORIES, flags_for_text, sentences
from caseapp.cases import load_case_for
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.interactions import readable
from caseapp.models import Case, Interaction, Person, Role, User, utcnow
from caseapp.organisation import organisation_time_zone
from caseapp.timefmt import format_date, format_datetime

NOTES_DONT_SAY = "The notes don't say."
MAX_QUESTION = 500
MAX_TURNS = 6  # earlier questions kept as context for a follow-up
# The newest interactions go to the model, up to this much text: enough for months of casework
# while keeping a prompt well inside a small model's context.
PROMPT_CHARS = 24_000

_WORD = re.compile(r"[a-z0-9£']+")
_STOP = set("""a an and the of to in on for with at by from is was were are be been has have had
he she they him her them his their i we you it this that as or but not no so if then than there
about into over after before told said says will would can could also just very more some any
all our my me us its who what when which while did does do again how why where whom whose
case client person tell know""".split())

ANALYSIS_HEADINGS = {
    "referrals": "Referrals made",
    "problems": "Problems presented",
    "support": "Support given",
    "changes": "Changes observed",
    "risks": "Risk factors",
}

# Offline cues for the analysis headings: wording, not meaning, so each item shows the sentence
# and leaves the judgement to the reader.
_CUES = {
    "referrals": re.compile(
        r"\b(referr(?:al|ed|ing)|signpost(?:ed|ing)?|appointment with|booked (?:in )?with|"
        r"put (?:her|him|them) in touch|contacted .{0,30} on (?:her|his|their) behalf|"
        r"(?:sent|made) an? (?:application|referral))\b", re.I),
    "support": re.compile(
        r"\b(helped|supported|accompanied|went with|applied for|completed (?:the|a|an|her|his)|"
        r"gave|provided|arranged|advocated|food ?bank voucher|emergency payment|"
        r"wrote to|phoned .{0,30} for (?:her|him|them)|set up)\b", re.I),
    "changes": re.compile(
        r"\b(improv(?:ed|ing|ement)|better|worse(?:ned|ning)?|no longer|has started|"
        r"started (?:to|a|at)|stopped|has stopped|now (?:has|lives|living|in|back|able)|"
        r"moved (?:in|into|out)|back in (?:work|touch)|cut down|reduced|increased|"
        r"since (?:last|we)|first time)\b", re.I),
    "problems": re.compile(
        r"\b(struggl\w*|worried|worry|can't afford|cannot afford|arrears|debt|behind on|"
        r"no money|lost (?:her|his|their) (?:job|home|tenancy)|evict\w*|homeless\w*|"
        r"isolated|lonely|not coping|can't cope|problem|difficult\w*|unable to)\b", re.I),
}


_SETTLED = re.compile(r"\b(good news|cleared|resolved|reinstated|awarded|sorted|no longer)\b", re.I)


class _CitedText(BaseModel):
    text: str = Field(description="One finding, in plain professional English")
    interaction_ids: list[int] = Field(description="ids of the interactions it rests on")


class _Answer(BaseModel):
    answer: str = Field(description="The answer, or exactly \"The notes don't say.\"")
    interaction_ids: list[int] = Field(description="ids of the interactions the answer rests on")


class _Analysis(BaseModel):
    referrals: list[_CitedText] = Field(default_factory=list)
    problems: list[_CitedText] = Field(default_factory=list)
    support: list[_CitedText] = Field(default_factory=list)
    changes: list[_CitedText] = Field(default_factory=list)
    risks: list[_CitedText] = Field(default_factory=list)


_ASK_SYSTEM = (
    "You help UK charity case workers understand a case's history. Answer the question using "
    "only the interactions given, each marked with its [id]. Cite the ids your answer rests on. "
    "If the interactions do not answer the question, answer exactly \"The notes don't say.\" and "
    "cite nothing: never guess. Be brief and factual. Placeholders like [PERSON_1] stand for "
    "real details: keep them exactly as written.")

_ANALYSE_SYSTEM = (
    "You help UK charity case workers review a case. From the interactions given, each marked "
    "with its [id], list: referrals made to other services; problems the person presented; "
    "support the charity gave; changes observed over time; risk factors. Each item is one short "
    "sentence citing the ids it rests on. Use only what the interactions say; leave a list empty "
    "rather than guess. Placeholders like [PERSON_1] stand for real details: keep them exactly.")


@dataclass
class Evidence:
    interaction_id: int
    when: str


@dataclass
class CaseAnswer:
    question: str
    answer: str
    evidence: list[Evidence]
    method: str
    note: str
    generated_at: str


@dataclass
class InsightItem:
    text: str
    evidence: list[Evidence]


@dataclass
class InsightGroup:
    key: str
    heading: str
    findings: list[InsightItem] = field(default_factory=list)


@dataclass
class CaseAnalysis:
    groups: list[InsightGroup]
    method: str
    note: str
    generated_at: str


def may_ask(actor: Actor) -> bool:
    """Whether the page should offer questions and analysis (the services check again)."""
    return _may_ask(actor)


def _may_ask(actor: Actor) -> bool:
    # Volunteers get summaries of assigned cases only (DESIGN.md §4): not questions or analysis.
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2]


def _stem(word: str) -> str:
    # Enough to match "evicted"/"eviction"/"evicting" without a stemming library.
    for suffix in ("ations", "ation", "ings", "ing", "ions", "ion", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _rows(db: Session, actor: Actor, case: Case) -> list[tuple[Interaction, str]]:
    return list(db.exec(readable(actor, case).order_by(col(Interaction.occurred_at),
                                                        col(Interaction.id))).all())


def _prompt_lines(db: Session, config: AIConfig, case: Case,
                  rows: list[tuple[Interaction, str]]) -> tuple[str, Pseudonymiser | None]:
    """The newest interactions that fit, oldest first, pseudonymised if text leaves the machine."""
    person = db.get(Person, case.person_id)
    known = [person.name] if person else []
    known += list(db.exec(select(User.name)).all())  # staff names appear in notes too
    shield = Pseudonymiser(known) if config.pseudonymise else None
    lines: list[str] = []
    used = 0
    for interaction, author in reversed(rows):
        text = (f"[{interaction.id}] {interaction.occurred_at:%d %b %Y} {interaction.kind} by "
                f"{author}: {interaction.text}")
        if used + len(text) > PROMPT_CHARS and lines:
            break
        lines.append(shield.hide(text) if shield else text)
        used += len(text)
    return "\n\n".join(reversed(lines)), shield


def _evidence(ids: list[int], allowed: dict[int, Interaction]) -> list[Evidence]:
    seen: list[int] = []
    for i in ids:
        if i in allowed and i not in seen:
            seen.append(i)
    seen.sort(key=lambda i: (allowed[i].occurred_at, i))
    return [Evidence(i, format_date(allowed[i].occurred_at.date())) for i in seen]


def _check_question(question: str) -> str:
    clean = " ".join((question or "").split())
    if not clean:
        raise ValidationFailed({"question": "Type a question about this case"})
    if len(clean) > MAX_QUESTION:
        raise ValidationFailed({"question": f"Keep the question under {MAX_QUESTION} characters"})
    return clean


def ask(actor: Actor, case_id: int, question: str,
        earlier: list[tuple[str, str]] | None = None) -> CaseAnswer:
    """Answer a question about the case's history from the notes the actor may read.

    ``earlier`` holds the conversation so far as (question, answer) pairs, for follow-ups."""
    if not _may_ask(actor):
        raise PermissionDenied("Questions about a case are for staff, not volunteers")
    clean = _check_question(question)
    earlier = [(q[:MAX_QUESTION], a[:2000]) for q, a in (earlier or [])][-MAX_TURNS:]
    with session_scope() as db:
        require_ai_on(db)
        case, _ = load_case_for(db, actor, case_id)
        tz = organisation_time_zone(db)
        rows = _rows(db, actor, case)
        allowed = {i.id: i for i, _ in rows if i.id is not None}
        config = model_config(db)
        answer: CaseAnswer | None = None
        note = ""
        sent: dict[str, object] = {}
        if config is not None and rows:
            sent = sent_to(config)
            try:
                answer = _model_answer(db, config, case, rows, clean, earlier, allowed, tz)
            except AIUnavailable as exc:
                note = f"{exc} Showing the sentences that match your question instead."
        if answer is None:
            answer = _offline_answer(clean, rows, allowed, tz)
            if note:
                answer.note = note
        audit.record(db, actor, "ai.ask", "case", case.id, method=answer.method,
                     interaction_ids=sorted(allowed), cited=[e.interaction_id for e in answer.evidence],
                     question_chars=len(clean), **sent)
        return answer


def _model_answer(db: Session, config: AIConfig, case: Case, rows: list[tuple[Interaction, str]],
                  question: str, earlier: list[tuple[str, str]], allowed: dict[int, Interaction],
                  tz: str) -> CaseAnswer:
    notes, shield = _prompt_lines(db, config, case, rows)
    hide = shield.hide if shield else (lambda t: t)
    history = "".join(f"Earlier question: {hide(q)}\nEarlier answer: {hide(a)}\n\n" for q, a in earlier)
    reply = structured(config, _ASK_SYSTEM,
                       f"Interactions:\n\n{notes}\n\n{history}Question: {hide(question)}", _Answer)
    evidence = _evidence(reply.interaction_ids, allowed)
    text = shield.restore(reply.answer) if shield else reply.answer
    if not evidence or text.strip().rstrip(".").lower() == NOTES_DONT_SAY.rstrip(".").lower():
        # An answer citing no note the user may read is a guess: say so instead of showing it.
        text, evidence = NOTES_DONT_SAY, []
    return CaseAnswer(question=question, answer=text.strip(), evidence=evidence,
                      method=f"AI model {config.model}",
                      note="AI-generated: check it against the notes it cites.",
                      generated_at=format_datetime(utcnow(), tz))


def _offline_answer(question: str, rows: list[tuple[Interaction, str]],
                    allowed: dict[int, Interaction], tz: str) -> CaseAnswer:
    """Without a model: the sentences that share the most (rarer) words with the question."""
    wanted = {_stem(w) for w in _words(question)}
    candidates: list[tuple[int, str]] = []
    for interaction, _ in rows:
        for s in sentences(interaction.text):
            candidates.append((interaction.id, s))  # type: ignore[arg-type]
    docs = [{_stem(w) for w in _words(s)} for _, s in candidates]
    df = Counter(w for d in docs for w in d)
    n = max(1, len(docs))
    scored = []
    for index, words in enumerate(docs):
        hit = wanted & words
        if hit:
            score = sum(math.log(1 + n / df[w]) for w in hit) / math.sqrt(len(words) or 1)
            scored.append((score, index))
    scored.sort(reverse=True)
    top = sorted(i for _, i in scored[:3])
    method = "offline matching (no AI model)"
    when = format_datetime(utcnow(), tz)
    if not top:
        return CaseAnswer(question=question, answer=NOTES_DONT_SAY, evidence=[], method=method,
                          note="No sentence in the notes you can read matches the question's "
                               "words. A written answer needs an AI endpoint.", generated_at=when)
    picked = [candidates[i] for i in top]
    answer = " … ".join(s for _, s in picked)
    return CaseAnswer(question=question, answer=answer,
                      evidence=_evidence([i for i, _ in picked], allowed), method=method,
                      note="These are the sentences from the notes that match your question "
                           "best, not a written answer: that needs an AI endpoint.",
                      generated_at=when)


def analyse(actor: Actor, case_id: int) -> CaseAnalysis:
    """Referrals, problems, support, changes and risk factors, each linked to its evidence.

    The rule-based risk factors always appear, also beside a model's analysis: a model must
    never silently drop a flag the rules raised."""
    if not _may_ask(actor):
        raise PermissionDenied("The analysis of a case is for staff, not volunteers")
    with session_scope() as db:
        require_ai_on(db)
        case, _ = load_case_for(db, actor, case_id)
        tz = organisation_time_zone(db)
        rows = _rows(db, actor, case)
        allowed = {i.id: i for i, _ in rows if i.id is not None}
        rule_groups = _offline_groups(rows, allowed)
        groups = rule_groups
        method, note = ("offline rules (no AI model)",
                        "Sentences sorted by their wording, not understood: read each in its "
                        "note. A written analysis needs an AI endpoint.")
        config = model_config(db)
        sent: dict[str, object] = {}
        if config is not None and rows:
            sent = sent_to(config)
            try:
                groups = _model_groups(db, config, case, rows, allowed)
                method, note = f"AI model {config.model}", ("AI-generated: check each item "
                                                             "against the notes it cites.")
                _keep_rule_risks(groups, rule_groups)
            except AIUnavailable as exc:
                note = f"{exc} Showing sentences sorted by rules instead."
        audit.record(db, actor, "ai.analyse", "case", case.id, method=method,
                     interaction_ids=sorted(allowed), **sent)
        return CaseAnalysis(groups=groups, method=method, note=note,
                            generated_at=format_datetime(utcnow(), tz))


def _offline_groups(rows: list[tuple[Interaction, str]],
                    allowed: dict[int, Interaction]) -> list[InsightGroup]:
    groups = {key: InsightGroup(key, heading) for key, heading in ANALYSIS_HEADINGS.items()}
    seen: set[tuple[str, str]] = set()
    for interaction, _ in rows:
        for s in sentences(interaction.text):
            ev = _evidence([interaction.id], allowed)  # type: ignore[list-item]
            flags = flags_for_text(s)
            if flags:
                labels = ", ".join(sorted({CATEGORIES.get(f.category, f.category) for f in flags}))
                groups["risks"].findings.append(InsightItem(f"{labels}: {s}", ev))
            for key, cue in _CUES.items():
                if key == "problems" and _SETTLED.search(s):
                    continue  # "arrears cleared" is a change, not a problem presented
                if cue.search(s) and (key, s) not in seen:
                    seen.add((key, s))
                    groups[key].findings.append(InsightItem(s, ev))
    for g in groups.values():
        g.findings = g.findings[-5:]  # the newest few: a long history should not bury the page
    return list(groups.values())


def _model_groups(db: Session, config: AIConfig, case: Case, rows: list[tuple[Interaction, str]],
                  allowed: dict[int, Interaction]) -> list[InsightGroup]:
    notes, shield = _prompt_lines(db, config, case, rows)
    reply = structured(config, _ANALYSE_SYSTEM, f"Interactions:\n\n{notes}", _Analysis)
    out = []
    for key, heading in ANALYSIS_HEADINGS.items():
        group = InsightGroup(key, heading)
        for item in getattr(reply, key)[:10]:
            ev = _evidence(item.interaction_ids, allowed)
            if ev:  # uncited items are guesses
                group.findings.append(InsightItem(shield.restore(item.text) if shield else item.text,
                                               ev))
        out.append(group)
    return out


def _keep_rule_risks(groups: list[InsightGroup], rule_groups: list[InsightGroup]) -> None:
    model_risks = next(g for g in groups if g.key == "risks")
    rules = next(g for g in rule_groups if g.key == "risks")
    cited = {e.interaction_id for item in model_risks.findings for e in item.evidence}
    for item in rules.findings:
        if not {e.interaction_id for e in item.evidence} <= cited:
            model_risks.findings.append(InsightItem(f"Flagged by rules — {item.text}", item.evidence))
