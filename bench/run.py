"""`make bench`: Caseline's budgets (DESIGN.md §6) measured at the reference size, on SQLite or
PostgreSQL, ending with one JSON line of the figures.

Run: python -m bench.run [--db sqlite|postgres] [--runs 30] [--clients 50]
     python -m bench.run --db postgres --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/caseline_bench

1. Reference data (200,000 cases / 20,000 open, 2,000,000 interactions, 500 staff) made by
   ``bench.generate`` into data/bench/<db>/ (SQLite) or the caseline_bench database, and reused
   while bench_meta.json says it is the same size and seed. Then migrated to head (new indexes
   apply to old data) and 60 staff get a known password for the socket clients.
2. In this process, through the real service functions, each beside its bare SQL measured in the
   same run: cases list (each filter, each sort, search, deep pages), the timeline of the case
   with 500 interactions, saving an interaction. Then ``bench.workload_bench.run`` if present.
3. A real server (``reflex run --env prod --backend-only`` on the bench database): memory per
   connected session (idle sessions on a case page: backend RSS growth / sessions, and the
   pickled size of one session's state), then N concurrent clients each signing in with POST
   /auth/sign-in, opening a case page over the websocket and saving interactions the way the page
   does (bench/ws_clients.py): click-to-visible-in-timeline latency p50/p95/p99 and errors.
   Afterwards the audit trail's hash chain is verified.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/caseline_bench"
BENCH_PASSWORD = "bench-password-2026"
BENCH_USERS = 60
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
BUDGETS = dict(cases_list_p95_ms=30.0, cases_list_ratio_to_sql=1.5, timeline_p95_ms=50.0,
               save_p95_ms_50_clients=300.0, workload_ms=100.0, session_memory_kb=1024.0)
WARMUP = 3


# --- timing helpers -----------------------------------------------------------------------------

def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile of seconds, in ms (p95 of 30 runs = the 29th value)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k] * 1000


# CPU seconds of this thread per timed call, keyed by the list timed() returned. On a shared
# machine wall-clock time mostly measures the queue for a core; CPU time is the work itself
# (all of it on SQLite, which runs inside this process; only the client side on PostgreSQL).
CPU: dict[int, list[float]] = {}


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        out.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    CPU[id(out)] = cpu
    return out


def cpu_of(samples: list[float]) -> list[float]:
    return CPU.get(id(samples), [])


@contextmanager
def capture(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with parameters) the engine sends while the block runs."""
    from sqlalchemy import event

    got: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        got.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield got
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def bare_reads(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The reads a page needs, as sent: every SELECT except the audit chain's bookkeeping."""
    return [(s, p) for s, p in statements
            if s.lstrip().upper().startswith("SELECT") and "audit_chain_head" not in s]


def replay(engine: Any, statements: list[tuple[str, Any]]) -> Callable[[], Any]:
    """The bare SQL: the same statements and parameters on one connection, rows fetched, no ORM,
    no formatting, no audit write, no commit."""
    def run() -> None:
        with engine.connect() as conn:
            for stmt, params in statements:
                conn.exec_driver_sql(stmt, params).fetchall()
    return run


# --- data ---------------------------------------------------------------------------------------

def configure(db: str, data_dir: Path, pg_url: str) -> str:
    """Point caseapp at the bench database; must run before caseapp is imported (cached)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = pg_url if db == "postgres" else f"sqlite:///{data_dir.resolve() / 'caseline.db'}"
    os.environ["CASEAPP_DATA_DIR"] = str(data_dir.resolve())
    os.environ["CASEAPP_DB_URL"] = url
    return url


def _recreate_pg(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def ensure_data(db: str, url: str, data_dir: Path, cases: int, interactions: int,
                staff: int) -> dict[str, Any]:
    """Generate the reference data unless bench_meta.json says it is already there."""
    meta_path = data_dir / "bench_meta.json"
    want = dict(cases=cases, interactions=interactions, staff=staff)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    same = meta and all(meta.get(k) == v for k, v in want.items()) and \
        meta.get("db") == ("postgresql" if db == "postgres" else "sqlite")
    if same and db == "sqlite" and not (data_dir / "caseline.db").exists():
        same = False
    if same and db == "postgres":
        try:
            from sqlalchemy import create_engine, text
            eng = create_engine(url)
            with eng.connect() as conn:
                same = conn.execute(text('SELECT count(*) FROM "case"')).scalar_one() >= cases
            eng.dispose()
        except Exception:  # noqa: BLE001 - no database yet: generate it
            same = False
    if same:
        print(f"reusing the reference data in {url} (generated {meta.get('generated_at')})",
              flush=True)
        return meta
    print(f"generating {cases:,} cases / {interactions:,} interactions / {staff} staff into "
          f"{url} ...", flush=True)
    meta_path.unlink(missing_ok=True)
    if db == "postgres":
        _recreate_pg(url)
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "bench.generate", "--data-dir", str(data_dir), "--cases",
           str(cases), "--interactions", str(interactions), "--staff", str(staff)]
    if db == "postgres":
        cmd += ["--db-url", url]
    subprocess.run(cmd, cwd=ROOT, check=True)
    meta = json.loads(meta_path.read_text())
    meta["generate_s"] = round(time.perf_counter() - started, 1)
    meta["vacuumed"] = False
    meta_path.write_text(json.dumps(meta, indent=2))
    return meta


def prepare(meta: dict[str, Any], data_dir: Path) -> None:
    """Migrate to head, give the bench staff a password, and (PostgreSQL, once) VACUUM, as
    autovacuum would have on a database in use: index-only scans need the visibility map."""
    from sqlalchemy import text

    from caseapp.auth.passwords import hash_password
    from caseapp.db import engine
    from caseapp.migrate import upgrade_to_head

    started = time.perf_counter()
    upgrade_to_head()
    eng = engine()
    if eng.dialect.name == "postgresql" and not meta.get("vacuumed"):
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        meta["vacuumed"] = True
        (data_dir / "bench_meta.json").write_text(json.dumps(meta, indent=2))
    with eng.begin() as conn:
        conn.execute(text(
            'UPDATE "user" SET password_hash = :h WHERE id IN (SELECT id FROM "user" '
            "WHERE role = 'case_worker' AND active ORDER BY id LIMIT :n)"),
            {"h": hash_password(BENCH_PASSWORD), "n": BENCH_USERS})
    print(f"migrated and prepared in {time.perf_counter() - started:.1f} s", flush=True)


def bench_accounts(n: int) -> list[tuple[str, str, int]]:
    """(email, password, case id): bench case workers, each with an open case of their own."""
    from sqlalchemy import text

    from caseapp.db import engine

    with engine().connect() as conn:
        rows = conn.execute(text(
            'SELECT u.email, (SELECT c.id FROM "case" c WHERE c.worker_id = u.id AND '
            "c.status = 'open' ORDER BY c.id DESC LIMIT 1) FROM \"user\" u "
            "WHERE u.password_hash IS NOT NULL AND u.role = 'case_worker' ORDER BY u.id")).all()
    accounts = [(e, BENCH_PASSWORD, int(c)) for e, c in rows if c is not None]
    if not accounts:
        raise RuntimeError("no bench case worker has an open case")
    return [accounts[i % len(accounts)] for i in range(n)]


# --- in-process measurements --------------------------------------------------------------------

@dataclass
class Figure:
    name: str
    svc: list[float]
    sql: list[float]
    rows: int = 0
    total: str = ""

    def row(self) -> dict[str, float]:
        s95, b95 = pct(self.svc, 95), pct(self.sql, 95)
        return dict(svc_p50=pct(self.svc, 50), svc_p95=s95, sql_p50=pct(self.sql, 50),
                    sql_p95=b95, ratio=s95 / b95 if b95 else float("nan"),
                    cpu_p95=pct(cpu_of(self.svc), 95), sql_cpu_p95=pct(cpu_of(self.sql), 95))


def list_scenarios() -> list[tuple[str, Any, Any]]:
    from sqlmodel import Session, col, func, select

    from caseapp.actor import Actor
    from caseapp.cases import CaseFilters
    from caseapp.db import engine
    from caseapp.models import Case, Person, Tag, User

    with Session(engine()) as db:
        manager = db.exec(select(User).where(User.role == "manager", User.active)
                          .order_by(User.id)).first()
        busiest = db.exec(select(Case.worker_id, func.count()).join(User, User.id == Case.worker_id)
                          .where(User.role == "case_worker", Case.status == "open")
                          .group_by(Case.worker_id).order_by(func.count().desc())).first()
        worker_user = db.get(User, busiest[0]) if busiest else None
        tag = db.exec(select(Tag.name).order_by(Tag.id)).first() or ""
        name = db.exec(select(Person.name_search).order_by(Person.id)).first() or "smith"
        common = name.split()[-1][:4]  # a surname fragment many people share
        ref = db.exec(select(Case.reference).where(Case.status == "open")
                      .order_by(col(Case.id).desc())).first() or "CL-00001"
    assert manager is not None and worker_user is not None
    mgr, cw = Actor.of(manager), Actor.of(worker_user)
    # The list as it first opens: any status, most recent contact first, 50 rows.
    base = CaseFilters(sort="last_interaction", descending=True, page=1, page_size=50)
    out: list[tuple[str, Any, Any]] = [
        ("default (any status, recent first)", mgr, base),
        ("default, as a case worker", cw, base),
        ("status=open", mgr, replace(base, status="open")),
        ("status=closed", mgr, replace(base, status="closed")),
        ("status=paused", mgr, replace(base, status="paused")),
        ("concern=high", mgr, replace(base, concern_level="high")),
        ("open + concern=high", mgr, replace(base, status="open", concern_level="high")),
        ("worker=<busiest>", mgr, replace(base, worker=str(worker_user.id))),
        ("worker=me, case worker", cw, replace(base, worker="me")),
        ("worker=unassigned", mgr, replace(base, worker="unassigned")),
        ("pathway=1", mgr, replace(base, pathway_id=1)),
        ("pathway=8", mgr, replace(base, pathway_id=8)),
        (f"tag={tag}", mgr, replace(base, tag=tag)),
        (f"search '{common}'", mgr, replace(base, search=common)),
        ("search 'zzq' (no match)", mgr, replace(base, search="zzq")),
        (f"search '{common}', open", mgr, replace(base, status="open", search=common)),
        (f"search {ref.lower()}", mgr, replace(base, search=ref.lower())),
    ]
    for sort in ("name", "worker", "status", "concern", "pathway", "start"):
        out.append((f"sort={sort}", mgr, replace(base, sort=sort,
                                                 descending=sort not in ("name", "worker", "pathway"))))
    out.append(("sort=last interaction, oldest first", mgr, replace(base, descending=False)))
    out.append(("sort=name, open", mgr, replace(base, status="open", sort="name", descending=False)))
    out.append(("page 200 (any status)", mgr, replace(base, page=200)))
    out.append(("page 200, sort=concern", mgr, replace(base, page=200, sort="concern")))
    out.append(("page 40, status=open", mgr, replace(base, status="open", page=40)))
    return out


def explain(engine: Any, stmt: str, params: Any) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params).fetchall()
            return "\n".join(str(r[3]) for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params).fetchall()
        return "\n".join(r[0] for r in rows)


def page_queries(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The list's own reads (count, page ids), without the row, tag and settings look-ups."""
    heads = ("SELECT count(*)", 'SELECT "case".id', "SELECT anon_1.id")
    return [(s, p) for s, p in bare_reads(statements) if s.lstrip().startswith(heads)]


def measure_lists(runs: int, explain_to: Path | None = None) -> list[Figure]:
    from caseapp.cases import list_cases
    from caseapp.db import engine

    eng = engine()
    figures = []
    plans: list[str] = []
    for name, actor, filters in list_scenarios():
        with capture(eng) as got:
            page = list_cases(actor, filters)
        reads = bare_reads(got)
        if explain_to is not None:
            for stmt, params in page_queries(got):
                plans.append(f"### {name}\n\n```sql\n{stmt}\n```\n\n```\n"
                             f"{explain(eng, stmt, params)}\n```\n")
            if runs == 0:
                continue

        def svc(a: Any = actor, f: Any = filters) -> Any:
            return list_cases(a, f)

        figures.append(Figure(name, timed(svc, runs), timed(replay(eng, reads), runs),
                              len(page.rows), f"{page.total:,}{'+' if page.more else ''}"))
        print(".", end="", flush=True)
    print()
    if explain_to is not None:
        explain_to.write_text("\n".join(plans))
        print(f"plans written to {explain_to}")
    return figures


def measure_timeline(meta: dict[str, Any], runs: int) -> Figure:
    from sqlmodel import Session, select

    from caseapp.actor import Actor
    from caseapp.db import engine
    from caseapp.interactions import timeline
    from caseapp.models import User

    eng = engine()
    with Session(eng) as db:
        manager = db.exec(select(User).where(User.role == "manager").order_by(User.id)).first()
    assert manager is not None
    actor, case_id = Actor.of(manager), int(meta["timeline_case_id"])
    with capture(eng) as got:
        page = timeline(actor, case_id)
    fig = Figure("timeline first page (500 interactions)", timed(lambda: timeline(actor, case_id), runs),
                 timed(replay(eng, bare_reads(got)), runs), len(page.items), "500")
    return fig


def measure_save(runs: int) -> Figure:
    """One save through the service, one client at a time (the 50-client figure is below)."""
    from caseapp.actor import Actor
    from caseapp.db import engine, session_scope
    from caseapp.interactions import NewInteraction, add_interaction
    from caseapp.models import User

    email, _, case_id = bench_accounts(1)[0]
    from sqlmodel import select
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email)).one()
        actor = Actor.of(user)
    eng = engine()

    def svc() -> None:
        add_interaction(actor, case_id, NewInteraction(kind="phone_call",
                                                       text="Rang about the housing form."))

    with capture(eng) as got:
        svc()
    # The bare write: the interaction INSERT and the case UPDATE, committed.
    writes = [(s, p) for s, p in got if s.lstrip().upper().startswith(("INSERT INTO INTERACTION",
                                                                         "UPDATE \"CASE\""))]

    def bare() -> None:
        with eng.begin() as conn:
            for stmt, params in writes:
                conn.exec_driver_sql(stmt, params)

    return Figure("save an interaction (service, 1 client)", timed(svc, runs), timed(bare, runs), 1, "")


