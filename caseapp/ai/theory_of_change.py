"""Offline Theory of Change scoring: where a case stands on each of the six outcome stages, from
evidence in its notes that a person can read and correct.

For each stage there are phrases that show progress ("moved into her own flat", "registered with
a GP") and phrases that show the need is still there ("sofa surfing", "still has no housing").
Each match is one piece of evidence: the sentence it was found in, from which interaction, and
which way it points. Context decides the direction, as in ``caseapp.ai.risk``:
- a progress phrase that is negated ("has not moved in yet", "not registered with a GP") is
  evidence of need; one that is only hoped for ("hopes to find work") counts for nothing yet;
- a need phrase that is negated or over ("no rent arrears", "arrears cleared", "no longer
  homeless") is evidence of progress; one in advice or a conditional ("advised how to avoid
  eviction") counts for nothing.
Newer evidence weighs more (half the weight every ``HALF_LIFE_DAYS``). The level is the share of
weight that points to progress; the confidence is how much evidence there is. Stages are slots:
an organisation may rename them, and the phrases of the slot stay (the scorer reads what the
default stage at that position means; an AI endpoint reads the organisation's own words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# The clause logic and its negation cues are shared with the risk rules on purpose: one notion
# of "not", "no longer" and "resolved" across the product.
from caseapp.ai.risk import (
    _CONDITIONAL,
    _NEGATION_AFTER,
    _NEGATION_BEFORE,
    _PAST,
    _clause_around,
    _lower_literals,
    sentences,
)

HALF_LIFE_DAYS = 90.0
MAX_EVIDENCE = 6  # kept per stage, heaviest first: enough to read, small enough to store
LEVELS = ("low", "medium", "high")

_PRON = r"(?:his|her|their|my|the|a|an|new|own)"
_PRONS = rf"(?:{_PRON} ){{0,2}}"
_PERSON = r"(?:he|she|they|client|[A-Z][a-z]+)"

# Only hoped for or planned: not progress yet.
_ASPIRATION = re.compile(
    r"\b(?:hopes?|hoping|wants?|wanting|would like|wish\w*|plans?|planning|aims?|aiming|goal|"
    r"will|going to|intends?|trying|tries|tried|try|keen|looking|applying|applied|waiting|"
    r"due|may|might|could|should|needs? to|has to|have to|help(?:ing|ed)? (?:him|her|them) "
    r"(?:to )?|support(?:ing|ed)? (?:him|her|them) (?:to )?|once|until|before|when)\b"
    r"[^.;:!?]{0,40}$", re.I)
_CONJUNCT = re.compile(r"\b(?:and|but|while|whilst|so|then|also)\b|,", re.I)
# Negation right inside a progress phrase's own words ("has not moved", "hasn't signed").
_NOT_BEFORE_VERB = re.compile(r"\b(?:not|n't|never|yet to|still (?:not|no|waiting))\b"
                              r"[^.;:!?]{0,25}$", re.I)


@dataclass(frozen=True)
class StageVocabulary:
    progress: tuple[str, ...]
    need: tuple[str, ...]


# The six default stages' vocabularies, by position. Written as concepts from casework practice
# (several ways of saying each thing), not from any evaluation set's wording.
VOCABULARY: dict[int, StageVocabulary] = {
    1: StageVocabulary(  # Engaged with support
        progress=(
            r"(?:attended|came to|turned up (?:to|for)|kept|made it to) " + _PRONS +
            r"(?:appointment|session|meeting|review|drop-?in|group|visit)s?",
            r"engag\w* (?:well|positively|fully|with (?:the |our )?(?:service|support|us|plan))",
            r"(?:agreed|signed|completed|wrote|set up|reviewed) " + _PRONS +
            r"(?:support|action|care) plan", r"(?:support|action) plan (?:agreed|signed|in place)",
            r"(?:in regular|kept in|staying in|good) (?:contact|touch)",
            r"(?:opened up|was open with|talked openly|happy to (?:talk|engage|work))",
            r"(?:motivated|keen to (?:engage|work|make changes|change))",
            r"(?:answered|picked up) (?:the |my |our )?(?:phone|call|door)",
            r"(?:came|dropped) in (?:to (?:see us|the office|the hub)|for (?:a chat|support))",
        ),
        need=(
            r"\bdna\b", r"did not attend", r"didn'?t (?:attend|turn up|show)",
            r"(?:missed|failed to attend|no[- ]show(?:ed)? (?:at|for)?) " + _PRONS +
            r"(?:appointment|session|meeting|review|visit)s?",
            r"no answer", r"(?:not|isn'?t|wasn'?t) answering", r"(?:could ?n[o']t|unable to|"
            r"cannot|can'?t) (?:reach|contact|get hold of|get through to)",
            r"uncontactable", r"disengag\w*", r"(?:declined|refused|turned down) " + _PRONS +
            r"(?:support|help|the referral|offer|service|appointment)",
            r"no contact (?:for|since|from)", r"not engag\w*", r"(?:hasn'?t|has not|haven'?t) "
            r"(?:been )?(?:engag\w*|in touch|responded|replied)",
        ),
    ),
    2: StageVocabulary(  # Immediate needs met and safe
        progress=(
            r"food (?:bank )?(?:parcels?|vouchers?|referral)s? (?:given|provided|collected|"
            r"received|issued|arranged|delivered)",
            r"(?:given|gave|received|collected|issued|arranged) " + _PRONS +
            r"(?:food (?:bank )?(?:parcel|voucher)|fuel voucher|emergency (?:payment|grant|food))s?",
            r"(?:feels?|feeling|felt|is|now|was) (?:much |a lot |more |a bit )?safer?\b"
            r"(?! (?:to|from|with) (?:go|leave))",
            r"safety plan (?:in place|agreed|completed|done|made|updated)",
            r"(?:crisis|emergency|hardship|welfare) (?:grant|payment|fund|loan)s? "
            r"(?:awarded|paid|received|approved|came through|arrived)",
            r"(?:gas|electric\w*|heating|power|meter)s? (?:is |are |was |has been )?(?:topped up|"
            r"back on|restored|reconnected|working)",
            r"(?:moved to|got|offered|accepted) " + _PRONS + r"refuge(?: place| space)?",
            r"(?:non-molestation order|injunction|restraining order|protection order) "
            r"(?:granted|in place|issued|served)",
            r"(?:got|has|now has|given) " + _PRONS + r"(?:phone|mobile|bed|bedding|cooker|"
            r"fridge|furniture|clothes|winter coat)\b",
        ),
        need=(
            r"(?:no|without) (?:any )?(?:food|heating|gas|electric\w*|power|money for (?:food|"
            r"the meter|gas|electric)|credit (?:on|for) (?:the|her|his|their) meter|bed|bedding)",
            r"nothing (?:to eat|in the (?:fridge|cupboards?))", r"\bhungry\b", r"\bstarving\b",
            r"(?:doesn'?t|does not|don'?t|do not|didn'?t|did not|not) feel(?:ing)? safe",
            r"\bunsafe\b", r"(?:frightened|scared|afraid|terrified) (?:of|to go home|for "
            r"(?:his|her|their) (?:life|safety))", r"threat(?:s|ened|ening)\b",
            r"\bin crisis\b", r"(?:meter|electric\w*|gas) (?:has )?(?:run out|cut off|"
            r"disconnected)", r"self[- ]?harm\w*", r"suicid\w*", r"(?:domestic abuse|domestic "
            r"violence|\bdv\b|assault\w*|attack\w*)", r"urgent(?:ly)? (?:needs?|help)",
        ),
    ),
    3: StageVocabulary(  # Stable housing and income
        progress=(
            r"(?:moved|moving|settled) in(?:to)? " + _PRONS +
            r"(?:flat|house|home|tenancy|accommodation|property|place|bedsit|room)",
            r"(?:signed|started|secured|accepted|got|been offered|was offered|offered) " +
            _PRONS + r"(?:secure |assured |social |council |housing association |private )?"
            r"(?:tenancy|flat|property|home|housing|accommodation|house)",
            r"\b(?:now |is |been |was )?(?:re)?housed\b", r"settled (?:accommodation|housing|home)",
            r"(?:universal credit|\buc\b|\bpip\b|\besa\b|benefits?|housing benefit|housing "
            r"element|wages?|salary|pension|carer'?s allowance|child benefit)(?: claim)? "
            r"(?:is |are |has been |have been |was |were |now )?(?:now )?(?:in payment|"
            r"awarded|approved|reinstated|sorted|paid|backdated|started|restored|increased|"
            r"came through|going in)",
            r"(?:debt relief order|\bdro\b|payment plan|repayment plan|budget(?:ing)? plan|"
            r"affordable (?:payment|repayment)s?) (?:agreed|approved|in place|set up|granted|"
            r"accepted)", r"(?:arrears|debts?) (?:cleared|paid off|written off|reduced|"
            r"under control|manageable)",
            r"(?:discretionary housing payment|\bdhp\b) (?:awarded|approved|paid|granted)",
            r"(?:managing|keeping up with|paying) " + _PRONS +
            r"(?:rent|bills|budget|money)(?! arrears)",
        ),
        need=(
            r"homeless\w*", r"sofa[- ]?surf\w*", r"rough[- ]?sleep\w*", r"sleeping (?:rough|"
            r"in (?:a|his|her|their|the) (?:car|tent|doorway|park|station))", r"\bnfa\b",
            r"(?:no|without) (?:a )?(?:fixed )?(?:address|abode|housing|accommodation|home|"
            r"tenancy|income|money|bank account|place to (?:stay|live)|where to (?:stay|live))",
            r"(?:rent |council tax |energy |gas |electric )?arrears", r"evict\w*",
            r"section (?:21|8)\b", r"notice to quit", r"possession (?:order|proceedings|hearing)",
            r"temporary accommodation", r"(?:b&b|hostel|night shelter)",
            r"(?:benefits?|\buc\b|universal credit|\bpip\b|\besa\b|payments?) (?:has |have |"
            r"was |were |been )*(?:sanction\w*|stopped|suspended|refused|cut|delayed|capped)",
            r"sanction\w*", r"\bdebts?\b", r"bailiffs?", r"(?:can'?t|cannot|couldn'?t|unable "
            r"to) (?:afford|pay) " + _PRONS + r"(?:rent|bills|food|gas|electric\w*)?",
            r"(?:overcrowd\w*|damp|mould|disrepair)",
        ),
    ),
    4: StageVocabulary(  # Health and wellbeing improving
        progress=(
            r"registered (?:with )?(?:a |the |his |her |their )?(?:new )?(?:gp|doctor|dentist|"
            r"surgery)",
            r"(?:mood|sleep|health|wellbeing|well-being|mental health|sleeping|eating|"
            r"appetite|confidence) (?:is |has |was )?(?:been )?(?:much |a lot |a bit |slightly )?"
            r"(?:better|improv\w*|good|more stable|stable|brighter|lifted)",
            r"(?:feeling|feels|felt|seems?|seemed|looked|looking|sounded|sounds) "
            r"(?:much |a lot |a bit |more )?(?:better|brighter|more positive|happier|well|calmer|"
            r"more settled|more confident|hopeful|positive|less anxious|less low)",
            r"(?:attending|attended|started|starting|engaging with|engaged with|accepted (?:by|"
            r"onto|into)|seeing|sees) " + _PRONS + r"(?:counsell?(?:ing|or)|therap\w*|talking "
            r"therap\w*|\biapt\b|\bcmht\b|mental health (?:team|services|nurse|worker)|treatment|"
            r"rehab|detox|drug (?:and|&) alcohol (?:service|team|worker)|recovery (?:group|"
            r"service|worker|cafe)|aa|na|gp|physio\w*)",
            r"(?:sober|abstinent|clean|dry|off (?:the )?(?:drink|drugs|heroin|alcohol)) (?:for|"
            r"since|now)", r"(?:taking|back on|started|stable on) " + _PRONS +
            r"(?:medication|meds|tablets|prescription|script)",
            r"(?:cut down|cutting down|reduced|stopped) (?:on )?(?:drinking|using|alcohol|"
            r"smoking|drugs)",
        ),
        need=(
            r"(?:low mood|depress\w*|anxiety|anxious|panic attacks?|psychos\w*|overwhelmed|"
            r"hopeless\w*|not coping|struggling to cope|can'?t cope)",
            r"(?:not|n't) (?:sleeping|eating)", r"(?:mood|health|sleep|mental health) (?:is |has |"
            r"was )?(?:been )?(?:very |really )?(?:low|worse|deteriorat\w*|poor|bad)",
            r"relaps\w*", r"(?:not|stopped|isn'?t|hasn'?t been) taking " + _PRONS +
            r"(?:medication|meds|tablets)", r"(?:a&e|hospital|ambulance) (?:admission|admitted|"
            r"called|attend\w*)|admitted to (?:hospital|a&e)", r"(?:drinking|using) (?:heavily|"
            r"daily|every day|again|more)", r"\boverdos\w*", r"self[- ]?harm\w*", r"suicid\w*",
            r"(?:no|not registered with a|without a) (?:gp|doctor)",
        ),
    ),
    5: StageVocabulary(  # Skills, work and connections
        progress=(
            r"(?:started|starting|attending|attended|enrolled (?:on|in|at)|signed up (?:to|for)|"
            r"completed|passed|finished|began|joined|doing|accepted (?:on|onto)) " + _PRONS +
            r"(?:\w+ )?(?:course|college|training|class|classes|qualification|apprenticeship|"
            r"volunteering|placement|work experience|job club|esol|english lessons|"
            r"maths|certificate|cscs card|level \d)",
            r"(?:got|started|starting|offered|found|secured|accepted|began) " + _PRONS +
            r"(?:part[- ]time |full[- ]time |paid |permanent |temporary )?(?:job|work|role|"
            r"position|interview|placement|shifts|contract)\b",
            r"(?:volunteer\w*|working|work(?:s|ed)) (?:at|with|in|for) (?:a|the|his|her|their|"
            r"[A-Z])", r"\bcv\b (?:is )?(?:done|written|updated|finished|completed|ready)",
            r"(?:joined|attends|attending|goes to|going to|went to|started going to) " + _PRONS +
            r"(?:\w+ )?(?:group|club|gym|church|mosque|temple|community (?:centre|group)|"
            r"peer support|coffee morning|allotment|choir|team)",
            r"(?:made|making|has|met) " + _PRONS + r"(?:new )?friends?\b",
            r"(?:reconnect\w*|back in touch|in contact again|seeing|sees|visited|visits) "
            r"(?:with )?(?:his|her|their) (?:family|mum|dad|mother|father|sister|brother|"
            r"children|kids|son|daughter|grandchildren)",
            r"\b(?:employed|in work|back at work|back to work)\b",
        ),
        need=(
            r"\b(?:isolated|lonely|loneliness|isolation)\b",
            r"(?:no|without|hasn'?t got any|doesn'?t have any) (?:friends|support network|family "
            r"support|one to talk to|work|job|qualifications|skills)",
            r"unemploy\w*", r"out of work", r"(?:lost|quit|left|dismissed from|sacked from) " +
            _PRONS + r"(?:job|work)", r"(?:was |been |got )?(?:sacked|dismissed|made redundant)",
            r"(?:doesn'?t|does not|rarely|never|won'?t) (?:go|goes|leave|leaves) (?:out|the "
            r"(?:house|flat))", r"(?:can'?t|cannot|unable to) (?:read|write|use a computer|get "
            r"online|speak english)", r"(?:cut off|estranged|no contact) (?:from|with) (?:his|her|"
            r"their) (?:family|children|kids)",
        ),
    ),
    6: StageVocabulary(  # Independent and sustained outcomes
        progress=(
            r"(?:managing|coping|doing) (?:well|independently|fine|on (?:his|her|their) own|by "
            r"(?:him|her|them)sel\w*|without (?:us|support|help))",
            r"(?:ready|plan\w*|agreed|ready) (?:to|for) (?:close|closure|closing|move on|"
            r"step(?:ping)? down|end(?:ing)? (?:support|the case)|exit)",
            r"(?:case )?clos\w* (?:positively|successfully|with (?:goals|outcomes) (?:met|"
            r"achieved))", r"(?:goals|outcomes|plan) (?:met|achieved|completed)",
            r"(?:no longer|doesn'?t|does not) (?:needs?|require\w*) " + _PRONS +
            r"(?:support|help|service|input)", r"independen\w*", r"self[- ]sufficient",
            r"(?:sustain\w*|maintain\w*|kept up|keeping up|held down|holding down) " + _PRONS +
            r"(?:tenancy|job|work|recovery|sobriety|progress|placement|course|routine)",
            r"(?:exit|move[- ]on|closure|relapse prevention) plan",
            r"(?:\d+|six|three|twelve|several) (?:months?|weeks?|years?) (?:sober|clean|in work|"
            r"in (?:his|her|their) (?:tenancy|flat|home|job))",
            r"stepped down to (?:light[- ]touch|monthly|universal)",
        ),
        need=(
            r"(?:relies|relying|reliant|dependent|depends) on (?:us|our|the service|support|me|"
            r"staff)", r"back to square one", r"(?:had a |another )?setback",
            r"back (?:in|into) crisis", r"re-?referr\w*", r"(?:can'?t|cannot|unable to|not able "
            r"to|couldn'?t) (?:manage|cope) (?:alone|on (?:his|her|their) own|without)",
            r"(?:lost|gave up|abandoned) " + _PRONS + r"(?:tenancy|flat|home|job|place)",
            r"tenancy (?:failed|at risk|breakdown)",
        ),
    ),
}

_COMPILED: dict[int, tuple[list[re.Pattern[str]], list[re.Pattern[str]]]] = {
    stage: ([re.compile(p, re.I) for p in v.progress], [re.compile(p, re.I) for p in v.need])
    for stage, v in VOCABULARY.items()
}
# One search per stage and direction rules most sentences out before the patterns are tried one
# by one with their context checks (as in caseapp.ai.risk).
_ANY: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {
    # On the lowercased sentence without re.I: three to four times faster over an alternation.
    stage: tuple(re.compile(_lower_literals("|".join(f"(?:{p})" for p in pats)))  # type: ignore[misc]
                 for pats in (v.progress, v.need))
    for stage, v in VOCABULARY.items()
}
# Meetings in person are evidence of engagement in themselves, whatever the note says.
_IN_PERSON = {"meeting": "a meeting took place", "home_visit": "a home visit took place",
              "drop_in": "came to a drop-in"}


@dataclass(frozen=True)
class Note:
    """One interaction the acting user may read."""

    interaction_id: int
    occurred_at: datetime
    text: str
    kind: str = "note"


@dataclass(frozen=True)
class Evidence:
    interaction_id: int
    when: str  # ISO date
    sentence: str
    signal: str  # progress | need
    cue: str  # the words that matched
    weight: float


@dataclass
class StageResult:
    stage: int
    level: str  # "" when there is no evidence
    confidence: str  # none | low | medium | high
    progress_weight: float
    need_weight: float
    evidence: list[Evidence] = field(default_factory=list)
    reason: str = ""


def _weight(when: datetime, now: datetime) -> float:
    age = max(0.0, (now - when).total_seconds() / 86400)
    return 0.5 ** (age / HALF_LIFE_DAYS)


def _direction(kind: str, sentence: str, match: re.Match[str]) -> str | None:
    """Which way this match points in its sentence: progress, need, or None (does not count)."""
    before, after = _clause_around(sentence, match.start(), match.end())
    # A negation governs only its own part of a list: "no housing and is sofa surfing" says two
    # needs, not that sofa surfing has stopped.
    before = _CONJUNCT.split(before)[-1]
    if kind == "progress":
        if _NEGATION_BEFORE.search(before) or _NOT_BEFORE_VERB.search(before):
            return "need"  # "has not moved in", "still not registered with a GP"
        if _ASPIRATION.search(before) or _CONDITIONAL.search(before):
            return None  # hoped for, planned or advised: not there yet
        return "progress"
    # A need: negated, resolved or in the past means it has been dealt with.
    negated = _NEGATION_BEFORE.search(before) or _NEGATION_AFTER.search(after)
    if negated and not re.match(r"(?:no|not|n't|without)\b", match.group(0), re.I):
        return "progress"  # "no rent arrears", "arrears cleared", "no longer homeless"
    if _PAST.search(before + match.group(0) + after):
        return "progress" if re.search(r"\b(?:no longer|now (?:housed|settled|safe))\b",
                                       before, re.I) else None
    if _CONDITIONAL.search(before):
        return None  # advice on avoiding eviction is not an eviction
    return "need"


def evidence_in(note: Note, now: datetime) -> dict[int, list[Evidence]]:
    """Every piece of evidence in one note, by stage."""
    weight = _weight(note.occurred_at, now)
    when = note.occurred_at.date().isoformat()
    found: dict[int, list[Evidence]] = {}
    for sentence in sentences(note.text):
        lowered = sentence.lower()
        for stage, (progress, need) in _COMPILED.items():
            seen: set[str] = set()  # one piece of evidence per stage and sentence
            any_progress, any_need = _ANY[stage]
            for kind, patterns, gate in (("need", need, any_need),
                                         ("progress", progress, any_progress)):
                if not gate.search(lowered):
                    continue
                for pattern in patterns:
                    for match in pattern.finditer(sentence):
                        signal = _direction(kind, sentence, match)
                        if signal is None or signal in seen:
                            continue
                        seen.add(signal)
                        found.setdefault(stage, []).append(Evidence(
                            note.interaction_id, when, sentence[:300], signal,
                            match.group(0), weight))
                        break
                    if len(seen) == 2:
                        break
    # A meeting in person is evidence of engagement, unless the note already speaks to it (then
    # the note's own words count, once).
    if note.kind in _IN_PERSON and not found.get(1):
        found.setdefault(1, []).append(Evidence(note.interaction_id, when, _IN_PERSON[note.kind],
                                                "progress", _IN_PERSON[note.kind], weight * 0.5))
    return found


def level_for(progress_weight: float, need_weight: float) -> str:
    total = progress_weight + need_weight
    if total <= 0:
        return ""
    share = progress_weight / total
    return "high" if share >= 0.7 else "medium" if share >= 0.4 else "low"


def confidence_for(total_weight: float, interactions: int) -> str:
    """How much evidence: one recent mention is a little; several notes agreeing is a lot."""
    if total_weight <= 0:
        return "none"
    if interactions < 2 or total_weight < 1.5:
        return "low"
    if interactions < 4 or total_weight < 3.0:
        return "medium"
    return "high"


def score_notes(notes: list[Note], now: datetime, stages: int = 6) -> list[StageResult]:
    """The six stages for one case from its readable notes (any order)."""
    per_stage: dict[int, list[Evidence]] = {s: [] for s in range(1, stages + 1)}
    for note in notes:
        for stage, items in evidence_in(note, now).items():
            if stage in per_stage:
                per_stage[stage].extend(items)
    results = []
    for stage, items in per_stage.items():
        progress = sum(e.weight for e in items if e.signal == "progress")
        need = sum(e.weight for e in items if e.signal == "need")
        level = level_for(progress, need)
        confidence = confidence_for(progress + need, len({e.interaction_id for e in items}))
        kept = sorted(items, key=lambda e: (-e.weight, e.signal != "need"))[:MAX_EVIDENCE]
        if level:
            ups = sum(1 for e in items if e.signal == "progress")
            notes = len({e.interaction_id for e in items})
            reason = (f"{ups} sign{'s' if ups != 1 else ''} of progress and {len(items) - ups} "
                      f"of need in {notes} interaction{'s' if notes != 1 else ''}, the newest "
                      "weighing most.")
        else:
            reason = "Nothing in the notes speaks to this stage yet."
        results.append(StageResult(stage, level, confidence, round(progress, 3), round(need, 3),
                                   kept, reason))
    return results
