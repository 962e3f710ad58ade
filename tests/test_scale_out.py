"""Scale-out mode: two backend processes on one PostgreSQL database share their Reflex state through
Redis, so a user's session survives being served by the other process (as behind a load balancer).

Each backend is the real app (`reflex run --env prod --backend-only`); the client speaks Reflex's
own websocket protocol, as the browser does: sign in over HTTP for the session cookie, then send
events over a socket that carries a client token. Skipped, with the reason printed, where no
PostgreSQL or Redis answers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import _pg_admin, _pg_url

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("CASEAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
ORIGIN = "http://127.0.0.1:3000"
PASSWORD = "caseline-demo"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", reported as such
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    return None


@pytest.fixture(scope="module")
def two_backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    if reason := _redis_reachable():
        pytest.skip(reason)
    try:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {str(exc).splitlines()[0]}")
    name = f"caseline_scaleout_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    data = tmp_path_factory.mktemp("scaleout")
    env = {
        **os.environ,
        "CASEAPP_DATA_DIR": str(data),  # attachments: the shared folder both processes see
        "CASEAPP_DB_URL": _pg_url(name),
        "REFLEX_REDIS_URL": REDIS_URL,
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}",
    }
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([sys.executable, "-m", "caseapp", "setup", "--demo"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
        urls = []
        deadline = time.monotonic() + 240
        # One after the other: a starting backend clears the project's stale state files, and
        # two doing it at once trip over each other.
        for label in ("a", "b"):
            port = _free_port()
            log = (data / f"backend-{label}.log").open("wb")
            proc = subprocess.Popen(
                [reflex, "run", "--env", "prod", "--backend-only", "--backend-port", str(port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            procs.append(proc)
            url = f"http://127.0.0.1:{port}"
            urls.append(url)
            while True:
                if proc.poll() is not None:
                    raise RuntimeError((data / f"backend-{label}.log").read_text()[-4000:])
                try:
                    if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError((data / f"backend-{label}.log").read_text()[-4000:])
                time.sleep(1)
        yield urls[0], urls[1]
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except ProcessLookupError:
                pass  # already gone
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sign_in(url: str, email: str) -> str:
    reply = httpx.post(f"{url}/auth/sign-in", data={"email": email, "password": PASSWORD})
    assert reply.status_code == 303, reply.text
    return reply.headers["set-cookie"].split(";")[0]


async def _events(url: str, token: str, cookie: str, events: list[tuple[str, dict[str, Any]]],
                  path: str = "/cases") -> list[dict[str, Any]]:
    """Connect as a browser tab with ``token``, send each event in turn, collect the updates.

    An event is answered by an update of the router data (root state only), then one with the
    handler's own changes or the events it returns (a redirect): wait for the latter."""
    import reflex as rx
    import socketio

    client = socketio.AsyncClient()
    updates: list[dict[str, Any]] = []
    answered = asyncio.Event()
    root = rx.State.get_full_name()

    @client.on("event", namespace="/_event")
    async def _update(data: dict[str, Any]) -> None:
        updates.append(data)
        if data.get("events") or set(data.get("delta") or {}) - {root}:
            answered.set()

    await client.connect(f"{url}?token={token}", socketio_path="/_event", namespaces=["/_event"],
                         transports=["websocket"], headers={"Cookie": cookie, "Origin": ORIGIN})
    try:
        for name, payload in events:
            answered.clear()
            await client.emit("event", {"name": name, "payload": payload,
                                        "router_data": {"pathname": path, "asPath": path}},
                              namespace="/_event")
            await asyncio.wait_for(answered.wait(), 30)
    finally:
        await client.disconnect()
    return updates


def _merged(updates: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    for update in updates:
        for substate, delta in (update.get("delta") or {}).items():
            state.setdefault(substate, {}).update(delta)
    return state


def _cases_state(updates: list[dict[str, Any]]) -> dict[str, Any]:
    from state.cases_list import CasesState

    return _merged(updates)[CasesState.get_full_name()]


def _handler(name: str) -> str:
    from state.cases_list import CasesState

    return f"{CasesState.get_full_name()}.{name}"


def _hydrate() -> str:
    import reflex as rx

    return f"{rx.State.get_full_name()}.hydrate"


def test_a_session_survives_being_served_by_the_other_backend(
        two_backends: tuple[str, str]) -> None:
    a, b = two_backends
    cookie = _sign_in(a, "caseworker@example.org")
    token = str(uuid.uuid4())
    on_a = _cases_state(asyncio.run(_events(a, token, cookie, [
        (_handler("load"), {}), (_handler("set_search"), {"value": "Kowalski"})])))
    assert on_a["search_rx_state_"] == "Kowalski"
    found = [row["reference"] for row in on_a["rows_rx_state_"]]
    assert found and all("Kowalski" in row["person_name"] for row in on_a["rows_rx_state_"])

    # The same tab reconnects to the other process: its state comes back from Redis, search
    # term, filtered rows and all, without running the search again.
    on_b = _cases_state(asyncio.run(_events(b, token, cookie, [(_hydrate(), {})])))
    assert on_b["search_rx_state_"] == "Kowalski"
    assert [row["reference"] for row in on_b["rows_rx_state_"]] == found

    # A different tab on the other process starts afresh: what B showed came from the shared
    # store, not from anything B would have made up on its own.
    fresh = _cases_state(asyncio.run(_events(b, str(uuid.uuid4()), cookie, [(_hydrate(), {})])))
    assert fresh["search_rx_state_"] == ""
    assert fresh["rows_rx_state_"] == []


def test_signing_out_on_one_backend_ends_the_session_on_the_other(
        two_backends: tuple[str, str]) -> None:
    a, b = two_backends
    cookie = _sign_in(a, "manager@example.org")
    token = str(uuid.uuid4())
    loaded = _cases_state(asyncio.run(_events(b, token, cookie, [(_handler("load"), {})])))
    assert loaded["total_rx_state_"] > 1

    reply = httpx.post(f"{a}/auth/sign-out", headers={"Cookie": cookie, "Origin": ORIGIN})
    assert reply.status_code in (200, 303), reply.text
    after = asyncio.run(_events(b, token, cookie, [(_handler("load"), {})]))
    assert any("/sign-in" in str(update.get("events")) for update in after), after
