"""Access control you can prove: every public event handler of every State and every HTTP route,
called by each role against the role matrix (DESIGN.md §4), on the real running app.

Handlers are called the way any connected client can call them — an event sent over the app's
websocket, with whatever arguments and page address the client chooses — not through the UI. For
each scenario the roles below the matrix's threshold must get nothing: no secret in anything the
server sends back, and no change in the database. The least-privileged allowed role must get the
data (reads) or make the change (changes), so each check is shown able to fail.

A handler or route with no scenario here fails ``test_every_handler_has_a_scenario`` /
``test_every_route_has_a_scenario``: adding one means deciding, on purpose, who may call it.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import os
import pkgutil
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
ORIGIN = "http://127.0.0.1:3000"
PASSWORD = "correct horse battery"
# Least to most privileged; "anonymous" is a client with no session cookie at all.
ROLES = ("anonymous", "volunteer", "case_worker", "manager", "admin")
EMAILS = {"volunteer": "vi.volunteer@example.org", "case_worker": "wren.worker@example.org",
          "manager": "mo.manager@example.org", "admin": "ada.admin@example.org"}

# What must not leak: a person and a note on a case in another team (only admins and managers see
# it), a private note by another case worker on a case Wren's team shares, and a staff email.
SECRET_PERSON = "Zephyrine Quartermaine"
SECRET_NOTE = "heliotrope umbrella ledger"
SECRET_PRIVATE = "marigold lantern tribunal"
SECRET_EMAIL = "sol.south@example.org"
SECRETS = (SECRET_PERSON, SECRET_NOTE, SECRET_PRIVATE, SECRET_EMAIL)
SECRET_REFERENCE = "CL-00001"  # the other team's case: lists that show references, not names
AUDIT_SECRET = "access.denied"  # the trail's own words for a refusal: shown only to admins

# Rows the database may change without anything being "done": the audit trail records refusals
# and views, sessions record last use, and search prepares note vectors on first use.
UNCOUNTED_TABLES = {"audit_event", "audit_chain_head", "note_embedding", "alembic_version"}
# Sessions count only as opened or ended: last use is touched by any event.
COUNTED_COLUMNS = {"user_session": "id, user_id, revoked_at",
                   "api_token": "id, user_id, name, token_hash, expires_at, revoked_at"}

SEED = r'''
import json
from caseapp.migrate import upgrade_to_head
upgrade_to_head()
from caseapp.actor import Actor
from caseapp.cases import NewCase, create_case
from caseapp.db import session_scope
from caseapp.interactions import NewInteraction, add_interaction
from caseapp.models import User
from caseapp.pathways import save_pathway
from caseapp.people import NewPerson
from caseapp.staff import create_user
from sqlmodel import select

def user(name, role, team):
    uid = create_user(None, name, name.lower().replace(" ", ".") + "@example.org", role, team,
                      "correct horse battery")
    with session_scope() as s:
        return Actor.of(s.get(User, uid))

admin = user("Ada Admin", "admin", "Central")
manager = user("Mo Manager", "manager", "Central")
worker = user("Wren Worker", "case_worker", "North")
nell = user("Nell North", "case_worker", "North")
south = user("Sol South", "case_worker", "South")
south2 = user("Sam Southern", "case_worker", "South")
volunteer = user("Vi Volunteer", "volunteer", "North")
pathway = save_pathway(admin, None, "Housing Support", "#2563eb", "Homes")
pathway_api = save_pathway(admin, None, "Employment", "#0f766e", "Work")  # never archived
from caseapp.organisation import get_organisation
get_organisation()  # made on first use: before the test, so no scenario is blamed for it

def case(person, worker_id):
    return create_case(admin, NewCase(person=NewPerson(name=person), worker_id=worker_id,
                                      pathway_id=pathway, concern_level="medium"))

ids = dict(pathway=pathway, pathway_api=pathway_api, south=south.id, south2=south2.id,
           worker=worker.id, nell=nell.id,
           case_secret=case("Zephyrine Quartermaine", south.id),
           case_worker=case("Aled Jones", worker.id), case_nell=case("Nia Evans", nell.id),
           case_unassigned=case("Cai Brown", None), case_unassigned2=case("Cy Brown", None),
           case_volunteer=case("Dee Green", volunteer.id))
ids["note_secret"] = add_interaction(admin, ids["case_secret"], NewInteraction(
    text="Met at the library; heliotrope umbrella ledger agreed."),
    files=[("visit.txt", b"Attached: heliotrope umbrella ledger, signed.")])
from caseapp.models import Attachment
with session_scope() as s:
    ids["attachment_secret"] = s.exec(select(Attachment.id)).first()
ids["note_private"] = add_interaction(nell, ids["case_nell"], NewInteraction(
    text="Private: marigold lantern tribunal.", private=True))
add_interaction(worker, ids["case_worker"], NewInteraction(text="Phone call about rent arrears."))
ids["case_erase"] = case("Erin Erasable", south.id)
ids["case_status"] = case("Cato Status", south.id)  # the one whose status and concern change
add_interaction(admin, ids["case_status"], NewInteraction(text="Home visit: the new flat is warm."))
from caseapp.auth.api_tokens import create_token
create_token(south, "sol-secret-token")
for role, who in (("volunteer", volunteer), ("case_worker", worker), ("manager", manager),
                  ("admin", admin)):
    ids["token_" + role] = create_token(who, "matrix " + role).token
from caseapp.models import ApiToken, Case
with session_scope() as s:
    ids["token_secret"] = s.exec(select(ApiToken.id)).first()
    ids["person_secret"] = s.get(Case, ids["case_secret"]).person_id
    ids["person_erase"] = s.get(Case, ids["case_erase"]).person_id
print("IDS" + json.dumps(ids))
'''


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    url: str
    db: Path
    ids: dict[str, int]
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie(self, role: str) -> str:
        if role == "anonymous":
            return ""
        if role not in self.cookies:
            reply = httpx.post(f"{self.url}/auth/sign-in",
                               data={"email": EMAILS[role], "password": PASSWORD})
            assert reply.status_code == 303, reply.text
            self.cookies[role] = reply.headers["set-cookie"].split(";")[0]
        return self.cookies[role]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    data = tmp_path_factory.mktemp("matrix")
    env = {
        **os.environ,
        "CASEAPP_DATA_DIR": str(data),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}",
    }
    for name in ("CASEAPP_DB_URL", "REFLEX_REDIS_URL"):
        env.pop(name, None)
    seeded = subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    ids = json.loads(seeded.stdout.split("IDS", 1)[1])
    port = _free_port()
    log = (data / "backend.log").open("wb")
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    proc = subprocess.Popen(
        [reflex, "run", "--env", "prod", "--backend-only", "--backend-port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data / "backend.log").read_text()[-4000:])
            try:
                if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        app = App(url=url, db=data / "caseline.db", ids=ids)
        # A session for a staff member no scenario signs in as, for "sign out everywhere".
        for _ in range(2):  # one to end alone, one for "sign out everywhere"
            reply = httpx.post(f"{url}/auth/sign-in",
                               data={"email": "sam.southern@example.org", "password": PASSWORD})
            assert reply.status_code == 303, reply.text
        conn = sqlite3.connect(f"file:{app.db}?mode=ro", uri=True)
        app.ids["session_sam"] = conn.execute(
            "select min(id) from user_session where user_id = ?", (ids["south2"],)).fetchone()[0]
        conn.close()
        yield app
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass  # already gone
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _settled(db: Path) -> dict[str, str]:
    """The fingerprint once background work started by an earlier scenario (a weekly run) has
    finished, so no later scenario is blamed for its writes."""
    current = _fingerprint(db)
    for _ in range(40):
        time.sleep(0.1)
        again = _fingerprint(db)
        if again == current:
            return current
        current = again
    return current


def _fingerprint(db: Path) -> dict[str, str]:
    """A digest of every counted table's rows: equal before and after means nothing changed."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")]
        # Full-text indexes (migration 0014's person names) are derived from counted tables;
        # their shadow tables have no rowid to order by.
        indexes = [r[0] for r in conn.execute(
            "select name from sqlite_master where sql like 'CREATE VIRTUAL TABLE%'")]
        derived = {t for t in tables for vt in indexes if t == vt or t.startswith(f"{vt}_")}
        out = {}
        for table in sorted(set(tables) - UNCOUNTED_TABLES - derived):
            columns = COUNTED_COLUMNS.get(table, "*")
            rows = conn.execute(f'select {columns} from "{table}" order by rowid').fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        conn.close()


