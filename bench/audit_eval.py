"""Note audits against the labelled notes: Spearman's rho between the offline audit score and
the annotator's ``quality`` grade, and per-criterion agreement with ``quality_missing``.

Used by ``bench.ai_eval``; run alone (``python -m bench.audit_eval [NOTES.jsonl] [-v]``) it also
reports the two halves of the file split by case, the check against tuning to one half.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from caseapp.ai.note_audit import BUILT_IN_KEYS, FAIL, audit_note

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = ROOT.parent / "shared" / "eval" / "notes_dev.jsonl"


def _ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share the mean of their positions), as Spearman's rho needs."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def audit_figures(notes: list[dict]) -> dict:
    """rho, and for each criterion the share of notes where "the audit failed it" agrees with
    "the annotator listed it as missing" (with precision/recall of the fails)."""
    scores, grades = [], []
    agree = dict.fromkeys(BUILT_IN_KEYS, 0)
    tp = dict.fromkeys(BUILT_IN_KEYS, 0)
    fp = dict.fromkeys(BUILT_IN_KEYS, 0)
    fn = dict.fromkeys(BUILT_IN_KEYS, 0)
    errors: list[tuple[str, str, bool]] = []
    for note in notes:
        result = audit_note(note["text"])
        scores.append(result.score)
        grades.append(note["quality"])
        missing = set(note.get("quality_missing", []))
        for j in result.judgements:
            key = j.key or ""
            if key not in agree:
                continue
            failed, gold = j.result == FAIL, key in missing
            agree[key] += failed == gold
            tp[key] += failed and gold
            fp[key] += failed and not gold
            fn[key] += gold and not failed
            if failed != gold:
                errors.append((note["id"], key, gold))
    n = len(notes) or 1
    return {
        "spearman": spearman(scores, grades),
        "agreement": {k: round(agree[k] / n, 3) for k in BUILT_IN_KEYS},
        "fail_precision": {k: round(tp[k] / (tp[k] + fp[k]), 3) if tp[k] + fp[k] else 1.0
                           for k in BUILT_IN_KEYS},
        "fail_recall": {k: round(tp[k] / (tp[k] + fn[k]), 3) if tp[k] + fn[k] else 1.0
                        for k in BUILT_IN_KEYS},
        "errors": errors,
        "scores": scores,
    }


def halves(notes: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split by case (every other case), so no case's notes sit in both halves."""
    cases = sorted({n.get("case_ref", n["id"]) for n in notes})
    first = set(cases[::2])
    return ([n for n in notes if n.get("case_ref", n["id"]) in first],
            [n for n in notes if n.get("case_ref", n["id"]) not in first])


def print_figures(notes: list[dict], label: str) -> dict:
    figures = audit_figures(notes)
    mean = sum(figures["agreement"].values()) / len(figures["agreement"])
    length_rho = spearman([len(n["text"]) for n in notes], [n["quality"] for n in notes])
    print(f"Note audits on {len(notes)} notes ({label}): Spearman rho with quality "
          f"{figures['spearman']:.3f}; per-criterion agreement with quality_missing (mean "
          f"{mean:.2f}); baseline (note length alone) rho {length_rho:.3f}:")
    for key in BUILT_IN_KEYS:
        print(f"  {key:22} agree {figures['agreement'][key]:.2f}   fail P "
              f"{figures['fail_precision'][key]:.2f} R {figures['fail_recall'][key]:.2f}")
    return figures


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_NOTES
    with path.open(encoding="utf-8") as handle:
        notes = [json.loads(line) for line in handle if line.strip()]
    figures = print_figures(notes, path.name)
    a, b = halves(notes)
    rho_a, rho_b = audit_figures(a)["spearman"], audit_figures(b)["spearman"]
    print(f"Halves by case: rho {rho_a:.3f} ({len(a)} notes), {rho_b:.3f} ({len(b)} notes)")
    if "-v" in sys.argv:
        for note, score in zip(notes, figures["scores"], strict=True):
            print(f"  {note['id']} quality {note['quality']} score {score}")
        for note_id, key, gold in figures["errors"]:
            print(f"  {note_id} {key}: {'missed a gap' if gold else 'failed a present element'}")
    print(json.dumps({"audit_spearman": round(figures["spearman"], 3),
                      "audit_spearman_halves": [round(rho_a, 3), round(rho_b, 3)],
                      "audit_criteria_agreement": figures["agreement"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main([a for a in sys.argv[1:] if not a.startswith("-")]))
