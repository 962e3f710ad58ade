"""Time the cases list and the case timeline through the real services, against bare SQL.

Run: python -m bench.db_bench --data-dir /tmp/cl [--db-url URL] [--runs 50] [--explain FILE]
(data made by ``python -m bench.generate``). Budgets (DESIGN, 2 cores): cases list p95 <= 30 ms and
<= 1.5x the bare SQL query; timeline first page (500-interaction case) p95 <= 50 ms.

The bare baseline is the exact SELECT the service sends (captured from the engine's cursor events
during a warm-up call) replayed on the same engine, so the ratio measures the service's own
overhead: the COUNT query, the tags query, ORM row building, formatting and the audit write.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

BUDGET_LIST_MS = 30.0
BUDGET_RATIO = 1.5
BUDGET_TIMELINE_MS = 50.0
WARMUP = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", required=True, type=Path)
    p.add_argument("--db-url", default="")
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--explain", type=Path, default=None, help="write query plans to this file")
    return p.parse_args(argv)


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile in ms (p95 of 50 runs = the 48th value)."""
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k] * 1000


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


@dataclass
class Captured:
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def find(self, *needles: str) -> tuple[str, Any] | None:
        for stmt, params in self.statements:
            low = " ".join(stmt.lower().split())
            if all(n in low for n in needles):
                return stmt, params
        return None


@contextmanager
def capture(engine: Any) -> Iterator[Captured]:
    """Record every statement (and its parameters) the engine sends while the block runs."""
    from sqlalchemy import event

    got = Captured()

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        got.statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield got
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@contextmanager
def audit_disabled() -> Iterator[None]:
    """Swap the audit write for a no-op (in this process only) to price it separately."""
    from caseapp import audit

    original = audit.record
    audit.record = lambda *a, **k: None  # type: ignore[assignment]
    try:
        yield
    finally:
        audit.record = original  # type: ignore[assignment]


def replay(engine: Any, stmt: str, params: Any) -> Callable[[], Any]:
    """The bare query: the same SQL text and parameters, rows fetched, no ORM, no commit."""
    def run() -> Any:
        with engine.connect() as conn:
            return conn.exec_driver_sql(stmt, params).fetchall()
    return run


def explain(engine: Any, stmt: str, params: Any) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params).fetchall()
            return "\n".join(f"{r[0]:>3} {r[1]:>3}  {r[3]}" for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params).fetchall()
        return "\n".join(r[0] for r in rows)