# ---- the websocket client ------------------------------------------------------------------

async def _send(url: str, cookie: str, path: str, events: list[tuple[str, dict[str, Any]]],
                patient: bool = True) -> list[dict[str, Any]]:
    """Open a fresh tab's socket, send each event, collect every update until the app falls quiet
    (background handlers answer in several updates)."""
    import reflex as rx
    import socketio

    client = socketio.AsyncClient()
    updates: list[dict[str, Any]] = []
    answered = asyncio.Event()
    root = rx.State.get_full_name()
    last = [time.monotonic()]

    @client.on("event", namespace="/_event")
    async def _update(data: dict[str, Any]) -> None:
        updates.append(data)
        last[0] = time.monotonic()
        if data.get("events") or set(data.get("delta") or {}) - {root}:
            answered.set()

    await client.connect(f"{url}?token={uuid.uuid4()}", socketio_path="/_event",
                         namespaces=["/_event"], transports=["websocket"],
                         headers={"Cookie": cookie, "Origin": ORIGIN})
    try:
        for name, payload in events:
            answered.clear()
            await client.emit("event", {"name": name, "payload": payload,
                                        "router_data": {"pathname": path, "asPath": path}},
                              namespace="/_event")
            sent_at, seen = time.monotonic(), len(updates)
            if patient:
                try:
                    await asyncio.wait_for(answered.wait(), 5)
                except TimeoutError:
                    pass  # a handler may rightly change nothing visible; quiet is an answer too
            else:
                # A refused call usually changes nothing visible, so no answer beyond the router
                # update comes: after that, half a second of quiet is the answer.
                while not answered.is_set() and time.monotonic() - sent_at < 5 and (
                        len(updates) == seen or time.monotonic() - last[0] < 0.5):
                    await asyncio.sleep(0.05)
            while time.monotonic() - last[0] < 0.4:
                await asyncio.sleep(0.1)
    finally:
        await client.disconnect()
    return updates


# ---- scenarios -----------------------------------------------------------------------------

Ids = dict[str, int]


@dataclass(frozen=True)
class Scenario:
    """One call of one handler: the least-privileged role allowed (None: every role may call it
    and it must show nothing secret to anyone), the page it claims to be on, its arguments, what
    it does (read: the allowed role must receive ``secret``; change: the database must change;
    view: only the tab's own view state), and events sent first to set the tab up."""

    handler: str  # "ClassName.handler"
    allowed_from: str | None
    mode: str  # "read" | "change" | "view"
    # Roles from here up to ``allowed_from`` may call it over their own records (it may change
    # the database) but must not receive the secret.
    scoped_from: str | None = None
    path: Callable[[Ids], str] = lambda ids: "/cases"
    payload: Callable[[Ids], dict[str, Any]] = lambda ids: {}
    before: tuple[tuple[str, Callable[[Ids], dict[str, Any]]], ...] = ()
    secret: str = SECRET_PERSON
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.handler}{'-' + self.label if self.label else ''}"


def _case(key: str) -> Callable[[Ids], str]:
    return lambda ids: f"/cases/{ids[key]}"


SECRET_CASE = _case("case_secret")
LOAD_CASE = (("CaseState.load", lambda ids: {}),)


def _s(handler: str, allowed_from: str | None, mode: str, **kw: Any) -> Scenario:
    return Scenario(handler, allowed_from, mode, **kw)


