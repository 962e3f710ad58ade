"""Search notes: the query, one page of hits and what to say about them. The search runs in
caseapp.search, which checks what the actor may read."""

from __future__ import annotations

import asyncio

import reflex as rx

from caseapp import search
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.search import SearchHit
from state.session import SessionState


class SearchState(SessionState):
    query: str = ""  # the query the hits are for
    hits: list[SearchHit] = []
    searched: bool = False
    searching: bool = False
    error: str = ""
    notice: str = ""  # e.g. search by meaning is off

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            self._remember(self._actor())
        except NotSignedIn:
            return self._to_sign_in()
        self.error = ""
        return None

    @rx.event
    async def run_search(self, form: dict):  # type: ignore[no-untyped-def]
        """Searching may embed notes not yet indexed and, the first time, load the model: it
        runs on a worker thread so the server keeps serving everyone else."""
        query = str(form.get("query", ""))[: search.MAX_QUERY_CHARS * 4]
        self.searching, self.error = True, ""
        yield
        try:
            actor = self._actor()
            found = await asyncio.to_thread(search.search_notes, actor, query)
        except NotSignedIn:
            self.searching = False
            yield self._to_sign_in()
            return
        except ValidationFailed as exc:
            self.error = exc.errors.get("query", str(exc))
        except CaselineError as exc:
            self.error = str(exc)
        else:
            self.query, self.hits, self.notice = found.query, found.hits, found.notice
            self.searched = True
        self.searching = False