@dataclass
class Result:
    name: str
    svc: list[float]
    svc_noaudit: list[float]
    sql: list[float]
    count: list[float]
    rows: int
    total: int

    def figures(self) -> dict[str, float]:
        sql95 = pct(self.sql, 95)
        return dict(
            svc_p50=pct(self.svc, 50), svc_p95=pct(self.svc, 95),
            noaudit_p95=pct(self.svc_noaudit, 95), sql_p50=pct(self.sql, 50), sql_p95=sql95,
            count_p95=pct(self.count, 95) if self.count else 0.0,
            ratio=pct(self.svc, 95) / sql95 if sql95 else 0.0,
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()
    os.environ["CASEAPP_DATA_DIR"] = str(data_dir)
    os.environ["CASEAPP_DB_URL"] = args.db_url or f"sqlite:///{data_dir / 'caseline.db'}"
    meta = json.loads((data_dir / "bench_meta.json").read_text())

    # Imports after the environment is set: settings() and engine() are cached on first use.
    from sqlmodel import Session, col, func, select

    from caseapp.actor import Actor
    from caseapp.cases import CaseFilters, list_cases
    from caseapp.db import engine as get_engine
    from caseapp.interactions import timeline
    from caseapp.models import Case, Person, Tag, User

    engine = get_engine()
    with Session(engine) as db:
        manager = db.exec(select(User).where(User.role == "manager", User.active)
                          .order_by(User.id)).first()
        # The busiest case worker: the worst realistic "my cases" and team visibility.
        busiest = db.exec(select(Case.worker_id, func.count()).join(User, User.id == Case.worker_id)
                          .where(User.role == "case_worker", Case.status == "open")
                          .group_by(Case.worker_id).order_by(func.count().desc())).first()
        worker_user = db.get(User, busiest[0]) if busiest else None
        tag = db.exec(select(Tag.name).order_by(Tag.id)).first() or ""
        # A surname fragment that matches many people, and one reference that exists.
        fragment = (db.exec(select(Person.name_search).order_by(Person.id)).first() or "son").split()[-1][:4]
        ref = db.exec(select(Case.reference).where(Case.status == "open")
                      .order_by(col(Case.id).desc())).first() or "CL-00001"
        n_cases = db.exec(select(func.count()).select_from(Case)).one()
    assert manager is not None and worker_user is not None
    mgr, cw = Actor.of(manager), Actor.of(worker_user)

    base = CaseFilters(status="open", sort="last_interaction", descending=True, page=1, page_size=50)
    scenarios: list[tuple[str, Actor, CaseFilters]] = [
        ("default (open, last interaction)", mgr, base),
        ("default, case worker", cw, base),
        ("status=closed", mgr, replace(base, status="closed")),
        ("status=paused", mgr, replace(base, status="paused")),
        ("concern=high", mgr, replace(base, concern_level="high")),
        ("worker=<id>", mgr, replace(base, worker=str(worker_user.id))),
        ("worker=me, case worker", cw, replace(base, worker="me")),
        ("pathway=1", mgr, replace(base, pathway_id=1)),
        (f"tag={tag}", mgr, replace(base, tag=tag)),
        (f"search name '{fragment}'", mgr, replace(base, search=fragment)),
        (f"search name '{fragment}', any status", mgr, replace(base, status="", search=fragment)),
        (f"search ref {ref}", mgr, replace(base, status="", search=ref)),
    ]
    for sort in ("name", "worker", "status", "concern", "pathway", "start"):
        scenarios.append((f"sort={sort}", mgr, replace(base, sort=sort)))
    scenarios.append(("sort=last_interaction asc", mgr, replace(base, descending=False)))
    scenarios.append(("deep page 200 (open)", mgr, replace(base, page=200)))
    scenarios.append(("deep page 200 (any status)", mgr, replace(base, status="", page=200)))

    results: list[Result] = []
    plans: list[str] = []
    for name, actor, filters in scenarios:
        with capture(engine) as got:
            page = list_cases(actor, filters)
        main_q = got.find("select", "from", "join person", "order by", "limit")
        count_q = got.find("count(*)")
        assert main_q is not None and count_q is not None, f"could not capture SQL for {name}"

        def svc(a: Actor = actor, f: CaseFilters = filters) -> Any:
            return list_cases(a, f)

        svc_t = timed(svc, args.runs)
        with audit_disabled():
            noaudit_t = timed(svc, args.runs)
        sql_t = timed(replay(engine, *main_q), args.runs)
        count_t = timed(replay(engine, *count_q), args.runs)
        results.append(Result(name, svc_t, noaudit_t, sql_t, count_t, len(page.rows), page.total))
        if args.explain:
            plans.append(f"### {name}\n\nSELECT:\n```\n{explain(engine, *main_q)}\n```\n"
                         f"COUNT:\n```\n{explain(engine, *count_q)}\n```\n")
        print(".", end="", flush=True)

    # Timeline: first page of the 500-interaction case, as a manager and as its worker's peer.
    tl_case = int(meta["timeline_case_id"])
    tl_results: list[Result] = []
    for label, actor in (("timeline 500-case, manager", mgr),):
        with capture(engine) as got:
            tl = timeline(actor, tl_case)
        main_q = got.find("from interaction", "order by", "limit")
        assert main_q is not None

        def svc_tl(a: Actor = actor) -> Any:
            return timeline(a, tl_case)

        svc_t = timed(svc_tl, args.runs)
        with audit_disabled():
            noaudit_t = timed(svc_tl, args.runs)
        sql_t = timed(replay(engine, *main_q), args.runs)
        tl_results.append(Result(label, svc_t, noaudit_t, sql_t, [], len(tl.items), 500))
        if args.explain:
            plans.append(f"### {label}\n\n```\n{explain(engine, *main_q)}\n```\n"
                         f"SQL:\n```sql\n{main_q[0]}\n```\n")
    print()

    header = (f"{'scenario':<40} {'rows':>4} {'total':>7} {'svc p50':>8} {'svc p95':>8} "
              f"{'-audit':>7} {'sql p50':>8} {'sql p95':>8} {'count':>7} {'ratio':>6}")
    print(f"db={engine.dialect.name} cases={n_cases:,} runs={args.runs} "
          f"(ms; '-audit' = service p95 without the audit write; ratio = svc p95 / sql p95)")
    print(header)
    print("-" * len(header))
    for r in results + tl_results:
        f = r.figures()
        print(f"{r.name[:40]:<40} {r.rows:>4} {r.total:>7} {f['svc_p50']:>8.1f} {f['svc_p95']:>8.1f} "
              f"{f['noaudit_p95']:>7.1f} {f['sql_p50']:>8.1f} {f['sql_p95']:>8.1f} "
              f"{f['count_p95']:>7.1f} {f['ratio']:>6.2f}")

    default = results[0].figures()
    worst = max(results, key=lambda r: r.figures()["svc_p95"])
    tlf = tl_results[0].figures()
    summary = dict(
        db=engine.dialect.name, cases=n_cases, interactions=meta.get("interactions"), runs=args.runs,
        cases_list_p50_ms=round(default["svc_p50"], 2), cases_list_p95_ms=round(default["svc_p95"], 2),
        cases_list_sql_p95_ms=round(default["sql_p95"], 2),
        cases_list_count_p95_ms=round(default["count_p95"], 2),
        cases_list_ratio_to_sql=round(default["ratio"], 2),
        cases_list_worst=worst.name, cases_list_worst_p95_ms=round(worst.figures()["svc_p95"], 2),
        cases_list_over_budget=[r.name for r in results if r.figures()["svc_p95"] > BUDGET_LIST_MS],
        timeline_p50_ms=round(tlf["svc_p50"], 2), timeline_p95_ms=round(tlf["svc_p95"], 2),
        timeline_sql_p95_ms=round(tlf["sql_p95"], 2), timeline_ratio_to_sql=round(tlf["ratio"], 2),
        scenarios={r.name: {k: round(v, 2) for k, v in r.figures().items()} for r in results + tl_results},
    )
    if args.explain:
        args.explain.write_text("\n".join(plans))
        print(f"plans written to {args.explain}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