SCENARIOS: list[Scenario] = [
    _s("SignInState.load", None, "view", path=lambda ids: "/sign-in"),
    # Cases list: everyone may list, but only admins and managers see another team's case.
    _s("CasesState.load", "manager", "read"),
    _s("CasesState.load_rows", "manager", "read"),
    _s("CasesState.set_search", "manager", "read", payload=lambda ids: {"value": "Zephyrine"}),
    _s("CasesState.set_filter", "manager", "read",
       payload=lambda ids: {"name": "worker", "value": str(ids["south"])}),
    _s("CasesState.toggle_my_cases", None, "view"),
    _s("CasesState.clear_filters", "manager", "read"),
    _s("CasesState.sort_by", "manager", "read", payload=lambda ids: {"column": "name"}),
    _s("CasesState.set_sort", "manager", "read", payload=lambda ids: {"value": "name:asc"}),
    _s("CasesState.go_to_page", "manager", "read", payload=lambda ids: {"page": 1}),
    _s("CasesState.claim", "case_worker", "change",
       payload=lambda ids: {"case_id": ids["case_unassigned"]}),
    # Weekly summaries: admins and managers over every case; others over what they may read.
    _s("WeeklyState.generate_all", "manager", "change", path=lambda ids: "/weekly",
       scoped_from="case_worker", before=(("WeeklyState.load", lambda ids: {}),)),
    _s("WeeklyState.watch", "manager", "read", path=lambda ids: "/weekly",
       scoped_from="case_worker", before=(("WeeklyState.load", lambda ids: {}),)),
    _s("WeeklyState.load", "manager", "read", path=lambda ids: "/weekly",
       scoped_from="case_worker"),
    _s("WeeklyState.set_days", None, "view", path=lambda ids: "/weekly",
       payload=lambda ids: {"value": "14"}),
    _s("WeeklyState.cancel", None, "view", path=lambda ids: "/weekly"),
    _s("WeeklyState.resume", None, "view", path=lambda ids: "/weekly"),
    _s("WeeklyState.accept", "manager", "change", path=lambda ids: "/weekly",
       scoped_from="case_worker", payload=lambda ids: {"case_id": ids["case_secret"]},
       before=(("WeeklyState.load", lambda ids: {}),)),
    _s("WeeklyState.show_more", "manager", "read", path=lambda ids: "/weekly",
       scoped_from="case_worker", before=(("WeeklyState.load", lambda ids: {}),)),
    # A case page: the other team's case opens for admins and managers only.
    _s("CaseState.load", "manager", "read", path=SECRET_CASE),
    _s("CaseState.load", "manager", "read", path=_case("case_nell"), secret=SECRET_PRIVATE,
       label="private-note"),
    _s("CaseState.load_more", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       secret=SECRET_NOTE),
    _s("CaseState.device_report", "manager", "read", path=SECRET_CASE,
       payload=lambda ids: {"raw": '{"outcome": "saved"}'}),
    _s("CaseState.change_status", "manager", "change", path=_case("case_status"), before=LOAD_CASE,
       secret="Cato Status",
       payload=lambda ids: {"status": "paused"}),
    _s("CaseState.change_concern", "manager", "change", path=_case("case_status"), before=LOAD_CASE,
       secret="Cato Status",
       payload=lambda ids: {"level": "high"}),
    _s("CaseState.reassign", "manager", "change", path=_case("case_status"), before=LOAD_CASE,
       secret="Cato Status",
       payload=lambda ids: {"worker_id": str(ids["south2"])}),
    _s("CaseState.claim", "case_worker", "change", path=_case("case_unassigned2"),
       before=LOAD_CASE),
    _s("CaseState.update_tags", "manager", "change", path=_case("case_status"), before=LOAD_CASE,
       secret="Cato Status",
       payload=lambda ids: {"value": "matrix-tag"}),
    _s("CaseState.check_risks", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       secret=SECRET_PERSON),
    _s("CaseState.summarise", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       secret=SECRET_PERSON),
    _s("CaseState.accept_summary", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       secret=SECRET_PERSON),
    _s("CaseState.dismiss_summary", None, "view", path=SECRET_CASE),
    _s("CaseState.load_viewers", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       secret=SECRET_PERSON),
    _s("CaseState.ask", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       payload=lambda ids: {"form": {"question": "What was agreed at the library?"}},
       secret=SECRET_PERSON),
    _s("CaseState.clear_conversation", None, "view", path=SECRET_CASE),
    _s("CaseState.analyse", "manager", "read", path=SECRET_CASE, before=LOAD_CASE,
       secret=SECRET_PERSON),
    _s("CaseState.dismiss_analysis", None, "view", path=SECRET_CASE),
    # New case: volunteers cannot create cases.
    _s("NewCaseState.load", None, "view", path=lambda ids: "/cases/new"),
    _s("NewCaseState.set_name", "manager", "read", path=lambda ids: "/cases/new",
       payload=lambda ids: {"value": "Zephyrine"}),
    _s("NewCaseState.pick_person", None, "view", path=lambda ids: "/cases/new",
       payload=lambda ids: {"person_id": 1, "label": "x"}),
    _s("NewCaseState.clear_person", None, "view", path=lambda ids: "/cases/new"),
    _s("NewCaseState.set_field", None, "view", path=lambda ids: "/cases/new",
       payload=lambda ids: {"name": "tags", "value": "x"}),
    _s("NewCaseState.create", "case_worker", "change", path=lambda ids: "/cases/new",
       before=(("NewCaseState.load", lambda ids: {}),
               ("NewCaseState.set_name", lambda ids: {"value": "Matrix Person"}),
               ("NewCaseState.set_field", lambda ids: {"name": "pathway",
                                                       "value": str(ids["pathway"])}))),
    # Pathways: everyone reads them; admins and managers change them.
    _s("PathwaysState.load", None, "view", path=lambda ids: "/pathways"),
    _s("PathwaysState.start_new", None, "view", path=lambda ids: "/pathways"),
    _s("PathwaysState.start_edit", None, "view", path=lambda ids: "/pathways",
       payload=lambda ids: {"pathway_id": ids["pathway"]}),
    _s("PathwaysState.cancel", None, "view", path=lambda ids: "/pathways"),
    _s("PathwaysState.set_field", None, "view", path=lambda ids: "/pathways",
       payload=lambda ids: {"name": "name", "value": "x"}),
    _s("PathwaysState.save", "manager", "change", path=lambda ids: "/pathways",
       before=(("PathwaysState.start_new", lambda ids: {}),
               ("PathwaysState.set_field", lambda ids: {"name": "name", "value": "Matrix way"}),
               ("PathwaysState.set_field", lambda ids: {"name": "colour", "value": "#0f766e"}))),
    _s("PathwaysState.set_archived", "manager", "change", path=lambda ids: "/pathways",
       payload=lambda ids: {"pathway_id": ids["pathway"], "archived": True}),
    # Settings and staff: admins only.
    _s("SettingsState.load", "admin", "read", path=lambda ids: "/settings", secret=SECRET_EMAIL),
    _s("SettingsState.set_field", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"name": "org_name", "value": "x"}),
    _s("SettingsState.set_offline_drafts", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"value": False}),
    _s("SettingsState.set_ai_enabled", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"value": False}),
    _s("SettingsState.set_ai_real_names", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"value": True}),
    _s("SettingsState.save_organisation", "admin", "change", path=lambda ids: "/settings",
       before=(("SettingsState.load", lambda ids: {}),
               ("SettingsState.set_offline_drafts", lambda ids: {"value": False}))),
    _s("SettingsState.add_user", "admin", "change", path=lambda ids: "/settings",
       before=(("SettingsState.set_field", lambda ids: {"name": "new_name", "value": "Matrix"}),
               ("SettingsState.set_field", lambda ids: {"name": "new_email",
                                                        "value": "matrix@example.org"}),
               ("SettingsState.set_field", lambda ids: {"name": "new_role",
                                                        "value": "volunteer"}),
               ("SettingsState.set_field", lambda ids: {"name": "new_password",
                                                        "value": "a long quiet harbour at dawn"}))),
    _s("SettingsState.update_user", "admin", "change", path=lambda ids: "/settings",
       payload=lambda ids: {"user_id": ids["south2"], "field": "team", "value": "East"},
       before=(("SettingsState.load", lambda ids: {}),)),
    # Search notes: anyone may search, and finds only what they may read.
    _s("SearchState.load", None, "view", path=lambda ids: "/search"),
    _s("SearchState.run_search", "manager", "read", path=lambda ids: "/search",
       payload=lambda ids: {"form": {"query": "umbrella ledger"}}, secret="heliotrope"),
    _s("SearchState.run_search", "manager", "read", path=lambda ids: "/search",
       payload=lambda ids: {"form": {"query": "lantern tribunal"}}, secret="marigold",
       label="private-note"),
    # Audit trail: admins only.
    _s("AuditTrailState.load", "admin", "read", path=lambda ids: "/audit-trail",
       secret=AUDIT_SECRET),
    _s("AuditTrailState.apply_filters", "admin", "read", path=lambda ids: "/audit-trail",
       payload=lambda ids: {"form": {"record": f"case {ids['case_secret']}"}},
       secret=AUDIT_SECRET),
    _s("AuditTrailState.clear_filters", "admin", "read", path=lambda ids: "/audit-trail",
       secret=AUDIT_SECRET),
    _s("AuditTrailState.go_to_page", "admin", "read", path=lambda ids: "/audit-trail",
       payload=lambda ids: {"page": 1}, secret=AUDIT_SECRET),
    # Workload: admins and managers see everyone's; a case worker their own; volunteers none.
    _s("WorkloadState.load", "manager", "read", path=lambda ids: "/workload",
       scoped_from="case_worker", secret="Sol South"),
    _s("WorkloadState.show_more", "manager", "read", path=lambda ids: "/workload",
       scoped_from="case_worker", before=(("WorkloadState.load", lambda ids: {}),),
       secret="Sol South"),
    _s("WorkloadState.open_worker", "manager", "read", path=lambda ids: "/workload",
       before=(("WorkloadState.load", lambda ids: {}),),
       payload=lambda ids: {"worker_id": ids["south"]}),
    _s("WorkloadState.close_worker", None, "view", path=lambda ids: "/workload"),
    _s("WorkloadState.toggle_case", None, "view", path=lambda ids: "/workload",
       payload=lambda ids: {"case_id": ids["case_secret"], "checked": True}),
    _s("WorkloadState.clear_chosen", None, "view", path=lambda ids: "/workload"),
    _s("WorkloadState.set_target", None, "view", path=lambda ids: "/workload",
       payload=lambda ids: {"value": str(ids["south2"])}),
    _s("WorkloadState.cancel_preview", None, "view", path=lambda ids: "/workload"),
    _s("WorkloadState.preview_reassign", "manager", "read", path=lambda ids: "/workload",
       before=(("WorkloadState.load", lambda ids: {}),
               ("WorkloadState.toggle_case", lambda ids: {"case_id": ids["case_erase"],
                                                          "checked": True}),
               ("WorkloadState.set_target", lambda ids: {"value": str(ids["south2"])})),
       secret="Sam Southern"),
    _s("WorkloadState.confirm_reassign", "manager", "change", path=lambda ids: "/workload",
       before=(("WorkloadState.load", lambda ids: {}),
               ("WorkloadState.toggle_case", lambda ids: {"case_id": ids["case_erase"],
                                                          "checked": True}),
               ("WorkloadState.set_target", lambda ids: {"value": str(ids["south2"])}),
               ("WorkloadState.preview_reassign", lambda ids: {}))),
    _s("WorkloadSettingsState.load", None, "view", path=lambda ids: "/settings"),
    _s("WorkloadSettingsState.set_value", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"name": "hours_high", "value": "5"}),
    _s("WorkloadSettingsState.save", "admin", "change", path=lambda ids: "/settings",
       before=(("WorkloadSettingsState.load", lambda ids: {}),
               ("WorkloadSettingsState.set_value", lambda ids: {"name": "hours_high",
                                                                "value": "5"}))),
    # Note audits: admins and managers audit anyone's notes; a case worker their own only.
    _s("AuditsState.load", "manager", "read", path=lambda ids: "/audits",
       secret=SECRET_REFERENCE,
       scoped_from="case_worker"),
    _s("AuditsState.set_filter", "manager", "read", path=lambda ids: "/audits",
       secret=SECRET_REFERENCE,
       scoped_from="case_worker", before=(("AuditsState.load", lambda ids: {}),),
       payload=lambda ids: {"name": "score", "value": ""}),
    _s("AuditsState.go_to_page", "manager", "read", path=lambda ids: "/audits",
       secret=SECRET_REFERENCE,
       scoped_from="case_worker", before=(("AuditsState.load", lambda ids: {}),),
       payload=lambda ids: {"offset": 0}),
    _s("AuditsState.audit", "manager", "change", path=lambda ids: "/audits",
       payload=lambda ids: {"interaction_id": ids["note_secret"]}),
    _s("AuditsState.audit_all", "manager", "change", path=lambda ids: "/audits",
       scoped_from="case_worker", before=(("AuditsState.load", lambda ids: {}),)),
    _s("AuditsState.watch", "manager", "read", path=lambda ids: "/audits",
       secret=SECRET_REFERENCE,
       scoped_from="case_worker", before=(("AuditsState.load", lambda ids: {}),)),
    _s("AuditsState.cancel", None, "view", path=lambda ids: "/audits"),
    _s("AuditsState.resume", None, "view", path=lambda ids: "/audits"),
    _s("AuditCriteriaState.load", None, "view", path=lambda ids: "/settings"),
    _s("AuditCriteriaState.set_criterion", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"index": 0, "part": "name", "value": "Matrix"}),
    _s("AuditCriteriaState.add_criterion", None, "view", path=lambda ids: "/settings"),
    _s("AuditCriteriaState.remove_criterion", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"index": 0}),
    _s("AuditCriteriaState.save_criteria", "admin", "change", path=lambda ids: "/settings",
       before=(("AuditCriteriaState.load", lambda ids: {}),
               ("AuditCriteriaState.set_criterion",
                lambda ids: {"index": 0, "part": "name", "value": "Matrix criterion"}))),
    _s("AuditCriteriaState.reset_criteria", "admin", "change", path=lambda ids: "/settings",
       before=(("AuditCriteriaState.load", lambda ids: {}),)),
    # Insights: admins and managers over every case; a case worker their own; volunteers none.
    _s("InsightsState.generate_all", "manager", "change", path=lambda ids: "/insights",
       scoped_from="case_worker", before=(("InsightsState.load", lambda ids: {}),)),
    _s("InsightsState.watch", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker", before=(("InsightsState.load", lambda ids: {}),)),
    _s("InsightsState.load", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker"),
    _s("InsightsState.set_search", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker", payload=lambda ids: {"value": "Zephyrine"}),
    _s("InsightsState.set_filter", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker", payload=lambda ids: {"name": "worker",
                                                       "value": str(ids["south"])}),
    _s("InsightsState.set_sort", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker", payload=lambda ids: {"value": "name:asc"}),
    _s("InsightsState.set_view", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker", payload=lambda ids: {"value": "workers"}, secret="Sol South"),
    _s("InsightsState.go_to_page", "manager", "read", path=lambda ids: "/insights",
       scoped_from="case_worker", payload=lambda ids: {"page": 1}),
    _s("InsightsState.open_cell", "manager", "read", path=lambda ids: "/insights",
       payload=lambda ids: {"case_id": ids["case_secret"], "stage": 1},
       secret=SECRET_REFERENCE),
    _s("InsightsState.close_detail", None, "view", path=lambda ids: "/insights"),
    _s("InsightsState.set_detail_open", None, "view", path=lambda ids: "/insights",
       payload=lambda ids: {"value": True}),
    _s("InsightsState.set_correction_level", None, "view", path=lambda ids: "/insights",
       payload=lambda ids: {"value": "high"}),
    _s("InsightsState.set_correction_note", None, "view", path=lambda ids: "/insights",
       payload=lambda ids: {"value": "Checked with her"}),
    _s("InsightsState.save_correction", "manager", "change", path=lambda ids: "/insights",
       before=(("InsightsState.open_cell", lambda ids: {"case_id": ids["case_secret"],
                                                        "stage": 1}),
               ("InsightsState.set_correction_level", lambda ids: {"value": "high"}),
               ("InsightsState.set_correction_note", lambda ids: {"value": "Checked"}))),
    _s("InsightsState.generate_case", "manager", "change", path=lambda ids: "/insights",
       # Paused by then, so "all open cases" never reached it: this makes its first insights.
       before=(("InsightsState.open_cell", lambda ids: {"case_id": ids["case_status"],
                                                        "stage": 1}),)),
    _s("InsightsState.cancel", None, "view", path=lambda ids: "/insights"),
    _s("InsightsState.resume", None, "view", path=lambda ids: "/insights"),
    _s("OutcomeStagesState.load_stages", None, "view", path=lambda ids: "/settings"),
    _s("OutcomeStagesState.set_stage_name", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"index": 0, "value": "Matrix"}),
    _s("OutcomeStagesState.set_stage_description", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"index": 0, "value": "Matrix"}),
    _s("OutcomeStagesState.save_stages", "admin", "change", path=lambda ids: "/settings",
       before=(("OutcomeStagesState.load_stages", lambda ids: {}),
               ("OutcomeStagesState.set_stage_name",
                lambda ids: {"index": 0, "value": "Matrix stage"}))),
    # API tokens: everyone manages their own; admins see and revoke anyone's.
    _s("ApiTokensState.load", "admin", "read", path=lambda ids: "/api-tokens",
       scoped_from="volunteer", secret="sol-secret-token"),
    _s("ApiTokensState.set_field", None, "view", path=lambda ids: "/api-tokens",
       payload=lambda ids: {"name": "new_name", "value": "x"}),
    _s("ApiTokensState.create", "volunteer", "change", path=lambda ids: "/api-tokens",
       before=(("ApiTokensState.set_field", lambda ids: {"name": "new_name",
                                                         "value": "matrix"}),
               ("ApiTokensState.set_field", lambda ids: {"name": "new_expiry",
                                                         "value": "never"}))),
    _s("ApiTokensState.dismiss_token", None, "view", path=lambda ids: "/api-tokens"),
    _s("ApiTokensState.revoke", "admin", "change", path=lambda ids: "/api-tokens",
       before=(("ApiTokensState.load", lambda ids: {}),),
       payload=lambda ids: {"token_id": ids["token_secret"]}),
    # Your account: two-step sign-in is for admins and managers; sessions are one's own.
    _s("AccountState.load", None, "view", path=lambda ids: "/account"),
    _s("AccountState.start_totp", "manager", "change", path=lambda ids: "/account",
       before=(("AccountState.load", lambda ids: {}),)),
    _s("AccountState.set_enrol_code", None, "view", path=lambda ids: "/account",
       payload=lambda ids: {"value": "123456"}),
    _s("AccountState.confirm_totp", None, "view", path=lambda ids: "/account",
       before=(("AccountState.set_enrol_code", lambda ids: {"value": "000000"}),)),
    _s("AccountState.hide_recovery_codes", None, "view", path=lambda ids: "/account"),
    _s("AccountState.sign_out_elsewhere", None, "view", path=lambda ids: "/account"),
    _s("AccountState.end_session", "admin", "change", path=lambda ids: "/account",
       payload=lambda ids: {"session_id": ids["session_sam"]}),
    _s("SignInSettingsState.load_section", None, "view", path=lambda ids: "/settings"),
    _s("SignInSettingsState.set_signup_domains_text", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"value": "matrix.example"}),
    _s("SignInSettingsState.save_signup_domains", "admin", "change", path=lambda ids: "/settings",
       before=(("SignInSettingsState.load_section", lambda ids: {}),
               ("SignInSettingsState.set_signup_domains_text",
                lambda ids: {"value": "matrix-charity.org.uk"}))),
    _s("SignInSettingsState.sign_out_everywhere", "admin", "change", path=lambda ids: "/settings",
       payload=lambda ids: {"user_id": ids["south2"]}),
    # Nobody here has two-step sign-in, so no one's call may change anything.
    _s("SignInSettingsState.reset_two_step", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"user_id": ids["south2"]}),
    # Data rights and retention: admins only.
    _s("DataRightsState.load", None, "view", path=lambda ids: "/data-rights"),
    _s("DataRightsState.search", "admin", "read", path=lambda ids: "/data-rights",
       payload=lambda ids: {"form": {"query": "Quartermaine"}}),
    _s("DataRightsState.open_person", "admin", "read", path=lambda ids: "/data-rights",
       payload=lambda ids: {"person_id": ids["person_secret"]}),
    _s("DataRightsState.close_person", None, "view", path=lambda ids: "/data-rights"),
    _s("DataRightsState.set_field", None, "view", path=lambda ids: "/data-rights",
       payload=lambda ids: {"name": "erase_reason", "value": "x"}),
    _s("DataRightsState.start_export", "admin", "change", path=lambda ids: "/data-rights",
       before=(("DataRightsState.open_person", lambda ids: {"person_id": ids["person_secret"]}),)),
    _s("DataRightsState.anonymise_all", None, "view", path=lambda ids: "/data-rights"),
    _s("DataRightsState.erase", "admin", "change", path=lambda ids: "/data-rights",
       before=(("DataRightsState.open_person", lambda ids: {"person_id": ids["person_erase"]}),
               ("DataRightsState.set_field", lambda ids: {"name": "erase_mode",
                                                          "value": "anonymise"}),
               ("DataRightsState.set_field", lambda ids: {"name": "erase_reason",
                                                          "value": "Asked to be forgotten"}),
               ("DataRightsState.set_field", lambda ids: {"name": "erase_confirm",
                                                          "value": "Erin Erasable"}))),
    _s("RetentionSettingsState.load", None, "view", path=lambda ids: "/settings"),
    _s("RetentionSettingsState.set_retention_years", None, "view", path=lambda ids: "/settings",
       payload=lambda ids: {"value": "7"}),
    _s("RetentionSettingsState.save", "admin", "change", path=lambda ids: "/settings",
       before=(("RetentionSettingsState.set_retention_years", lambda ids: {"value": "7"}),)),
    # Import (admins only). Every step goes through caseapp.importing, which refuses anyone but
    # an admin and finds a staged upload only under its uploader's id; here, with no upload
    # staged (files arrive only through /_upload), each must change nothing and show nothing.
    # tests/test_importing.py and tests/test_import_page.py prove the steps per role with files.
    _s("ImportState.load", None, "view", path=lambda ids: "/import"),
    _s("ImportState.handle_upload", None, "view", path=lambda ids: "/import",
       payload=lambda ids: {"files": []}),
    _s("ImportState.set_mapping", None, "view", path=lambda ids: "/import",
       payload=lambda ids: {"field": "name", "value": "0"}),
    _s("ImportState.set_default_pathway", None, "view", path=lambda ids: "/import",
       payload=lambda ids: {"value": str(ids["pathway"])}),
    _s("ImportState.set_decision", None, "view", path=lambda ids: "/import",
       payload=lambda ids: {"row": 2, "value": "1"}),
    _s("ImportState.back_to_mapping", None, "view", path=lambda ids: "/import"),
    _s("ImportState.start_over", None, "view", path=lambda ids: "/import"),
    _s("ImportState.check", None, "view", path=lambda ids: "/import",
       before=(("ImportState.set_mapping", lambda ids: {"field": "name", "value": "0"}),)),
    _s("ImportState.run_import", None, "view", path=lambda ids: "/import"),
]


