"""Probing by id gets one answer: a record that exists but is forbidden and one that does not
exist at all are refused in exactly the same words (service) and status and body (HTTP)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest
from PIL import Image
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp import cases, interactions
from caseapp.actor import Actor
from caseapp.ai import casework, questions
from caseapp.auth import sessions
from caseapp.cases import NewCase
from caseapp.db import session_scope
from caseapp.errors import CaselineError
from caseapp.interactions import NewInteraction
from caseapp.models import Attachment, Case, Interaction
from caseapp.routes import http_routes
from tests.conftest import World

MISSING = 987_654  # an id no test world reaches
PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}

EMAILS = {"volunteer": "vi.volunteer@example.org", "worker": "wren.worker@example.org",
          "worker2": "nell.north@example.org", "south": "sol.south@example.org"}

# Every service that takes a case id from the caller (a State event can send any number).
CASE_CALLS: dict[str, Callable[[Actor, int], object]] = {
    "get_case": cases.get_case,
    "timeline": interactions.timeline,
    "add_interaction": lambda a, cid: interactions.add_interaction(
        a, cid, NewInteraction(text="probe", client_ref=uuid.uuid4().hex)),
    "change_status": lambda a, cid: cases.change_status(a, cid, "closed", None),
    "change_concern": lambda a, cid: cases.change_concern(a, cid, "high", None),
    "reassign": lambda a, cid: cases.reassign(a, cid, None, None),
    "claim": cases.claim,
    "update_tags": lambda a, cid: cases.update_tags(a, cid, ["probe"], None),
    "risk_indicators": casework.risk_indicators,
    "summarise": casework.summarise,
    "ask": lambda a, cid: questions.ask(a, cid, "What happened?"),
    "analyse": questions.analyse,
}


def _forbidden_cases(world: World, role: str) -> list[int]:
    """World cases this role may not see (see the role matrix in tests/conftest.py)."""
    every = {"case_worker": world.case_worker, "case_south": world.case_south,
             "case_unassigned": world.case_unassigned, "case_volunteer": world.case_volunteer}
    hidden = {"volunteer": ["case_worker", "case_south", "case_unassigned"],
              "worker": ["case_south"],  # the volunteer is in North too
              "worker2": ["case_south"],
              "south": ["case_worker", "case_volunteer"]}[role]
    return [every[name] for name in hidden]


def _answer(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(CaselineError) as exc:
        call()
    return type(exc.value).__name__, str(exc.value)


def _case_state() -> list[tuple]:
    with session_scope() as db:
        return [(c.id, c.status, c.concern_level, c.worker_id, c.version)
                for c in db.exec(select(Case).order_by(Case.id))]


@pytest.mark.parametrize("role", list(EMAILS))
@pytest.mark.parametrize("operation", list(CASE_CALLS))
def test_a_forbidden_case_is_refused_like_a_missing_one(world: World, role: str,
                                                        operation: str) -> None:
    actor: Actor = getattr(world, role)
    call = CASE_CALLS[operation]
    before = _case_state()
    missing = _answer(lambda: call(actor, MISSING))
    for case_id in _forbidden_cases(world, role):
        assert _answer(lambda cid=case_id: call(actor, cid)) == missing, (role, operation, case_id)
    assert _case_state() == before  # and nothing changed
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []


def test_the_forbidden_cases_are_really_there_for_someone(world: World) -> None:
    # Guards the test above: the "forbidden" ids are real cases a manager can open.
    for role in EMAILS:
        for case_id in _forbidden_cases(world, role):
            assert cases.get_case(world.manager, case_id).reference == cases.reference_for(case_id)


def test_a_volunteer_naming_an_existing_person_is_answered_as_for_a_missing_one(
        world: World) -> None:
    with session_scope() as db:
        person_id = db.get(Case, world.case_south).person_id
    new = {"pathway_id": world.pathway_id, "concern_level": "low"}
    existing = _answer(lambda: cases.create_case(world.volunteer,
                                                 NewCase(person_id=person_id, **new)))
    missing = _answer(lambda: cases.create_case(world.volunteer,
                                                NewCase(person_id=MISSING, **new)))
    assert existing == missing


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def _client(role: str) -> TestClient:
    client = TestClient(http_routes())
    token, _ = sessions.sign_in(EMAILS[role], PASSWORD)
    client.cookies.set(sessions.COOKIE_NAME, token)
    return client


def _attachment(world: World, author: Actor, case_id: int, private: bool) -> int:
    iid = interactions.add_interaction(author, case_id, NewInteraction(text="photo", private=private),
                                       files=[("IMG_1.jpg", _photo())])
    with session_scope() as db:
        return db.exec(select(Attachment.id).where(Attachment.interaction_id == iid)).one()


@pytest.mark.parametrize("role", list(EMAILS))
def test_the_attachment_route_answers_forbidden_and_missing_alike(world: World, role: str) -> None:
    # One file in every case, plus a private note's file in the worker's own case, which the
    # worker's teammate can see the case of but not that note.
    files = {
        "case_worker": _attachment(world, world.worker, world.case_worker, False),
        "private_in_case_worker": _attachment(world, world.worker, world.case_worker, True),
        "case_south": _attachment(world, world.south, world.case_south, False),
        "case_unassigned": _attachment(world, world.manager, world.case_unassigned, False),
        "case_volunteer": _attachment(world, world.volunteer, world.case_volunteer, False),
    }
    hidden = {"volunteer": ["case_worker", "private_in_case_worker", "case_south",
                            "case_unassigned"],
              "worker": ["case_south"],
              "worker2": ["private_in_case_worker", "case_south"],
              "south": ["case_worker", "private_in_case_worker", "case_volunteer"]}[role]
    client = _client(role)

    def answer(path: str) -> tuple[int, bytes, str]:
        r = client.get(path)
        return r.status_code, r.content, r.headers.get("content-type", "")

    for suffix in ("", "/thumbnail"):
        missing = answer(f"/files/attachments/{MISSING}{suffix}")
        assert missing[0] == 404
        for name in hidden:
            assert answer(f"/files/attachments/{files[name]}{suffix}") == missing, (role, name)
        # The ones this role may see are served: the refusals above are not a broken route.
        for name in set(files) - set(hidden):
            assert client.get(f"/files/attachments/{files[name]}{suffix}").status_code == 200


@pytest.mark.parametrize("role", list(EMAILS))
def test_the_save_route_answers_forbidden_and_missing_cases_alike(world: World, role: str) -> None:
    client = _client(role)
    actor: Actor = getattr(world, role)

    def answer(case_id: int) -> tuple[int, dict]:
        r = client.post("/api/interactions", headers=ORIGIN, data={
            "case_id": str(case_id), "client_ref": uuid.uuid4().hex, "author": str(actor.id),
            "kind": "phone_call", "text": "probe", "private": "false"})
        return r.status_code, r.json()

    missing = answer(MISSING)
    assert missing[0] == 403
    for case_id in _forbidden_cases(world, role):
        assert answer(case_id) == missing
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []


ODD_IDS = [0, -1, 2**31, 2**63, 10**20]  # past PostgreSQL's integer and SQLite's 64 bits


@pytest.mark.parametrize("operation", ["get_case", "timeline", "add_interaction", "claim"])
def test_ids_out_of_the_databases_range_are_answered_as_missing(world: World,
                                                                operation: str) -> None:
    # Without a range check the database raises (OverflowError, DataError): a 500, not "no access".
    call = CASE_CALLS[operation]
    missing = _answer(lambda: call(world.worker, MISSING))
    for odd in ODD_IDS:
        assert _answer(lambda odd=odd: call(world.worker, odd)) == missing, odd
    with pytest.raises(CaselineError) as exc:
        interactions.open_attachment(world.worker, 10**20)
    assert str(exc.value) == "You do not have access to this file"


def test_a_case_worker_naming_an_out_of_range_person_gets_the_missing_person_message(
        world: World) -> None:
    from caseapp.errors import ValidationFailed

    def errors(person_id: int) -> dict[str, str]:
        with pytest.raises(ValidationFailed) as exc:
            cases.create_case(world.worker, NewCase(person_id=person_id,
                                                    pathway_id=world.pathway_id))
        return exc.value.errors

    missing = errors(MISSING)
    assert missing == {"person": "That person no longer exists; search again"}
    for odd in ODD_IDS:
        assert errors(odd) == missing, odd


def test_http_routes_answer_odd_ids_as_missing(world: World) -> None:
    client = _client("worker")
    missing_file = client.get(f"/files/attachments/{MISSING}")
    for odd in ("2147483648", "9223372036854775808", "99999999999999999999"):
        odd_file = client.get(f"/files/attachments/{odd}")
        assert (odd_file.status_code, odd_file.content) == (missing_file.status_code,
                                                             missing_file.content)
    for odd in ("²", "١٢", "99999999999999999999", "9" * 5000, "2147483648"):
        r = client.post("/api/interactions", headers=ORIGIN, data={
            "case_id": odd, "client_ref": uuid.uuid4().hex, "author": str(world.worker.id),
            "kind": "phone_call", "text": "probe"})
        assert r.status_code in (403, 422), (odd, r.status_code)
        assert r.json()["outcome"] in ("refused", "invalid")
