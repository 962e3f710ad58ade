"""Import people and cases from a spreadsheet (CSV or XLSX): how a charity moves off spreadsheets.

Admins only (DESIGN.md §4: "export, import, erasure"). Three steps, each its own function:

1. ``stage_upload``: checks the file's size and type, reads the table (text encoding and
   delimiter found from the file itself), keeps the file privately under ``data/imports/`` for
   the next steps, and suggests which column fills which field from the header names.
2. ``dry_run``: checks every row against a column mapping and reports each problem row with
   its row number and reason, and each row that may be a person already on record (same name
   and date of birth, same email or same phone). It changes nothing.
3. ``commit_import``: checks every row again and writes all people, cases, tags and notes in
   one transaction, or nothing at all when any row fails.

The audit trail records each step with counts and the file name, never row contents; each
person and case created gets its own create event (ids only), as when made by hand.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.cases import reference_for
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import CaselineError, PermissionDenied, ValidationFailed
from caseapp.models import (
    Assignment,
    AuditChainHead,
    Case,
    CaseTag,
    ConcernChange,
    ConcernLevel,
    Interaction,
    InteractionType,
    Pathway,
    Person,
    Status,
    StatusChange,
    Tag,
    User,
    utcnow,
)
from caseapp.organisation import organisation_time_zone
from caseapp.people import NewPerson, validate_person
from caseapp.textinput import clean_line, clean_note, clean_tags
from caseapp.timefmt import format_date

# A spreadsheet of 50,000 people is a few MB; the limit stops a mistaken upload of something
# else (and a zip bomb posing as XLSX) long before it costs memory. CASEAPP_MAX_IMPORT_MB.
DEFAULT_MAX_MB = 10
MAX_ROWS = 50_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 50_000  # a note; longer cells are refused by the note rule
# An XLSX is a zip: refuse one that would unpack to more than this, before opening it.
MAX_XLSX_UNPACKED = 300 * 1024 * 1024
STAGED_HOURS = 24  # a staged file not imported by then is deleted
MAX_CANDIDATES = 3  # existing people offered per row
MAX_TAGS = 10
ONLY_ADMINS = "Only an admin can import people and cases"


def max_import_bytes() -> int:
    raw = os.environ.get("CASEAPP_MAX_IMPORT_MB", "").strip()
    mb = int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_MB
    return mb * 1024 * 1024


# --- Target fields and the suggested mapping ---------------------------------------------------


@dataclass(frozen=True)
class TargetField:
    key: str
    label: str
    hints: tuple[str, ...]  # header names (normalised) that usually mean this field


FIELDS: tuple[TargetField, ...] = (
    TargetField("name", "Name", ("name", "full name", "client name", "person", "client",
                                 "service user", "participant", "beneficiary", "person name",
                                 "client full name")),
    TargetField("first_name", "First name", ("first name", "forename", "given name",
                                             "first names", "forenames")),
    TargetField("last_name", "Last name", ("last name", "surname", "family name")),
    TargetField("date_of_birth", "Date of birth", ("date of birth", "dob", "birth date",
                                                   "birthday", "d o b", "born")),
    TargetField("phone", "Phone", ("phone", "telephone", "mobile", "phone number", "tel",
                                   "contact number", "mobile number")),
    TargetField("email", "Email", ("email", "email address", "e mail")),
    TargetField("postcode", "Postcode", ("postcode", "post code", "postal code", "zip")),
    TargetField("address", "Address", ("address", "home address", "street address",
                                       "address line 1")),
    TargetField("pathway", "Pathway", ("pathway", "programme", "program", "service",
                                       "project", "support type")),
    TargetField("status", "Status", ("status", "case status")),
    TargetField("concern_level", "Concern level", ("concern level", "concern", "risk",
                                                   "risk level", "priority", "rag")),
    TargetField("worker_email", "Case worker email", ("case worker email", "worker email",
                                                      "caseworker email", "case worker",
                                                      "caseworker", "worker", "key worker",
                                                      "support worker", "assigned to")),
    TargetField("start_date", "Start date", ("start date", "referral date", "opened",
                                             "date opened", "start", "date referred")),
    TargetField("end_date", "End date", ("end date", "closed date", "date closed", "end")),
    TargetField("tags", "Tags", ("tags", "tag", "labels", "categories")),
    TargetField("notes", "Notes", ("notes", "note", "comments", "case notes", "summary")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
FIELD_LABELS = {f.key: f.label for f in FIELDS}


def _norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_IDENTIFIER_WORDS = {"id", "ref", "reference", "no", "num", "uid", "urn"}


def suggest_mapping(headers: list[str]) -> dict[str, int]:
    """field key → column index, from the header names. Each column fills one field at most;
    an exact name beats a name inside a longer header, and longer names beat shorter ones
    ("Case worker email" is the worker's email, not the person's)."""
    scored: list[tuple[int, int, str]] = []  # (score, column, field)
    for index, header in enumerate(headers):
        norm = _norm_header(header)
        if not norm:
            continue
        padded = f" {norm} "
        # "Client ID" or "Case ref" names a number, not the client or the case.
        an_identifier = bool(set(norm.split()) & _IDENTIFIER_WORDS)
        for target in FIELDS:
            best = 0
            for hint in target.hints:
                if norm == hint:
                    best = max(best, 1000 + len(hint))
                elif not an_identifier and f" {hint} " in padded:
                    best = max(best, len(hint))
            if best:
                scored.append((best, index, target.key))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, index, key in sorted(scored, key=lambda s: (-s[0], s[1])):
        if key in mapping or index in used:
            continue
        mapping[key] = index
        used.add(index)
    if "name" in mapping and ("first_name" in mapping or "last_name" in mapping):
        # A whole-name column wins; first/last stay available to pick by hand.
        mapping.pop("first_name", None)
        mapping.pop("last_name", None)
    return mapping


# --- Reading the file ------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)
    encoding: str = ""  # CSV only: what the text was read as
    delimiter: str = ""  # CSV only


class ImportRefused(ValidationFailed):
    """The file cannot be imported at all (size, type, unreadable)."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message})


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read as: a byte-order mark first (UTF-8 or the UTF-16
    Excel writes for "Unicode text"), then UTF-8, then Windows-1252 (Excel's "CSV" on Windows),
    whose few undefined bytes fall back to Latin-1 so reading never fails."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportRefused("The file says it is UTF-16 text but cannot be read as it") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


DELIMITERS = ",;\t|"


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (European Excel), tab or pipe, judged from the first lines."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column, or lines the sniffer cannot agree on: the most common one in the header.
        header = sample.split("\n", 1)[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == day_time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 7700900123.0 → 7700900123
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _finish(raw_rows: list[list[str]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    # Leading blank lines are skipped; the first non-blank line is the header.
    start = 0
    while start < len(raw_rows) and not any(c.strip() for c in raw_rows[start]):
        start += 1
    if start >= len(raw_rows):
        raise ImportRefused("The file is empty: it needs a header row and at least one row")
    headers = [clean_line(h)[:120] for h in raw_rows[start]]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportRefused("The first row should name the columns")
    if len(headers) > MAX_COLUMNS:
        raise ImportRefused(f"The file has more than {MAX_COLUMNS} columns")
    rows: list[tuple[int, list[str]]] = []
    for offset, cells in enumerate(raw_rows[start + 1:], start=start + 2):
        if not any(c.strip() for c in cells):
            continue  # blank lines between rows: not a problem, not a row
        cells = [c[:MAX_CELL_CHARS + 1] for c in cells[:len(headers)]]
        cells += [""] * (len(headers) - len(cells))
        rows.append((offset, cells))
        if len(rows) > MAX_ROWS:
            raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows: split it into parts")
    if not rows:
        raise ImportRefused("The file has a header row but no rows to import")
    return headers, rows


def read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise ImportRefused("This does not look like a CSV file (it holds binary data)")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw: list[list[str]] = []
    try:
        for cells in reader:
            raw.append(cells)
            if len(raw) > MAX_ROWS + 1000:  # blank lines allowed for, but not without end
                raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows: split it into parts")
    except csv.Error as exc:
        raise ImportRefused(f"The CSV file could not be read (line {reader.line_num}): {exc}") from None
    headers, rows = _finish(raw)
    return Table(headers, rows, encoding=encoding, delimiter=delimiter)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # only imports need it; keeps app start-up lean

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise ImportRefused("This spreadsheet is too large to import in one go")
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportRefused("This is not an Excel workbook (.xlsx)")
    except zipfile.BadZipFile:
        raise ImportRefused("This is not an Excel workbook (.xlsx); save it as .xlsx or .csv") from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportRefused(f"The workbook could not be read: {type(exc).__name__}") from None
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        raw: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            raw.append([_cell_text(v) for v in values])
            if len(raw) > MAX_ROWS + 1000:
                raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows: split it into parts")
    finally:
        book.close()
    headers, rows = _finish(raw)
    return Table(headers, rows)


def read_table(file_name: str, data: bytes) -> Table:
    """The table in an uploaded file; refuses what is too big or not a spreadsheet."""
    if len(data) > max_import_bytes():
        raise ImportRefused(f"The file is larger than {max_import_bytes() // (1024 * 1024)} MB: "
                            "split it into parts")
    if not data:
        raise ImportRefused("The file is empty")
    suffix = Path(file_name or "").suffix.lower()
    if suffix == ".xls":
        raise ImportRefused("Old Excel files (.xls) cannot be read: save it as .xlsx or .csv")
    if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        return read_xlsx(data)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return read_csv(data)
    raise ImportRefused("Choose a .csv or .xlsx file")


# --- Staging the file between the steps ------------------------------------------------------


@dataclass
class StagedImport:
    key: str
    file_name: str
    headers: list[str]
    row_count: int
    preview: list[list[str]]  # the first rows, to help choose the mapping
    suggested: dict[str, int]
    encoding: str
    delimiter: str


_KEY = re.compile(r"^[0-9a-f]{32}$")


def _imports_dir() -> Path:
    # Under the private data folder (never Reflex's public upload folder).
    folder = settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _staged_path(actor: Actor, key: str) -> Path:
    if not _KEY.match(key or ""):
        raise ValidationFailed({"file": "Upload the file again"})
    return _imports_dir() / f"{actor.id}-{key}.json"  # only its uploader can use it


def _sweep_old() -> None:
    cutoff = time.time() - STAGED_HOURS * 3600
    for path in _imports_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another process removed it first


def _refuse_unless_admin(db: Session, actor: Actor, attempted: str) -> None:
    if not access.can_import(actor):
        audit.record_denial(db, actor, "access.denied", "import", None, attempted=attempted)
        raise PermissionDenied(ONLY_ADMINS)


def _clean_file_name(name: str) -> str:
    return clean_line(Path(name or "upload").name)[:200] or "upload"


def stage_upload(actor: Actor, file_name: str, data: bytes) -> StagedImport:
    """Read the uploaded file and keep it for the mapping, dry run and import steps."""
    with session_scope() as db:
        _refuse_unless_admin(db, actor, "import.upload")
    name = _clean_file_name(file_name)
    table = read_table(name, data)
    _sweep_old()
    key = secrets.token_hex(16)
    # The table as read, not the file: the next steps skip decoding (an XLSX of 10,000 rows
    # takes seconds to open; this reads back in milliseconds). Readable by this process only.
    fd = os.open(_staged_path(actor, key), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"file_name": name, "headers": table.headers, "rows": table.rows}, out,
                  ensure_ascii=False, separators=(",", ":"))
    suggested = suggest_mapping(table.headers)
    with session_scope() as db:
        audit.record(db, actor, "import.upload", "import", None, file_name=name,
                     rows=len(table.rows), bytes=len(data))
    return StagedImport(key=key, file_name=name, headers=table.headers,
                        row_count=len(table.rows), preview=[c for _, c in table.rows[:3]],
                        suggested=suggested, encoding=table.encoding, delimiter=table.delimiter)


def _load_staged(actor: Actor, key: str) -> tuple[str, Table]:
    try:
        staged = json.loads(_staged_path(actor, key).read_text(encoding="utf-8"))
        table = Table(headers=[str(h) for h in staged["headers"]],
                      rows=[(int(n), [str(c) for c in cells]) for n, cells in staged["rows"]])
        name = str(staged.get("file_name") or "upload")
    except (OSError, ValueError, KeyError, TypeError):
        raise ValidationFailed({"file": "That upload has expired or was already imported: "
                                        "upload the file again"}) from None
    return name, table


def discard(actor: Actor, key: str) -> None:
    """Forget a staged file (Start again)."""
    with session_scope() as db:
        _refuse_unless_admin(db, actor, "import.discard")
    _staged_path(actor, key).unlink(missing_ok=True)


# --- Checking rows ---------------------------------------------------------------------------


@dataclass
class ImportMapping:
    columns: dict[str, int] = field(default_factory=dict)  # field key → column index
    default_pathway_id: int | None = None  # for rows with no pathway of their own


@dataclass
class RowProblem:
    row: int
    field: str  # the field's label, e.g. "Date of birth"
    reason: str


@dataclass
class Candidate:
    person_id: int
    name: str
    date_of_birth: str
    postcode: str
    reason: str  # "same name and date of birth", "same email", "same phone"
    cases: int


@dataclass
class DuplicateRow:
    row: int
    name: str
    date_of_birth: str
    candidates: list[Candidate]
    suggested: int | None  # the person to link to by default, or None: create new


@dataclass
class DryRun:
    file_name: str
    rows: int
    problems: list[RowProblem]
    problem_rows: int
    duplicates: list[DuplicateRow]
    people_new: int  # if imported with the suggested choices
    repeat_rows: int  # further cases of a person earlier in the file
    ok: bool  # no problems: the import can run


@dataclass
class ImportResult:
    file_name: str
    rows: int
    people_created: int
    people_linked: int
    cases_created: int
    notes_created: int


@dataclass
class _Row:
    number: int
    person: NewPerson
    dob: date | None
    pathway_id: int | None
    status: str
    concern: str
    worker_id: int | None
    start: date
    end: date | None
    tags: list[str]
    notes: str


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([a-z]{3,9})\.?,?[ \-](\d{4})$")


class _BadDate(ValueError):
    pass


def parse_date(text: str) -> date | None:
    """A date as charities write it: 2024-03-31, 31/03/2024 (day first, as in the UK),
    31.03.2024, 31-03-2024 or 31 March 2024. Two-digit years are refused as ambiguous."""
    value = " ".join(text.split()).lower()
    if not value:
        return None
    try:
        if m := _YMD.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.match(value):
            if len(m[3]) == 2:
                raise _BadDate("write the year in full")
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _WORDY.match(value)) and m[2][:3] in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2][:3]], int(m[1]))
    except ValueError as exc:
        if isinstance(exc, _BadDate):
            raise
        raise _BadDate("there is no such day") from None
    raise _BadDate("use a date such as 31/12/1980 or 1980-12-31")


