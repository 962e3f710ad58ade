"""Importing people and cases from CSV and XLSX: reading the file, the suggested mapping, the dry
run's problems, the all-or-nothing commit, duplicates, who may import, and the audit trail."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from sqlmodel import func, select

from caseapp import audit, importing
from caseapp.cases import NewCase, create_case
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.importing import ImportFailed, ImportMapping, ImportRefused
from caseapp.models import AuditEvent, Case, CaseTag, Interaction, Person, Tag
from caseapp.people import NewPerson
from tests.conftest import World

HEADER = ["Name", "Date of birth", "Phone", "Email", "Postcode", "Pathway", "Status",
          "Concern level", "Case worker email", "Start date", "Tags", "Notes"]


def _csv(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(name: str = "Pat Example", dob: str = "12/03/1985", phone: str = "",
         email: str = "", postcode: str = "", pathway: str = "Housing Support",
         status: str = "Open", concern: str = "Medium",
         worker: str = "wren.worker@example.org", start: str = "01/09/2026", tags: str = "",
         notes: str = "") -> list[str]:
    return [name, dob, phone, email, postcode, pathway, status, concern, worker, start, tags,
            notes]


def _counts() -> tuple[int, int, int, int]:
    with session_scope() as db:
        return (db.exec(select(func.count()).select_from(Person)).one(),
                db.exec(select(func.count()).select_from(Case)).one(),
                db.exec(select(func.count()).select_from(Interaction)).one(),
                db.exec(select(func.count()).select_from(Tag)).one())


def _stage(world: World, data: bytes, name: str = "clients.csv") -> tuple[str, ImportMapping]:
    staged = importing.stage_upload(world.admin, name, data)
    return staged.key, ImportMapping(columns=staged.suggested)


# --- Reading files (no database) ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_reads_each_encoding_spreadsheets_save_in(encoding: str) -> None:
    text = "Name,Postcode\r\nZoë Ní Bhriain,LS1 4AB\r\nRené Côté,M1 1AA\r\n"
    table = importing.read_table("people.csv", text.encode(encoding))
    assert table.headers == ["Name", "Postcode"]
    assert [cells[0] for _, cells in table.rows] == ["Zoë Ní Bhriain", "René Côté"]
    assert table.encoding == encoding


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_finds_the_delimiter(delimiter: str) -> None:
    data = _csv([_row(name="Smith, Jo", notes="said: yes; then no"), _row()], delimiter=delimiter)
    table = importing.read_table("x.csv", data)
    assert table.delimiter == delimiter
    assert table.headers == HEADER
    assert table.rows[0][1][0] == "Smith, Jo" and table.rows[0][1][-1] == "said: yes; then no"


def test_a_one_column_file_and_blank_lines_keep_row_numbers() -> None:
    table = importing.read_table("x.csv", b"\n\nName\nAna\n\n,\nBo\n")
    assert table.headers == ["Name"]
    # Numbered as the spreadsheet shows them: header on line 3, Ana 4, Bo 7.
    assert table.rows == [(4, ["Ana"]), (7, ["Bo"])]


def test_reads_xlsx_with_real_dates_and_numbers() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Full name", "DOB", "Mobile", "Referral date"])
    sheet.append(["Ana Lima", datetime(1990, 2, 1), 7700900123, date(2026, 9, 1)])
    sheet.append([None, None, None, None])
    sheet.append(["Bo Chan", "1/2/1991", "07700 900456", None])
    out = io.BytesIO()
    book.save(out)
    table = importing.read_table("clients.xlsx", out.getvalue())
    assert table.headers == ["Full name", "DOB", "Mobile", "Referral date"]
    assert table.rows == [(2, ["Ana Lima", "1990-02-01", "7700900123", "2026-09-01"]),
                          (4, ["Bo Chan", "1/2/1991", "07700 900456", ""])]


@pytest.mark.parametrize(("name", "data", "says"), [
    ("x.xls", b"\xd0\xcf\x11\xe0", "Old Excel files"),
    ("x.xlsx", b"PK\x03\x04 not really a zip", "not an Excel workbook"),
    ("x.pdf", b"%PDF-1.7", "Choose a .csv or .xlsx file"),
    ("x.csv", b"", "empty"),
    ("x.csv", b"Name\n", "no rows"),
    ("x.csv", b"Name\x00\x01\x02\nA\x00", "binary"),
])
def test_refuses_what_is_not_a_spreadsheet(name: str, data: bytes, says: str) -> None:
    with pytest.raises(ImportRefused, match=says):
        importing.read_table(name, data)


def test_refuses_a_file_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEAPP_MAX_IMPORT_MB", "1")
    line = b"A" * 63 + b"\n"
    ok = b"Name\n" + line * (16 * 1024 - 1)
    assert len(importing.read_table("x.csv", ok).rows) == 16 * 1024 - 1
    with pytest.raises(ImportRefused, match="larger than 1 MB"):
        importing.read_table("x.csv", ok + line)


def test_suggests_a_mapping_from_header_names() -> None:
    headers = ["Client ID", "First name", "Surname", "D.O.B.", "Mobile", "Email address",
               "Post code", "Programme", "Case status", "RAG", "Key worker", "Referral date",
               "Tags", "Case notes", "Favourite colour"]
    assert importing.suggest_mapping(headers) == {
        "first_name": 1, "last_name": 2, "date_of_birth": 3, "phone": 4, "email": 5,
        "postcode": 6, "pathway": 7, "status": 8, "concern_level": 9, "worker_email": 10,
        "start_date": 11, "tags": 12, "notes": 13}
    # The worker's email is not the person's email; a whole name beats first/last.
    assert importing.suggest_mapping(["Name", "Email", "Case worker email", "First name"]) == {
        "name": 0, "email": 1, "worker_email": 2}


@pytest.mark.parametrize(("text", "expected"), [
    ("1985-03-12", date(1985, 3, 12)), ("12/03/1985", date(1985, 3, 12)),
    ("2/3/1985", date(1985, 3, 2)), ("12.03.1985", date(1985, 3, 12)),
    ("12-03-1985", date(1985, 3, 12)), ("12 March 1985", date(1985, 3, 12)),
    ("1st Mar 1985", date(1985, 3, 1)), ("1985-03-12 00:00:00", date(1985, 3, 12)), ("", None),
])
def test_reads_dates_as_charities_write_them(text: str, expected: date | None) -> None:
    assert importing.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/1985", "12/03/85", "March 1985", "yesterday", "13/13/2000"])
def test_refuses_dates_it_cannot_be_sure_of(text: str) -> None:
    with pytest.raises(ValueError):
        importing.parse_date(text)


def test_ids_are_recorded_as_runs() -> None:
    assert importing.id_ranges([7, 3, 4, 5, 9, 10]) == [[3, 5], [7, 7], [9, 10]]
    assert importing.id_ranges([]) == []


def test_duplicate_matching_normalises_names_and_phones() -> None:
    assert importing.normalise_name("  O'Brien-Murphy,  Seán ") == "obrien murphy sean"
    assert importing.normalise_phone("+44 (0)7700 900123") == importing.normalise_phone(
        "07700 900123") != ""


# --- The dry run: every problem, nothing changed ------------------------------------------------


def test_dry_run_reports_each_problem_row_with_its_reason_and_changes_nothing(
        world: World) -> None:
    rows = [
        _row(name="Good Row"),
        _row(name="", dob="01/01/1990"),
        _row(name="Bad Date", dob="31/02/1990"),
        _row(name="Lost Way", pathway="Dance Therapy"),
        _row(name="No Worker", worker="nobody@example.org"),
        _row(name="Odd Concern", concern="Purple"),
        _row(name="Odd Status", status="Maybe"),
        _row(name="Bad Email", email="not-an-email"),
        _row(name="Bad Phone", phone="call me"),
        _row(name="Bad Postcode", postcode="12345"),
        _row(name="Future Born", dob="01/01/2999"),
        _row(name="Future Start", start="01/01/2999"),
        _row(name="Too Many Tags", tags=",".join(f"t{i}" for i in range(11))),
        _row(name="Two Problems", dob="yesterday", concern="Purple"),
        _row(name="No Pathway", pathway=""),
    ]
    before = _counts()
    key, mapping = _stage(world, _csv(rows))
    report = importing.dry_run(world.admin, key, mapping)
    got = {(p.row, p.field): p.reason for p in report.problems}
    assert report.rows == 15 and not report.ok and report.problem_rows == 14
    assert got[(3, "Name")] == "Name is missing"
    assert "“31/02/1990” is not a date: there is no such day" in got[(4, "Date of birth")]
    assert got[(5, "Pathway")].startswith("Unknown pathway “Dance Therapy”")
    assert got[(6, "Case worker email")].startswith("Unknown case worker “nobody@example.org”")
    assert got[(7, "Concern level")].startswith("Unknown concern level “Purple”")
    assert got[(8, "Status")].startswith("Unknown status “Maybe”")
    assert got[(9, "Email")] == "Enter an email address like name@example.com"
    assert got[(10, "Phone")].startswith("Enter a phone number")
    assert got[(11, "Postcode")].startswith("Enter a UK postcode")
    assert got[(12, "Date of birth")] == "Date of birth cannot be in the future"
    assert got[(13, "Start date")] == "Start date is in the future"
    assert got[(14, "Tags")] == "At most 10 tags"
    assert {f for r, f in got if r == 15} == {"Date of birth", "Concern level"}
    assert got[(16, "Pathway")].startswith("Pathway is missing")
    assert 2 not in {r for r, _ in got}  # the good row has no problem
    assert _counts() == before

    # A pathway for rows without one clears that row's problem.
    mapping.default_pathway_id = world.pathway_id
    assert (16, "Pathway") not in {(p.row, p.field) for p in
                                   importing.dry_run(world.admin, key, mapping).problems}

    # The mapping itself is checked too.
    with pytest.raises(ValidationFailed, match="name"):
        importing.dry_run(world.admin, key, ImportMapping(columns={"email": 3}))
    with pytest.raises(ValidationFailed, match="choose one of the file's columns"):
        importing.dry_run(world.admin, key, ImportMapping(columns={"name": 0, "email": 99}))
    with pytest.raises(ValidationFailed, match=r"(?i)upload the file again"):
        importing.dry_run(world.admin, "../../etc/passwd", ImportMapping(columns={"name": 0}))


# --- The commit: all or nothing --------------------------------------------------------------


def test_a_clean_file_imports_people_cases_tags_and_notes(world: World) -> None:
    rows = [_row(name="Ana Lima", dob="1990-02-01", phone="07700 900123", email="ana@example.net",
                 postcode="ls1 4ab", tags="housing; benefits", notes="Referred by GP.\nNeeds flat."),
            _row(name="Bo Chan", status="Closed", concern="High", worker="", start="2026-01-05"),
            _row(name="Ana Lima", dob="01/02/1990", pathway="housing support", tags="Housing")]
    before = _counts()
    key, mapping = _stage(world, _csv(rows))
    report = importing.dry_run(world.admin, key, mapping)
    assert report.ok and report.people_new == 2 and report.repeat_rows == 1
    result = importing.commit_import(world.admin, key, mapping, {})
    assert (result.people_created, result.cases_created, result.notes_created) == (2, 3, 1)
    after = _counts()
    assert after[0] - before[0] == 2 and after[1] - before[1] == 3 and after[2] - before[2] == 1
    with session_scope() as db:
        ana = db.exec(select(Person).where(Person.name == "Ana Lima")).one()
        assert (ana.date_of_birth, ana.postcode, ana.email) == (date(1990, 2, 1), "LS1 4AB",
                                                               "ana@example.net")
        ana_cases = db.exec(select(Case).where(Case.person_id == ana.id).order_by(Case.id)).all()
        assert len(ana_cases) == 2  # the file's second Ana row is her second case
        first = ana_cases[0]
        assert first.reference == f"CL-{first.id:05d}" and first.worker_id == world.worker.id
        assert first.concern_level == "medium" and first.start_date == date(2026, 9, 1)
        tags = db.exec(select(Tag.name).join(CaseTag, CaseTag.tag_id == Tag.id)
                       .where(CaseTag.case_id == first.id)).all()
        assert sorted(tags) == ["benefits", "housing"]
        note = db.exec(select(Interaction).where(Interaction.case_id == first.id)).one()
        assert note.text == "Referred by GP.\nNeeds flat." and note.author_id == world.admin.id
        assert first.last_interaction_at is not None
        bo_case = db.exec(select(Case).join(Person).where(Person.name == "Bo Chan")).one()
        assert (bo_case.status, bo_case.end_date is not None, bo_case.worker_id) == (
            "closed", True, None)
    with pytest.raises(ValidationFailed, match="already imported"):  # the upload is used up
        importing.commit_import(world.admin, key, mapping, {})


def test_one_bad_row_in_the_middle_imports_nothing(world: World) -> None:
    rows = [_row(name=f"Person {i}", dob=f"{(i % 28) + 1:02d}/05/1980") for i in range(60)]
    rows[30] = _row(name="Person 30", worker="left.last.year@example.org")
    before = _counts()
    key, mapping = _stage(world, _csv(rows))
    with pytest.raises(ImportFailed) as failed:
        importing.commit_import(world.admin, key, mapping, {})
    assert [(p.row, p.field) for p in failed.value.problems] == [(32, "Case worker email")]
    assert "Nothing was imported" in str(failed.value)
    assert _counts() == before
    with session_scope() as db:  # the refused attempt is on the audit trail all the same
        refused = db.exec(select(AuditEvent).where(AuditEvent.action == "import.refused")).one()
        assert json.loads(refused.detail)["problems"] == 1


def test_a_failure_while_writing_rolls_back_everything(world: World,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [_row(name=f"Person {i}", tags=f"tag{i}", notes="hello") for i in range(40)]
    key, mapping = _stage(world, _csv(rows))
    before = _counts()
    calls = {"n": 0}
    real = importing.reference_for

    def breaks_half_way(case_id: int) -> str:
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk full")
        return real(case_id)

    monkeypatch.setattr(importing, "reference_for", breaks_half_way)
    with pytest.raises(RuntimeError, match="disk full"):
        importing.commit_import(world.admin, key, mapping, {})
    assert _counts() == before  # people were already flushed when it broke: all rolled back
    monkeypatch.setattr(importing, "reference_for", real)
    assert importing.commit_import(world.admin, key, mapping, {}).cases_created == 40


# --- Duplicates ------------------------------------------------------------------------------


def _existing(world: World, name: str, dob: date | None = None, phone: str = "",
              email: str = "") -> int:
    case_id = create_case(world.admin, NewCase(
        person=NewPerson(name=name, date_of_birth=dob.isoformat() if dob else "", phone=phone,
                         email=email), pathway_id=world.pathway_id))
    with session_scope() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case.person_id


def test_duplicates_are_found_and_linked_or_created_as_chosen(world: World) -> None:
    sean = _existing(world, "Seán O'Brien", date(1970, 6, 1))
    mo = _existing(world, "Mo Farah", email="mo@example.net")
    kim = _existing(world, "Kim Lee", phone="07700 900123")
    rows = [_row(name="sean obrien", dob="01/06/1970"),  # name and date of birth
            _row(name="Maureen Farah", dob="", email="MO@example.net"),  # email
            _row(name="Kim Lee Junior", dob="02/02/2010", phone="+44 7700 900123"),  # phone
            _row(name="Sean O'Brien", dob="01/06/1971")]  # another year: a different person
    key, mapping = _stage(world, _csv(rows))
    report = importing.dry_run(world.admin, key, mapping)
    found = {d.row: d for d in report.duplicates}
    assert set(found) == {2, 3, 4}
    assert [(c.person_id, c.reason, c.cases) for c in found[2].candidates] == [
        (sean, "same name and date of birth", 1)]
    assert found[2].suggested == sean  # strong match: linked by default
    assert [(c.person_id, c.reason) for c in found[3].candidates] == [(mo, "same email")]
    assert [(c.person_id, c.reason) for c in found[4].candidates] == [(kim, "same phone")]
    assert found[3].suggested is None and found[4].suggested is None  # may be family: new

    before = _counts()
    # Only a person offered for that row can be linked: anything else is refused, and nothing
    # is written.
    with pytest.raises(ImportFailed) as failed:
        importing.commit_import(world.admin, key, mapping, {2: mo, 5: sean})
    assert {p.row for p in failed.value.problems} == {2, 5}
    assert _counts() == before
    # Choices: row 2 new after all, row 3 link to Mo, row 4 left to the default (new).
    result = importing.commit_import(world.admin, key, mapping, {2: None, 3: mo})
    assert (result.people_created, result.people_linked, result.cases_created) == (3, 1, 4)
    assert _counts()[0] - before[0] == 3
    with session_scope() as db:
        mo_cases = db.exec(select(func.count()).select_from(Case).where(Case.person_id == mo)).one()
        assert mo_cases == 2
        seans = db.exec(select(func.count()).select_from(Person).where(
            Person.name_search.in_(["seán o'brien", "sean obrien", "sean o'brien"]))).one()
        assert seans == 3


# --- Who may import, and the audit trail --------------------------------------------------------


def test_only_admins_may_import(world: World) -> None:
    data = _csv([_row()])
    key, mapping = _stage(world, data)
    before = _counts()
    for actor in (world.manager, world.worker, world.volunteer):
        with pytest.raises(PermissionDenied, match="Only an admin can import"):
            importing.stage_upload(actor, "x.csv", data)
        with pytest.raises(PermissionDenied):
            importing.dry_run(actor, key, mapping)
        with pytest.raises(PermissionDenied):
            importing.commit_import(actor, key, mapping, {})
    assert _counts() == before
    with session_scope() as db:
        denials = db.exec(select(AuditEvent).where(AuditEvent.action == "access.denied",
                                                   AuditEvent.entity_type == "import")).all()
        assert len(denials) == 9
    # Another admin cannot use this admin's upload.
    from caseapp.actor import Actor
    from caseapp.models import User
    from caseapp.staff import create_user

    uid = create_user(world.admin, "Ann Other", "ann.other@example.org", "admin", "Central",
                      "correct horse battery")
    with session_scope() as db:
        other = Actor.of(db.get(User, uid))  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match=r"(?i)upload the file again"):
        importing.dry_run(other, key, mapping)


def test_each_step_is_audited_with_counts_and_no_row_contents(world: World) -> None:
    rows = [_row(name="Private Name", email="secret@example.net", notes="Sensitive story")]
    key, mapping = _stage(world, _csv(rows), name="Our clients 2026.csv")
    importing.dry_run(world.admin, key, mapping)
    importing.commit_import(world.admin, key, mapping, {})
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.entity_type == "import")
                         .order_by(AuditEvent.id)).all()
        everything = " ".join(e.detail for e in db.exec(select(AuditEvent)).all())
    assert [e.action for e in events] == ["import.upload", "import.dry_run", "import.commit"]
    commit = json.loads(events[-1].detail)
    assert commit["file_name"] == "Our clients 2026.csv"
    assert (commit["rows"], commit["people_created"], commit["cases_created"],
            commit["notes_created"]) == (1, 1, 1, 1)
    with session_scope() as db:  # every record the import made is named, by id
        case = db.exec(select(Case).order_by(Case.id.desc())).first()  # type: ignore[union-attr]
        note = db.exec(select(Interaction)).one()
        assert case is not None
        assert commit["case_ids"] == [[case.id, case.id]]
        assert commit["person_ids"] == [[case.person_id, case.person_id]]
        assert commit["interaction_ids"] == [[note.id, note.id]]
        assert audit.verify_chain(db).intact
    for secret in ("Private Name", "secret@example.net", "Sensitive story"):
        assert secret not in everything
