"""Build Caseline's reference data set (design budgets: 200k cases, 2M interactions, 500 staff).

Run: python -m bench.generate --cases 200000 --interactions 2000000 --staff 500 --data-dir /tmp/cl
     python -m bench.generate --small --data-dir /tmp/cl-small      (20k cases / 200k interactions)

Writes a fresh database (migrated with Alembic, so the schema and indexes are the real ones), then
bulk-loads it with SQLAlchemy Core executemany in ~10k-row batches, one transaction per table.
``bench_meta.json`` in the data dir records what the benchmark needs (the 500-interaction case).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BATCH = 10_000
SEED = 20261122
YEARS_BACK = 8

FIRST = ("Aisha Ben Chloe Daniel Ella Farah Grace Harry Isla Jack Kai Leah Mohammed Nina Oliver "
         "Priya Quinn Ravi Sofia Tom Uma Victor Wei Yusuf Zara Amir Bethany Callum Deepa Ewan "
         "Fatima George Hannah Ibrahim Joanna Kieran Lucy Marcus Niamh Owen Poppy Rosa Sam Tariq "
         "Zoe Adam Bea Carys Dylan Eve").split()
SURNAMES = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
            "Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Ahmed Ali Hughes Edwards "
            "Lewis Harris Martin Cooper King Lee Baker Morris Turner Hill Ward Moore Clark Young "
            "Allen Scott Mitchell Campbell Anderson Kelly Begum Murphy Nowak Okafor Hussain Singh "
            "Price Bennett Gray Reid Shaw Lloyd Fox Owen Palmer Mason Dixon Hunt Rose Webb").split()
STREETS = "High Street|Station Road|Church Lane|Park Avenue|Mill Road|Victoria Street|King's Road".split("|")
PATHWAYS = [("Housing Support", "#2563eb"), ("Debt Advice", "#16a34a"), ("Mental Health", "#9333ea"),
            ("Youth Mentoring", "#ea580c"), ("Benefits", "#0891b2"), ("Employment", "#ca8a04"),
            ("Family Support", "#db2777"), ("Food Bank", "#4b5563")]
TAGS = ["urgent", "safeguarding", "interpreter", "disability", "rent-arrears", "referral",
        "court-date", "veteran", "care-leaver", "no-fixed-abode", "domestic-abuse", "carer"]
TEAM_NAMES = [f"{area} {kind}" for area in ("North", "South", "East", "West", "Central")
              for kind in ("Housing", "Advice", "Wellbeing", "Youth", "Outreach")]  # 25 teams
VOCAB = ("called visited discussed agreed rent arrears landlord benefits claim form appointment "
         "referral GP housing officer council tenancy support plan review next steps follow up "
         "client reported feeling better worse anxious stable income budget debt letter court "
         "hearing evidence sent received phone email meeting home visit drop-in children school "
         "food parcel voucher energy bill meter top-up advice signposted to service waiting list "
         "the a and of with for on at was is will need needs has have not yet today this week "
         "next month safeguarding concern risk assessment completed updated manager consulted "
         "medication appointment missed attended transport bus pass interpreter arranged").split()
KINDS = ["note", "meeting", "phone_call", "home_visit", "email", "drop_in"]
KIND_WEIGHTS = [30, 12, 30, 8, 12, 8]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=200_000)
    p.add_argument("--interactions", type=int, default=2_000_000)
    p.add_argument("--staff", type=int, default=500)
    p.add_argument("--data-dir", required=True, type=Path)
    p.add_argument("--db-url", default="")
    p.add_argument("--small", action="store_true", help="20,000 cases / 200,000 interactions")
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    if args.small:
        args.cases, args.interactions = 20_000, 200_000
    if args.cases < 100 or args.staff < 30 or args.interactions < 1_000:
        p.error("need at least 100 cases, 1,000 interactions and 30 staff")
    return args


def configure(data_dir: Path, db_url: str) -> str:
    """Point caseapp at the data dir. Must run before any caseapp import (settings are cached)."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["CASEAPP_DATA_DIR"] = str(data_dir)
    url = db_url or f"sqlite:///{data_dir / 'caseline.db'}"
    os.environ["CASEAPP_DB_URL"] = url
    return url