_STATUS_WORDS = {"open": "open", "active": "open", "ongoing": "open", "current": "open",
                 "paused": "paused", "on hold": "paused", "hold": "paused",
                 "closed": "closed", "ended": "closed", "complete": "closed",
                 "completed": "closed", "finished": "closed"}
_CONCERN_WORDS = {"low": "low", "green": "low", "l": "low", "medium": "medium", "med": "medium",
                  "amber": "medium", "orange": "medium", "m": "medium", "high": "high",
                  "red": "high", "h": "high"}


@dataclass
class _Lookups:
    pathways: dict[str, int]  # lower-cased name → id (not archived)
    workers_by_email: dict[str, int]
    workers_by_name: dict[str, int | None]  # None: two staff share the name
    tz: str
    today: date


def _lookups(db: Session) -> _Lookups:
    pathways = {n.lower(): i for i, n in db.exec(
        select(Pathway.id, Pathway.name).where(Pathway.archived == False)).all()}  # noqa: E712
    by_email: dict[str, int] = {}
    by_name: dict[str, int | None] = {}
    for uid, email, name in db.exec(select(User.id, User.email, User.name).where(
            User.active == True)).all():  # noqa: E712
        by_email[email.lower()] = uid
        key = " ".join(name.lower().split())
        by_name[key] = None if key in by_name else uid
    tz = organisation_time_zone(db)
    return _Lookups(pathways, by_email, by_name, tz, datetime.now(ZoneInfo(tz)).date())


