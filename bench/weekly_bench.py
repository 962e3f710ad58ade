"""Weekly summaries of 1,000 cases against a fake OpenAI-compatible endpoint that takes 1 s per
answer: wall time against the ideal, ceil(cases / concurrency) x latency.

Run: python -m bench.weekly_bench [--cases 1000] [--concurrency 8] [--latency 1.0]
Budget (DESIGN.md §6): wall time <= 1.3 x (1,000 x 1 s / concurrency).

The fake server runs in its own process (tests/fake_openai.py), so its event loop does not share
this process's interpreter lock; the summaries run through the real runner, client and
pseudonymiser, on a small generated SQLite database in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

BUDGET_RATIO = 1.3
ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [
    "Met at the drop-in; she is behind on rent and worried about the landlord's letter.",
    "Phone call: the food bank referral went through and a parcel is booked for Friday.",
    "Home visit. The flat was cold and he has not been eating properly since the benefit stopped.",
    "She said things at home are calmer and the children are back at school.",
    "Agreed to apply for a discretionary housing payment together next week.",
    "He missed the GP appointment again and says the new tablets make him sleepy.",
]


STAFF = 500
FIRST = ["Sarah", "Imran", "Megan", "Daniel", "Aisha", "Tom", "Grace", "Kwame", "Zofia", "Liam"]
LAST = [f"Surname{chr(65 + k % 26)}{k}" for k in range(50)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(cases: int) -> object:
    """A manager, 500 staff and ``cases`` open cases with two or three notes each in the last
    week, some naming the case's worker as notes do."""
    from sqlmodel import Session

    from caseapp.actor import Actor
    from caseapp.db import engine
    from caseapp.models import Case, Interaction, Pathway, Person, User

    rng = random.Random(7)
    now = datetime.now(UTC)
    with Session(engine()) as db:
        # 500 staff, as in the reference data: every staff name is one the pseudonymiser hides.
        staff = [User(email=f"worker{k}@example.org", name=f"{rng.choice(FIRST)} {LAST[k % 50]}{k}",
                      role="case_worker", team=f"Team {k % 25}") for k in range(STAFF)]
        manager = User(email="manager@example.org", name="Daniel Osei", role="manager",
                       team="Central")
        pathway = Pathway(name="Housing Support")
        db.add_all([*staff, manager, pathway])
        db.flush()
        for k in range(cases):
            person = Person(name=f"Client Person{k}", name_search=f"client person{k}")
            db.add(person)
            db.flush()
            case = Case(reference=f"CL-{k + 1:05d}", person_id=person.id,  # type: ignore[arg-type]
                        worker_id=staff[k % len(staff)].id, pathway_id=pathway.id,  # type: ignore[arg-type]
                        concern_level=rng.choice(["low", "medium", "high"]),
                        start_date=date.today() - timedelta(days=90))
            db.add(case)
            db.flush()
            last = None
            for n in range(rng.choice([2, 3])):
                last = now - timedelta(days=rng.uniform(0, 6.5), minutes=n)
                worker = staff[k % len(staff)]
                text = " ".join(rng.sample(SENTENCES, 2))
                if n == 0:
                    text += f" {person.name.split()[0]} asked for {worker.name.split()[0]} next time."
                db.add(Interaction(case_id=case.id, occurred_at=last,  # type: ignore[arg-type]
                                   author_id=case.worker_id,  # type: ignore[arg-type]
                                   text=text))
            case.last_interaction_at = last
        db.commit()
        db.refresh(manager)
        return Actor.of(manager)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per answer")
    args = parser.parse_args(argv)

    data = Path(tempfile.mkdtemp(prefix="weekly-bench-"))
    port = _free_port()
    os.environ.update({"CASEAPP_DATA_DIR": str(data), "CASEAPP_AI_MODEL": "fake-model",
                       "CASEAPP_AI_BASE_URL": f"http://127.0.0.1:{port}/v1",
                       "CASEAPP_AI_MAX_RETRIES": "0", "CASEAPP_AI_TIMEOUT_SECONDS": "30"})
    os.environ.pop("CASEAPP_DB_URL", None)
    fake = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", "--port", str(port),
                             "--delay", str(args.latency)], cwd=ROOT)
    try:
        # Imports after the environment is set: settings() and engine() are cached on first use.
        from caseapp.ai import weekly
        from caseapp.migrate import upgrade_to_head

        upgrade_to_head()
        manager = _seed(args.cases)
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "fake server did not start"
                time.sleep(0.1)

        run_id = weekly.start_run(manager, 7)  # type: ignore[arg-type]
        start = time.perf_counter()
        weekly.WeeklyRunner(concurrency=args.concurrency).process(run_id)
        wall = time.perf_counter() - start
        progress = weekly.progress(manager, run_id)  # type: ignore[arg-type]
        stats = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=5).json()

        # A second run over the same, unchanged cases: every one is skipped, nothing is sent.
        again = weekly.start_run(manager, 7)  # type: ignore[arg-type]
        start = time.perf_counter()
        weekly.WeeklyRunner(concurrency=args.concurrency).process(again)
        rerun = time.perf_counter() - start
        rerun_progress = weekly.progress(manager, again)  # type: ignore[arg-type]
        rerun_sent = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=5).json()["requests"] \
            - stats["requests"]
    finally:
        fake.terminate()
        fake.wait(timeout=10)

    ideal = math.ceil(progress.total / args.concurrency) * args.latency
    ratio = wall / ideal if ideal else float("nan")
    ok = progress.done == progress.total and ratio <= BUDGET_RATIO
    print(f"weekly summaries: {progress.total} cases, concurrency {args.concurrency}, "
          f"endpoint latency {args.latency:.1f} s (fake server, separate process)")
    print(f"  done {progress.done}, skipped {progress.skipped}, failed {progress.failed}; "
          f"requests {stats['requests']}, most in flight at once {stats['max_in_flight']}")
    print(f"  wall time {wall:.1f} s; ideal ceil({progress.total}/{args.concurrency}) x "
          f"{args.latency:.1f} s = {ideal:.1f} s; ratio {ratio:.3f} "
          f"(budget <= {BUDGET_RATIO}) {'PASS' if ok else 'FAIL'}")
    print(f"  re-run, nothing changed: {rerun_progress.skipped} skipped, {rerun_sent} requests, "
          f"{rerun:.1f} s")
    print(json.dumps({
        "cases": progress.total, "concurrency": args.concurrency, "latency_s": args.latency,
        "wall_s": round(wall, 2), "ideal_s": ideal, "ratio": round(ratio, 3),
        "budget_ratio": BUDGET_RATIO, "within_budget": ok, "done": progress.done,
        "failed": progress.failed, "requests": stats["requests"],
        "max_in_flight": stats["max_in_flight"], "rerun_skipped": rerun_progress.skipped,
        "rerun_requests": rerun_sent, "rerun_s": round(rerun, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
