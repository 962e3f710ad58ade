"""Offline note audits: a rule-based scorer of a case note against the audit criteria.

Each criterion is judged pass, partial or fail with a one-line reason a case worker can act on.
The rules describe what good case-recording guidance (safeguarding reviews, supervision
checklists) asks of a note, written as general concepts: when and where the contact happened, a
specific account of it, the person's worries and the worker's concerns, who does what next, an
explicit word on risk, factual wording without judgement, and the person's own voice. They were
not written from any evaluation set's wording.

The score is the weighted share of criteria met (partial counts half), lowered for a note too
thin to stand up on its own: a reviewer cannot rely on a two-line note however tidy it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caseapp.ai.risk import flags_for_text

PASS, PARTIAL, FAIL, UNSCORED = "pass", "partial", "fail", "unscored"
RESULTS = (PASS, PARTIAL, FAIL)
OFFLINE_RULES = "offline rules"


@dataclass(frozen=True)
class Criterion:
    """One audit criterion. ``key`` names the built-in offline rule that judges it (None for
    a criterion an organisation added: only an AI model can judge that)."""

    name: str
    description: str
    key: str | None = None


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("Date and time recorded",
              "The note itself says when the contact happened (date and time), ideally at the "
              "start, not only the system's timestamp.", "datetime"),
    Criterion("What happened and was discussed",
              "A specific, factual account of the contact: who was there, what was talked about "
              "and what was done, enough for a colleague to pick the case up.", "what_discussed"),
    Criterion("Concerns raised",
              "The person's worries and the worker's concerns are stated, or the note says "
              "plainly that there were none.", "concerns"),
    Criterion("Actions and next steps",
              "Who will do what, and by when; the next contact or review is arranged.",
              "actions_next_steps"),
    Criterion("Risk indicators where relevant",
              "Risk is addressed explicitly: what was asked and found (safeguarding, self-harm, "
              "safety), or that no current risk was identified.", "risk_indicators"),
    Criterion("Professional language",
              "Factual and respectful: no judgemental labels, slang, sarcasm or unexplained "
              "abbreviations.", "professional_language"),
    Criterion("Person-centred language",
              "The person is named and their own views, wishes and words are recorded, not "
              "only what was done to them.", "person_centred"),
)
BUILT_IN_KEYS = tuple(c.key for c in DEFAULT_CRITERIA if c.key)

# A thin note loses some of what its criteria earned, and no criterion makes up for missing
# substance; these weights say how much each element matters to a reviewer.
_WEIGHTS = {"datetime": 1.0, "what_discussed": 1.5, "concerns": 1.0, "actions_next_steps": 1.0,
            "risk_indicators": 1.0, "professional_language": 1.0, "person_centred": 1.0}


@dataclass(frozen=True)
class Judgement:
    name: str
    result: str  # pass | partial | fail | unscored
    reason: str
    key: str | None = None


@dataclass(frozen=True)
class NoteAudit:
    score: int  # 0-100
    judgements: tuple[Judgement, ...]
    method: str = OFFLINE_RULES


# --- Patterns -----------------------------------------------------------------------------------

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = re.compile(
    rf"(?<![£$\d.,])\b\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?\b(?![.,]\d)"
    rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b",
    re.I)
_TIME = re.compile(r"(?<![£$\d.])\b(?:[01]?\d|2[0-3])[:.][0-5]\d\b(?![.,]?\d)"
                   r"|\b(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s?(?:am|pm)\b|\bnoon\b|\bmidday\b",
                   re.I)

# Saying little: a contact that did not happen, or "all fine" with nothing behind it.
_VAGUE = re.compile(
    r"\b(?:all (?:fine|good|ok(?:ay)?|well)|seems? (?:ok(?:ay)?|fine|alright)|nothing (?:else |"
    r"much |new )?to (?:report|add)|no (?:change|update|news)s?\b|not much to say|as (?:per|usual)|"
    r"left (?:a )?(?:msg|message|voicemail|vm)|no (?:answer|reply|response)|not in\b|"
    r"did not attend|didn't attend|\bdna\b|wouldn't (?:talk|engage|say)|cut (?:it|the session) "
    r"short|pointless)", re.I)

# The person's worries, or the worker's concern, named as such (or an explicit "none").
_CONCERN = re.compile(
    r"\b(?:concern(?:s|ed|ing)?|worr(?:y|ies|ied|ying)|anxi(?:ous|ety)|fear(?:s|ful|ed)?|"
    r"afraid|scared|frightened|distress(?:ed|ing)?|upset|tearful|overwhelmed|struggl(?:e|es|ed|"
    r"ing)|(?:at|of) risk|vulnerab(?:le|ility)|unsafe|low (?:mood|in mood)|panic\w*|"
    r"stress(?:ed|ful)?|(?:main|biggest|key) (?:issue|problem|priority)|not coping|isolated|"
    r"lonely|exhausted|desperate|hopeless|disclos(?:ed|ure)|deteriorat\w+|in pain|"
    r"unable to (?:afford|pay|cope|manage)|(?:no|without) (?:money|food|income|heating|"
    r"electricity|gas)|fell behind|behind (?:on|with)|harm(?:ed|ing)?)\b", re.I)

# Somebody will do something: a commitment, a booking, a referral or a review.
_ACTION_FIRM = re.compile(
    r"\b(?:next steps?|actions?:|action plan|plan:|agreed (?:that|to|i|we|she|he|they)|"
    r"(?:i|we|she|he|they|[A-Z][a-z]+) will\b|i'll\b|we'll\b|(?:booked|arranged|scheduled) "
    r"(?:for|on)|(?:appointment|appt|review|follow[- ]up|session|visit|call)\s+(?:is\s+)?"
    r"(?:booked|arranged|set|on|at|for|in)\b|referr(?:al|ed) (?:made|sent|to)|"
    r"(?:will|to) (?:follow up|review|refer|contact|call|ring|write|chase|send|visit|check)|"
    r"by (?:\d{1,2}[/.]\d{1,2}|(?:mon|tues|wednes|thurs|fri|satur|sun)day|the end of|next))",
    re.I)
_ACTION_SOFT = re.compile(
    r"\b(?:will\b|next (?:time|session|week|appointment|appt)|rebooked|referred|referral|"
    r"signposted|gave (?:him|her|them) (?:the|a)|advised|to continue|continue to|review|"
    r"follow[- ]up|chase|sent|submitted|applied|application)\b", re.I)

# Risk addressed explicitly: asked about, assessed, found or ruled out.
_RISK_TALK = re.compile(
    r"\b(?:risk(?:s|y)?|safeguarding|safety (?:plan|planning|advice)|safe(?:ty)?\b|dash\b|"
    r"marac|mash|lado|section 47|s47|child protection|welfare check|capacity|"
    r"(?:denied|denies|no) (?:any )?(?:current )?(?:thoughts|intent|plans?|ideation|"
    r"concerns?)|(?:thoughts|intent|plans?) (?:of|to) (?:harm|end|kill)|crisis (?:line|team|"
    r"number)|samaritans|999|harm(?:ing)? (?:him|her|them)sel(?:f|ves)|self[- ]harm)\b", re.I)

# Judgement, slang and sarcasm that have no place in a record the person may one day read.
_UNPROFESSIONAL = re.compile(
    r"\b(?:typical(?:ly)?|as usual|mouthy|rude|lazy|manipulative|attention[- ]"
    r"seeking|kick(?:ing|ed|s)? off|off (?:his|her|their) (?:face|head)|stink(?:s|ing)?|smelly|"
    r"(?:an absolute|a complete|a total) (?:tip|state|mess|nightmare)|\ba tip\b|pointless|"
    r"waste of (?:time|"
    r"space)|couldn't be bothered|can't be bothered|having a go|no wonder|drama(?:tic)?|"
    r"hysterical|difficult (?:man|woman|client)|awkward|aggressive (?:man|woman)|"
    r"junkie|druggie|alky|alcoholic|nutter|crazy|mental\b(?! health)|playing up|"
    r"whinge\w*|moan\w*|kid(?:ding)? (?:him|her)self|busybod(?:y|ies)|useless|"
    r"chav|scrounger|lol\b|!!+)", re.I)

# The person's own voice: what they said, felt, want or chose.
_VOICE = re.compile(
    r"\b(?:(?:she|he|they|[A-Z][a-z]+) (?:said|says|told me|explained|described|reported|feels?|"
    r"felt|wants?|wanted|would (?:like|prefer)|prefers?|asked|chose|agreed|disclosed|shared|"
    r"expressed|hopes?|is keen|was keen|understands?)|in (?:his|her|their) (?:own )?words|"
    r"(?:his|her|their) (?:choice|wish(?:es)?|view(?:s)?|decision|goal|priority)|"
    r"with (?:his|her|their) (?:agreement|consent)|(?:she|he|they) (?:doesn't|does not|didn't|"
    r"did not) want)", re.I)
_QUOTE = re.compile(r"[\"“‘']\w[^\"”’']{3,}[\"”’']")
# Referring to a person by role rather than name.
_DEPERSONAL = re.compile(r"\b(?:client|service user|su|the lad|the woman|the man|the girl|"
                         r"the boy)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
# Capitalised words that are not people (days, months, agencies, words after a colon).
_NOT_NAMES = {"the", "she", "he", "they", "we", "i", "her", "his", "their", "monday", "tuesday",
              "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
              "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december", "christmas", "easter", "universal", "credit", "council",
              "police", "office", "home", "school", "college", "next", "actions", "plan",
              "session", "call", "email", "visit", "review", "note", "update", "agreed",
              "housing", "social", "services", "court", "hospital", "bank", "jobcentre",
              "mental", "health", "team", "service", "trust", "nhs", "will", "also", "then"}

_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


def _opening(text: str) -> str:
    """Where a note should say when it happened: its first few words."""
    return text.strip()[:40]


def _judge_datetime(text: str) -> tuple[str, str]:
    head = _opening(text)
    date_head, time_head = bool(_DATE.search(head)), bool(_TIME.search(head))
    if date_head and time_head:
        return PASS, "Date and time of the contact are recorded at the start."
    if date_head or time_head:
        missing = "time" if date_head else "date"
        return PARTIAL, f"The start gives the {'date' if date_head else 'time'} but not the " \
                        f"{missing} of the contact."
    if _DATE.search(text) and _TIME.search(text):
        return PARTIAL, "A date and time appear, but the note does not open with when the " \
                        "contact happened."
    return FAIL, "The note does not say when the contact happened."


def _judge_what_discussed(text: str, words: int) -> tuple[str, str]:
    vague = _VAGUE.search(text)
    if words < 6 or (vague and words < 20):
        return FAIL, "Too little is recorded to know what happened" + (
            f" (\"{vague.group(0)}\" says nothing specific)." if vague else ".")
    if words < 45:
        return PARTIAL, "What happened is outlined, but briefly; add what was discussed and done."
    if vague and words < 70:
        return PARTIAL, "Parts of the account are vague (\"" + vague.group(0) + "\")."
    return PASS, "A specific account of what happened and what was discussed."


def _judge_concerns(text: str) -> tuple[str, str]:
    hits = {m.group(0).lower() for m in _CONCERN.finditer(text)}
    if len(hits) >= 2:
        return PASS, "Concerns are named (" + ", ".join(sorted(hits)[:3]) + ")."
    if hits:
        return PARTIAL, f"One concern is touched on (\"{next(iter(hits))}\"); say what worries " \
                        "the person and you, or that there were none."
    return FAIL, "No concerns are recorded, and the note does not say there were none."


def _judge_actions(text: str) -> tuple[str, str]:
    firm = list(_ACTION_FIRM.finditer(text))
    if len(firm) >= 2 or (firm and _DATE.search(text[firm[0].start():])):
        return PASS, "Next steps say who will do what, and when."
    if firm or _ACTION_SOFT.search(text):
        return PARTIAL, "An action is mentioned, but not who does what by when."
    return FAIL, "No actions or next steps are recorded."


def _judge_risk(text: str, words: int) -> tuple[str, str]:
    talk = list(_RISK_TALK.finditer(text))
    flags = flags_for_text(text)
    if len(talk) >= 2:
        return PASS, "Risk is addressed explicitly."
    if talk:
        return PARTIAL, f"Risk is mentioned (\"{talk[0].group(0)}\") but not assessed; say " \
                        "what was asked and found."
    if flags:
        label = flags[0].label.lower()
        return FAIL, f"The note suggests a {label} risk but records no assessment of it."
    if words >= 80:
        return PARTIAL, "No risk is indicated; a line saying none was identified would confirm it."
    return FAIL, "The note does not say whether any risk was considered."


def _judge_professional(text: str) -> tuple[str, str]:
    bad = [m.group(0).strip(" .!") for m in _UNPROFESSIONAL.finditer(text)]
    if len(bad) >= 2 or (bad and len(_words(text)) < 40):
        return FAIL, "Judgemental or informal wording: " + ", ".join(
            f"\"{b}\"" for b in dict.fromkeys(bad)) + "."
    if bad:
        return PARTIAL, f"Mostly factual, but \"{bad[0]}\" reads as a judgement."
    return PASS, "Factual, respectful wording."


def _judge_person_centred(text: str) -> tuple[str, str]:
    voice = len(_VOICE.findall(text)) + len(_QUOTE.findall(text))
    named = any(w.lower() not in _NOT_NAMES for w in _NAME.findall(text))
    by_role = _DEPERSONAL.search(text)
    if voice >= 2 and not by_role:
        return PASS, "The person's own views and words are recorded."
    if voice >= 1 or (named and not by_role and voice):
        return PARTIAL, "The person's view appears once; record their wishes and words more."
    if by_role and not named:
        return FAIL, f"The person is referred to as \"{by_role.group(0)}\" and their view is " \
                     "not recorded."
    return FAIL, "The note records what happened to the person, not what they said or want."


def _judge(key: str, text: str, words: int) -> tuple[str, str]:
    if key == "datetime":
        return _judge_datetime(text)
    if key == "what_discussed":
        return _judge_what_discussed(text, words)
    if key == "concerns":
        return _judge_concerns(text)
    if key == "actions_next_steps":
        return _judge_actions(text)
    if key == "risk_indicators":
        return _judge_risk(text, words)
    if key == "professional_language":
        return _judge_professional(text)
    return _judge_person_centred(text)


def score_of(judgements: tuple[Judgement, ...] | list[Judgement], words: int | None = None
             ) -> int:
    """0-100 from the judgements (pass 1, partial ½, weighted), lowered for a very thin note."""
    got = total = 0.0
    for j in judgements:
        if j.result == UNSCORED:
            continue
        weight = _WEIGHTS.get(j.key or "", 1.0)
        total += weight
        got += weight * {PASS: 1.0, PARTIAL: 0.5}.get(j.result, 0.0)
    share = got / total if total else 0.0
    if words is not None:
        # A note is evidence only if it is full enough to stand alone.
        share *= min(1.0, 0.55 + words / 120)
    return max(0, min(100, round(share * 100)))


def audit_note(text: str, criteria: tuple[Criterion, ...] | list[Criterion] = DEFAULT_CRITERIA
               ) -> NoteAudit:
    """Judge one note against the criteria with the offline rules."""
    text = (text or "").strip()
    words = len(_words(text))
    judgements = []
    for c in criteria:
        if not text:
            judgements.append(Judgement(c.name, FAIL, "The note is empty.", c.key))
        elif c.key in BUILT_IN_KEYS:
            result, reason = _judge(c.key, text, words)
            judgements.append(Judgement(c.name, result, reason, c.key))
        else:
            judgements.append(Judgement(c.name, UNSCORED, "The offline rules cannot judge this "
                                        "criterion; an AI endpoint can.", c.key))
    done = tuple(judgements)
    return NoteAudit(score=score_of(done, words), judgements=done)