def _check_mapping(mapping: ImportMapping, headers: list[str]) -> None:
    errors: dict[str, str] = {}
    for key, index in mapping.columns.items():
        if key not in FIELD_LABELS:
            errors[key] = f"Unknown field “{key}”"
        elif not isinstance(index, int) or not 0 <= index < len(headers):
            errors[key] = f"{FIELD_LABELS[key]}: choose one of the file's columns"
    if not ({"name", "first_name", "last_name"} & set(mapping.columns)):
        errors["name"] = "Choose the column that holds each person's name"
    if errors:
        raise ValidationFailed(errors)


def _check_row(number: int, cells: list[str], mapping: ImportMapping, look: _Lookups,
               problems: list[RowProblem]) -> _Row | None:
    def cell(key: str) -> str:
        index = mapping.columns.get(key)
        return cells[index] if index is not None else ""

    found: list[RowProblem] = []

    def problem(key: str, reason: str) -> None:
        found.append(RowProblem(number, FIELD_LABELS[key], reason))

    name = clean_line(cell("name")) or clean_line(f"{cell('first_name')} {cell('last_name')}")
    dob: date | None = None
    try:
        dob = parse_date(cell("date_of_birth"))
    except _BadDate as exc:
        problem("date_of_birth", f"“{clean_line(cell('date_of_birth'))[:40]}” is not a date: {exc}")
    person = NewPerson(name=name, date_of_birth=dob.isoformat() if dob else "",
                       phone=cell("phone"), email=cell("email").strip(),
                       address=cell("address"), postcode=cell("postcode"))
    person_errors, values = validate_person(person)
    for key, message in person_errors.items():
        if key == "name":
            message = "Name is missing" if not name else message
        problem(key if key in FIELD_LABELS else "name", message)
    if not person_errors:
        person = NewPerson(name=str(values["name"]), date_of_birth=person.date_of_birth,
                           phone=str(values["phone"] or ""), email=str(values["email"] or ""),
                           address=str(values["address"] or ""),
                           postcode=str(values["postcode"] or ""))

    pathway_id: int | None = None
    pathway_text = clean_line(cell("pathway"))
    if pathway_text:
        pathway_id = look.pathways.get(pathway_text.lower())
        if pathway_id is None:
            problem("pathway", f"Unknown pathway “{pathway_text[:80]}”: add it under Pathways "
                               "first, or correct the name")
    elif mapping.default_pathway_id is not None:
        pathway_id = mapping.default_pathway_id
    else:
        problem("pathway", "Pathway is missing: fill it in, or choose a pathway for rows "
                           "without one")

    status_text = clean_line(cell("status")).lower()
    status = _STATUS_WORDS.get(status_text, "") if status_text else Status.OPEN.value
    if not status:
        problem("status", f"Unknown status “{clean_line(cell('status'))[:40]}”: use Open, "
                          "Paused or Closed")
    concern_text = clean_line(cell("concern_level")).lower()
    concern = (_CONCERN_WORDS.get(concern_text, "") if concern_text
               else ConcernLevel.LOW.value)
    if not concern:
        problem("concern_level", f"Unknown concern level “{clean_line(cell('concern_level'))[:40]}”"
                                 ": use Low, Medium or High")

    worker_id: int | None = None
    worker_text = clean_line(cell("worker_email"))
    if worker_text:
        worker_id = (look.workers_by_email.get(worker_text.lower()) if "@" in worker_text
                     else look.workers_by_name.get(worker_text.lower()))
        if worker_id is None:
            problem("worker_email", f"Unknown case worker “{worker_text[:80]}”: no active staff "
                                    "member has that email")

    start = look.today
    try:
        start = parse_date(cell("start_date")) or look.today
    except _BadDate as exc:
        problem("start_date", f"“{clean_line(cell('start_date'))[:40]}” is not a date: {exc}")
    else:
        if start > look.today:
            problem("start_date", "Start date is in the future")
        elif start.year < 1900:
            problem("start_date", "Check the year of the start date")
    end: date | None = None
    try:
        end = parse_date(cell("end_date"))
    except _BadDate as exc:
        problem("end_date", f"“{clean_line(cell('end_date'))[:40]}” is not a date: {exc}")
    if end is not None:
        if status and status != Status.CLOSED.value:
            problem("end_date", "Only a closed case has an end date")
        elif end < start:
            problem("end_date", "End date is before the start date")
        elif end > look.today:
            problem("end_date", "End date is in the future")
    elif status == Status.CLOSED.value:
        end = look.today  # as when a case is closed by hand

    tags = clean_tags(re.split(r"[,;]", cell("tags")))
    if len(tags) > MAX_TAGS:
        problem("tags", f"At most {MAX_TAGS} tags")
    notes = clean_note(cell("notes"))
    if len(notes) > settings().max_note_chars:
        problem("notes", f"Notes are too long (at most {settings().max_note_chars:,} characters)")

    if found:
        problems.extend(found)
        return None
    return _Row(number, person, dob, pathway_id, status, concern, worker_id, start, end, tags,
                notes)