def _app_states() -> dict[str, type]:
    """Every State class of the app, found by walking the state package, not from a list."""
    import reflex as rx

    import state

    for module in pkgutil.iter_modules(state.__path__):
        importlib.import_module(f"state.{module.name}")
    found: dict[str, type] = {}
    todo = list(rx.State.get_substates())
    while todo:
        cls = todo.pop()
        todo.extend(cls.get_substates())
        if cls.__module__.startswith("state."):
            found[cls.__name__] = cls
    return found


def _handlers() -> set[str]:
    out = set()
    for name, cls in _app_states().items():
        for handler in cls.event_handlers:
            if handler in cls.__dict__ and not handler.startswith("_") and handler != "setvar":
                out.add(f"{name}.{handler}")
    return out


def test_every_handler_has_a_scenario() -> None:
    covered = {s.handler for s in SCENARIOS}
    missing = sorted(_handlers() - covered)
    assert not missing, f"event handlers with no role-matrix scenario: {missing}"
    assert not covered - _handlers(), f"scenarios for handlers that are gone: {covered - _handlers()}"


def _event_name(handler: str) -> str:
    cls_name, method = handler.split(".")
    return f"{_app_states()[cls_name].get_full_name()}.{method}"


def _call_denied(app: App, scenario: Scenario, roles: tuple[str, ...]
                 ) -> tuple[dict[str, str], list[str]]:
    """The roles that must be refused, all at once (one tab each, concurrently): what each got
    back, and the tables whose rows changed. Concurrent, so the suite stays quick; a change by
    any of them fails the scenario all the same."""
    if not roles:
        return {}, []
    cookies = {role: app.cookie(role) for role in roles}
    before = _settled(app.db)
    events = [(_event_name(h), make(app.ids)) for h, make in scenario.before]
    events.append((_event_name(scenario.handler), scenario.payload(app.ids)))

    async def everyone() -> list[list[dict[str, Any]]]:
        return await asyncio.gather(*(
            _send(app.url, cookies[role], scenario.path(app.ids), events, patient=False)
            for role in roles))

    answers = asyncio.run(everyone())
    after = _fingerprint(app.db)
    sent = {role: json.dumps(updates) for role, updates in zip(roles, answers, strict=True)}
    return sent, sorted(t for t in after if after[t] != before.get(t))


