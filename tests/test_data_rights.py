"""Data-subject rights: subject access export, erasure (anonymise or delete) and retention.

The erasure tests look for the person the hard way: every row of every table, the raw SQLite
files, and every file under the data folder, searched for their name, phone, email and a phrase
that only their notes contained.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import SQLModel, func, select
from starlette.testclient import TestClient

from caseapp import audit, cases, erasure, retention, subject_access
from caseapp.auth import sessions
from caseapp.cases import NewCase, change_concern, change_status, create_case, reassign
from caseapp.config import settings
from caseapp.db import engine, session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.interactions import NewInteraction, add_interaction, attachment_store
from caseapp.models import (
    Attachment,
    AuditEvent,
    Case,
    ConcernChange,
    Interaction,
    NoteEmbedding,
    Person,
    RightsJob,
    StatusChange,
    WeeklySummary,
)
from caseapp.people import NewPerson
from caseapp.rights_jobs import RightsRunner
from caseapp.routes import http_routes
from caseapp.search import search_notes
from tests.conftest import World

PASSWORD = "correct horse battery"
NAME = "Zebedee Quatermain"
PHONE = "07700 900123"
EMAIL = "zeb.quatermain@example.net"
PHRASE = "purple giraffe umbrella"
SECRETS = (NAME, PHONE, EMAIL, PHRASE, "Quatermain")
NON_ADMINS = ("manager", "worker", "south", "volunteer")


@dataclass
class Subject:
    person_id: int
    case_id: int
    closed_case_id: int
    note_id: int
    private_id: int
    attachment_id: int
    other_note_id: int  # on someone else's case, naming the subject


@pytest.fixture
def subject(world: World) -> Subject:
    case_id = create_case(world.admin, NewCase(
        person=NewPerson(name=NAME, phone=PHONE, email=EMAIL, address="12 Larkspur Lane",
                         postcode="LS1 4AB", date_of_birth="1990-04-01"),
        worker_id=world.worker.id, pathway_id=world.pathway_id, concern_level="medium",
        tags=["housing"]))
    with session_scope() as db:
        person_id = db.get(Case, case_id).person_id  # type: ignore[union-attr]
    closed_case_id = create_case(world.admin, NewCase(
        person_id=person_id, worker_id=world.worker.id, pathway_id=world.pathway_id))
    change_status(world.admin, closed_case_id, "closed", None, reason=f"{NAME} moved away")
    note_id = add_interaction(world.worker, case_id, NewInteraction(
        text=f"Met {NAME} at the library. Said the {PHRASE} was back. Call {PHONE}.",
        outcome=f"Email {EMAIL} the form"),
        files=[("letter.txt", f"Letter to {NAME}, about the {PHRASE}.".encode())])
    private_id = add_interaction(world.worker, case_id, NewInteraction(
        text=f"Private: worried about {NAME}'s {PHRASE}.", private=True),
        files=[("photo.png", _photo())])
    change_concern(world.admin, case_id, "high", None)
    reassign(world.manager, case_id, world.worker2.id, None, reason=f"{NAME} asked for Nell")
    other_note_id = add_interaction(world.worker, world.case_worker, NewInteraction(
        text=f"Aled mentioned his neighbour {NAME} came round."))
    search_notes(world.admin, NAME)  # the query is kept in the audit trail
    with session_scope() as db:
        attachment_id = db.exec(select(Attachment.id).where(
            Attachment.interaction_id == note_id)).one()
        db.add(WeeklySummary(case_id=case_id, fingerprint="f" * 64, method="offline",
                             sentences=json.dumps([{"text": f"{NAME} and the {PHRASE}"}]),
                             created_by_id=world.admin.id))
    return Subject(person_id, case_id, closed_case_id, note_id, private_id, attachment_id,
                   other_note_id)


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _stored_files() -> list[Path]:
    return [p for p in attachment_store().root.rglob("*") if p.is_file()]


def _actor(world: World, who: str):  # type: ignore[no-untyped-def]
    return getattr(world, who)


def _export(world: World, person_id: int) -> zipfile.ZipFile:
    job = subject_access.start_export(world.admin, person_id)
    assert RightsRunner().run_now(job)
    progress = subject_access.export_progress(world.admin, job)
    assert progress.ready and progress.done == progress.total, progress
    found = subject_access.open_export(world.admin, job)
    return zipfile.ZipFile(io.BytesIO(found.path.read_bytes()))


def _actions() -> list[str]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


def _dump() -> str:
    """Every row of every table, as text."""
    out = []
    with engine().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa_select(table)):
                out.append(repr(tuple(row)))
    return "\n".join(out).lower()


def _files_text(root: Path) -> bytes:
    data = b""
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("caseline.db"):
            data += path.read_bytes().lower()
    return data


def _raw_sqlite() -> bytes:
    url = settings().db_url
    if not url.startswith("sqlite"):
        return b""
    db_path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes().lower() for p in db_path.parent.glob(db_path.name + "*"))


def _assert_no_trace(data_dir: Path) -> None:
    dump, files, raw = _dump(), _files_text(data_dir), _raw_sqlite()
    for secret in SECRETS:
        s = secret.lower()
        assert s not in dump, f"{secret!r} is still in the database"
        assert s.encode() not in files, f"{secret!r} is still in a file"
        assert s.encode() not in raw, f"{secret!r} is still in the SQLite files on disk"
    assert b"quatermain" not in raw and "quatermain" not in dump


# --- subject access export -----------------------------------------------------------------------


def test_export_holds_everything_as_json_html_and_files_and_is_audited(
        world: World, subject: Subject, data_dir: Path) -> None:
    archive = _export(world, subject.person_id)
    names = set(archive.namelist())
    assert {"data.json", "index.html"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["person"]["name"] == NAME and data["person"]["phone"] == PHONE
    assert len([n for n in names if n.startswith("attachments/")]) == 2
    assert data["person"]["email"] == EMAIL and data["person"]["date_of_birth"] == "1990-04-01"
    by_id = {c["id"]: c for c in data["cases"]}
    assert set(by_id) == {subject.case_id, subject.closed_case_id}
    case = by_id[subject.case_id]
    assert case["pathway"] == "Housing Support" and case["tags"] == ["housing"]
    notes = {i["id"]: i for i in case["interactions"]}
    assert set(notes) == {subject.note_id, subject.private_id}
    assert notes[subject.private_id]["private"] is True and PHRASE in notes[subject.private_id]["text"]
    assert notes[subject.note_id]["outcome"] == f"Email {EMAIL} the form"
    changes = {(h["change"], h["to"]) for h in case["history"]}
    assert ("concern level", "high") in changes and ("case worker", "Nell North") in changes
    closed = by_id[subject.closed_case_id]
    assert ("status", "closed") in {(h["change"], h["to"]) for h in closed["history"]}
    # The person's own record, never someone else's note that mentions them.
    assert subject.other_note_id not in {i["id"] for c in data["cases"] for i in c["interactions"]}
    assert {e["action"] for e in data["audit_trail"]} >= {"case.create", "interaction.create",
                                                          "case.concern"}
    attached = notes[subject.note_id]["attachments"][0]
    assert archive.read(attached["file"]) == f"Letter to {NAME}, about the {PHRASE}.".encode()
    page = archive.read("index.html").decode()
    assert f"Information held about {NAME}" in page and PHRASE in page and "Private" in page
    assert "<script" not in page.lower() and attached["file"] in page
    # Stored privately, readable by the server's user only, outside the public upload folder.
    stored = list((data_dir / "subject-access").glob("*.zip"))
    assert len(stored) == 1 and (stored[0].stat().st_mode & 0o777) == 0o600
    assert (os.stat(stored[0].parent).st_mode & 0o777) == 0o700
    import reflex as rx

    assert not stored[0].resolve().is_relative_to(Path(rx.get_upload_dir()).resolve())
    actions = _actions()
    for action in ("subject_access.requested", "subject_access.build", "subject_access.ready",
                   "subject_access.download"):
        assert action in actions
    with session_scope() as db:
        assert audit.verify_chain(db).intact


def test_an_orphaned_export_is_resumed_by_another_runner(world: World, subject: Subject) -> None:
    job = subject_access.start_export(world.admin, subject.person_id)
    assert subject_access.start_export(world.admin, subject.person_id) == job  # not twice
    assert not subject_access.export_progress(world.admin, job).ready
    crashed = RightsRunner(lease_s=30)
    assert crashed._acquire(job)  # took the job, then its server died
    assert not RightsRunner().run_now(job)  # its lease still holds
    with session_scope() as db:
        db.execute(update(RightsJob).where(RightsJob.id == job)  # type: ignore[arg-type]
                   .values(lease_until=None))
    assert subject_access.export_progress(world.admin, job).can_resume
    assert RightsRunner().resume_unfinished() == [job]
    import time

    for _ in range(100):
        if subject_access.export_progress(world.admin, job).ready:
            break
        time.sleep(0.05)
    assert subject_access.export_progress(world.admin, job).ready


def test_exports_are_deleted_after_their_keep_period(world: World, subject: Subject,
                                                     data_dir: Path) -> None:
    job = subject_access.start_export(world.admin, subject.person_id)
    RightsRunner().run_now(job)
    with session_scope() as db:
        found = db.get(RightsJob, job)
        assert found is not None and found.expires_at is not None
        kept = found.expires_at - found.finished_at  # type: ignore[operator]
        assert timedelta(days=6) < kept <= timedelta(days=7)
        found.expires_at = found.finished_at - timedelta(seconds=1)  # type: ignore[operator]
        db.add(found)
    assert subject_access.purge_expired() == 1
    assert list((data_dir / "subject-access").glob("*.zip")) == []
    with pytest.raises(ValidationFailed):
        subject_access.open_export(world.admin, job)
    assert subject_access.export_progress(world.admin, job).status == "expired"


# --- only admins ---------------------------------------------------------------------------------


def test_only_admins_and_the_same_refusal_whether_the_person_exists(
        world: World, subject: Subject) -> None:
    before = _dump()
    for who in NON_ADMINS:
        _refused_alike(_actor(world, who), subject)
    with session_scope() as db:
        person = db.get(Person, subject.person_id)
        assert person is not None and person.name == NAME
        assert db.exec(select(func.count()).select_from(RightsJob)).one() == 0
    # Only the refusals were added to the database.
    assert _dump().count(NAME.lower()) == before.count(NAME.lower())


def _refused_alike(actor, subject: Subject) -> None:  # type: ignore[no-untyped-def]
    answers = []
    for person_id in (subject.person_id, 987_654):
        pid = person_id
        for call in (lambda: subject_access.find_people(actor, NAME),
                     lambda: subject_access.person_rights(actor, pid),  # noqa: B023
                     lambda: subject_access.start_export(actor, pid),  # noqa: B023
                     lambda: subject_access.open_export(actor, pid),  # noqa: B023
                     lambda: erasure.erase_person(actor, pid, "anonymise", "Asked",  # noqa: B023
                                                  NAME),
                     lambda: retention.report(actor),
                     lambda: retention.last_run(actor),
                     lambda: retention.set_years(actor, 3),
                     lambda: retention.start_bulk_anonymise(actor, "0")):
            with pytest.raises(PermissionDenied) as exc:
                call()
            answers.append(str(exc.value))
    half = len(answers) // 2
    assert answers[:half] == answers[half:]  # exists or not: the same words


def _client(email: str | None) -> TestClient:
    client = TestClient(http_routes())
    if email:
        token, _ = sessions.sign_in(email, PASSWORD)
        client.cookies.set(sessions.COOKIE_NAME, token)
    return client


def test_the_download_route_is_for_admins_only(world: World, subject: Subject) -> None:
    job = subject_access.start_export(world.admin, subject.person_id)
    RightsRunner().run_now(job)
    answer = _client("ada.admin@example.org").get(f"/admin/subject-access/{job}")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert NAME not in answer.headers["content-disposition"]
    assert zipfile.ZipFile(io.BytesIO(answer.content)).read("data.json")
    missing = _client("ada.admin@example.org").get("/admin/subject-access/987654")
    assert missing.status_code == 404
    for email in ("mo.manager@example.org", "wren.worker@example.org", "vi.volunteer@example.org"):
        real = _client(email).get(f"/admin/subject-access/{job}")
        fake = _client(email).get("/admin/subject-access/987654")
        assert real.status_code == fake.status_code == 403
        assert real.json() == fake.json() and NAME not in real.text
        assert real.headers["cache-control"] == "private, no-store"
    assert _client(None).get(f"/admin/subject-access/{job}").status_code == 401


# --- erasure -------------------------------------------------------------------------------------


def test_erasure_needs_the_name_typed_and_a_reason_without_their_details(
        world: World, subject: Subject) -> None:
    before = _dump()
    for confirmation, reason, field in (
            ("", "Asked to be forgotten", "confirmation"),
            ("Zebedee", "Asked to be forgotten", "confirmation"),
            (NAME, "", "reason"),
            (NAME, f"{NAME} asked", "reason"),
            (NAME, f"Call {PHONE}", "reason")):
        with pytest.raises(ValidationFailed) as exc:
            erasure.erase_person(world.admin, subject.person_id, "anonymise", reason,
                                 confirmation)
        assert field in exc.value.errors
    with pytest.raises(ValidationFailed):
        erasure.erase_person(world.admin, subject.person_id, "shred", "Asked", NAME)
    assert _dump() == before  # refused: nothing changed, not even the audit trail


def test_anonymising_removes_every_trace_and_keeps_the_statistics(
        world: World, subject: Subject, data_dir: Path) -> None:
    job = subject_access.start_export(world.admin, subject.person_id)
    RightsRunner().run_now(job)  # an export of them exists: it must go too
    with session_scope() as db:
        assert db.exec(select(func.count()).select_from(NoteEmbedding)).one() > 0
        shape_before = _shape(db, subject)
    # The test can see a trace when there is one.
    assert PHRASE.encode() in _files_text(data_dir)
    assert NAME.lower() in _dump()
    if settings().db_url.startswith("sqlite"):
        assert PHRASE.encode() in _raw_sqlite()

    assert len(_stored_files()) == 3  # the letter, the photo and its thumbnail
    result = erasure.erase_person(world.admin, subject.person_id, "anonymise",
                                  "Right to erasure request", f"  {NAME.lower()} ")
    assert result.cases == 2 and result.interactions == 2 and result.attachments == 2
    assert _stored_files() == []
    assert result.mentions >= 1 and result.audit_redacted >= 3

    _assert_no_trace(data_dir)
    with session_scope() as db:
        assert _shape(db, subject) == shape_before  # structure and statistics are kept
        person = db.get(Person, subject.person_id)
        assert person is not None and person.name == f"Anonymised person {subject.person_id}"
        assert person.date_of_birth is None and person.phone is None and person.email is None
        note = db.get(Interaction, subject.note_id)
        assert note is not None and note.text == "[Erased]" and note.outcome is None
        other = db.get(Interaction, subject.other_note_id)
        assert other is not None and other.text == "Aled mentioned his neighbour [Erased] came round."
        assert db.exec(select(NoteEmbedding).where(NoteEmbedding.interaction_id.in_(  # type: ignore[attr-defined]
            [subject.note_id, subject.private_id, subject.other_note_id]))).all() == []
        assert db.exec(select(WeeklySummary)).all() == []
        assert db.exec(select(Attachment)).all() == []
        assert db.get(RightsJob, job).status == "erased"  # type: ignore[union-attr]
        # The erasure is on record: who, what kind and why, and none of what was erased.
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "person.erase")).one()
        assert event.actor_id == world.admin.id and event.entity_id == subject.person_id
        detail = json.loads(event.detail)
        assert detail["mode"] == "anonymise" and detail["reason"] == "Right to erasure request"
        report = audit.verify_chain(db)
    assert report.intact, report.reason
    assert report.redacted == result.audit_redacted
    from caseapp.__main__ import main

    assert main(["verify-audit"]) == 0
    with pytest.raises(ValidationFailed):  # once is enough
        erasure.erase_person(world.admin, subject.person_id, "anonymise", "Again",
                             f"Anonymised person {subject.person_id}")
    # The person's case still opens, with the record's shape and none of its content.
    detail_view = cases.get_case(world.admin, subject.case_id)
    assert detail_view.person_name.startswith("Anonymised person")
    assert detail_view.concern_level == "high"


def _shape(db, subject: Subject) -> dict:  # type: ignore[no-untyped-def]
    """What statistics are made from: counts, dates, levels, pathways, kinds."""
    rows = db.exec(select(Case).where(Case.person_id == subject.person_id)
                   .order_by(Case.id)).all()
    ids = [c.id for c in rows]
    return {
        "cases": [(c.pathway_id, c.status, c.concern_level, c.start_date, c.end_date,
                   c.worker_id) for c in rows],
        "interactions": [(i.kind, i.occurred_at, i.private, i.author_id, i.concern_level)
                         for i in db.exec(select(Interaction).where(
                             Interaction.case_id.in_(ids)).order_by(Interaction.id))],  # type: ignore[attr-defined]
        "status": db.exec(select(func.count()).select_from(StatusChange).where(
            StatusChange.case_id.in_(ids))).one(),  # type: ignore[attr-defined]
        "concern": db.exec(select(func.count()).select_from(ConcernChange).where(
            ConcernChange.case_id.in_(ids))).one(),  # type: ignore[attr-defined]
    }


def test_deleting_removes_the_person_and_their_cases_and_keeps_others(
        world: World, subject: Subject, data_dir: Path) -> None:
    with session_scope() as db:
        others_before = db.exec(select(func.count()).select_from(Case)).one() - 2
    result = erasure.erase_person(world.admin, subject.person_id, "delete",
                                  "Recorded in error", NAME)
    assert result.mode == "delete"
    _assert_no_trace(data_dir)
    with session_scope() as db:
        assert db.get(Person, subject.person_id) is None
        assert db.exec(select(func.count()).select_from(Case)).one() == others_before
        assert db.get(Interaction, subject.note_id) is None
        assert db.get(Interaction, subject.other_note_id) is not None
        report = audit.verify_chain(db)
    assert report.intact, report.reason and report.redacted >= 3
    assert _stored_files() == []  # the file, the photo and its thumbnail
    cases.get_case(world.worker, world.case_worker)  # other people's cases are untouched


# --- retention -----------------------------------------------------------------------------------


def _closed_long_ago(world: World, name: str, years_ago: int) -> int:
    case_id = create_case(world.admin, NewCase(person=NewPerson(name=name),
                                               pathway_id=world.pathway_id))
    add_interaction(world.admin, case_id, NewInteraction(text=f"Note about {name}."))
    change_status(world.admin, case_id, "closed", None)
    with session_scope() as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.end_date = date.today() - timedelta(days=365 * years_ago + 5)
        db.add(case)
        return case.person_id


def test_retention_period_is_an_audited_admin_setting(world: World) -> None:
    assert retention.get_years(world.admin) == 6
    for bad in ("0", "abc", "101", "-3", "2.5"):
        with pytest.raises(ValidationFailed):
            retention.set_years(world.admin, bad)
    assert retention.set_years(world.admin, "3") == 3
    assert retention.get_years(world.admin) == 3
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "retention.update")).one()
    assert json.loads(event.detail) == {"old": 6, "new": 3}


def test_retention_report_and_bulk_anonymise(world: World, data_dir: Path) -> None:
    old = _closed_long_ago(world, "Olwen Oldcase", 8)
    older = _closed_long_ago(world, "Percy Pastdue", 10)
    recent = _closed_long_ago(world, "Rhys Recent", 2)
    reopened = _closed_long_ago(world, "Una Undone", 9)
    report = retention.report(world.admin)
    assert report.years == 6 and report.total == 3
    assert [r.person_id for r in report.rows] == [older, reopened, old]  # oldest closure first
    assert recent not in {r.person_id for r in report.rows}
    # A person with an open case is never past the period.
    assert not any(r.person_id == world.case_worker for r in report.rows)

    for wrong in ("", "yes", "4"):
        with pytest.raises(ValidationFailed):
            retention.start_bulk_anonymise(world.admin, wrong)
    job = retention.start_bulk_anonymise(world.admin, "3")
    # Reopened before the job reached them: skipped, not anonymised.
    with session_scope() as db:
        case_id = db.exec(select(Case.id).where(Case.person_id == reopened)).one()
    change_status(world.admin, case_id, "open", None)
    assert RightsRunner().run_now(job)
    with session_scope() as db:
        found = db.get(RightsJob, job)
        assert found is not None and found.status == "done" and found.done == 3
        assert "2 anonymised, 1 no longer due" in found.message
        names = {p.id: p.name for p in db.exec(select(Person)).all()}
        assert names[old] == f"Anonymised person {old}" and names[older].startswith("Anonymised")
        assert names[reopened] == "Una Undone" and names[recent] == "Rhys Recent"
        texts = [i.text for i in db.exec(select(Interaction)).all()]
        assert "Note about Olwen Oldcase." not in texts and "Note about Rhys Recent." in texts
        assert audit.verify_chain(db).intact
    assert "olwen" not in _dump() and "pastdue" not in _dump()
    assert retention.report(world.admin).total == 0  # anonymised people are not listed again
    assert "by Ada Admin: 2 anonymised, 1 no longer due, 0 failed." in retention.last_run(world.admin)
    assert {"retention.anonymise_started", "retention.anonymise_finished"} <= set(_actions())



# --- the page states -----------------------------------------------------------------------------


def test_the_page_state_serves_admins_and_gives_others_nothing(world: World,
                                                               subject: Subject) -> None:
    from state.data_rights_page import DataRightsState
    from state.retention_settings import RetentionSettingsState
    from tests.test_states import _state

    for email in ("mo.manager@example.org", "wren.worker@example.org", "vi.volunteer@example.org"):
        state = _state(DataRightsState, email, f"/data-rights?person={subject.person_id}")
        assert "/cases" in str(state.load())  # sent away, nothing loaded
        state.search({"query": NAME})  # called anyway, as a crafted client could
        state.open_person(subject.person_id)
        state.erase_mode, state.erase_reason, state.erase_confirm = "delete", "Asked", NAME
        state.erase()
        assert state.found == [] and state.person.id == 0 and NAME not in repr(state.person)
        assert state.message.startswith("Only an admin")
        settings_state = _state(RetentionSettingsState, email, "/settings")
        settings_state.load()
        settings_state.retention_years = "1"
        settings_state.save()
        assert settings_state.retention_error == retention.ONLY_ADMINS
    with session_scope() as db:
        assert db.get(Person, subject.person_id).name == NAME  # type: ignore[union-attr]

    admin = _state(DataRightsState, "ada.admin@example.org", f"/data-rights?person={subject.person_id}")
    assert admin.load() is None and admin.person.name == NAME
    assert {c.id for c in admin.person.cases} == {subject.case_id, subject.closed_case_id}
    admin.close_person()
    admin.search({"query": "zebedee"})
    assert [p.id for p in admin.found] == [subject.person_id]
    admin.open_person(subject.person_id)
    admin.set_field("erase_reason", "Right to erasure request")
    admin.set_field("erase_confirm", "Someone Else")
    admin.set_field("person", "ignored")  # not a field this page lets a client set
    admin.erase()
    assert "confirmation" in admin.errors and admin.person.name == NAME
    admin.set_field("erase_confirm", NAME)
    admin.erase()
    assert admin.person.name == f"Anonymised person {subject.person_id}"
    assert "anonymised" in admin.message and NAME not in admin.message

    settings_state = _state(RetentionSettingsState, "ada.admin@example.org", "/settings")
    settings_state.load()
    assert settings_state.retention_years == "6"
    settings_state.set_retention_years("4")
    settings_state.save()
    assert settings_state.retention_error == "" and retention.get_years(world.admin) == 4


def test_a_redacted_detail_keeps_only_numbers_dates_and_the_apps_own_words() -> None:
    detail = json.dumps({"old": "open", "new": "closed", "end_date": "2026-11-23", "total": 3,
                         "private": True, "reason": f"{NAME} moved", "tags": ["housing"],
                         "interaction_ids": [4, 5], "query": PHONE})
    marker = erasure.redacted_detail(detail, "erasure 7")
    assert marker is not None and marker.startswith(audit.REDACTED_PREFIX)
    assert json.loads(marker) == {"redacted": "erasure 7", "kept": {
        "old": "open", "new": "closed", "end_date": "2026-11-23", "total": 3, "private": True,
        "interaction_ids": [4, 5]}}
    assert erasure.redacted_detail(json.dumps({"old": "low", "new": "high"}), "e") is None
    assert erasure.redacted_detail("", "e") is None
    assert erasure.redacted_detail(marker, "e") is None  # never redacted twice
    assert json.loads(erasure.redacted_detail("not json " + NAME, "e") or "") == {"redacted": "e"}
