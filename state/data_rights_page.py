"""Data rights (admins): find a person, export everything held about them, erase them, and the
retention report with its bulk anonymise. Every handler goes through a service that checks the
admin role itself; the jobs run in the server's runner (caseapp/rights_jobs.py), so closing the
tab stops nothing. ``/data-rights?person=12`` opens one person (the case page links there)."""

from __future__ import annotations

import asyncio

import reflex as rx

from caseapp import erasure, retention, subject_access
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.retention import RetentionRow
from caseapp.rights_jobs import runner
from caseapp.subject_access import ExportProgress, PersonFound, PersonRights
from state.run_progress import poll_run
from state.session import SessionState

POLL_S = 1.0
MAX_POLLS = 3600


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _no_person() -> PersonRights:
    return PersonRights(id=0, name="", date_of_birth="", contact="")


class DataRightsState(SessionState):
    allowed: bool = False
    query: str = ""
    found: list[PersonFound] = []
    searched: bool = False
    person: PersonRights = _no_person()
    export_job: int = 0
    export_status: str = ""
    export_done: int = 0
    export_total: int = 0
    exporting: bool = False
    erase_mode: str = "anonymise"
    erase_reason: str = ""
    erase_confirm: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    message_kind: str = "info"  # info | error
    report_years: int = 0
    report_cutoff: str = ""
    report_total: int = 0
    report_rows: list[RetentionRow] = []
    bulk_confirm: str = ""
    bulk_errors: dict[str, str] = {}
    bulk_job: int = 0
    bulk_status: str = ""
    bulk_done: int = 0
    bulk_total: int = 0
    bulk_message: str = ""
    bulk_running: bool = False
    last_bulk: str = ""  # the latest "Anonymise all", in one line

    def _say(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def _load_report(self, actor) -> None:  # type: ignore[no-untyped-def]
        report = retention.report(actor)
        self.report_years, self.report_cutoff = report.years, report.cutoff
        self.report_total, self.report_rows = report.total, report.rows
        self.last_bulk = retention.last_run(actor)

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        self.found, self.searched, self.person, self.errors = [], False, _no_person(), {}
        self.message, self.export_job, self.export_status = "", 0, ""
        self.bulk_confirm, self.bulk_errors = "", {}
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        self.allowed = self.user_role_key == "admin"
        if not self.allowed:
            return rx.redirect("/cases")
        try:
            self._load_report(actor)
            raw = self.router.url.query_parameters.get("person", "")
            if raw.isascii() and raw.isdigit() and len(raw) <= 9:
                self._open(actor, int(raw))
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    def _open(self, actor, person_id: int) -> None:  # type: ignore[no-untyped-def]
        self.person = subject_access.person_rights(actor, person_id)
        # Someone already anonymised can only be deleted entirely now.
        self.erase_mode = "delete" if self.person.erased else "anonymise"
        self.erase_reason, self.erase_confirm, self.errors = "", "", {}
        self.export_job, self.export_status = 0, ""

    @rx.event
    def search(self, form: dict) -> rx.event.EventSpec | None:  # type: ignore[type-arg]
        self.query = str(form.get("query", ""))[:200]
        try:
            self.found = subject_access.find_people(self._actor(), self.query)
            self.searched = True
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event
    def open_person(self, person_id: int) -> rx.event.EventSpec | None:
        try:
            self._open(self._actor(), int(person_id))
            self.message = ""
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event
    def close_person(self) -> None:
        self.person = _no_person()

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("erase_mode", "erase_reason", "erase_confirm", "bulk_confirm"):
            setattr(self, name, str(value)[:500])

    @rx.event(background=True)
    async def start_export(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.exporting or not self.person.id:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            person_id = self.person.id
            self.exporting = True
        try:
            job = await asyncio.to_thread(subject_access.start_export, actor, person_id)
            runner().start(job)

            def show(p: ExportProgress) -> None:
                self.export_job, self.export_status = job, p.status
                self.export_done, self.export_total = p.done, p.total

            actor, progress = await poll_run(
                self, lambda actor: subject_access.export_progress(actor, job), show, POLL_S,
                MAX_POLLS)
            person = await asyncio.to_thread(subject_access.person_rights, actor, person_id)
            async with self:
                self.person = person
                if progress.ready:
                    self._say("The export is ready. Download it below; it is deleted after "
                              f"{subject_access.keep_days()} days.")
                elif progress.status == "failed":
                    self._say(progress.message or "The export could not be made.", "error")
        except CaselineError as exc:
            async with self:
                self._say(str(exc), "error")
        finally:
            async with self:
                self.exporting = False

    @rx.event
    def erase(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            name = self.person.name
            result = erasure.erase_person(actor, self.person.id, self.erase_mode,
                                          self.erase_reason, self.erase_confirm)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        del name  # not kept in this tab after the erasure either
        done = "anonymised" if result.mode == "anonymise" else "deleted"
        self._say(f"Person {result.person_id} {done}: {_count(result.cases, 'case')}, "
                  f"{_count(result.interactions, 'interaction')} and "
                  f"{_count(result.attachments, 'attachment')}. "
                  "The audit trail records the erasure and the reason.")
        self.found, self.query, self.errors = [], "", {}
        try:
            if result.mode == "anonymise":
                self._open(actor, result.person_id)
            else:
                self.person = _no_person()
            self._load_report(actor)
        except CaselineError as exc:
            self._say(str(exc), "error")
        return None

    @rx.event(background=True)
    async def anonymise_all(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.bulk_running:
                return
            try:
                actor = self._actor()
            except NotSignedIn:
                yield self._to_sign_in()
                return
            confirm, self.bulk_errors = self.bulk_confirm, {}
            self.bulk_running = True
        try:
            job = await asyncio.to_thread(retention.start_bulk_anonymise, actor, confirm)
            runner().start(job)

            def show(p: ExportProgress) -> None:
                self.bulk_job, self.bulk_status = job, p.status
                self.bulk_done, self.bulk_total, self.bulk_message = p.done, p.total, p.message

            actor, _ = await poll_run(
                self, lambda actor: subject_access.export_progress(actor, job, "retention"),
                show, POLL_S, MAX_POLLS)
            async with self:
                self._load_report(actor)
                self.bulk_confirm = ""
        except ValidationFailed as exc:
            async with self:
                self.bulk_errors = exc.errors
        except CaselineError as exc:
            async with self:
                self._say(str(exc), "error")
        finally:
            async with self:
                self.bulk_running = False

    @rx.var
    def export_percent(self) -> int:
        return round(100 * self.export_done / self.export_total) if self.export_total else 0
