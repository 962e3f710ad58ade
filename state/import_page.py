"""The import page: upload a spreadsheet, map its columns, check it (dry run), choose what to do
with people already on record, import. The service (caseapp/importing.py) checks the actor at
every step; this state only holds the current step's view, never the file's rows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from caseapp import access, importing, pathways
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.importing import ImportFailed, ImportMapping, RowProblem
from state.session import SessionState

SHOWN_PROBLEMS = 500  # listed on the page; the count says how many more there are
SHOWN_DUPLICATES = 300


@dataclass
class DuplicateChoice:
    row: int
    name: str
    date_of_birth: str
    options: list[list[str]]  # [value, label]: "new" or a person id


def _count(n: int, one: str, many: str = "") -> str:
    """ "1 case", "2 cases"; the plural given where it is not just an s."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _duplicate_view(d: importing.DuplicateRow) -> DuplicateChoice:
    options = [["new", "Create a new person"]]
    for c in d.candidates:
        born = f", born {c.date_of_birth}" if c.date_of_birth else ""
        where = f", {c.postcode}" if c.postcode else ""
        cases = f"{c.cases} case{'s' if c.cases != 1 else ''}"
        options.append([str(c.person_id),
                        f"Link to {c.name}{born}{where} ({c.reason}; {cases})"])
    return DuplicateChoice(d.row, d.name, d.date_of_birth, options)