def _call(app: App, scenario: Scenario, role: str) -> tuple[str, list[str]]:
    """Returns everything the server sent back, and the tables whose rows changed."""
    cookie = app.cookie(role)  # signing in opens a session: before the "before" picture
    before = _settled(app.db)
    events = [(_event_name(h), make(app.ids)) for h, make in scenario.before]
    events.append((_event_name(scenario.handler), scenario.payload(app.ids)))
    updates = asyncio.run(_send(app.url, cookie, scenario.path(app.ids), events))
    after = _fingerprint(app.db)
    return json.dumps(updates), sorted(t for t in after if after[t] != before.get(t))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_handler_against_the_role_matrix(app: App, scenario: Scenario) -> None:
    allowed = ROLES.index(scenario.allowed_from) if scenario.allowed_from else len(ROLES)
    scoped = ROLES.index(scenario.scoped_from) if scenario.scoped_from else allowed
    if scenario.mode == "view":
        allowed = scoped = len(ROLES)
    secrets = {*SECRETS, scenario.secret}
    refused, changed = _call_denied(app, scenario, ROLES[:scoped])
    for role, sent in refused.items():
        leaked = [s for s in secrets if s in sent]
        assert not leaked, f"{scenario.id} as {role}: the answer holds {leaked}"
    assert not changed, f"{scenario.id} as {', '.join(refused)}: changed {changed}"
    for role in ROLES[scoped:allowed]:  # may change their own records, one at a time
        sent, _ = _call(app, scenario, role)
        leaked = [s for s in secrets if s in sent]
        assert not leaked, f"{scenario.id} as {role}: the answer holds {leaked}"
    if scenario.allowed_from and scenario.mode != "view":
        sent, changed = _call(app, scenario, scenario.allowed_from)
        if scenario.mode == "read":
            assert scenario.secret in sent, (
                f"{scenario.id} as {scenario.allowed_from}: allowed, but the answer lacks "
                f"{scenario.secret!r}, so the scenario proves nothing: {sent[-800:]}")
        else:
            assert changed, (f"{scenario.id} as {scenario.allowed_from}: allowed, but nothing "
                             f"changed: {sent[-800:]}")


