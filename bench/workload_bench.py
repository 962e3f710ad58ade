"""Time the workload page's service (``caseapp.workload.team_workload``) as an admin, against the
bare SQL GROUP BY it is built on, in the same run.

Run: python -m bench.workload_bench --db URL [--runs 50]
     (data made by ``python -m bench.generate``: 500 staff, 200,000 cases, 20,000 open)
Budget (DESIGN.md §6): workload for 500 staff <= 100 ms (p95).

``run(db_url)`` is what ``make bench`` calls; it returns the figures in milliseconds:
workload_ms (p95 of team_workload), workload_p50_ms, sql_ms (p95 of the bare grouped count),
ratio (workload p95 / bare p95), attention_ms (p95 of the needs-attention list), staff and cases.

The bare baseline is the one grouped count per worker, status and concern level over Open and
Paused cases, sent as text on the same engine with rows fetched and nothing else: the ratio is
what the service adds (the staff and pathway queries, the arithmetic, the audit write).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

BUDGET_MS = 100.0
WARMUP = 3
BARE_SQL = ("SELECT status, worker_id, concern_level, count(*) FROM \"case\" "
            "WHERE status IN ('open', 'paused') GROUP BY status, worker_id, concern_level")


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile, in ms."""
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k] * 1000


def timed(fn: Callable[[], Any], runs: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds per call; ``cpu`` (if given) gets this process's CPU seconds per call,
    which on a shared machine says what the call costs without the wait for a free core."""
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.append(time.process_time() - c)
    return out


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _point_at(db_url: str) -> None:
    """Make caseapp use ``db_url`` from now on (settings and the engine are cached)."""
    from caseapp import config, db

    os.environ["CASEAPP_DB_URL"] = db_url
    if db.engine.cache_info().currsize:
        db.engine().dispose()
    config.settings.cache_clear()
    db.engine.cache_clear()


def run(db_url: str, runs: int = 50) -> dict[str, float]:
    _point_at(db_url)
    from sqlmodel import Session, func, select

    from caseapp import workload
    from caseapp.actor import Actor
    from caseapp.db import engine as get_engine
    from caseapp.models import Case, User

    engine = get_engine()
    with Session(engine) as s:
        admin = s.exec(select(User).where(User.role == "admin", User.active)
                       .order_by(User.id)).first()
        n_cases = s.exec(select(func.count()).select_from(Case)).one()
    if admin is None:
        raise SystemExit("no active admin in that database: make it with python -m bench.generate")
    actor = Actor.of(admin)

    def bare() -> Any:
        with engine.connect() as conn:
            return conn.exec_driver_sql(BARE_SQL).fetchall()

    result = workload.team_workload(actor)
    load_before = load_average()
    svc_cpu: list[float] = []
    sql_cpu: list[float] = []
    svc = timed(lambda: workload.team_workload(actor), runs, svc_cpu)
    sql = timed(bare, runs, sql_cpu)
    attention = timed(lambda: workload.needs_attention(actor), max(10, runs // 2))
    sql95 = pct(sql, 95)
    return {
        "workload_ms": pct(svc, 95),
        "workload_p50_ms": pct(svc, 50),
        "sql_ms": sql95,
        "ratio": pct(svc, 95) / sql95 if sql95 else 0.0,
        # CPU time of this process: for SQLite (in process) the cost without queueing for a
        # core; for PostgreSQL it leaves out the server's own work.
        "workload_cpu_ms": pct(svc_cpu, 95),
        "sql_cpu_ms": pct(sql_cpu, 95),
        "load_average": max(load_before, load_average()),
        "attention_ms": pct(attention, 95),
        "staff": float(len(result.staff)),
        "cases": float(n_cases),
        "open_cases": float(result.totals.open_cases),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:////tmp/cl/caseline.db")
    p.add_argument("--runs", type=int, default=50)
    args = p.parse_args(argv)
    figures = run(args.db, args.runs)
    print(f"team_workload ({figures['staff']:.0f} staff, {figures['cases']:,.0f} cases, "
          f"{figures['open_cases']:,.0f} open or paused): p50 {figures['workload_p50_ms']:.1f} "
          f"ms, p95 {figures['workload_ms']:.1f} ms (budget {BUDGET_MS:.0f} ms)")
    print(f"bare GROUP BY p95 {figures['sql_ms']:.1f} ms; service / bare = "
          f"{figures['ratio']:.2f}x")
    print(f"CPU time of this process, p95: service {figures['workload_cpu_ms']:.1f} ms, bare "
          f"{figures['sql_cpu_ms']:.1f} ms (load average {figures['load_average']:.1f})")
    print(f"needs attention (first {100} rows and the count) p95 {figures['attention_ms']:.1f} ms")
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}))
    return 0 if figures["workload_ms"] <= BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