class ImportState(SessionState):
    allowed: bool = False
    step: str = "upload"  # upload → mapping → review → done
    busy: bool = False
    file_name: str = ""
    row_count: int = 0
    column_options: list[list[str]] = []  # [index, header]
    mapping: dict[str, str] = {}  # field key → column index ("" = not imported)
    examples: dict[str, str] = {}  # field key → the first row's value in the chosen column
    pathway_options: list[list[str]] = []
    default_pathway: str = ""
    problems: list[RowProblem] = []
    problem_total: int = 0
    problem_rows: int = 0
    duplicates: list[DuplicateChoice] = []
    duplicate_total: int = 0
    decisions: dict[str, str] = {}  # row number → "new" or a person id
    people_new: int = 0
    repeat_rows: int = 0
    checked_ok: bool = False
    summary: str = ""  # what Import will do, with the suggested choices
    result: str = ""
    message: str = ""
    message_kind: str = "info"  # info | error
    mapping_errors: dict[str, str] = {}
    _key: str = ""  # the staged upload: a backend-only var, never sent to the browser
    _first_row: list[str] = []

    def _say(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def _clear_check(self) -> None:
        self.problems, self.problem_total, self.problem_rows = [], 0, 0
        self.duplicates, self.duplicate_total, self.decisions = [], 0, {}
        self.checked_ok, self.people_new, self.repeat_rows, self.summary = False, 0, 0, ""

    def _mapping(self) -> ImportMapping:
        columns = {k: int(v) for k, v in self.mapping.items() if v.isdigit()}
        default = int(self.default_pathway) if self.default_pathway.isdigit() else None
        return ImportMapping(columns=columns, default_pathway_id=default)

    def _set_example(self, field: str) -> None:
        value = self.mapping.get(field, "")
        index = int(value) if value.isdigit() else -1
        self.examples[field] = (self._first_row[index][:60]
                                if 0 <= index < len(self._first_row) else "")

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        self.allowed = access.can_import(actor)
        self.message = ""
        if not self.allowed:
            self._say(importing.ONLY_ADMINS, "error")
            return None
        self.pathway_options = [[str(p.id), p.name] for p in pathways.list_pathways(actor)]
        return None

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        if not files:
            return None
        upload = files[0]
        # One byte past the limit is enough for the service to refuse it; never read more.
        data = await upload.read(importing.max_import_bytes() + 1)
        name = upload.name or upload.filename or "upload"
        self.busy = True
        try:
            staged = await asyncio.to_thread(importing.stage_upload, actor, name, data)
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        finally:
            self.busy = False
        self._key, self.file_name, self.row_count = staged.key, staged.file_name, staged.row_count
        self.column_options = [[str(i), h or f"Column {i + 1}"] for i, h in enumerate(staged.headers)]
        self._first_row = staged.preview[0] if staged.preview else []
        self.mapping = {f: str(staged.suggested[f]) if f in staged.suggested else ""
                        for f in importing.FIELD_KEYS}
        self.examples = {}
        for field in importing.FIELD_KEYS:
            self._set_example(field)
        self.mapping_errors, self.result = {}, ""
        self._clear_check()
        self.step = "mapping"
        found = len(staged.suggested)
        self._say(f"Read {staged.row_count:,} rows from {staged.file_name}. {found} of its columns "
                  "were matched to fields by their names: check them below.")
        return None

    @rx.event
    def set_mapping(self, field: str, value: str) -> None:
        if field not in importing.FIELD_KEYS:
            return
        if value and not (value.isdigit() and int(value) < len(self.column_options)):
            return
        self.mapping[field] = value
        self._set_example(field)
        self.mapping_errors = {}

    @rx.event
    def set_default_pathway(self, value: str) -> None:
        if value == "" or any(value == p[0] for p in self.pathway_options):
            self.default_pathway = value

    @rx.event
    def set_decision(self, row: int, value: str) -> None:
        if str(row) in self.decisions and (value == "new" or value.isdigit()):
            self.decisions[str(row)] = value

    @rx.event
    def back_to_mapping(self) -> None:
        if self.step == "review":
            self.step = "mapping"

    @rx.event
    def start_over(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            if self._key:
                importing.discard(actor, self._key)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError:
            pass  # nothing staged any more: starting over is what was asked
        self._key, self.step, self.file_name, self.row_count = "", "upload", "", 0
        self.mapping, self.examples, self.mapping_errors, self.result = {}, {}, {}, ""
        self._clear_check()
        self.message = ""
        return None

    def _show_problems(self, problems: list[RowProblem]) -> None:
        self.problems = problems[:SHOWN_PROBLEMS]
        self.problem_total = len(problems)
        self.problem_rows = len({p.row for p in problems})

    @rx.event(background=True)
    async def check(self):  # type: ignore[no-untyped-def]
        """The dry run: off the event loop, as 10,000 rows take a moment."""
        async with self:
            if self.busy:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            key, mapping = self._key, self._mapping()
            self.busy, self.message, self.mapping_errors = True, "", {}
        try:
            report = await asyncio.to_thread(importing.dry_run, actor, key, mapping)
        except ValidationFailed as exc:
            async with self:
                self.busy, self.mapping_errors = False, exc.errors
                self._say(str(exc), "error")
            return
        except CaselineError as exc:
            async with self:
                self.busy = False
                self._say(str(exc), "error")
            return
        async with self:
            self.busy = False
            self._show_problems(report.problems)
            shown = report.duplicates[:SHOWN_DUPLICATES]
            self.duplicates = [_duplicate_view(d) for d in shown]
            self.duplicate_total = len(report.duplicates)
            self.decisions = {str(d.row): str(d.suggested) if d.suggested else "new"
                              for d in report.duplicates}
            self.checked_ok, self.people_new = report.ok, report.people_new
            self.repeat_rows = report.repeat_rows
            self.summary = (f"Import will add {_count(report.rows, 'case')} and "
                            f"{_count(report.people_new, 'new person', 'new people')} "
                            "(with the choices suggested below).")
            if report.repeat_rows:
                repeats = _count(report.repeat_rows, "row is a further case",
                                 "rows are further cases")
                self.summary += f" {repeats} of a person earlier in the file."
            self.step = "review"
            if report.ok:
                self._say(f"All {report.rows:,} rows can be imported. Nothing has been saved yet.")
            else:
                self._say(f"{report.problem_rows:,} of {report.rows:,} rows have problems. Nothing "
                          "has been saved. Fix them in the spreadsheet and upload it again, or "
                          "change the mapping.", "error")

    @rx.event(background=True)
    async def run_import(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.busy or not self.checked_ok:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            key, mapping = self._key, self._mapping()
            decisions = {int(r): (int(v) if v.isdigit() else None)
                         for r, v in self.decisions.items()}
            self.busy, self.message = True, ""
        try:
            result = await asyncio.to_thread(importing.commit_import, actor, key, mapping,
                                             decisions)
        except ImportFailed as exc:
            async with self:
                self.busy, self.checked_ok = False, False
                self._show_problems(exc.problems)
                self._say(str(exc), "error")
            return
        except CaselineError as exc:
            async with self:
                self.busy = False
                self._say(str(exc), "error")
            return
        async with self:
            self.busy, self._key, self.step = False, "", "done"
            self._clear_check()
            self.message = ""
            self.result = (f"Imported {_count(result.cases_created, 'case')}: "
                           f"{_count(result.people_created, 'new person', 'new people')}, "
                           f"{_count(result.people_linked, 'case')} linked to people already on "
                           f"record, {_count(result.notes_created, 'note')}.")

    @rx.var
    def problems_hidden(self) -> int:
        return max(0, self.problem_total - len(self.problems))
