"""`make bench` on a tiny data set, so the benchmark's code cannot rot between benchmark runs.

The real bench (bench/run.py) at 200 cases on SQLite, in one subprocess: the generator, every
measurement through the services, a real backend (``reflex run --backend-only``, ~8 s to start)
with idle websocket sessions for memory and two clients saving through the page's path, the
pickled session state and the audit chain check. Its last line must be the JSON summary with
every key the issue asks for, with sane values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYS = ("cases_list_p95_ms", "cases_list_ratio_to_sql", "timeline_p95_ms", "save_p95_ms_50_clients",
        "save_errors", "workload_ms", "session_memory_kb", "db")


def test_the_bench_runs_end_to_end_on_a_tiny_data_set(tmp_path: Path) -> None:
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith("CASEAPP_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--db", "sqlite", "--data-dir", str(tmp_path),
         "--cases", "200", "--interactions", "2000", "--staff", "30", "--runs", "2",
         "--clients", "2", "--saves-each", "2", "--idle-sessions", "2", "--think", "0.1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    for key in KEYS:
        assert key in summary, key
    assert summary["db"] == "sqlite" and summary["cases"] == 200
    # Every figure measured is a positive, finite time; the list really ran its scenarios.
    for key in ("cases_list_p95_ms", "cases_list_sql_p95_ms", "timeline_p95_ms", "save_p95_ms"):
        assert 0 < summary[key] < 10_000, (key, summary[key])
    assert summary["cases_list_ratio_to_sql"] > 0
    assert summary["cases_list_worst"]
    # The case page's state for one session, pickled as Redis would hold it: kilobytes, not MB.
    assert 1 < summary["session_pickled_kb"] < 1024
    assert summary["audit_chain"] == "intact"
    # Two clients signed in, opened their case over the websocket and saw each save appear.
    assert summary["save_errors"] == 0 and summary["save_count"] == 4, proc.stdout[-3000:]
    assert 0 < summary["save_p95_ms_50_clients"] < 30_000
    assert summary["save_paced_errors"] == 0 and summary["save_paced_p95_ms"] > 0
    assert summary["idle_sessions"] == 2 and summary["session_memory_kb"] is not None
    # A missing part says why instead of pretending.
    assert summary["workload_ms"] is not None or summary["workload_null_reason"]
    assert "cases list:" in proc.stdout and "timeline first page" in proc.stdout