# --- Duplicates --------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """For matching only: no accents, case, punctuation or extra spaces ("O'Brien, Seán" and
    "obrien sean" match)."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9 ]+", "", text.replace("-", " ")).split())


def normalise_phone(phone: str) -> str:
    """Digits only, a UK +44 written as the leading 0, so "+44 (0)7700 900123" = "07700900123"."""
    digits = re.sub(r"\D", "", (phone or "").replace("(0)", ""))
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 7 else ""


def _identity(name: str, dob: date | None) -> tuple[str, date] | None:
    return (normalise_name(name), dob) if dob is not None and normalise_name(name) else None


def _find_duplicates(db: Session, rows: list[_Row]) -> dict[int, list[Candidate]]:
    """Existing people each row may be: one pass over people, matched in memory, so 10,000
    rows cost one scan rather than 30,000 queries."""
    by_identity: dict[tuple[str, date], list[int]] = {}
    by_email: dict[str, list[int]] = {}
    by_phone: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if (ident := _identity(row.person.name, row.dob)) is not None:
            by_identity.setdefault(ident, []).append(i)
        if row.person.email:
            by_email.setdefault(row.person.email.lower(), []).append(i)
        if phone := normalise_phone(row.person.phone):
            by_phone.setdefault(phone, []).append(i)
    found: dict[int, dict[int, str]] = {}  # row index → person id → reason
    people: dict[int, tuple[str, date | None, str | None]] = {}
    if not (by_identity or by_email or by_phone):
        return {}
    query = select(Person.id, Person.name, Person.date_of_birth, Person.email, Person.phone,
                   Person.postcode).execution_options(yield_per=5000)
    for pid, name, dob, email, phone, postcode in db.exec(query):
        hits: list[tuple[list[int], str]] = []
        if dob is not None and (idx := by_identity.get((normalise_name(name), dob))):
            hits.append((idx, "same name and date of birth"))
        if email and (idx := by_email.get(email.lower())):
            hits.append((idx, "same email"))
        if phone and (p := normalise_phone(phone)) and (idx := by_phone.get(p)):
            hits.append((idx, "same phone"))
        for indexes, reason in hits:
            for i in indexes:
                reasons = found.setdefault(i, {})
                reasons[pid] = f"{reasons[pid]}, {reason}" if pid in reasons else reason
            people[pid] = (name, dob, postcode)
    if not found:
        return {}
    counts = dict(db.exec(select(Case.person_id, func.count()).where(
        col(Case.person_id).in_(list(people)[:5000])).group_by(Case.person_id)).all())
    out: dict[int, list[Candidate]] = {}
    for i, matches in found.items():
        # Name and date of birth first: the strongest evidence.
        ordered = sorted(matches.items(), key=lambda m: ("name" not in m[1], m[0]))
        out[i] = [Candidate(pid, people[pid][0], format_date(people[pid][1]),
                            people[pid][2] or "", reason, int(counts.get(pid, 0)))
                  for pid, reason in ordered[:MAX_CANDIDATES]]
    return out