# ---- HTTP routes ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RouteScenario:
    """One request to one route, judged like a handler scenario."""

    method: str
    route: str  # the route's path as declared, e.g. "/files/attachments/{attachment_id}"
    allowed_from: str | None
    mode: str  # "read" | "change" | "view"
    url: Callable[[Ids], str]
    form: Callable[[Ids], dict[str, str]] | None = None
    files: Callable[[Ids], dict[str, tuple[str, bytes]]] | None = None
    secret: str = SECRET_PERSON
    fresh_session: bool = False  # sign in anew: the request ends the session it carries
    json_body: Callable[[Ids], dict[str, Any]] | None = None
    bearer: bool = False  # the JSON API: an API token of the role's user, not the cookie
    scoped_from: str | None = None  # as for handlers: may call it, must not get the secret

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


def _save_form(ids: Ids) -> dict[str, str]:
    return {"case_id": str(ids["case_secret"]), "client_ref": str(uuid.uuid4()),
            "text": "Checked in by phone.", "kind": "phone_call"}


ROUTE_SCENARIOS: list[RouteScenario] = [
    RouteScenario("POST", "/auth/sign-in", None, "view", lambda ids: "/auth/sign-in",
                  form=lambda ids: {"email": SECRET_EMAIL, "password": "not the password"}),
    # Anyone may end their own session; with no session, nothing changes.
    RouteScenario("POST", "/auth/sign-out", None, "view", lambda ids: "/auth/sign-out",
                  fresh_session=True, scoped_from="volunteer"),
    RouteScenario("GET", "/files/attachments/{attachment_id}", "manager", "read",
                  lambda ids: f"/files/attachments/{ids['attachment_secret']}",
                  secret="heliotrope"),
    RouteScenario("GET", "/files/attachments/{attachment_id}/thumbnail", "manager", "read",
                  lambda ids: f"/files/attachments/{ids['attachment_secret']}/thumbnail",
                  secret="heliotrope"),
    RouteScenario("GET", "/admin/audit-trail.csv", "admin", "read",
                  lambda ids: "/admin/audit-trail.csv", secret=AUDIT_SECRET),
    RouteScenario("POST", "/api/interactions", "manager", "change",
                  lambda ids: "/api/interactions", form=_save_form),
    RouteScenario("POST", "/auth/sign-in/code", None, "view", lambda ids: "/auth/sign-in/code",
                  form=lambda ids: {"code": "123456"}),
    # No identity provider is configured here: every role gets a refusal and nothing changes.
    RouteScenario("GET", "/auth/oidc/{provider}/start", None, "view",
                  lambda ids: "/auth/oidc/entra/start"),
    RouteScenario("GET", "/auth/oidc/{provider}/callback", None, "view",
                  lambda ids: "/auth/oidc/entra/callback?code=x&state=y"),
    RouteScenario("GET", "/workload.csv", "manager", "read", lambda ids: "/workload.csv",
                  secret="Sol South"),
    RouteScenario("GET", "/exports/insights.csv", "manager", "read",
                  lambda ids: "/exports/insights.csv", secret="Sol South"),
    RouteScenario("GET", "/admin/subject-access/{job_id}", "admin", "read",
                  lambda ids: "/admin/subject-access/1", secret=".zip"),
    # The JSON API, with each role's own API token.
    RouteScenario("GET", "/api/v1/openapi.json", None, "view", lambda ids: "/api/v1/openapi.json",
                  bearer=True),
    RouteScenario("GET", "/api/v1/me", None, "view", lambda ids: "/api/v1/me", bearer=True),
    RouteScenario("GET", "/api/v1/cases", "manager", "read", lambda ids: "/api/v1/cases",
                  bearer=True, scoped_from="volunteer"),
    RouteScenario("GET", "/api/v1/cases/{case_id}", "manager", "read",
                  lambda ids: f"/api/v1/cases/{ids['case_secret']}", bearer=True),
    RouteScenario("GET", "/api/v1/cases/{case_id}/interactions", "manager", "read",
                  lambda ids: f"/api/v1/cases/{ids['case_secret']}/interactions", bearer=True,
                  secret=SECRET_NOTE),
    RouteScenario("GET", "/api/v1/people", "manager", "read",
                  lambda ids: "/api/v1/people?search=Quartermaine",
                  bearer=True, scoped_from="case_worker"),
    RouteScenario("GET", "/api/v1/pathways", None, "view", lambda ids: "/api/v1/pathways",
                  bearer=True),
    RouteScenario("POST", "/api/v1/cases", "case_worker", "change", lambda ids: "/api/v1/cases",
                  bearer=True, json_body=lambda ids: {"person": {"name": "Api Person"},
                                                      "pathway_id": ids["pathway_api"]}),
    RouteScenario("POST", "/api/v1/cases/{case_id}/interactions", "manager", "change",
                  lambda ids: f"/api/v1/cases/{ids['case_secret']}/interactions", bearer=True,
                  json_body=lambda ids: {"text": "Rang to check in."}),
    RouteScenario("POST", "/api/v1/people", "case_worker", "change",
                  lambda ids: "/api/v1/people", bearer=True,
                  json_body=lambda ids: {"name": "Another Api Person"}),
    RouteScenario("POST", "/api/v1/pathways", "manager", "change", lambda ids: "/api/v1/pathways",
                  bearer=True, json_body=lambda ids: {"name": "Api pathway"}),
    RouteScenario("GET", "/sw.js", None, "view", lambda ids: "/sw.js"),
    RouteScenario("GET", "/healthz", None, "view", lambda ids: "/healthz"),
    RouteScenario("GET", "/readyz", None, "view", lambda ids: "/readyz"),
    # CSV exports: admins and managers, of what they may read (managers read private notes).
    RouteScenario("GET", "/export/cases.csv", "manager", "read",
                  lambda ids: "/export/cases.csv"),
    RouteScenario("GET", "/export/interactions.csv", "manager", "read",
                  lambda ids: "/export/interactions.csv", secret=SECRET_PRIVATE),
]


