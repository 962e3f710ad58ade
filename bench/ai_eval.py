"""Evaluate the offline AI on a labelled notes file (and case summaries file).

    python -m bench.ai_eval [NOTES.jsonl [SUMMARIES.jsonl]]

Prints per-category and micro precision/recall of the risk indicators beside a naive keyword
baseline computed in the same run, key-fact coverage of the key sentences, note audits (Spearman's
rho of the offline audit score with the quality grade, per-criterion agreement with
quality_missing), and ends with one JSON
line of the figures.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from caseapp.ai.risk import CATEGORIES, categories_for_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = ROOT.parent / "shared" / "eval" / "notes_dev.jsonl"
DEFAULT_SUMMARIES = ROOT.parent / "shared" / "eval" / "case_summaries_dev.jsonl"

# The naive baseline: one obvious word stem per category, no negation, no context.
BASELINE = {
    "mental_health": r"mental health|depress|anxi",
    "self_harm_suicide": r"suicid|self[- ]harm",
    "safeguarding_child": r"safeguarding.{0,30}child|child.{0,30}safeguarding",
    "safeguarding_adult": r"safeguarding(?!.{0,30}child)",
    "domestic_abuse": r"domestic|abuse",
    "housing": r"housing|evict|homeless|landlord",
    "substance_misuse": r"alcohol|drug|drink",
    "financial_hardship": r"debt|money|arrears|food bank",
    "physical_health": r"health|hospital|gp\b",
    "relationships": r"relationship|partner|family",
    "offending_exploitation": r"police|arrest|crime|exploit",
}
_BASELINE = {c: re.compile(p, re.I) for c, p in BASELINE.items()}


def baseline_categories(text: str) -> set[str]:
    return {c for c, p in _BASELINE.items() if p.search(text)}


def _load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score(notes: list[dict], predict) -> dict:  # type: ignore[no-untyped-def]
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    errors = []
    for note in notes:
        gold, got = set(note["risks"]), predict(note["text"])
        for c in got & gold:
            tp[c] += 1
        for c in got - gold:
            fp[c] += 1
        for c in gold - got:
            fn[c] += 1
        if gold != got:
            errors.append((note["id"], sorted(got - gold), sorted(gold - got)))
    per = {}
    for c in CATEGORIES:
        p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 1.0
        r = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 1.0
        per[c] = {"precision": round(p, 3), "recall": round(r, 3), "support": tp[c] + fn[c]}
    t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {"per": per, "precision": t / (t + f_p) if t + f_p else 1.0,
            "recall": t / (t + f_n) if t + f_n else 1.0, "errors": errors}


def main(argv: list[str]) -> int:
    notes_path = Path(argv[0]) if argv else DEFAULT_NOTES
    summaries_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SUMMARIES
    notes = _load(notes_path)
    ours, base = score(notes, categories_for_text), score(notes, baseline_categories)
    print(f"Risk indicators on {len(notes)} notes ({notes_path.name})")
    print(f"{'category':24} {'support':>7} {'P':>6} {'R':>6}   {'base P':>6} {'base R':>6}")
    for c in CATEGORIES:
        o, b = ours["per"][c], base["per"][c]
        print(f"{c:24} {o['support']:7d} {o['precision']:6.2f} {o['recall']:6.2f}   "
              f"{b['precision']:6.2f} {b['recall']:6.2f}")
    print(f"{'micro':24} {'':7} {ours['precision']:6.2f} {ours['recall']:6.2f}   "
          f"{base['precision']:6.2f} {base['recall']:6.2f}")
    if "-v" in sys.argv:
        for note_id, extra, missed in ours["errors"]:
            print(f"  {note_id}: extra {extra} missed {missed}")
    result = {
        "notes": len(notes),
        "risk_micro_precision": round(ours["precision"], 3),
        "risk_micro_recall": round(ours["recall"], 3),
        "risk_recall_by_category": {c: ours["per"][c]["recall"] for c in CATEGORIES},
        "baseline_micro_precision": round(base["precision"], 3),
        "baseline_micro_recall": round(base["recall"], 3),
    }
    if summaries_path.exists():
        from bench.keyfacts import keyfact_coverage

        summaries = _load(summaries_path)
        result["keyfact_coverage"] = round(keyfact_coverage(notes, summaries), 3)
        result["baseline_keyfact_coverage"] = round(
            keyfact_coverage(notes, summaries, baseline=True), 3)
        print(f"Key-fact coverage of 3 key sentences: {result['keyfact_coverage']:.2f} "
              f"(baseline, last 3 sentences: {result['baseline_keyfact_coverage']:.2f})")
    from bench.audit_eval import audit_figures, halves, print_figures

    graded = [n for n in notes if "quality" in n]  # note audits need the quality labels
    if graded:
        audits = print_figures(graded, notes_path.name)
        first, second = halves(graded)
        rho_halves = [round(audit_figures(h)["spearman"], 3) for h in (first, second)]
        print(f"  by halves of the cases: rho {rho_halves[0]:.3f} and {rho_halves[1]:.3f}")
        result["audit_spearman"] = round(audits["spearman"], 3)
        result["audit_spearman_halves"] = rho_halves
        result["audit_criteria_agreement"] = audits["agreement"]
    else:
        print("Note audits: the notes file has no quality labels.")
        result["audit_spearman"] = None
        result["audit_criteria_agreement"] = {}
    result.update(_timing(notes))
    print(f"Per case ({result['cases']} cases, {len(notes)} notes): risk flags + key sentences "
          f"{result['offline_ms_per_case']:.2f} ms; baseline (sentence split only) "
          f"{result['baseline_ms_per_case']:.2f} ms; ratio {result['offline_time_ratio']:.1f}x")
    print(json.dumps(result))
    return 0


def _timing(notes: list[dict], rounds: int = 20) -> dict:
    """Time per case of the offline default, beside splitting the same notes into sentences."""
    from datetime import date

    from caseapp.ai.key_sentences import key_sentences
    from caseapp.ai.risk import flags_for_text, sentences

    cases: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for note in notes:
        cases[note.get("case_ref", note["id"])].append((date.fromisoformat(note["date"]), note["text"]))

    def offline() -> None:
        for items in cases.values():
            for _, text in items:
                flags_for_text(text)
            key_sentences(items)

    def baseline() -> None:
        for items in cases.values():
            for _, text in items:
                sentences(text)

    def per_case(fn) -> float:  # type: ignore[no-untyped-def]
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best * 1000 / len(cases)

    ours, base = per_case(offline), per_case(baseline)
    return {"cases": len(cases), "offline_ms_per_case": round(ours, 3),
            "baseline_ms_per_case": round(base, 3), "offline_time_ratio": round(ours / base, 1)}


if __name__ == "__main__":
    raise SystemExit(main([a for a in sys.argv[1:] if not a.startswith("-")]))