def _suggested_link(candidates: list[Candidate]) -> int | None:
    """Link by default only on name and date of birth; a shared phone or email may be a family
    member, so those default to a new person and the admin decides."""
    first = candidates[0]
    return first.person_id if "name and date of birth" in first.reason else None


@dataclass
class _Checked:
    file_name: str
    rows: list[_Row]
    total: int
    problems: list[RowProblem]
    problem_rows: int
    candidates: dict[int, list[Candidate]]  # by row number
    tz: str


def _check_all(db: Session, actor: Actor, key: str, mapping: ImportMapping) -> _Checked:
    name, table = _load_staged(actor, key)
    _check_mapping(mapping, table.headers)
    look = _lookups(db)
    if mapping.default_pathway_id is not None and \
            mapping.default_pathway_id not in look.pathways.values():
        raise ValidationFailed({"default_pathway": "Choose a pathway for rows without one"})
    problems: list[RowProblem] = []
    rows: list[_Row] = []
    for number, cells in table.rows:
        checked = _check_row(number, cells, mapping, look, problems)
        if checked is not None:
            rows.append(checked)
    found = _find_duplicates(db, rows)
    candidates = {rows[i].number: c for i, c in found.items()}
    return _Checked(name, rows, len(table.rows), problems, len({p.row for p in problems}),
                    candidates, look.tz)