def measure_workload(url: str) -> tuple[float | None, str, dict[str, Any]]:
    try:
        from bench import workload_bench  # type: ignore[attr-defined]
    except ImportError as exc:
        return None, f"bench.workload_bench is not in this checkout ({exc})", {}
    try:
        got = workload_bench.run(url)
    except Exception as exc:  # noqa: BLE001 - reported in the JSON line, the rest still runs
        traceback.print_exc()
        return None, f"workload_bench.run failed: {type(exc).__name__}: {exc}", {}
    return float(got["workload_ms"]), "", got


# --- the running server -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - no Redis here: the bench runs one worker instead
        return False


def redis_used_bytes(url: str | None) -> int:
    if not url:
        return 0
    import redis

    return int(redis.Redis.from_url(url).info("memory")["used_memory"])


@contextmanager
def backend(log_path: Path, redis_url: str | None, timeout: float = 300
            ) -> Iterator[tuple[str, int]]:
    """``reflex run --env prod --backend-only`` on the bench database, in its own process group.
    With ``redis_url`` it is the scale-out layout: state in Redis, one worker per CPU x 2 + 1."""
    import httpx

    port = free_port()
    env = {**os.environ, "REFLEX_USE_SYSTEM_BUN": "1", "REFLEX_TELEMETRY_ENABLED": "false",
           "REFLEX_CHECK_LATEST_VERSION": "0", "CASEAPP_LOG_LEVEL": "WARNING"}
    env.pop("REFLEX_REDIS_URL", None)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # the bench's own Redis database number
        env["REFLEX_REDIS_URL"] = redis_url
    reflex = str(Path(sys.executable).parent / "reflex")
    with log_path.open("w") as log:
        proc = subprocess.Popen([reflex, "run", "--env", "prod", "--backend-only", "--backend-port",
                                 str(port), "--loglevel", "warning"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            url = f"http://127.0.0.1:{port}"
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the backend exited:\n{log_path.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the backend did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield url, proc.pid
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()


def tree_rss(pid: int) -> int:
    """Resident memory of the server process and everything it started (bytes)."""
    import psutil

    root = psutil.Process(pid)
    total = 0
    for p in [root, *root.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def pickled_session_kb(account: tuple[str, str, int]) -> float:
    """What one session's state weighs as Reflex's Redis (scale-out) and disk state managers
    store it: each substate's ``_serialize()`` (a pickle), summed over the root state, the
    session state, the case page and the cases list, after both pages' load handlers ran."""
    from reflex.istate.data import RouterData
    from reflex.state import State

    from caseapp.auth import sessions
    from state.case_page import CaseState
    from state.cases_list import CasesState

    token, _ = sessions.sign_in(account[0], account[1])
    root = State(_reflex_internal_init=True)  # type: ignore[call-arg]
    case_page = root.get_substate(CaseState.get_full_name().split(".")[1:])
    cases_list = root.get_substate(CasesState.get_full_name().split(".")[1:])
    path = f"/cases/{account[2]}"
    router = RouterData.from_router_data({
        "pathname": path, "asPath": path, "query": {"case_id": str(account[2])},
        "headers": {"cookie": f"{sessions.COOKIE_NAME}={token}"}})
    states = [root, case_page.parent_state, case_page, cases_list]
    for st in states:
        object.__setattr__(st, "router", router)  # as Reflex sets it for each event
    CaseState.load.fn(case_page)  # type: ignore[attr-defined]
    CasesState.load.fn(cases_list)  # type: ignore[attr-defined]
    if not case_page.items or not cases_list.rows:
        raise RuntimeError(f"the pages loaded nothing: {case_page.denied or cases_list.message}")
    return sum(len(st._serialize()) for st in states if st is not None) / 1024


async def _idle_memory(url: str, pid: int, accounts: list[tuple[str, str, int]],
                       redis_url: str | None) -> dict[str, Any]:
    from bench.ws_clients import open_idle

    # Warm the server first (first sign-in, first case page, imports, caches), then baseline.
    warm = await open_idle(url, accounts[:2])
    for c in warm:
        await c.close()
    await asyncio.sleep(1)
    before, redis_before = tree_rss(pid), redis_used_bytes(redis_url)
    clients = await open_idle(url, accounts)
    await asyncio.sleep(2)
    after, redis_after = tree_rss(pid), redis_used_bytes(redis_url)
    for c in clients:
        await c.close()
    # Server memory = the backend's processes plus, in the scale-out layout, what Redis holds.
    grown = (after - before) + (redis_after - redis_before)
    return dict(sessions=len(clients), rss_before_mb=round(before / 2**20, 1),
                rss_after_mb=round(after / 2**20, 1),
                redis_kb=round((redis_after - redis_before) / 1024, 1) if redis_url else None,
                per_session_kb=round(grown / len(clients) / 1024, 1))


def measure_server(log_dir: Path, clients: int, saves_each: int, idle: int,
                   think_s: float, redis_url: str | None) -> dict[str, Any]:
    from bench.ws_clients import run_clients

    out: dict[str, Any] = {}
    with backend(log_dir / "backend.log", redis_url) as (url, pid):
        started = time.perf_counter()
        out["idle"] = asyncio.run(_idle_memory(url, pid, bench_accounts(idle), redis_url))
        print(f"  idle sessions: {out['idle']} ({time.perf_counter() - started:.0f} s)", flush=True)
        result = asyncio.run(run_clients(url, bench_accounts(clients), saves_each))
        out["load"] = result
        print(f"  burst: {len(result.latencies)} saves in {result.wall_s:.1f} s, p95 "
              f"{pct(result.latencies, 95):.0f} ms, {len(result.errors)} errors", flush=True)
        if think_s:
            out["paced"] = paced = asyncio.run(run_clients(url, bench_accounts(clients), saves_each,
                                                           think_s))
            print(f"  paced (~{think_s:g} s between saves): {len(paced.latencies)} saves in "
                  f"{paced.wall_s:.1f} s, p95 {pct(paced.latencies, 95):.0f} ms, "
                  f"{len(paced.errors)} errors", flush=True)
    return out


def verify_audit() -> str:
    from caseapp.audit import verify_chain
    from caseapp.db import session_scope

    with session_scope() as db:
        report = verify_chain(db)
    return "intact" if report.intact else f"BROKEN: {report.reason}"


# --- report -------------------------------------------------------------------------------------

def print_table(figures: list[Figure], unit_note: str) -> None:
    head = (f"{'measure':<44} {'rows':>5} {'total':>8} {'p50':>7} {'p95':>7} {'sql p50':>8} "
            f"{'sql p95':>8} {'ratio':>6} {'cpu p95':>8} {'sql cpu':>8}")
    print(unit_note)
    print(head)
    print("-" * len(head))
    for f in figures:
        r = f.row()
        print(f"{f.name[:44]:<44} {f.rows:>5} {f.total:>8} {r['svc_p50']:>7.1f} {r['svc_p95']:>7.1f} "
              f"{r['sql_p50']:>8.2f} {r['sql_p95']:>8.2f} {r['ratio']:>6.2f} {r['cpu_p95']:>8.2f} "
              f"{r['sql_cpu_p95']:>8.2f}")


def r2(value: float | None) -> float | None:
    return None if value is None or value != value else round(value, 2)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--pg-url", default=os.environ.get("CASELINE_BENCH_PG_URL", PG_URL))
    p.add_argument("--data-dir", type=Path, default=None, help="default data/bench/<db>")
    p.add_argument("--cases", type=int, default=200_000)
    p.add_argument("--interactions", type=int, default=2_000_000)
    p.add_argument("--staff", type=int, default=500)
    p.add_argument("--runs", type=int, default=30, help="timed calls per list scenario")
    p.add_argument("--clients", type=int, default=50, help="concurrent socket clients saving")
    p.add_argument("--saves-each", type=int, default=4)
    p.add_argument("--idle-sessions", type=int, default=100)
    p.add_argument("--think", type=float, default=5.0,
                   help="seconds between one client's saves in the paced run (0: no paced run)")
    p.add_argument("--no-server", action="store_true", help="skip the running-server part")
    p.add_argument("--redis", default=None,
                   help="Redis URL for the server's state (the scale-out layout, several workers);"
                        " default for --db postgres: redis://127.0.0.1:6379/15 if it answers; "
                        "'none' for one worker with state in memory")
    p.add_argument("--explain", type=Path, default=None,
                   help="write the list queries' plans to this file (with --runs 0: only that)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    data_dir = (args.data_dir or ROOT / "data" / "bench" / args.db).resolve()
    url = configure(args.db, data_dir, args.pg_url)
    t0 = time.perf_counter()
    meta = ensure_data(args.db, url, data_dir, args.cases, args.interactions, args.staff)
    prepare(meta, data_dir)
    from caseapp.db import engine
    dialect = engine().dialect.name

    print(f"cases list: {len(list_scenarios())} scenarios x {args.runs} runs", flush=True)
    lists = measure_lists(args.runs, args.explain)
    if args.runs == 0:
        return 0
    tl = measure_timeline(meta, max(args.runs, 30))
    save = measure_save(max(args.runs, 30))
    workload_ms, workload_why, workload = measure_workload(url)
    print_table([*lists, tl, save], f"\ndb={dialect} cases={meta['cases']:,} "
                f"interactions={meta['interactions']:,}; ms; ratio = service p95 / bare SQL p95 "
                "(the same SELECTs replayed on the driver: no ORM, no audit write, no commit); "
                "cpu = this process's CPU time (SQLite included; PostgreSQL's own work not)")
    if workload_ms is None:
        print(f"workload: null ({workload_why})")
    else:
        print(f"workload (500 staff): p95 {workload_ms:.1f} ms; {workload}")

    # Reflex registers state classes in a context variable: import them here, in the main
    # context, not inside a client's event loop where the registration would be lost.
    import state.case_page
    import state.cases_list  # noqa: F401

    server: dict[str, Any] = {}
    server_why = ""
    if args.no_server:
        server_why = "skipped (--no-server)"
    else:
        redis_url = args.redis
        if redis_url is None and args.db == "postgres" and redis_answers(DEFAULT_REDIS):
            redis_url = DEFAULT_REDIS
        if redis_url in (None, "none") or not redis_answers(redis_url):
            redis_url = None
        layout = f"Redis {redis_url}, several workers" if redis_url else "one worker, state in memory"
        print(f"\nserver ({layout}): {args.idle_sessions} idle sessions, then {args.clients} "
              f"clients x {args.saves_each} saves ...", flush=True)
        try:
            server = measure_server(data_dir, args.clients, args.saves_each, args.idle_sessions,
                                    args.think, redis_url)
            server["layout"] = layout
        except Exception as exc:  # noqa: BLE001 - reported in the JSON line
            traceback.print_exc()
            server_why = f"{type(exc).__name__}: {exc}"[:300]
    try:
        pickled_kb: float | None = pickled_session_kb(bench_accounts(1)[0])
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        traceback.print_exc()
        pickled_kb = None
        server_why = server_why or f"pickled state: {exc}"
    chain = verify_audit()

    all_svc = [s for f in lists for s in f.svc]
    all_sql = [s for f in lists for s in f.sql]
    all_svc_cpu = [s for f in lists for s in cpu_of(f.svc)]
    all_sql_cpu = [s for f in lists for s in cpu_of(f.sql)]
    worst = max(lists, key=lambda f: pct(f.svc, 95))
    load = server.get("load")
    paced = server.get("paced")
    idle = server.get("idle") or {}
    session_kb = idle.get("per_session_kb")
    summary: dict[str, Any] = dict(
        db=dialect, cases=meta["cases"], interactions=meta["interactions"], staff=meta["staff"],
        runs=args.runs,
        cases_list_p95_ms=r2(pct(all_svc, 95)), cases_list_p50_ms=r2(pct(all_svc, 50)),
        cases_list_sql_p95_ms=r2(pct(all_sql, 95)),
        cases_list_ratio_to_sql=r2(pct(all_svc, 95) / pct(all_sql, 95)),
        cases_list_cpu_p95_ms=r2(pct(all_svc_cpu, 95)),
        cases_list_sql_cpu_p95_ms=r2(pct(all_sql_cpu, 95)),
        cases_list_worst=worst.name, cases_list_worst_p95_ms=r2(pct(worst.svc, 95)),
        cases_list_over_30ms=[f.name for f in lists if pct(f.svc, 95) > BUDGETS["cases_list_p95_ms"]],
        timeline_p95_ms=r2(pct(tl.svc, 95)), timeline_sql_p95_ms=r2(pct(tl.sql, 95)),
        timeline_cpu_p95_ms=r2(pct(cpu_of(tl.svc), 95)),
        save_p95_ms=r2(pct(save.svc, 95)),
        save_p50_ms_50_clients=r2(pct(load.latencies, 50)) if load else None,
        save_p95_ms_50_clients=r2(pct(load.latencies, 95)) if load else None,
        save_p99_ms_50_clients=r2(pct(load.latencies, 99)) if load else None,
        save_clients=args.clients if load else None,
        save_count=len(load.latencies) if load else None,
        save_errors=len(load.errors) if load else None,
        save_throughput_per_s=r2(len(load.latencies) / load.wall_s) if load and load.wall_s else None,
        save_paced_think_s=args.think if paced else None,
        save_paced_p50_ms=r2(pct(paced.latencies, 50)) if paced else None,
        save_paced_p95_ms=r2(pct(paced.latencies, 95)) if paced else None,
        save_paced_p99_ms=r2(pct(paced.latencies, 99)) if paced else None,
        save_paced_errors=len(paced.errors) if paced else None,
        workload_ms=r2(workload_ms),
        session_memory_kb=session_kb,
        session_pickled_kb=r2(pickled_kb),
        idle_sessions=idle.get("sessions"),
        server_layout=server.get("layout"),
        audit_chain=chain,
        bench_s=round(time.perf_counter() - t0, 1),
        load_average=[round(x, 1) for x in os.getloadavg()],
    )
    if workload_why:
        summary["workload_null_reason"] = workload_why
    if server_why:
        summary["server_null_reason"] = server_why
    for run in (load, paced):
        if run and run.errors:
            print("save errors (first 5):", *run.errors[:5], sep="\n  ")
    checks = [(k, summary.get(k), v) for k, v in BUDGETS.items()]
    print("\nbudgets (DESIGN.md §6):")
    for key, value, budget in checks:
        verdict = "n/a" if value is None else ("met" if value <= budget else "OVER")
        print(f"  {key:<26} {value!s:>10}  budget <= {budget:g}  {verdict}")
    print(f"  save_errors {summary['save_errors']}; audit chain {chain}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
