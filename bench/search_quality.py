"""How well Search notes finds notes about a topic: keywords only against keywords + meaning.

    python -m bench.search_quality [NOTES.jsonl]

Loads a labelled notes file (default ``../shared/eval/notes_dev.jsonl``) into a temporary
database through the real services, then, for each risk category, asks two everyday queries
(written here, not taken from the notes) as an admin and counts how many of the first 5 results
carry that category. It runs every query twice in the same run: with AI features off (keyword
search only, the baseline) and on (keywords + meaning). The last line is one JSON object.
A note may be about a topic without the risk label (e.g. money mentioned in passing), so read
the figures as relative, not absolute.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = ROOT.parent / "shared" / "eval" / "notes_dev.jsonl"
TOP = 5

QUERIES = {
    "housing": ["eviction", "losing their home"],
    "financial_hardship": ["money problems", "can't afford food"],
    "safeguarding_adult": ["vulnerable adult at risk", "being taken advantage of"],
    "substance_misuse": ["drinking too much", "drugs"],
    "mental_health": ["low mood", "depressed"],
    "offending_exploitation": ["police", "criminal exploitation"],
    "domestic_abuse": ["violent partner", "abuse at home"],
    "safeguarding_child": ["worried about the children", "child at risk"],
    "physical_health": ["illness", "hospital"],
    "relationships": ["family conflict", "lonely"],
    "self_harm_suicide": ["suicidal", "wants to end their life"],
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    notes = [json.loads(line) for line in Path(args[0] if args else DEFAULT_NOTES).open()
             if line.strip()]
    os.environ["CASEAPP_DATA_DIR"] = tempfile.mkdtemp(prefix="caseline-search-quality-")
    os.environ.pop("CASEAPP_DB_URL", None)

    from caseapp.actor import Actor
    from caseapp.cases import NewCase, create_case
    from caseapp.db import session_scope
    from caseapp.interactions import NewInteraction, add_interaction
    from caseapp.migrate import upgrade_to_head
    from caseapp.models import User
    from caseapp.organisation import update_organisation
    from caseapp.pathways import save_pathway
    from caseapp.people import NewPerson
    from caseapp.search import search_notes
    from caseapp.staff import create_user

    upgrade_to_head()
    uid = create_user(None, "Eval Admin", "eval@example.org", "admin", "", "eval password 123")
    with session_scope() as db:
        admin = Actor.of(db.get(User, uid))  # type: ignore[arg-type]
    pathway = save_pathway(admin, None, "Support", "#2563eb", "")
    case_of: dict[str, int] = {}
    label_of: dict[int, set[str]] = {}
    for n in notes:
        if n["case_ref"] not in case_of:
            case_of[n["case_ref"]] = create_case(admin, NewCase(
                person=NewPerson(name=n["case_ref"]), worker_id=None, pathway_id=pathway))
        iid = add_interaction(admin, case_of[n["case_ref"]], NewInteraction(text=n["text"]))
        label_of[iid] = set(n["risks"])

    def run() -> tuple[int, int, int, dict[str, int]]:
        relevant_shown = shown = possible = 0
        per_category: dict[str, int] = {}
        for category, queries in QUERIES.items():
            in_set = sum(1 for labels in label_of.values() if category in labels)
            per_category[category] = 0
            for q in queries:
                hits = search_notes(admin, q, limit=TOP).hits
                good = sum(1 for h in hits if category in label_of[h.interaction_id])
                relevant_shown += good
                shown += len(hits)
                possible += min(TOP, in_set)
                per_category[category] += good
        return relevant_shown, shown, possible, per_category

    update_organisation(admin, "Caseline", "Europe/London", ai_enabled=False)
    k_good, k_shown, possible, k_cat = run()
    update_organisation(admin, "Caseline", "Europe/London", ai_enabled=True)
    h_good, h_shown, _, h_cat = run()

    print(f"{len(notes)} notes, {sum(len(q) for q in QUERIES.values())} queries, "
          f"top {TOP}; relevant results per category (keywords → keywords + meaning):")
    for category in QUERIES:
        print(f"  {category:<24} {k_cat[category]:>2} → {h_cat[category]:>2}")
    out = {
        "keyword_precision_at_5": round(k_good / max(k_shown, 1), 3),
        "keyword_recall_at_5": round(k_good / possible, 3),
        "hybrid_precision_at_5": round(h_good / max(h_shown, 1), 3),
        "hybrid_recall_at_5": round(h_good / possible, 3),
        "keyword_results": k_shown, "hybrid_results": h_shown,
    }
    print(f"keywords only:       precision@5 {out['keyword_precision_at_5']:.2f}, "
          f"recall@5 {out['keyword_recall_at_5']:.2f} ({k_shown} results)")
    print(f"keywords + meaning:  precision@5 {out['hybrid_precision_at_5']:.2f}, "
          f"recall@5 {out['hybrid_recall_at_5']:.2f} ({h_shown} results)")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
