"""Browser tests: start the real app (production build, one port) on a temporary database with the
demo data, and drive it with Playwright in Debian's Chromium at phone size."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
PASSWORD = "caseline-demo"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-results"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def app_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("appdata")


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider on 127.0.0.1 (tests/test_oidc.py), configured into the app
    as "Test ID", so a browser test can sign in through single sign-on end to end."""
    import threading

    import oidc_provider_mock
    import werkzeug.serving

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider's own check: plain HTTP here
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(
        require_nonce=True), threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def app_url(app_data: Path, oidc_provider: str) -> Iterator[str]:
    data = app_data
    port = _free_port()
    env = {
        **os.environ,
        "CASEAPP_OIDC_TEST_ISSUER": oidc_provider,
        "CASEAPP_OIDC_TEST_CLIENT_ID": "caseline-browser-test",
        "CASEAPP_OIDC_TEST_CLIENT_SECRET": "not-so-secret",
        "CASEAPP_OIDC_TEST_LABEL": "Test ID",
        "CASEAPP_DATA_DIR": str(data),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}",
    }
    env.pop("CASEAPP_DB_URL", None)
    subprocess.run([sys.executable, "-m", "caseapp", "setup", "--demo"], cwd=ROOT, env=env,
                   check=True)
    log = (data / "server.log").open("w")
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    proc = subprocess.Popen(
        [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # first build installs frontend packages and compiles
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited early:\n{(data / 'server.log').read_text()[-4000:]}")
            try:
                # Pages answer with a redirect to their trailing-slash form, so follow it.
                if httpx.get(f"{url}/ping", timeout=2).status_code == 200 and httpx.get(
                        f"{url}/sign-in", timeout=2, follow_redirects=True).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app did not start:\n{(data / 'server.log').read_text()[-4000:]}")
            time.sleep(1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    yield b
    b.close()


@pytest.fixture
def context(browser: Browser, app_url: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=PHONE, base_url=app_url, device_scale_factor=2,
                              is_mobile=True, has_touch=True)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cases/?$"))
    page.get_by_role("heading", name="Cases").wait_for()


def query(app_data: Path, sql: str, *args: object) -> list[tuple]:
    """Read the app's database directly, to find records the test then reaches through the UI."""
    import sqlite3

    with sqlite3.connect(app_data / "caseline.db") as db:
        return db.execute(sql, args).fetchall()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_more(page: Page) -> None:
    """On a phone, Sign out, Pathways and Settings are in the More sheet (bottom navigation)."""
    page.get_by_role("button", name="More").click()
    page.get_by_role("dialog", name="More").wait_for()


def sign_out(page: Page) -> None:
    """Press Sign out wherever this width shows it: the header, or the More sheet on a phone."""
    more = page.get_by_role("button", name="More")
    if more.is_visible() and page.get_by_role("dialog", name="More").count() == 0:
        open_more(page)
    page.get_by_role("button", name="Sign out").click()
