"""Search notes at 100,000 notes: indexing speed and search latency beside a bare SQL LIKE.

Run: python -m bench.search_bench [--notes 100000] [--queries 50] [--data-dir DIR] [--db-url URL]

Builds a fresh database (SQLite unless --db-url names an empty PostgreSQL one) with
bench/generate.py (notes are random sentences from its casework vocabulary), embeds every note
(``index-notes``), then times ``search_notes`` for a manager (reads every note) and a case
worker (their team's cases) over the same queries, beside the bare baseline measured in the same
run: one SQL ``LIKE '%query%'`` (``ILIKE`` on PostgreSQL) over the same readable notes, newest 20.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

QUERIES = [
    # phrases, as people type them
    "eviction", "worried about the children", "rent arrears", "landlord wants them out",
    "missed appointment", "food bank voucher", "energy bill", "feeling anxious", "court hearing",
    "debt advice", "bus pass", "safeguarding concern", "benefits claim", "waiting list",
    "home visit", "interpreter arranged", "money problems", "GP referral", "school", "tenancy",
    "housing officer", "risk assessment", "budget", "medication", "letter from the council",
    # single words from the generator's vocabulary and outside it
    "called", "visited", "discussed", "agreed", "arrears", "income", "evidence", "hearing",
    "meter", "top-up", "signposted", "review", "manager", "children", "transport", "stable",
    "worse", "better", "email", "drop-in", "homeless", "depression", "alcohol", "doctor",
    "scared",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--db-url", default="", help="e.g. postgresql+psycopg://…/empty_db "
                    "(default: SQLite in the data dir)")
    args = ap.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="caseline-search-bench-"))

    from bench import generate

    print(f"generating {args.notes:,} notes in {data_dir}", flush=True)
    code = generate.main(["--cases", str(max(100, args.notes // 10)), "--interactions",
                          str(args.notes), "--staff", "500", "--data-dir", str(data_dir),
                          "--db-url", args.db_url])
    if code:
        return code

    # Only now: generate.configure pointed caseapp's settings at the new database.
    from sqlalchemy import func, select
    from sqlmodel import col

    from caseapp import access, search
    from caseapp.actor import Actor
    from caseapp.ai import embeddings
    from caseapp.db import engine, session_scope
    from caseapp.models import Case, Interaction, NoteEmbedding, User

    # --- indexing: every note, in batches (what index-notes and setup --demo do)
    start = time.perf_counter()
    indexed = search.index_notes(progress=False)
    index_s = time.perf_counter() - start
    print(f"indexed {indexed:,} notes in {index_s:.1f} s: {indexed / index_s:,.0f} notes/s, "
          f"{index_s * 1000 / indexed:.3f} ms a note", flush=True)

    # --- on save: one note at a time in its own transaction, as add_interaction does
    with session_scope() as db:
        sample = db.execute(select(Interaction).order_by(Interaction.id).limit(200)).scalars().all()
        db.execute(NoteEmbedding.__table__.delete().where(
            col(NoteEmbedding.interaction_id).in_([i.id for i in sample])))
    spent = 0.0
    for interaction in sample:
        with session_scope() as db:  # the save's transaction; its commit is the save's anyway
            start = time.perf_counter()
            embeddings.index_interaction(db, interaction)
            db.flush()
            spent += time.perf_counter() - start
    save_ms = spent * 1000 / len(sample)
    print(f"on save: {save_ms:.2f} ms a note (embed + write, inside the save's transaction)",
          flush=True)

    with session_scope() as db:
        manager = Actor.of(db.execute(select(User).where(User.role == "manager")
                                      .order_by(User.id)).scalars().first())
        # The case worker whose team has the most cases: the heaviest case worker search.
        workers = db.execute(select(User).where(User.role == "case_worker")).scalars().all()
        team_cases: dict[str, int] = {}
        for team, _case in db.execute(select(User.team, Case.id).join(Case, Case.worker_id == User.id)):
            team_cases[team] = team_cases.get(team, 0) + 1
        busiest = max(team_cases, key=lambda t: team_cases[t])
        worker = Actor.of(next(w for w in workers if w.team == busiest))
        readable = {}
        for name, actor in (("manager", manager), ("case_worker", worker)):
            readable[name] = db.execute(
                select(func.count()).select_from(Interaction)
                .join(Case, Case.id == Interaction.case_id)
                .where(access.case_visibility_clause(actor),
                       access.private_interaction_clause(actor, Interaction.author_id,
                                                         Interaction.private))).scalar_one()

    queries = (QUERIES * (args.queries // len(QUERIES) + 1))[: args.queries]

    text = col(Interaction.text)
    contains = text.like if engine().dialect.name == "sqlite" else text.ilike  # as the search

    def baseline(actor: Actor, q: str) -> None:
        with session_scope() as db:
            db.execute(select(Interaction.id, Interaction.case_id, Interaction.text)
                       .join(Case, Case.id == Interaction.case_id)
                       .where(access.case_visibility_clause(actor),
                              access.private_interaction_clause(actor, Interaction.author_id,
                                                                Interaction.private),
                              contains(f"%{q}%"))
                       .order_by(col(Interaction.id).desc()).limit(20)).all()

    cold_start = time.perf_counter()
    search.search_notes(manager, "first search after start")
    cold_ms = (time.perf_counter() - cold_start) * 1000
    out: dict[str, object] = {"db": engine().dialect.name, "notes": indexed,
                              "index_notes_per_s": round(indexed / index_s),
                              "index_ms_per_note": round(index_s * 1000 / indexed, 4),
                              "save_embed_ms_per_note": round(save_ms, 3),
                              "first_search_ms": round(cold_ms, 1), "queries": len(queries)}
    print(f"first search after start (vectors into memory): {cold_ms:.0f} ms")
    for name, actor in (("manager", manager), ("case_worker", worker)):
        search.search_notes(actor, "warm up")
        ours: list[float] = []
        bare: list[float] = []
        hits = 0
        for q in queries:  # interleaved, so both see the same machine state
            t = time.perf_counter()
            hits += len(search.search_notes(actor, q).hits)
            ours.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            baseline(actor, q)
            bare.append((time.perf_counter() - t) * 1000)
        slowest = sorted(zip(ours, queries, strict=True), reverse=True)[:3]
        print(f"  {name} slowest: " + ", ".join(f"{q!r} {ms:.0f} ms" for ms, q in slowest))
        row = {"p50_ms": round(statistics.median(ours), 1), "p95_ms": round(pct(ours, 95), 1),
               "baseline_p50_ms": round(statistics.median(bare), 1),
               "baseline_p95_ms": round(pct(bare, 95), 1),
               "ratio_p95": round(pct(ours, 95) / pct(bare, 95), 2),
               "readable_notes": readable[name], "mean_hits": round(hits / len(queries), 1)}
        print(f"{name:<12} readable {readable[name]:>7,}  search p50 {row['p50_ms']:6.1f} ms "
              f"p95 {row['p95_ms']:6.1f} ms | LIKE p50 {row['baseline_p50_ms']:6.1f} ms "
              f"p95 {row['baseline_p95_ms']:6.1f} ms | ratio p95 {row['ratio_p95']}×", flush=True)
        out[name] = row
    # Other work on the machine moves every figure; the baseline shares the same conditions.
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(f"load average now: {out['load_average_1min']}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