Plan = dict[int, tuple[str, object]]  # row number → ("link", person id) or ("new", person key)


def _plan_people(checked: _Checked, decisions: dict[int, int | None]) -> tuple[Plan, int, int]:
    """For each row: an existing person to link, or a new person's key (rows naming the same
    new person by name and date of birth share one). Returns (plan, people new, rows linked)."""
    plan: Plan = {}
    new_keys: set[object] = set()
    linked = 0
    for row in checked.rows:
        choice: int | None = None
        if row.number in checked.candidates:
            choice = decisions.get(row.number, _suggested_link(checked.candidates[row.number]))
        if choice is not None:
            plan[row.number] = ("link", choice)
            linked += 1
            continue
        key: object = _identity(row.person.name, row.dob) or ("row", row.number)
        plan[row.number] = ("new", key)
        new_keys.add(key)
    return plan, len(new_keys), linked


def dry_run(actor: Actor, key: str, mapping: ImportMapping) -> DryRun:
    """Every problem row and every possible duplicate, with the suggested choices; changes
    nothing but the audit trail."""
    with session_scope() as db:
        _refuse_unless_admin(db, actor, "import.dry_run")
        checked = _check_all(db, actor, key, mapping)
        _, people_new, _ = _plan_people(checked, {})
        duplicates = [
            DuplicateRow(row.number, row.person.name, format_date(row.dob),
                         checked.candidates[row.number],
                         _suggested_link(checked.candidates[row.number]))
            for row in checked.rows if row.number in checked.candidates]
        identities = [_identity(r.person.name, r.dob) for r in checked.rows]
        known = [i for i in identities if i is not None]
        repeat_rows = len(known) - len(set(known))
        audit.record(db, actor, "import.dry_run", "import", None, file_name=checked.file_name,
                     rows=checked.total, problems=len(checked.problems),
                     problem_rows=checked.problem_rows, duplicates=len(duplicates))
        return DryRun(file_name=checked.file_name, rows=checked.total, problems=checked.problems,
                      problem_rows=checked.problem_rows, duplicates=duplicates,
                      people_new=people_new, repeat_rows=repeat_rows,
                      ok=not checked.problems)