def _declared_routes() -> set[str]:
    from starlette.routing import Mount, Route

    from caseapp.routes import http_routes

    found = set()
    for route in http_routes().routes:
        assert isinstance(route, Route | Mount), route
        methods = sorted((getattr(route, "methods", None) or {"ANY"}) - {"HEAD"})
        found.update(f"{method} {route.path}" for method in methods)
    return found


def test_every_route_has_a_scenario() -> None:
    covered = {s.id for s in ROUTE_SCENARIOS}
    missing = sorted(_declared_routes() - covered)
    assert not missing, f"HTTP routes with no role-matrix scenario: {missing}"
    assert not covered - _declared_routes(), f"scenarios for routes that are gone: " \
                                            f"{covered - _declared_routes()}"


def _request(app: App, scenario: RouteScenario, role: str) -> tuple[int, str, list[str]]:
    cookie = app.cookie(role)
    if scenario.fresh_session and role != "anonymous":
        cookie = App(url=app.url, db=app.db, ids=app.ids).cookie(role)
    before = _settled(app.db)
    headers = {"Cookie": cookie, "Origin": app.url}
    if scenario.bearer:
        headers = {"Authorization": f"Bearer {app.ids.get(f'token_{role}', 'cl_none')}"}
    reply = httpx.request(
        scenario.method, app.url + scenario.url(app.ids), headers=headers,
        data=scenario.form(app.ids) if scenario.form else None,
        json=scenario.json_body(app.ids) if scenario.json_body else None,
        files=scenario.files(app.ids) if scenario.files else None)
    after = _fingerprint(app.db)
    body = reply.text + json.dumps(dict(reply.headers))
    return reply.status_code, body, sorted(t for t in after if after[t] != before.get(t))


