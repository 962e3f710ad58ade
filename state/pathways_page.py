"""Pathways: list with case counts; managers and admins create, edit and archive."""

from __future__ import annotations

import reflex as rx

from caseapp import pathways
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.pathways import PathwayView
from state.session import SessionState


class PathwaysState(SessionState):
    items: list[PathwayView] = []
    editing_id: int = 0  # 0 = adding a new one
    form_visible: bool = False
    name: str = ""
    colour: str = "#2563eb"
    description: str = ""
    errors: dict[str, str] = {}
    message: str = ""

    def _refresh(self) -> None:
        self.items = pathways.list_pathways(self._actor(), include_archived=True)

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            self._remember(self._actor())
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        self.form_visible, self.errors, self.message = False, {}, ""
        return None

    @rx.event
    def start_new(self) -> None:
        self.editing_id, self.name, self.colour, self.description = 0, "", "#2563eb", ""
        self.form_visible, self.errors = True, {}

    @rx.event
    def start_edit(self, pathway_id: int) -> None:
        for p in self.items:
            if p.id == int(pathway_id):
                self.editing_id, self.name, self.colour = p.id, p.name, p.colour
                self.description, self.form_visible, self.errors = p.description, True, {}

    @rx.event
    def cancel(self) -> None:
        self.form_visible, self.errors = False, {}

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("name", "colour", "description"):
            setattr(self, name, value[:1200])

    @rx.event
    def save(self) -> rx.event.EventSpec | None:
        try:
            pathways.save_pathway(self._actor(), self.editing_id or None, self.name, self.colour,
                                  self.description)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except CaselineError as exc:
            self.errors = {"form": str(exc)}
            return None
        self.message = f"Pathway “{self.name.strip()}” saved."
        self.form_visible = False
        self._refresh()
        return None

    @rx.event
    def set_archived(self, pathway_id: int, archived: bool) -> rx.event.EventSpec | None:
        try:
            pathways.set_archived(self._actor(), int(pathway_id), bool(archived))
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.message = str(exc)
        return None