class ImportFailed(CaselineError):
    """The import found problems and wrote nothing. ``problems`` lists them by row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        rows = len({p.row for p in problems})
        super().__init__(f"Nothing was imported: {rows} row{'s' if rows != 1 else ''} "
                         "have problems. Fix them and run the check again.")


def commit_import(actor: Actor, key: str, mapping: ImportMapping,
                  decisions: dict[int, int | None] | None = None) -> ImportResult:
    """Import every row in one transaction: all of it, or nothing.

    ``decisions`` maps a row number that matched existing people to the person to link it to,
    or None to create a new person; a row left out takes the suggested choice (link on same
    name and date of birth, otherwise new). Only a person offered for that row can be linked.
    """
    decisions = dict(decisions or {})
    with session_scope() as db:
        _refuse_unless_admin(db, actor, "import.commit")
        checked = _check_all(db, actor, key, mapping)
        problems = list(checked.problems)
        for number, person_id in decisions.items():
            offered = {c.person_id for c in checked.candidates.get(number, [])}
            if person_id is not None and person_id not in offered:
                problems.append(RowProblem(number, "Name", "Link only to one of the people "
                                                           "offered as a match for this row"))
        if problems:
            problems.sort(key=lambda p: p.row)
            audit.record_denial(db, actor, "import.refused", "import", None,
                                file_name=checked.file_name, rows=checked.total,
                                problems=len(problems))
            raise ImportFailed(problems)
        plan, _, _ = _plan_people(checked, decisions)
        written = _write(db, actor, checked, plan)
        # One event for the whole import: counts, the file's name and the ids of every record
        # made (as ranges), never row contents.
        audit.record(db, actor, "import.commit", "import", None, file_name=checked.file_name,
                     rows=checked.total, **written)
        result = ImportResult(file_name=checked.file_name, rows=checked.total,
                              people_created=int(written["people_created"]),  # type: ignore[call-overload]
                              people_linked=int(written["people_linked"]),  # type: ignore[call-overload]
                              cases_created=int(written["cases_created"]),  # type: ignore[call-overload]
                              notes_created=int(written["notes_created"]))  # type: ignore[call-overload]
    _staged_path(actor, key).unlink(missing_ok=True)  # imported: the copy is not kept
    return result


def id_ranges(ids: list[int]) -> list[list[int]]:
    """[[first, last], ...] runs of consecutive ids: every record an import made, compactly."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _reserve_ids(db: Session, model: type, count: int) -> list[int]:
    """Ids for ``count`` new rows, taken before inserting them, so that the rows can go in as
    one plain executemany (no RETURNING, which SQLAlchemy sends a row at a time when the order
    must be kept: seconds for 10,000 rows). PostgreSQL: from the table's own sequence, as an
    insert would. SQLite: after the largest id, with the database's write lock already held
    (the caller has written first), so no other writer can take them in between; and were one
    to, the primary key refuses the duplicate and the whole import rolls back."""
    if count == 0:
        return []
    table = model.__tablename__  # type: ignore[attr-defined]
    if db.get_bind().dialect.name == "postgresql":
        rows = db.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                               "FROM generate_series(1, :n)"), {"t": f'"{table}"', "n": count})
        return [int(r[0]) for r in rows]
    top = db.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()  # type: ignore[attr-defined]
    return list(range(int(top) + 1, int(top) + 1 + count))


