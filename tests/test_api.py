"""The JSON API (/api/v1): tokens, the same access as the UI, pagination, validation, audit."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from caseapp import cases, interactions
from caseapp.actor import Actor
from caseapp.api import OPERATIONS, PREFIX, api_routes, openapi_document
from caseapp.auth import api_tokens
from caseapp.cases import CaseFilters
from caseapp.db import session_scope
from caseapp.errors import NoAccess, NotSignedIn, ValidationFailed
from caseapp.interactions import NewInteraction
from caseapp.models import ApiToken, AuditEvent, Case, Interaction, Person
from caseapp.routes import http_routes
from caseapp.staff import update_user
from tests.conftest import World

ROLES = ("admin", "manager", "worker", "worker2", "south", "volunteer")


def _client(world: World, role: str) -> TestClient:
    actor: Actor = getattr(world, role)
    made = api_tokens.create_token(actor, f"{role} integration")
    return TestClient(http_routes(), headers={"Authorization": f"Bearer {made.token}"})


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)
                            .order_by(col(AuditEvent.id))))


def _all_pages(client: TestClient, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        r = client.get(next_url)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        next_url = r.json()["next"]
    return items


# --- Tokens -----------------------------------------------------------------------------------


def test_token_lifecycle_create_use_revoke(world: World) -> None:
    made = api_tokens.create_token(world.worker, "Referral form", 30)
    assert made.token.startswith("cl_") and len(made.token) > 40
    with session_scope() as db:
        row = db.get(ApiToken, made.id)
        assert row is not None and made.token not in (row.token_hash, row.hint)
        assert row.token_hash == api_tokens.token_hash(made.token)  # only the hash is kept
        assert row.expires_at is not None and row.last_used_at is None
    client = TestClient(http_routes())
    auth = {"Authorization": f"Bearer {made.token}"}
    r = client.get(f"{PREFIX}/me", headers=auth)
    assert r.status_code == 200 and r.json()["id"] == world.worker.id
    assert r.headers["cache-control"] == "no-store"
    with session_scope() as db:
        assert db.get(ApiToken, made.id).last_used_at is not None
    views = api_tokens.list_tokens(world.worker)
    assert [(v.name, v.status, v.mine) for v in views] == [("Referral form", "Active", True)]
    assert made.token not in json.dumps([v.__dict__ for v in views])

    api_tokens.revoke_token(world.worker, made.id)
    r = client.get(f"{PREFIX}/me", headers=auth)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json() == {"error": api_tokens.GENERIC_REFUSAL}
    assert api_tokens.list_tokens(world.worker)[0].status == "Revoked"
    assert [e.entity_id for e in _events("api_token.create")] == [made.id]
    assert [e.entity_id for e in _events("api_token.revoke")] == [made.id]
    assert [json.loads(e.detail)["reason"] for e in _events("api_token.refused")] == ["revoked"]


def test_no_token_a_made_up_one_and_a_session_cookie_are_refused(world: World) -> None:
    client = TestClient(http_routes())
    assert client.get(f"{PREFIX}/cases").status_code == 401
    for header in ("Bearer cl_madeup", "Bearer ", "Basic abc", "Bearer x" * 50):
        r = client.get(f"{PREFIX}/cases", headers={"Authorization": header})
        assert r.status_code == 401 and "error" in r.json(), header
    from caseapp.auth import sessions

    cookie, _ = sessions.sign_in("ada.admin@example.org", "correct horse battery")
    client.cookies.set(sessions.COOKIE_NAME, cookie)
    assert client.get(f"{PREFIX}/cases").status_code == 401  # the API takes tokens only
    made = api_tokens.create_token(world.manager, "Short lived", 30)
    with session_scope() as db:
        row = db.get(ApiToken, made.id)
        row.expires_at = row.created_at - timedelta(seconds=1)
        db.add(row)
    with pytest.raises(NotSignedIn):
        api_tokens.actor_for_api_token(made.token)
    assert api_tokens.list_tokens(world.manager)[0].status == "Expired"


def test_deactivation_stops_tokens_and_a_role_change_applies_at_once(world: World) -> None:
    client = _client(world, "worker")
    assert client.get(f"{PREFIX}/cases").status_code == 200
    w = world.worker
    update_user(world.admin, w.id, name=w.name, role="case_worker", team="North",
                capacity_hours=37.5, active=False)
    assert client.get(f"{PREFIX}/cases").status_code == 401
    assert json.loads(_events("api_token.refused")[-1].detail)["reason"] == "user deactivated"
    update_user(world.admin, w.id, name=w.name, role="case_worker", team="North",
                capacity_hours=37.5, active=True)
    assert client.get(f"{PREFIX}/cases").status_code == 200
    assert client.get(f"{PREFIX}/cases/{world.case_south}").status_code == 404
    update_user(world.admin, w.id, name=w.name, role="manager", team="North",
                capacity_hours=37.5, active=True)
    assert client.get(f"{PREFIX}/cases/{world.case_south}").status_code == 200


def test_users_revoke_only_their_own_tokens_and_admins_any(world: World) -> None:
    mine = api_tokens.create_token(world.worker, "Mine")
    other = api_tokens.create_token(world.south, "Someone else's")
    with pytest.raises(NoAccess) as exc:
        api_tokens.revoke_token(world.worker, other.id)
    with pytest.raises(NoAccess) as missing:
        api_tokens.revoke_token(world.worker, 987_654)
    assert str(exc.value) == str(missing.value)  # someone else's answers as a missing one
    assert api_tokens.actor_for_api_token(other.token).id == world.south.id
    assert [v.id for v in api_tokens.list_tokens(world.worker)] == [mine.id]
    everyone = api_tokens.list_tokens(world.admin)
    assert {v.id for v in everyone} == {mine.id, other.id}
    assert {v.owner_name for v in everyone} == {"Wren Worker", "Sol South"}
    api_tokens.revoke_token(world.admin, other.id)
    with pytest.raises(NotSignedIn):
        api_tokens.actor_for_api_token(other.token)
    revoked = _events("api_token.revoke")[-1]
    assert revoked.actor_id == world.admin.id and json.loads(revoked.detail)["owner_id"] == \
        world.south.id
    with pytest.raises(ValidationFailed) as exc:
        api_tokens.create_token(world.worker, "  ", 7)
    assert set(exc.value.errors) == {"name", "expires"}
    with session_scope() as db:
        assert {t.name for t in db.exec(select(ApiToken))} == {"Mine", "Someone else's"}


# --- Access: the same as the UI ---------------------------------------------------------------


def test_each_role_lists_and_opens_exactly_what_the_ui_shows(world: World) -> None:
    every = [world.case_worker, world.case_south, world.case_unassigned, world.case_volunteer]
    for role in ROLES:
        actor: Actor = getattr(world, role)
        client = _client(world, role)
        ui = {r.id for r in cases.list_cases(actor, CaseFilters(page_size=100)).rows}
        api = {c["id"] for c in _all_pages(client, f"{PREFIX}/cases?limit=2")}
        assert api == ui and ui, role  # every role sees at least one case in this world
        for case_id in every:
            r = client.get(f"{PREFIX}/cases/{case_id}")
            assert (r.status_code == 200) == (case_id in ui), (role, case_id)
            if r.status_code == 200:
                assert r.json()["reference"] == cases.reference_for(case_id)
                assert r.json()["person"]["name"]


def test_a_volunteer_sees_only_assigned_cases_and_no_others_private_notes(world: World) -> None:
    case_id = world.case_volunteer
    interactions.add_interaction(world.manager, case_id, NewInteraction(text="Safeguarding",
                                                                        private=True))
    interactions.add_interaction(world.manager, case_id, NewInteraction(text="Visit went well"))
    own = interactions.add_interaction(world.volunteer, case_id,
                                       NewInteraction(text="My own note", private=True))
    client = _client(world, "volunteer")
    texts = [i["text"] for i in _all_pages(client, f"{PREFIX}/cases/{case_id}/interactions")]
    assert sorted(texts) == ["My own note", "Visit went well"]
    ui = interactions.timeline(world.volunteer, case_id)
    assert {i.id for i in ui.items} == {
        i["id"] for i in _all_pages(client, f"{PREFIX}/cases/{case_id}/interactions")}
    assert own in {i.id for i in ui.items}
    manager = _client(world, "manager")
    assert len(_all_pages(manager, f"{PREFIX}/cases/{case_id}/interactions")) == 3
    # Cases list: only the assigned one; people and pathways creation refused.
    assert [c["id"] for c in _all_pages(client, f"{PREFIX}/cases")] == [case_id]
    r = client.post(f"{PREFIX}/cases", json={"person": {"name": "New"},
                                             "pathway_id": world.pathway_id})
    assert r.status_code == 403 and r.json() == {
        "error": "You do not have permission to create cases"}
    assert client.get(f"{PREFIX}/people?search=ale").status_code == 403
    assert client.post(f"{PREFIX}/pathways", json={"name": "X"}).status_code == 403


def test_a_forbidden_case_answers_like_a_missing_one(world: World) -> None:
    client = _client(world, "volunteer")
    for path in ("/cases/{id}", "/cases/{id}/interactions"):

        def answer(case_id: object, path: str = path) -> tuple[int, str]:
            r = client.get(PREFIX + path.format(id=case_id))
            return r.status_code, r.text

        missing = answer(987_654)
        assert missing[0] == 404
        for case_id in (world.case_worker, world.case_south, world.case_unassigned, 0, -1,
                        "abc", 2**40):
            assert answer(case_id) == missing, (path, case_id)
    r = client.post(f"{PREFIX}/cases/{world.case_south}/interactions", json={"text": "probe"})
    assert (r.status_code, r.text) == missing
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []


# --- Creating ---------------------------------------------------------------------------------


def test_create_a_case_for_a_new_person_then_add_an_interaction(world: World) -> None:
    client = _client(world, "worker")
    r = client.post(f"{PREFIX}/cases", json={
        "person": {"name": "Efa Evans", "date_of_birth": "1990-04-02", "postcode": "ls1 4ab"},
        "worker_id": world.worker.id, "pathway_id": world.pathway_id,
        "concern_level": "medium", "tags": ["Rent", "rent", " arrears "],
        "start_date": "2026-11-01"})
    assert r.status_code == 201, r.text
    case = r.json()
    assert r.headers["location"] == f"{PREFIX}/cases/{case['id']}"
    assert case["person"]["date_of_birth"] == "1990-04-02"
    assert case["person"]["postcode"] == "LS1 4AB" and case["tags"] == ["arrears", "rent"]
    assert case["start_date"] == "2026-11-01" and case["worker_id"] == world.worker.id
    r = client.post(f"{PREFIX}/cases/{case['id']}/interactions", json={
        "kind": "phone_call", "occurred_at": "2026-11-20T09:30:00+00:00",
        "text": "Called about **rent**", "tags": ["rent"], "concern_level": "high",
        "expected_version": case["version"], "client_ref": "crm-123"})
    assert r.status_code == 201, r.text
    note = r.json()
    assert note["occurred_at"] == "2026-11-20T09:30:00Z" and note["kind"] == "phone_call"
    assert "<strong>rent</strong>" in note["html"] and note["concern_level"] == "high"
    again = client.post(f"{PREFIX}/cases/{case['id']}/interactions", json={
        "text": "Called about **rent**", "client_ref": "crm-123"})
    assert again.status_code == 201 and again.json()["id"] == note["id"]  # a re-send, no copy
    detail = client.get(f"{PREFIX}/cases/{case['id']}").json()
    assert detail["concern_level"] == "high"
    assert detail["last_interaction_at"] == "2026-11-20T09:30:00Z"
    creates = [e for e in _events("case.create") if e.entity_id == case["id"]]
    assert creates and creates[0].actor_id == world.worker.id
    assert [e.entity_id for e in _events("interaction.create")] == [note["id"]]


def test_a_stale_version_with_a_concern_change_is_a_conflict(world: World) -> None:
    client = _client(world, "manager")
    r = client.post(f"{PREFIX}/cases/{world.case_worker}/interactions", json={
        "text": "Raising concern", "concern_level": "high", "expected_version": 99})
    assert r.status_code == 409 and r.json()["current"]["concern_level"] == "medium"
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []
    client = _client(world, "worker2")  # a teammate may add notes but not change concern
    r = client.post(f"{PREFIX}/cases/{world.case_worker}/interactions",
                    json={"text": "Note", "concern_level": "high"})
    assert r.status_code == 403
    assert client.post(f"{PREFIX}/cases/{world.case_worker}/interactions",
                       json={"text": "Note"}).status_code == 201  # adding a note is allowed


def test_people_and_pathways_read_and_create(world: World) -> None:
    client = _client(world, "manager")
    r = client.post(f"{PREFIX}/people", json={"name": "Aled Price", "date_of_birth": "1980-01-31"})
    assert r.status_code == 201 and r.json()["cases"] == 0
    found = _all_pages(client, f"{PREFIX}/people?search=aled&limit=1")
    assert [p["name"] for p in found] == ["Aled Jones", "Aled Price"]
    assert found[1]["date_of_birth"] == "1980-01-31"
    assert _events("person.create")[-1].entity_id == r.json()["id"]
    r = client.post(f"{PREFIX}/pathways", json={"name": "Employment", "colour": "#16a34a"})
    assert r.status_code == 201 and r.json()["name"] == "Employment"
    names = [p["name"] for p in _all_pages(client, f"{PREFIX}/pathways?limit=1")]
    assert names == ["Employment", "Housing Support"]
    assert client.post(f"{PREFIX}/pathways", json={"name": "employment"}).status_code == 422
    # Found by schemathesis: a non-ASCII name twice was a unique-index error on SQLite, not a 422.
    assert client.post(f"{PREFIX}/pathways", json={"name": "Ærø Support"}).status_code == 201
    r = client.post(f"{PREFIX}/pathways", json={"name": "ærø support"})
    assert r.status_code == 422 and r.json()["errors"] == {
        "name": "A pathway with that name already exists"}
    assert _client(world, "worker").post(f"{PREFIX}/pathways",
                                         json={"name": "Other"}).status_code == 403


# --- Pagination and validation ----------------------------------------------------------------


def test_cases_pages_follow_next_links_without_repeats(world: World) -> None:
    client = _client(world, "admin")
    first = client.get(f"{PREFIX}/cases?limit=3&sort=name&order=asc").json()
    assert first["total"] == 4 and len(first["items"]) == 3 and first["next"]
    assert "sort=name" in first["next"]  # filters and sort carry over
    second = client.get(first["next"]).json()
    assert len(second["items"]) == 1 and second["next"] is None
    names = [c["person_name"] for c in first["items"] + second["items"]]
    assert names == sorted(names)
    past_end = client.get(f"{PREFIX}/cases?limit=3&cursor=5").json()
    assert past_end["items"] == [] and past_end["next"] is None


def test_interactions_page_through_a_long_timeline(world: World) -> None:
    for n in range(7):
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text=f"Note {n}",
                                                    occurred_at=f"2026-11-0{n + 1}T10:00"))
    client = _client(world, "worker")
    seen = _all_pages(client, f"{PREFIX}/cases/{world.case_worker}/interactions?limit=3")
    assert [i["text"] for i in seen] == [f"Note {n}" for n in reversed(range(7))]
    r = client.get(f"{PREFIX}/cases/{world.case_worker}/interactions?cursor=garbage")
    assert r.status_code == 422 and "cursor" in r.json()["errors"]


BAD_CASES: list[tuple[object, set[str]]] = [
    ({"pathway_id": 1}, {"name"}),  # a person or a person_id is needed
    ({"person": {"name": "A"}, "pathway_id": "x"}, {"pathway_id"}),
    ({"person": {"name": "A"}, "pathway_id": 1, "status": "gone"}, {"status"}),
    ({"person": {"name": "A", "email": "nope"}, "pathway_id": 1}, {"email"}),
    ({"person": {"name": "A"}, "pathway_id": 1, "surprise": 1}, {"surprise"}),
    ({"person": {"name": "A"}, "pathway_id": 987654}, {"pathway_id"}),
    ([1, 2], {"body"}),
]


def test_bad_case_bodies_are_422_with_field_messages_and_change_nothing(world: World) -> None:
    client = _client(world, "admin")
    with session_scope() as db:
        before = (len(db.exec(select(Case)).all()), len(db.exec(select(Person)).all()))
    for body, fields in BAD_CASES:
        r = client.post(f"{PREFIX}/cases", json=body)
        assert r.status_code == 422, (body, r.text)
        errors = r.json()["errors"]
        assert r.json()["error"] and all(isinstance(v, str) and v for v in errors.values())
        assert fields <= set(errors), (body, errors)
    with session_scope() as db:
        assert (len(db.exec(select(Case)).all()), len(db.exec(select(Person)).all())) == before


def test_bad_json_bad_queries_and_future_notes(world: World) -> None:
    client = _client(world, "admin")
    r = client.post(f"{PREFIX}/people", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]
    r = client.post(f"{PREFIX}/people", content=b'{"name": "\\ud800"}')
    assert r.status_code == 422 and "name" in r.json()["errors"]
    assert client.get(f"{PREFIX}/cases?limit=0").json()["errors"].keys() == {"limit"}
    assert client.get(f"{PREFIX}/cases?status=gone").status_code == 422
    # Past a 32-bit id PostgreSQL would raise instead of finding nothing.
    assert client.get(f"{PREFIX}/cases?worker=9999999999").status_code == 422
    assert client.get(f"{PREFIX}/cases?worker={world.worker.id}").json()["total"] == 1
    assert client.get(f"{PREFIX}/cases?search=%00x").status_code == 200  # cleaned, not a 500
    r = client.post(f"{PREFIX}/cases/{world.case_worker}/interactions",
                    json={"text": "Later", "occurred_at": "2999-01-01T10:00:00Z"})
    assert r.status_code == 422 and "occurred_at" in r.json()["errors"]
    r = client.post(f"{PREFIX}/cases/{world.case_worker}/interactions",
                    json={"text": "x", "occurred_at": "0001-01-01T00:00:00+14:00"})
    assert r.status_code == 422
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []


def test_api_reads_are_audited_like_the_uis(world: World) -> None:
    interactions.add_interaction(world.worker, world.case_worker, NewInteraction(text="Seen"))
    client = _client(world, "worker")
    client.get(f"{PREFIX}/cases")
    client.get(f"{PREFIX}/cases/{world.case_worker}")
    client.get(f"{PREFIX}/cases/{world.case_worker}/interactions")
    client.get(f"{PREFIX}/cases/{world.case_south}")
    actions = [(e.action, e.entity_id) for e in _events("cases.list") + _events("case.view") +
               _events("interactions.view") if e.actor_id == world.worker.id]
    assert ("cases.list", None) in actions
    assert ("case.view", world.case_worker) in actions
    assert ("interactions.view", world.case_worker) in actions
    denied = [e for e in _events("access.denied") if e.actor_id == world.worker.id]
    assert [e.entity_id for e in denied] == [world.case_south]
    # Each names the token it came through; the app's own events do not.
    with session_scope() as db:
        token_id = db.exec(select(ApiToken.id).where(ApiToken.user_id == world.worker.id)).one()
    api_events = [e for e in _events("cases.list") + _events("case.view") + denied
                  if e.actor_id == world.worker.id]
    assert {json.dumps(json.loads(e.detail)["via"]) for e in api_events} == {
        json.dumps({"api_token": token_id})}
    assert "via" not in _events("interaction.create")[0].detail


# --- The OpenAPI document ---------------------------------------------------------------------


def test_the_openapi_document_describes_every_route() -> None:
    client = TestClient(http_routes())
    doc = client.get(f"{PREFIX}/openapi.json").json()
    assert doc == json.loads(json.dumps(openapi_document()))
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    described = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    served = {(m, r.path) for r in api_routes() for m in (r.methods or ()) if m != "HEAD"}
    assert described == served and len(OPERATIONS) + 1 == len(described)
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc))
    assert set(refs) <= set(doc["components"]["schemas"]) and "CaseIn" in refs  # all resolve
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["responses"], (method, path)
            if path.endswith("openapi.json"):
                continue
            assert "401" in op["responses"], (method, path)
            if method == "post":
                assert {"400", "422"} <= set(op["responses"]) and op["requestBody"]["required"]