def batched(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Loader:
    """Times and loads one table at a time: one transaction each, executemany per batch."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.timings: list[tuple[str, int, float]] = []

    def load(self, table: Any, rows: Iterable[dict[str, Any]]) -> int:
        started = time.perf_counter()
        n = 0
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "sqlite":
                # Throwaway bulk load: durability is worthless here, speed is not.
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
                conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB page cache
            for batch in batched(rows):
                conn.execute(table.insert(), batch)
                n += len(batch)
        took = time.perf_counter() - started
        self.timings.append((table.name, n, took))
        print(f"  {table.name:<16} {n:>10,} rows  {took:7.1f} s", flush=True)
        return n


def note_pool(rng: random.Random, size: int = 3000) -> list[str]:
    """Precomputed notes, picked at random per interaction, so text is never the bottleneck.
    Lengths skew short (most notes are a line or two) with a tail up to ~1,500 characters."""
    pool = []
    for _ in range(size):
        r = rng.random()
        target = rng.randint(20, 200) if r < 0.55 else rng.randint(200, 700) if r < 0.9 \
            else rng.randint(700, 1500)
        words: list[str] = []
        length = 0
        while length < target:
            w = rng.choice(VOCAB)
            words.append(w)
            length += len(w) + 1
        text = " ".join(words)[:target].rstrip()
        pool.append(text[0].upper() + text[1:] + ".")
    return pool


def interaction_counts(rng: random.Random, n_cases: int, total: int,
                       open_ids: list[int]) -> tuple[list[int], int]:
    """Heavy-tailed interactions per case: many small, a few with 500+; one open case with
    exactly 500 (the timeline budget's reference case). Returns counts (index = case id) and it."""
    heavy = min(max(3, n_cases // 20_000), 20)  # a handful of very long-running cases
    target_case = open_ids[len(open_ids) // 2]
    heavy_ids = [c for c in rng.sample(open_ids, min(len(open_ids), heavy + 1)) if c != target_case][:heavy]
    heavy_counts = {c: rng.randint(520, 1500) for c in heavy_ids}
    reserved = 500 + sum(heavy_counts.values())
    if reserved > total // 2:  # tiny runs: keep the heavy tail proportionate
        heavy_counts = {}
        reserved = 500
    rest = total - reserved
    weights = [0.0] * (n_cases + 1)
    for cid in range(1, n_cases + 1):
        if cid != target_case and cid not in heavy_counts:
            weights[cid] = min(rng.paretovariate(1.6), 40.0)  # capped so the tail stays < 500
    scale = rest / sum(weights)
    counts = [int(w * scale) for w in weights]
    # Hand out the rounding remainder so the total is exact.
    short = rest - sum(counts)
    eligible = [c for c in range(1, n_cases + 1) if weights[c] > 0]
    for cid in rng.choices(eligible, k=short):
        counts[cid] += 1
    counts[target_case] = 500
    for cid, k in heavy_counts.items():
        counts[cid] = k
    return counts, target_case


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = configure(args.data_dir, args.db_url)
    if url.startswith("sqlite:///"):
        db_path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):  # a fresh database every time
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    from sqlalchemy import func, select

    from caseapp.db import engine as make_engine
    from caseapp.migrate import upgrade_to_head
    from caseapp.models import (
        Assignment,
        Attachment,
        Case,
        CaseTag,
        ConcernChange,
        Interaction,
        Organisation,
        Pathway,
        Person,
        StatusChange,
        Tag,
        User,
    )

    t0 = time.perf_counter()
    upgrade_to_head()
    engine = make_engine()
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Case.__table__)).scalar_one():
            print("refusing: the target database already has cases", file=sys.stderr)
            return 2
    print(f"migrated {engine.url!r} in {time.perf_counter() - t0:.1f} s", flush=True)

    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    epoch = now - timedelta(days=365 * YEARS_BACK)
    span_s = (now - epoch).total_seconds()
    loader = Loader(engine)

    loader.load(Organisation.__table__, [dict(id=1, name="Caseline Reference", time_zone="Europe/London",
                                               updated_at=now)])

    # --- staff: 2 admins, ~20 managers, ~15% volunteers, the rest case workers, over 25 teams.
    n_mgr = max(2, min(20, args.staff // 25))
    n_vol = args.staff * 15 // 100
    roles = ["admin"] * 2 + ["manager"] * n_mgr + ["volunteer"] * n_vol
    roles += ["case_worker"] * (args.staff - len(roles))
    users = []
    for i, role in enumerate(roles, start=1):
        name = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
        team = None if role == "admin" else TEAM_NAMES[i % len(TEAM_NAMES)]
        users.append(dict(id=i, email=f"staff{i:04d}@caseline.example", name=name, role=role,
                          team=team, password_hash=None, active=rng.random() > 0.03 or role != "case_worker",
                          capacity_hours=rng.choice([37.5, 37.5, 30.0, 22.5, 15.0]),
                          created_at=epoch + timedelta(days=rng.randint(0, 365 * YEARS_BACK))))
    loader.load(User.__table__, users)
    worker_ids = [u["id"] for u in users if u["role"] == "case_worker"]
    volunteer_ids = [u["id"] for u in users if u["role"] == "volunteer"]
    manager_ids = [u["id"] for u in users if u["role"] in ("manager", "admin")]

    loader.load(Pathway.__table__, [dict(id=i, name=n, colour=c, description=f"{n} pathway",
                                         archived=False, created_at=epoch)
                                    for i, (n, c) in enumerate(PATHWAYS, start=1)])
    loader.load(Tag.__table__, [dict(id=i, name=t) for i, t in enumerate(TAGS, start=1)])

    # --- people: ~0.75 per case, so some people have several cases over the years.
    n_people = max(1, args.cases * 3 // 4)

    def people() -> Iterator[dict[str, Any]]:
        for pid in range(1, n_people + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
            if rng.random() < 0.15:  # double-barrelled names make substring search realistic
                name += f"-{rng.choice(SURNAMES)}"
            created = epoch + timedelta(seconds=span_s * pid / (n_people + 1))
            yield dict(id=pid, name=name, name_search=name.lower(),
                       date_of_birth=date(rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28)),
                       phone=f"07{rng.randint(100000000, 999999999)}" if rng.random() < 0.8 else None,
                       email=f"p{pid}@mail.example" if rng.random() < 0.5 else None,
                       address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                       postcode=f"AB{rng.randint(1, 99)} {rng.randint(1, 9)}XY",
                       created_at=created, updated_at=created)
    loader.load(Person.__table__, people())

    # --- cases: ids in creation order, start dates spread over the years; recent ones open.
    status_of: list[str] = [""] * (args.cases + 1)
    for cid in range(1, args.cases + 1):
        age = 1 - cid / args.cases  # 0 = newest
        # Open/paused cases are mostly recent; ~10% open and ~3% paused overall.
        p_open = 0.30 if age < 0.25 else 0.035
        r = rng.random()
        status_of[cid] = "open" if r < p_open else "paused" if r < p_open * 1.3 else "closed"
    open_ids = [c for c in range(1, args.cases + 1) if status_of[c] == "open"]
    counts, target_case = interaction_counts(rng, args.cases, args.interactions, open_ids)

    # Per case, kept for the interaction pass: start second, last interaction second, worker.
    start_s = [0.0] * (args.cases + 1)
    last_s: list[float | None] = [None] * (args.cases + 1)
    worker_of: list[int | None] = [None] * (args.cases + 1)
    person_seq = list(range(1, n_people + 1))
    rng.shuffle(person_seq)

    def cases() -> Iterator[dict[str, Any]]:
        for cid in range(1, args.cases + 1):
            status = status_of[cid]
            start = span_s * (cid - 1) / args.cases + rng.uniform(0, 3600)
            # Closed cases ran 1-24 months; open ones are still running (end = now).
            end = min(span_s - 3600, start + rng.uniform(30, 720) * 86400) if status == "closed" \
                else span_s - 60
            end = max(end, start + 60)
            k = counts[cid]
            last = start + (end - start) * rng.random() ** (1 / k) if k else None  # max of k uniforms
            if cid == target_case or (k >= 500 and last is not None):
                last = end  # long-running cases are active today
            start_s[cid], last_s[cid] = start, last
            worker: int | None
            if status != "closed" and rng.random() < 0.06:
                worker = None  # waiting to be claimed
            else:
                worker = rng.choice(volunteer_ids) if volunteer_ids and rng.random() < 0.08 \
                    else rng.choice(worker_ids)
            worker_of[cid] = worker
            person = person_seq[cid - 1] if cid <= n_people else rng.randint(1, n_people)
            concern = rng.choices(("low", "medium", "high"), (62, 27, 11))[0]
            start_dt = epoch + timedelta(seconds=start)
            yield dict(id=cid, reference=f"CL-{cid:05d}", person_id=person, worker_id=worker,
                       pathway_id=rng.choices(range(1, 9), (25, 18, 15, 10, 12, 8, 7, 5))[0],
                       status=status, concern_level=concern, start_date=start_dt.date(),
                       end_date=(epoch + timedelta(seconds=end)).date() if status == "closed" else None,
                       last_interaction_at=epoch + timedelta(seconds=last) if last is not None else None,
                       created_at=start_dt, updated_at=epoch + timedelta(seconds=last or start),
                       version=1)
    loader.load(Case.__table__, cases())

    def case_tags() -> Iterator[dict[str, Any]]:
        for cid in range(1, args.cases + 1):
            if rng.random() < 0.3:
                for tag in rng.sample(range(1, len(TAGS) + 1), rng.choice((1, 1, 2, 3))):
                    yield dict(case_id=cid, tag_id=tag)
    loader.load(CaseTag.__table__, case_tags())

    def history() -> Iterator[tuple[str, dict[str, Any]]]:
        for cid in range(1, args.cases + 1):
            at = epoch + timedelta(seconds=start_s[cid])
            by = rng.choice(manager_ids)
            yield "status", dict(case_id=cid, old_status=None, new_status="open", changed_by_id=by,
                                 changed_at=at, reason=None)
            if status_of[cid] != "open":
                yield "status", dict(case_id=cid, old_status="open", new_status=status_of[cid],
                                     changed_by_id=by, changed_at=at + timedelta(days=30), reason=None)
            if worker_of[cid] is not None:
                yield "assign", dict(case_id=cid, old_worker_id=None, new_worker_id=worker_of[cid],
                                     changed_by_id=by, changed_at=at, reason=None)
    status_rows, assign_rows = [], []
    for kind, row in history():
        (status_rows if kind == "status" else assign_rows).append(row)
    loader.load(StatusChange.__table__, status_rows)
    loader.load(Assignment.__table__, assign_rows)
    del status_rows, assign_rows

    # --- interactions, in (case, time) order so index pages fill sequentially.
    notes = note_pool(rng)
    outcomes = ["Referred on", "Follow-up booked", "Form submitted", "No answer", None, None, None, None]
    kinds_cum = list(_cumulative(KIND_WEIGHTS))
    attachments: list[dict[str, Any]] = []

    def interactions() -> Iterator[dict[str, Any]]:
        iid = 0
        rnd, choice = rng.random, rng.choice
        for cid in range(1, args.cases + 1):
            k = counts[cid]
            last = last_s[cid]
            if not k or last is None:
                continue
            start = start_s[cid]
            times = sorted([start + (last - start) * rnd() for _ in range(k - 1)])
            times.append(last)
            owner = worker_of[cid] or choice(worker_ids)
            for t in times:
                iid += 1
                at = epoch + timedelta(seconds=t)
                author = owner if rnd() < 0.8 else choice(worker_ids)
                if rnd() < 0.01:
                    attachments.append(dict(interaction_id=iid, display_name="letter.pdf",
                                            content_type="application/pdf", size_bytes=120_000,
                                            storage_key=f"{iid:032x}{cid:032x}"[:64], thumbnail_key=None,
                                            width=None, height=None, created_at=at))
                yield dict(id=iid, case_id=cid,
                           kind=rng.choices(KINDS, cum_weights=kinds_cum)[0],
                           occurred_at=at, author_id=author, text=choice(notes),
                           private=rnd() < 0.05, outcome=choice(outcomes),
                           concern_level=None, client_ref=None, generated_by=None,
                           created_at=at + timedelta(minutes=5))
    loader.load(Interaction.__table__, interactions())
    loader.load(Attachment.__table__, attachments)

    def concern_changes() -> Iterator[dict[str, Any]]:
        for cid in range(1, args.cases + 1):
            if rng.random() < 0.3:
                yield dict(case_id=cid, old_level="low", new_level=rng.choice(("medium", "high")),
                           changed_by_id=rng.choice(manager_ids),
                           changed_at=epoch + timedelta(seconds=start_s[cid] + 86400), interaction_id=None)
    loader.load(ConcernChange.__table__, concern_changes())

    if engine.dialect.name == "postgresql":
        # Explicit ids bypass the sequences; move them past the data so the app can insert.
        with engine.begin() as conn:
            for table in (User, Pathway, Tag, Person, Case, StatusChange, Assignment, Interaction,
                          Attachment, ConcernChange):
                name = table.__table__.name
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM \"{name}\"))")

    t_an = time.perf_counter()
    with engine.begin() as conn:
        # Planner statistics, as a maintained production database would have.
        conn.exec_driver_sql("ANALYZE")
    print(f"  {'ANALYZE':<16} {'':>10}       {time.perf_counter() - t_an:7.1f} s")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    meta = dict(db=engine.dialect.name, cases=args.cases, interactions=args.interactions,
                staff=args.staff, people=n_people, open_cases=len(open_ids),
                timeline_case_id=target_case, timeline_case_interactions=counts[target_case],
                generated_at=now.isoformat(), seed=args.seed)
    (args.data_dir.resolve() / "bench_meta.json").write_text(json.dumps(meta, indent=2))
    total = time.perf_counter() - t0
    print(f"total {total:.1f} s; 500-interaction case id {target_case}; meta in "
          f"{args.data_dir / 'bench_meta.json'}")
    return 0


def _cumulative(weights: list[int]) -> Iterator[int]:
    acc = 0
    for w in weights:
        acc += w
        yield acc


if __name__ == "__main__":
    raise SystemExit(main())
