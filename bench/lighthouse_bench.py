"""Lighthouse (mobile) on Caseline's first screens, against a blank Reflex app built in the same run.

Run from the repo root: .venv/bin/python -m bench.lighthouse_bench [--runs 3] [--keep DIR]

Pages: the blank Reflex app (the floor: what any Reflex page costs), /sign-in, /cases and one case
page, the last two signed in as the demo case worker. Each page gets --runs Lighthouse runs
(mobile form factor, simulated slow 4G and 4x CPU, performance only); the table shows the median
of each metric and its ratio to the blank page. Budgets (DESIGN): LCP <= 2.5 s, CLS <= 0.1, and
LCP <= 1.3x the blank page's LCP. It is a report: the exit code is 0 whatever the figures.

Lighthouse is installed from npm into .tools/lighthouse on first use. Version 12.8.2 is pinned
because Lighthouse 13 requires Node >= 22.19 and this machine has Node 20.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE_VERSION = "12.8.2"  # last release that runs on Node 20 (13.x needs Node >= 22.19)
LIGHTHOUSE_PREFIX = ROOT / ".tools" / "lighthouse"  # .tools/ is gitignored
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
EMAIL = "caseworker@example.org"
PASSWORD = "caseline-demo"
COOKIE = "caseline_session"
BLANK_APP = "blankfloor"  # reflex init names the app after its folder
START_TIMEOUT_S = 600  # a cold prod build installs frontend packages and compiles
LIGHTHOUSE_TIMEOUT_S = 240

BUDGET_LCP_S = 2.5
BUDGET_CLS = 0.1
BUDGET_LCP_RATIO = 1.3

# The blank app gets the same rxconfig essentials as Caseline's, so the floor differs from
# Caseline only in the app itself: Radix themes, no sitemap, no Tailwind, no badge, no telemetry.
BLANK_RXCONFIG = f'''import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="{BLANK_APP}",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
)
'''


@dataclass
class Run:
    """The figures kept from one Lighthouse report."""

    lcp_s: float
    cls: float
    tbt_ms: float
    js_kb: float
    final_url: str
    lcp_element: str
    scripts: list[tuple[str, int]]  # (url, transferSize), largest first
    warnings: list[str]
    benchmark_index: float


@dataclass
class Page:
    name: str
    url: str
    cookie: str | None = None
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median shown)")
    p.add_argument("--keep", type=Path, default=None,
                   help="copy the raw Lighthouse JSON reports and server logs to this folder")
    return p.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reflex_env(**extra: str) -> dict[str, str]:
    """Reflex with the project's bun, and nothing phoning home (no internet here anyway)."""
    env = {
        **os.environ,
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}",
        **extra,
    }
    env.pop("CASEAPP_DB_URL", None)  # the bench's own SQLite database, never a configured one
    return env


def reflex_bin() -> str:
    return shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"


def ensure_lighthouse() -> Path:
    """The pinned Lighthouse CLI, installed with npm into a bench-local prefix when missing."""
    binary = LIGHTHOUSE_PREFIX / "node_modules" / ".bin" / "lighthouse"
    manifest = LIGHTHOUSE_PREFIX / "node_modules" / "lighthouse" / "package.json"
    if binary.exists() and manifest.exists() and \
            json.loads(manifest.read_text()).get("version") == LIGHTHOUSE_VERSION:
        return binary
    print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into {LIGHTHOUSE_PREFIX} ...", flush=True)
    LIGHTHOUSE_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", str(LIGHTHOUSE_PREFIX), "--no-save",
                    "--no-package-lock", "--no-audit", "--no-fund",
                    f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)
    return binary


