"""Browser-like clients of a running Caseline: sign in over HTTP, open a case page over Reflex's
websocket, and save interactions the way the page does.

The page's Save goes through ``assets/outbox.js``: a POST to ``/api/interactions`` with the session
cookie, then a ``device_report`` event over the websocket, on which ``CaseState`` reloads the case
and its timeline and sends the new rows back as a state delta. A client here does the same two
steps and stops the clock when a delta carries a timeline whose newest item is the note it saved:
that is "click to visible in the timeline" minus only the browser's own rendering.

The Reflex protocol used (0.10): socket.io at ``/_event`` (namespace ``/_event``), the session token
in the connect URL's query, the page's first event (``hydrate_and_load`` with router data) in the
CONNECT packet's auth, events as ``{"name", "payload", "router_data"}``, and updates back as
``{"delta": {state path: {var: value}}, "events": [...], "final": bool}``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio

STATE_ROOT = "reflex___state____state"
COOKIE = "caseline_session"


def case_state_path() -> str:
    """The full name Reflex gives CaseState (the key of its part of every delta)."""
    from state.case_page import CaseState

    return CaseState.get_full_name()


def _items(delta: dict[str, Any], path: str) -> list[dict[str, Any]] | None:
    part = delta.get(path) or {}
    for key, value in part.items():
        # Var names in a delta may carry a suffix (items_rx_state_); match on the name itself.
        if key == "items" or key.startswith("items_"):
            return value if isinstance(value, list) else None
    return None


@dataclass
class Client:
    """One browser tab: its own session cookie, socket and Reflex token."""

    base_url: str
    email: str
    password: str
    case_id: int
    state_path: str
    cookie: str = ""
    user_id: int = 0
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    sio: socketio.AsyncClient | None = None
    http: httpx.AsyncClient | None = None
    _waiters: list[tuple[str, asyncio.Future[None]]] = field(default_factory=list)
    _loaded: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[str] = field(default_factory=list)

    def _router_data(self) -> dict[str, Any]:
        path = f"/cases/{self.case_id}"
        return {"pathname": path, "asPath": path, "query": {"case_id": str(self.case_id)}}

    async def sign_in(self) -> None:
        """POST /auth/sign-in, as the sign-in form does; keep the session cookie."""
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=60)
        r = await self.http.post("/auth/sign-in", data={"email": self.email,
                                                        "password": self.password})
        self.cookie = r.cookies.get(COOKIE) or ""
        if r.status_code != 303 or not self.cookie:
            raise RuntimeError(f"sign-in failed for {self.email}: {r.status_code}")

    async def open_case(self, timeout: float = 60) -> None:
        """Connect the websocket with the page's first event; wait for the timeline to arrive."""
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_update, namespace="/_event")
        boot = {"name": f"{STATE_ROOT}.hydrate_and_load", "payload": {},
                "router_data": self._router_data()}
        await self.sio.connect(
            f"{self.base_url}?token={self.token}", socketio_path="/_event",
            transports=["websocket"], namespaces=["/_event"],
            headers={"Cookie": f"{COOKIE}={self.cookie}"}, auth={"event": boot},
            wait_timeout=timeout)
        await asyncio.wait_for(self._loaded.wait(), timeout)

    async def _on_update(self, update: Any) -> None:
        if isinstance(update, str):
            update = json.loads(update)
        items = _items(update.get("delta") or {}, self.state_path)
        if items is None:
            return
        self._loaded.set()
        newest = str(items[0].get("html", "")) if items else ""
        for marker, fut in list(self._waiters):
            if marker in newest and not fut.done():
                fut.set_result(None)
                self._waiters.remove((marker, fut))

    async def save(self, timeout: float = 30) -> float:
        """Save one interaction as the page does; seconds until the timeline shows it."""
        assert self.http is not None and self.sio is not None
        marker = f"bench{uuid.uuid4().hex[:12]}"
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((marker, fut))
        started = time.perf_counter()
        r = await self.http.post(
            "/api/interactions", headers={"Origin": self.base_url, "Cookie": f"{COOKIE}={self.cookie}"},
            data={"case_id": str(self.case_id), "client_ref": uuid.uuid4().hex, "author": "",
                  "kind": "phone_call", "occurred_at": "", "private": "false",
                  "concern_level": "", "expected_version": "",
                  "text": f"Rang about the housing form. Ref {marker}."})
        if r.status_code != 201:
            raise RuntimeError(f"save answered {r.status_code}: {r.text[:200]}")
        await self.sio.emit("event", {
            "name": f"{self.state_path}.device_report",
            "payload": {"raw": json.dumps({"outcome": "saved", "at": int(time.time() * 1000)})},
            "router_data": self._router_data()}, namespace="/_event")
        await asyncio.wait_for(fut, timeout)
        return time.perf_counter() - started

    async def close(self) -> None:
        if self.sio is not None:
            try:
                await self.sio.disconnect()
            except Exception:  # noqa: BLE001 - closing after a failure: nothing left to do
                pass
        if self.http is not None:
            await self.http.aclose()


@dataclass
class LoadResult:
    latencies: list[float]
    errors: list[str]
    wall_s: float


async def run_clients(base_url: str, accounts: list[tuple[str, str, int]], saves_each: int,
                      think_s: float = 0.0) -> LoadResult:
    """``accounts`` = (email, password, case id) per client. All sign in and open their case
    first. With ``think_s`` 0 they then all save at once, ``saves_each`` times each, each
    client's next save as soon as its last one shows (a burst: the worst case). Otherwise each
    waits a random 0-``think_s`` before its first save and 0.5-1.5 x ``think_s`` between saves,
    like people typing their notes at the same time."""
    path = case_state_path()
    clients = [Client(base_url, e, p, c, path) for e, p, c in accounts]
    errors: list[str] = []
    try:
        for c in clients:  # argon2 sign-ins, one at a time: setup, not measured
            await c.sign_in()
        await asyncio.gather(*(c.open_case() for c in clients))
        # One unmeasured save each, one client at a time: every server worker has loaded what
        # a save needs (the embedding model, compiled queries) before the clock runs.
        for c in clients:
            await c.save()
        await asyncio.sleep(1)
        latencies: list[float] = []

        rng = random.Random(7)

        async def work(c: Client) -> None:
            if think_s:
                await asyncio.sleep(rng.uniform(0, think_s))
            for _ in range(saves_each):
                try:
                    latencies.append(await c.save())
                except Exception as exc:  # noqa: BLE001 - counted and reported, not fatal
                    errors.append(f"{c.email}: {type(exc).__name__}: {exc}"[:300])
                if think_s:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * think_s)

        started = time.perf_counter()
        await asyncio.gather(*(work(c) for c in clients))
        wall = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return LoadResult(latencies, errors, wall)


async def open_idle(base_url: str, accounts: list[tuple[str, str, int]]) -> list[Client]:
    """Connected sessions that then do nothing (for memory per session). Caller closes them."""
    path = case_state_path()
    clients = [Client(base_url, e, p, c, path) for e, p, c in accounts]
    for c in clients:
        await c.sign_in()
    for i in range(0, len(clients), 10):
        await asyncio.gather(*(c.open_case() for c in clients[i:i + 10]))
    return clients