def _insert(db: Session, model: type, rows: list[dict[str, object]]) -> list[int]:
    """Many rows as one executemany with ids given; returns the ids in row order."""
    ids = _reserve_ids(db, model, len(rows))
    _insert_rows(db, model, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def _insert_rows(db: Session, model: type, rows: list[dict[str, object]]) -> None:
    """Many rows, fast, in the caller's transaction. PostgreSQL: COPY (one stream). SQLite: one
    executemany. (The ORM's bulk insert splits rows into a statement per pattern of empty
    values, and multi-row VALUES statements take SQLAlchemy seconds to compile.)"""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    raw = connection.connection.driver_connection  # psycopg's, inside the same transaction
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _write(db: Session, actor: Actor, checked: _Checked, plan: Plan) -> dict[str, object]:
    """Every insert in the caller's transaction, a table at a time. Returns the counts and the
    ids made, for the import's audit event."""
    now = utcnow()
    # Take the database's write lock first (SQLite; a row lock on PostgreSQL): the import's
    # ids are reserved under it. The audit event written at the end updates the same row.
    head = AuditChainHead.__table__
    db.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq))
    new_keys: dict[object, None] = {}  # in first-seen order
    new_rows: list[dict[str, object]] = []
    for row in checked.rows:
        kind, ref = plan[row.number]
        if kind == "new" and ref not in new_keys:
            p = row.person
            new_keys[ref] = None
            new_rows.append({"name": p.name, "name_search": p.name.lower(),
                             "date_of_birth": row.dob, "phone": p.phone or None,
                             "email": p.email or None, "address": p.address or None,
                             "postcode": p.postcode or None, "created_at": now,
                             "updated_at": now})
    person_ids = dict(zip(new_keys, _insert(db, Person, new_rows), strict=True))

    tag_names = sorted({t for row in checked.rows for t in row.tags})
    tag_ids = dict(db.exec(select(Tag.name, Tag.id).where(col(Tag.name).in_(tag_names))).all()) \
        if tag_names else {}
    missing = [n for n in tag_names if n not in tag_ids]
    tag_ids.update(zip(missing, _insert(db, Tag, [{"name": n} for n in missing]), strict=True))

    zone = ZoneInfo(checked.tz)
    case_ids = _reserve_ids(db, Case, len(checked.rows))
    cases: list[dict[str, object]] = []
    case_tags: list[dict[str, object]] = []
    statuses: list[dict[str, object]] = []
    concerns: list[dict[str, object]] = []
    assignments: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for row, case_id in zip(checked.rows, case_ids, strict=True):
        kind, ref = plan[row.number]
        when = None
        if row.notes:
            # Dated at the case's start (midday, local): the sheet's notes tell its story so far.
            when = datetime.combine(row.start, day_time(12), tzinfo=zone).astimezone(UTC)
            notes.append({"case_id": case_id, "kind": InteractionType.NOTE.value,
                          "occurred_at": when, "author_id": actor.id, "text": row.notes,
                          "private": False, "created_at": now})
        cases.append({"id": case_id, "reference": reference_for(case_id),
                      "person_id": ref if kind == "link" else person_ids[ref],
                      "worker_id": row.worker_id, "pathway_id": row.pathway_id,
                      "status": row.status, "concern_level": row.concern,
                      "start_date": row.start, "end_date": row.end,
                      "last_interaction_at": when, "created_at": now, "updated_at": now,
                      "version": 1})
        case_tags += [{"case_id": case_id, "tag_id": tag_ids[t]} for t in row.tags]
        statuses.append({"case_id": case_id, "new_status": row.status, "old_status": None,
                         "changed_by_id": actor.id, "changed_at": now, "reason": "Imported"})
        concerns.append({"case_id": case_id, "new_level": row.concern, "old_level": None,
                         "changed_by_id": actor.id, "changed_at": now, "interaction_id": None})
        if row.worker_id is not None:
            assignments.append({"case_id": case_id, "new_worker_id": row.worker_id,
                                "old_worker_id": None, "changed_by_id": actor.id,
                                "changed_at": now, "reason": "Imported"})
    for model, rows in ((Case, cases), (CaseTag, case_tags), (StatusChange, statuses),
                        (ConcernChange, concerns), (Assignment, assignments)):
        _insert_rows(db, model, rows)
    note_ids = _insert(db, Interaction, notes)
    return {"people_created": len(person_ids),
            "people_linked": sum(1 for kind, _ in plan.values() if kind == "link"),
            "cases_created": len(case_ids), "notes_created": len(note_ids),
            "person_ids": id_ranges(list(person_ids.values())), "case_ids": id_ranges(case_ids),
            "interaction_ids": id_ranges(note_ids)}