@pytest.mark.parametrize("scenario", ROUTE_SCENARIOS, ids=lambda s: s.id)
def test_route_against_the_role_matrix(app: App, scenario: RouteScenario) -> None:
    allowed = ROLES.index(scenario.allowed_from) if scenario.allowed_from else len(ROLES)
    scoped = ROLES.index(scenario.scoped_from) if scenario.scoped_from else allowed
    secrets = {*SECRETS, scenario.secret}
    for index, role in enumerate(ROLES[:allowed]):
        status, body, changed = _request(app, scenario, role)
        assert status < 500, f"{scenario.id} as {role}: {status}"
        leaked = [s for s in secrets if s in body]
        assert not leaked, f"{scenario.id} as {role}: the answer holds {leaked}"
        if index < scoped:
            assert not changed, f"{scenario.id} as {role}: changed {changed}"
            if scenario.mode != "view":
                assert status in (401, 403, 404, 303, 422), f"{scenario.id} as {role}: {status}"
    if scenario.allowed_from:
        status, body, changed = _request(app, scenario, scenario.allowed_from)
        assert 200 <= status < 300, f"{scenario.id} as {scenario.allowed_from}: {status} {body}"
        if scenario.mode == "read":
            assert scenario.secret in body, f"{scenario.id}: allowed, but no {scenario.secret!r}"
        else:
            assert changed, f"{scenario.id} as {scenario.allowed_from}: allowed, nothing changed"


def test_reflex_own_routes_answer_without_data(app: App) -> None:
    # Reflex adds /ping and /_health itself; neither needs a session nor says anything of ours.
    # The import page's rx.upload adds /_upload: it hands files to ImportState.handle_upload,
    # which resolves the actor from the cookie like every handler; without a tab it refuses.
    for path in ("/ping", "/_health"):
        reply = httpx.get(app.url + path)
        assert reply.status_code == 200 and not [s for s in SECRETS if s in reply.text]
    assert httpx.post(app.url + "/_upload").status_code in (400, 404, 405)
