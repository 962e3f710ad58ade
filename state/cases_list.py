"""The cases list: filters, sort and one page of rows. Queries run in the cases service."""

from __future__ import annotations

import reflex as rx

from caseapp import cases, pathways, staff
from caseapp.cases import CaseFilters, CaseRow
from caseapp.errors import CaselineError, NotSignedIn
from state.session import SessionState


class CasesState(SessionState):
    rows: list[CaseRow] = []
    total: int = 0
    more: bool = False  # more cases match than were counted: shown as "10000+ cases"
    page: int = 1
    pages: int = 1
    search: str = ""
    status: str = ""
    concern_level: str = ""
    worker: str = ""
    pathway: str = ""
    tag: str = ""
    sort: str = "last_interaction"
    descending: bool = True
    worker_options: list[list[str]] = []
    pathway_options: list[list[str]] = []
    tag_options: list[str] = []
    message: str = ""
    loaded: bool = False

    def _refresh(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            result = cases.list_cases(actor, CaseFilters(
                search=self.search, status=self.status, concern_level=self.concern_level,
                worker=self.worker, pathway_id=int(self.pathway) if self.pathway.isdigit() else None,
                tag=self.tag, sort=self.sort, descending=self.descending, page=self.page))
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.message = str(exc)
            return None
        self.rows, self.total, self.page, self.pages = (result.rows, result.total, result.page,
                                                        result.pages)
        self.more = result.more
        self.loaded = True
        return None

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        self.worker_options = [[str(s.id), s.name] for s in staff.list_staff(actor)]
        self.pathway_options = [[str(p.id), p.name] for p in pathways.list_pathways(actor)]
        self.tag_options = cases.all_tags()
        self.message = ""
        # /cases?worker=ID (the workload page's "Open in the cases list"): that worker's cases.
        # The service checks the value and what the actor may see, as for the Case worker filter.
        worker = str(self.router.url.query_parameters.get("worker", ""))[:20]
        if worker:
            self.worker, self.page = worker, 1
        return self._refresh()

    @rx.event
    def load_rows(self) -> None:
        """The case page's list beside the case (tablet width): this session's filters, sort and
        page as last chosen on /cases, so opening a case from it keeps them."""
        try:
            self._actor()
        except NotSignedIn:
            return  # the case page's own load sends the user to sign in
        self._refresh()

    @rx.event
    def set_search(self, value: str) -> rx.event.EventSpec | None:
        self.search, self.page = value[:200], 1
        return self._refresh()

    @rx.event
    def set_filter(self, name: str, value: str) -> rx.event.EventSpec | None:
        if name not in ("status", "concern_level", "worker", "pathway", "tag"):
            return None
        setattr(self, name, value[:100])
        self.page = 1
        return self._refresh()

    @rx.event
    def toggle_my_cases(self) -> rx.event.EventSpec | None:
        self.worker = "" if self.worker == "me" else "me"
        self.page = 1
        return self._refresh()

    @rx.event
    def clear_filters(self) -> rx.event.EventSpec | None:
        self.search = self.status = self.concern_level = self.worker = self.pathway = ""
        self.tag, self.page = "", 1
        return self._refresh()

    @rx.event
    def sort_by(self, column: str) -> rx.event.EventSpec | None:
        if column not in cases.SORTS:
            return None
        if self.sort == column:
            self.descending = not self.descending
        else:
            # Names read A→Z first; dates and concern most-recent / highest first.
            self.sort, self.descending = column, column not in ("name", "worker", "pathway")
        return self._refresh()

    @rx.event
    def set_sort(self, value: str) -> rx.event.EventSpec | None:
        column, _, direction = value.partition(":")
        if column not in cases.SORTS:
            return None
        self.sort, self.descending = column, direction != "asc"
        return self._refresh()

    @rx.event
    def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        self.page = max(1, min(int(page), self.pages))
        return self._refresh()

    @rx.event
    def claim(self, case_id: int) -> rx.event.EventSpec | None:
        try:
            cases.claim(self._actor(), int(case_id))
            self.message = "Case claimed: it is now yours."
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.message = str(exc)
        return self._refresh()

    @rx.var
    def sort_value(self) -> str:
        return f"{self.sort}:{'desc' if self.descending else 'asc'}"

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search or self.status or self.concern_level or self.worker
                    or self.pathway or self.tag)
