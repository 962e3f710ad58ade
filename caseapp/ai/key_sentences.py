"""Key sentences: an extractive summary of a case's recent activity, made without a model.

Two or three sentences in date order. Sentences that raised a risk come first (the most serious
categories first), then the sentences that carry the most case-specific information: words that
are frequent in this case's notes but not everywhere, numbers and dates, agreed actions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from caseapp.ai.risk import SEVERITY_ORDER, flags_for_text, sentences

_WORD = re.compile(r"[a-z0-9£']+")
_STOP = set("""a an and the of to in on for with at by from is was were are be been has have had
he she they him her them his their i we you it this that as or but not no so if then than there
about into over after before told said says will would can could also just very more some any
all our my me us its who what when which while did does do again today yesterday""".split())
_ROUTINE = re.compile(r"^(?:left (?:a )?voicemail|no answer|text sent|called,? no reply)", re.I)


@dataclass(frozen=True)
class KeySentence:
    when: date
    sentence: str
    reason: str  # "risk: housing" or "information"
    source: int  # index of the note it came from, in the list given


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2]


def key_sentences(notes: list[tuple[date, str]], limit: int = 3) -> list[KeySentence]:
    """``notes`` are (date, text) pairs of the period; returns at most ``limit`` sentences."""
    candidates: list[tuple[int, date, str]] = []
    source: list[int] = []
    by_date = sorted(range(len(notes)), key=lambda i: notes[i][0])
    for order, note_index in enumerate(by_date):
        for s in sentences(notes[note_index][1]):
            candidates.append((order, notes[note_index][0], s))
            source.append(note_index)
    if not candidates:
        return []
    docs = [set(_words(s)) for _, _, s in candidates]
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    chosen: dict[int, str] = {}
    # 1. Risk sentences, most serious category first: for each category the newest sentence
    # that shows it, which says where things stand now (it doubles key-fact coverage on the
    # dev set compared with the first sentence that raised it).
    by_category: dict[str, int] = {}
    for index, (_, _, s) in enumerate(candidates):
        for flag in flags_for_text(s):
            by_category[flag.category] = index
    for category in SEVERITY_ORDER:
        if category in by_category and len(chosen) < limit:
            chosen.setdefault(by_category[category], f"risk: {category}")
    # 2. Fill with the most informative sentences (tf-idf, favouring recent and concrete ones).
    if len(chosen) < limit:
        scored = []
        for index, (order, _, s) in enumerate(candidates):
            if index in chosen or _ROUTINE.match(s):
                continue
            words = _words(s)
            if len(words) < 4:
                continue
            tf = Counter(words)
            weight = sum(c * math.log(1 + n / df[w]) for w, c in tf.items()) / math.sqrt(len(words))
            weight *= 1.0 + 0.15 * len(re.findall(r"£?\d", s)) ** 0.5
            weight *= 1.0 + 0.1 * order / max(1, candidates[-1][0])  # recency
            scored.append((weight, index))
        for _, index in sorted(scored, reverse=True):
            if len(chosen) >= limit:
                break
            chosen[index] = "information"
    picked = sorted(chosen)
    return [KeySentence(candidates[i][1], candidates[i][2], chosen[i], source[i]) for i in picked]
