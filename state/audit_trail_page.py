"""The audit trail (admins): the filters in use, one page of events and the CSV link. Access and
the audit of each view are in caseapp.trail."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

from caseapp import trail
from caseapp.actor import Actor
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.models import Role
from caseapp.trail import TrailFilters, TrailRow
from state.session import SessionState

FILTER_FIELDS = ("who", "action", "record", "date_from", "date_to")


class AuditTrailState(SessionState):
    who: str = ""
    action: str = ""
    record: str = ""
    date_from: str = ""
    date_to: str = ""
    rows: list[TrailRow] = []
    page: int = 1
    has_previous: bool = False
    has_next: bool = False
    loaded: bool = False
    errors: dict[str, str] = {}  # by filter field
    error: str = ""

    def _filters(self) -> TrailFilters:
        return TrailFilters(who=self.who, action=self.action, record=self.record,
                            date_from=self.date_from, date_to=self.date_to)

    @rx.var
    def csv_href(self) -> str:
        """The download link carries the filters on screen (the route checks and audits)."""
        query = urlencode({k: v for k, v in (("who", self.who), ("action", self.action),
                                             ("record", self.record), ("from", self.date_from),
                                             ("to", self.date_to)) if v})
        return "/admin/audit-trail.csv" + (f"?{query}" if query else "")

    async def _show(self, actor: Actor, page: int) -> None:
        # Offset paging over a large trail can take a moment: off the event loop.
        try:
            found = await asyncio.to_thread(trail.search_events, actor, self._filters(), page)
        except ValidationFailed as exc:
            self.errors, self.error = exc.errors, ""
            return
        except CaselineError as exc:
            self.error, self.rows = str(exc), []
            return
        self.errors, self.error = {}, ""
        self.rows, self.page = found.rows, found.page
        self.has_previous, self.has_next = found.has_previous, found.has_next
        self.loaded = True

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        if actor.role is not Role.ADMIN:
            return rx.redirect("/cases")
        await self._show(actor, 1)
        return None

    @rx.event
    async def apply_filters(self, form: dict) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        for name in FILTER_FIELDS:
            setattr(self, name, str(form.get(name) or "").strip()[:120])
        await self._show(actor, 1)
        return None

    @rx.event
    async def clear_filters(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        for name in FILTER_FIELDS:
            setattr(self, name, "")
        await self._show(actor, 1)
        return None

    @rx.event
    async def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        try:
            wanted = max(1, int(page))
        except (TypeError, ValueError):
            return None
        await self._show(actor, wanted)
        return None