@contextmanager
def reflex_server(cwd: Path, env: dict[str, str], log_path: Path, ready_path: str) -> Iterator[str]:
    """`reflex run --env prod --single-port` in its own process group (reflex starts children:
    the build, uvicorn workers), stopped as a group so nothing outlives the bench."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [reflex_bin(), "run", "--env", "prod", "--single-port", "--frontend-port", str(port)],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"reflex exited early:\n{log_path.read_text()[-4000:]}")
                try:
                    # Pages answer with a redirect to their trailing-slash form, so follow it.
                    if httpx.get(f"{url}/ping", timeout=2).status_code == 200 and httpx.get(
                            f"{url}{ready_path}", timeout=5, follow_redirects=True).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"reflex did not start:\n{log_path.read_text()[-4000:]}")
                time.sleep(1)
            yield url
        finally:
            stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:  # the leader may be gone while a child (the node/uvicorn side) still holds the port
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def init_blank_app(parent: Path) -> Path:
    app_dir = parent / BLANK_APP
    app_dir.mkdir()
    subprocess.run([reflex_bin(), "init", "--template", "blank", "--no-agents"], cwd=app_dir,
                   env=reflex_env(), check=True, stdout=subprocess.DEVNULL)
    (app_dir / "rxconfig.py").write_text(BLANK_RXCONFIG)
    return app_dir


def sign_in(url: str) -> str:
    """The session cookie, from the same form post the sign-in page makes."""
    r = httpx.post(f"{url}/auth/sign-in", data={"email": EMAIL, "password": PASSWORD},
                   follow_redirects=False, timeout=30)
    token = r.cookies.get(COOKIE)
    if r.status_code != 303 or not token:
        raise RuntimeError(f"sign-in failed: {r.status_code} {r.headers.get('location')}")
    return token


def assigned_case(data_dir: Path) -> int:
    """A case assigned to the demo case worker: visible to them under every access rule."""
    with sqlite3.connect(data_dir / "caseline.db") as db:
        row = db.execute(
            'SELECT c.id FROM "case" c JOIN user u ON u.id = c.worker_id WHERE u.email = ? '
            "ORDER BY (SELECT count(*) FROM interaction i WHERE i.case_id = c.id) DESC, c.id LIMIT 1",
            (EMAIL,)).fetchone()
    if row is None:
        raise RuntimeError(f"no case assigned to {EMAIL} in the demo data")
    return int(row[0])


def lighthouse(binary: Path, page: Page, out: Path) -> Run:
    cmd = [str(binary), page.url, "--only-categories=performance", "--output=json",
           f"--output-path={out}", f"--chrome-flags={CHROME_FLAGS}", "--quiet"]
    if page.cookie:
        # An HttpOnly session cookie as a header on every request, including the websocket
        # handshake the Reflex state reads it from; Lighthouse's storage reset cannot clear it.
        cmd.append(f"--extra-headers={json.dumps({'Cookie': f'{COOKIE}={page.cookie}'})}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=LIGHTHOUSE_TIMEOUT_S)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({proc.returncode}) on {page.url}:\n{proc.stderr[-3000:]}")
    return parse_report(json.loads(out.read_text()))


def parse_report(report: dict[str, Any]) -> Run:
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse runtime error: {report['runtimeError']}")
    audits = report["audits"]
    requests = audits["network-requests"]["details"]["items"]
    scripts = sorted(((r["url"], int(r.get("transferSize") or 0)) for r in requests
                      if r.get("resourceType") == "Script"), key=lambda s: -s[1])
    return Run(
        lcp_s=audits["largest-contentful-paint"]["numericValue"] / 1000,
        cls=audits["cumulative-layout-shift"]["numericValue"],
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        js_kb=sum(size for _, size in scripts) / 1024,
        final_url=report.get("finalDisplayedUrl") or report.get("finalUrl") or "",
        lcp_element=lcp_element(audits.get("largest-contentful-paint-element", {})),
        scripts=scripts,
        warnings=list(report.get("runWarnings") or []),
        benchmark_index=float(report.get("environment", {}).get("benchmarkIndex") or 0),
    )


def lcp_element(audit: dict[str, Any]) -> str:
    """'<tag> "label"' of the LCP element, so the table says whether it is text or an image."""
    details = audit.get("details") or {}
    tables = details.get("items", []) if details.get("type") == "list" else [details]
    for table in tables:
        for item in table.get("items", []):
            node = item.get("node") if isinstance(item, dict) else None
            if node:
                tag = (node.get("snippet") or "").split(" ")[0].lstrip("<").rstrip(">")
                return f'<{tag}> "{(node.get("nodeLabel") or "")[:50]}"'
    return "(none)"


def ratio(value: float, floor: float) -> str:
    if floor == 0:
        return "n/a" if value else "1.00x"
    return f"{value / floor:.2f}x"


def report(pages: list[Page], runs: int) -> None:
    blank = pages[0]
    base = {a: blank.median(a) for a in ("lcp_s", "cls", "tbt_ms", "js_kb")}
    print(f"\nLighthouse {LIGHTHOUSE_VERSION}, mobile (simulated slow 4G, 4x CPU), median of {runs} "
          f"run(s) per page; ratio = page / blank Reflex app in this run.")
    # benchmarkIndex is Lighthouse's quick CPU score taken at each run: a wide spread means the
    # host was busy and TBT (the most CPU-sensitive figure) is noise beyond a rough size.
    bis = [r.benchmark_index for p in pages for r in p.runs]
    print(f"Chromium {CHROMIUM}; Lighthouse benchmarkIndex (host CPU score) median "
          f"{statistics.median(bis):.0f}, range {min(bis):.0f}-{max(bis):.0f}.\n")
    head = (f"{'page':<12} {'LCP s':>6} {'(x)':>7} {'CLS':>6} {'(x)':>7} {'TBT ms':>7} {'(x)':>7} "
            f"{'JS KB':>7} {'(x)':>7}  budgets")
    print(head)
    print("-" * (len(head) + 34))
    failures = 0
    for p in pages:
        lcp, cls, tbt, js = (p.median(a) for a in ("lcp_s", "cls", "tbt_ms", "js_kb"))
        checks = [("LCP<=2.5s", lcp <= BUDGET_LCP_S), ("CLS<=0.1", cls <= BUDGET_CLS)]
        if p is not blank:
            checks.append(("LCP<=1.3x", lcp <= BUDGET_LCP_RATIO * base["lcp_s"]))
        failed = [name for name, ok in checks if not ok]
        failures += len(failed)
        verdict = "pass" if not failed else "FAIL " + ", ".join(failed)
        print(f"{p.name:<12} {lcp:>6.2f} {ratio(lcp, base['lcp_s']):>7} {cls:>6.3f} "
              f"{ratio(cls, base['cls']):>7} {tbt:>7.0f} {ratio(tbt, base['tbt_ms']):>7} "
              f"{js:>7.1f} {ratio(js, base['js_kb']):>7}  {verdict}")
    print(f"\n{'BUDGET FAILURES: ' + str(failures) if failures else 'All budgets met.'} "
          f"(the blank page is held to the absolute budgets only)")

    print("\nLCP element (median-LCP run) and the largest scripts (KB transferred):")
    for p in pages:
        mid = sorted(p.runs, key=lambda r: r.lcp_s)[len(p.runs) // 2]
        top = ", ".join(f"{u.rsplit('/', 1)[-1][:40]} {s / 1024:.0f}" for u, s in mid.scripts[:4])
        spread = ", ".join(f"{r.lcp_s:.2f}" for r in p.runs)
        print(f"  {p.name:<10} {mid.lcp_element}; LCP per run: {spread} s")
        print(f"  {'':<10} {len(mid.scripts)} scripts: {top}")
        # A signed-in page that lands on /sign-in measured the wrong screen: say so loudly.
        landed = {urlparse(r.final_url).path.rstrip("/") for r in p.runs}
        if landed != {urlparse(p.url).path.rstrip("/")}:
            print(f"  {'':<10} WARNING: ended on {', '.join(sorted(landed))}, not the page asked for")
    warnings = sorted({w.split(". ")[0] for p in pages for r in p.runs for w in r.warnings})
    for w in warnings:
        print(f"  lighthouse warning: {w}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: Lighthouse needs Chromium (apt-get install chromium)")
        return 0
    binary = ensure_lighthouse()
    with tempfile.TemporaryDirectory(prefix="lh-bench-") as tmp_name:
        tmp = Path(tmp_name)
        data, reports = tmp / "data", tmp / "reports"
        data.mkdir()
        reports.mkdir()
        print("Preparing the blank Reflex app and Caseline's demo database ...", flush=True)
        blank_dir = init_blank_app(tmp)
        app_env = reflex_env(CASEAPP_DATA_DIR=str(data))
        subprocess.run([sys.executable, "-m", "caseapp", "setup", "--demo"], cwd=ROOT, env=app_env,
                       check=True, stdout=subprocess.DEVNULL)
        case_id = assigned_case(data)
        try:
            # Both servers up together, so that every round of runs measures all pages under
            # the same machine load; builds happen one at a time (2 cores).
            print("Building and starting the blank app (reflex run --env prod) ...", flush=True)
            with reflex_server(blank_dir, reflex_env(), tmp / "blank.log", "/") as blank_url:
                print("Building and starting Caseline ...", flush=True)
                with reflex_server(ROOT, app_env, tmp / "caseline.log", "/sign-in") as app_url:
                    token = sign_in(app_url)
                    # Static pages are served at their trailing-slash form (the bare path is a
                    # 307 to it): ask for that, so the figures are the page's and not a redirect's.
                    pages = [
                        Page("blank", f"{blank_url}/"),
                        Page("/sign-in", f"{app_url}/sign-in/"),
                        Page("/cases", f"{app_url}/cases/", token),
                        Page("/cases/<id>", f"{app_url}/cases/{case_id}", token),
                    ]
                    # Rounds interleave the pages, so drift in machine load touches each alike.
                    for i in range(args.runs):
                        for p in pages:
                            print(f"  run {i + 1}/{args.runs} {p.name} ...", flush=True)
                            slug = p.name.strip("/").replace("/", "_").replace("<", "").replace(">", "")
                            p.runs.append(lighthouse(binary, p, reports / f"{slug}-{i + 1}.json"))
        finally:
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                for f in [*reports.glob("*.json"), *tmp.glob("*.log")]:
                    shutil.copy2(f, args.keep / f.name)
    print(f"(case page: /cases/{case_id}, assigned to {EMAIL})")
    report(pages, args.runs)
    return 0  # a report, not a gate: failures are printed, not signalled


if __name__ == "__main__":
    sys.exit(main())
