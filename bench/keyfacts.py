"""Key-fact coverage: the share of a case's reference key facts found in its key sentences.

A fact counts as found when at least half of its content words (crudely stemmed) appear in the
selected sentences: lenient about wording, strict about substance.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from caseapp.ai.key_sentences import key_sentences

_WORD = re.compile(r"[a-z0-9£]+")
_STOP = set("""a an and the of to in on for with at by from is was were are be been has have had
he she they him her them his their it this that as or but not no so made given""".split())


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def fact_found(fact: str, summary: str) -> bool:
    want, have = _stems(fact), _stems(summary)
    return bool(want) and len(want & have) / len(want) >= 0.5


def last_sentences(notes: list[tuple[date, str]], limit: int = 3) -> str:
    """The naive baseline: the last sentences written."""
    from caseapp.ai.risk import sentences

    ordered = [s for _, text in sorted(notes, key=lambda n: n[0]) for s in sentences(text)]
    return " ".join(ordered[-limit:])


def keyfact_coverage(notes: list[dict], summaries: list[dict], baseline: bool = False) -> float:
    by_case: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for note in notes:
        by_case[note["case_ref"]].append((date.fromisoformat(note["date"]), note["text"]))
    found = total = 0
    for case in summaries:
        case_notes = by_case.get(case["case_ref"], [])
        picked = (last_sentences(case_notes) if baseline
                  else " ".join(k.sentence for k in key_sentences(case_notes)))
        for fact in case["key_facts"]:
            total += 1
            found += fact_found(fact, picked)
    return found / total if total else 0.0
