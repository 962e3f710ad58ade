"""CSV exports of cases and interactions: who may export, that the rows respect the read policy
and the cases list's filters, that no cell can run as a spreadsheet formula, and the audit."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp import access, exporting
from caseapp.auth import sessions
from caseapp.cases import NewCase, _facts, create_case
from caseapp.db import session_scope
from caseapp.interactions import NewInteraction, add_interaction
from caseapp.models import AuditEvent, Case, Interaction, Person
from caseapp.people import NewPerson
from caseapp.routes import http_routes
from caseapp.trail import FORMULA_STARTS, safe_cell
from tests.conftest import World

PASSWORD = "correct horse battery"
NASTY = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+44 7700 900123", "-2+3",
         "@SUM(A1:A2)", "\tTabbed", "\rReturned"]


def _client(email: str | None) -> TestClient:
    client = TestClient(http_routes())
    if email:
        token, _ = sessions.sign_in(email, PASSWORD)
        client.cookies.set(sessions.COOKIE_NAME, token)
    return client


def _rows(response_text: str) -> list[dict[str, str]]:
    assert response_text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(response_text[1:], newline="")))


def _note(world: World, actor: object, case_id: int, text: str, private: bool = False) -> int:
    return add_interaction(actor, case_id, NewInteraction(kind="note", text=text,  # type: ignore[arg-type]
                                                          private=private))


@pytest.fixture
def notes(world: World) -> dict[str, int]:
    return {
        "worker_private": _note(world, world.worker, world.case_worker, "Wren's private", True),
        "worker2_private": _note(world, world.worker2, world.case_worker, "Nell's private", True),
        "worker_open": _note(world, world.worker, world.case_worker, "An open note"),
        "south_open": _note(world, world.south, world.case_south, "South's note"),
        "south_private": _note(world, world.south, world.case_south, "South's private", True),
        "volunteer_open": _note(world, world.volunteer, world.case_volunteer, NASTY[0]),
    }


def test_case_workers_and_volunteers_are_refused_alike(world: World, notes: dict[str, int]) -> None:
    bodies = set()
    for email in ("wren.worker@example.org", "vi.volunteer@example.org"):
        for path in ("/export/cases.csv", "/export/interactions.csv?status=open"):
            response = _client(email).get(path)
            assert response.status_code == 403
            assert response.headers["cache-control"] == "private, no-store"
            bodies.add(response.text)
    assert bodies == {json.dumps({"error": "Only admins and managers can export"},
                                 separators=(",", ":"))}
    assert _client(None).get("/export/cases.csv").status_code == 401
    with session_scope() as db:
        denied = db.exec(select(AuditEvent).where(AuditEvent.action == "access.denied",
                                                  AuditEvent.entity_type == "export")).all()
        assert len(denied) == 4
        assert not db.exec(select(AuditEvent).where(
            AuditEvent.action.startswith("export."))).all()  # type: ignore[attr-defined]


def test_a_manager_exports_the_filtered_cases_and_it_is_audited(world: World) -> None:
    everyone = _rows(_client("mo.manager@example.org").get("/export/cases.csv").text)
    assert sorted(r["name"] for r in everyone) == ["Aled Jones", "Bea Smith", "Cai Brown",
                                                    "Dee Green"]
    aled = next(r for r in everyone if r["name"] == "Aled Jones")
    assert (aled["status"], aled["concern_level"], aled["case_worker"], aled["pathway"]) == (
        "Open", "Medium", "Wren Worker", "Housing Support")
    response = _client("mo.manager@example.org").get(
        f"/export/cases.csv?worker={world.worker.id}&status=open&search=aled")
    assert response.headers["content-disposition"] == 'attachment; filename="cases.csv"'
    assert [r["reference"] for r in _rows(response.text)] == [f"CL-{world.case_worker:05d}"]
    assert _client("mo.manager@example.org").get("/export/cases.csv?status=nonsense"
                                                 ).status_code == 422
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "export.cases")
                         .order_by(AuditEvent.id)).all()
    assert [json.loads(e.detail)["rows"] for e in events] == [4, 1]
    assert json.loads(events[1].detail)["filters"] == {
        "search": "aled", "status": "open", "worker": str(world.worker.id)}


def test_no_cell_can_run_as_a_formula(world: World) -> None:
    for text in NASTY:
        case_id = create_case(world.admin, NewCase(person=NewPerson(name="Placeholder"),
                                                   pathway_id=world.pathway_id))
        with session_scope() as db:  # a name the form would have cleaned, as an import might not
            case = db.get(Case, case_id)
            person = db.get(Person, case.person_id)  # type: ignore[union-attr]
            person.name = text  # type: ignore[union-attr]
            db.add(person)
        _note(world, world.admin, case_id, text)
    cases_rows = _rows(_client("ada.admin@example.org").get("/export/cases.csv").text)
    notes_rows = _rows(_client("ada.admin@example.org").get("/export/interactions.csv").text)
    assert {"'" + t for t in NASTY} <= {r["name"] for r in cases_rows}
    assert "'" + NASTY[0] in {r["text"] for r in notes_rows}
    for table in (cases_rows, notes_rows):
        for row in table:
            for value in row.values():
                assert not value.startswith(FORMULA_STARTS), value


def test_interactions_export_holds_what_the_policy_lets_the_actor_read(
        world: World, notes: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    def readable_by(actor: object) -> set[str]:
        with session_scope() as db:
            out = set()
            for i in db.exec(select(Interaction)).all():
                case = db.get(Case, i.case_id)
                if access.can_read_interaction(actor, _facts(db, case), i.author_id,  # type: ignore[arg-type]
                                               i.private):
                    out.add(str(safe_cell(i.text)))
            return out

    manager_rows = _rows(_client("mo.manager@example.org").get("/export/interactions.csv").text)
    # The matrix lets managers read every private note, so their export has them all.
    assert {r["text"] for r in manager_rows} == readable_by(world.manager)
    assert {r["text"] for r in manager_rows} >= {"Wren's private", "Nell's private",
                                                 "South's private"}
    private = next(r for r in manager_rows if r["text"] == "Nell's private")
    assert (private["private"], private["author"], private["type"]) == ("yes", "Nell North",
                                                                         "Note")
    # The export gate is not the only protection: were a case worker ever allowed to export,
    # the rows would still be only what the read policy lets them see.
    monkeypatch.setattr(access, "can_export", lambda actor: True)
    worker_rows = _rows(_client("wren.worker@example.org").get("/export/interactions.csv").text)
    texts = {r["text"] for r in worker_rows}
    assert texts == readable_by(world.worker)
    assert "Wren's private" in texts and "Nell's private" not in texts
    assert "South's note" not in texts  # another team's case
    volunteer_cases = _rows(_client("vi.volunteer@example.org").get("/export/cases.csv").text)
    assert [r["name"] for r in volunteer_cases] == ["Dee Green"]


def test_interactions_by_date_and_filters_stream_in_batches(
        world: World, notes: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exporting, "BATCH", 2)  # several keyset pages from a handful of rows
    client = _client("ada.admin@example.org")
    all_rows = _rows(client.get("/export/interactions.csv").text)
    assert len(all_rows) == len(notes) == len({r["text"] for r in all_rows})
    south = _rows(client.get(f"/export/interactions.csv?worker={world.south.id}").text)
    assert {r["text"] for r in south} == {"South's note", "South's private"}
    assert _rows(client.get("/export/interactions.csv?to=2000-01-01").text) == []
    assert len(_rows(client.get("/export/interactions.csv?from=2000-01-01").text)) == len(notes)
    bad = client.get("/export/interactions.csv?from=yesterday")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "export.interactions")
                        .order_by(AuditEvent.id)).all()[1]
    assert json.loads(event.detail) == {"filters": {"worker": str(world.south.id)}, "rows": 2}
