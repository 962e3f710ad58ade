"""Settings: the audit criteria notes are judged against (admins edit; caseapp/note_audits.py
checks that, and audits the change)."""

from __future__ import annotations

import reflex as rx

from caseapp import note_audits
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.note_audits import MAX_CRITERIA, CriterionView
from state.session import SessionState


class AuditCriteriaState(SessionState):
    criteria: list[CriterionView] = []
    criteria_errors: dict[str, str] = {}
    criteria_message: str = ""

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            self.criteria = note_audits.list_criteria(actor)
        except NotSignedIn:
            return self._to_sign_in()
        self.criteria_errors, self.criteria_message = {}, ""
        return None

    @rx.event
    def set_criterion(self, index: int, part: str, value: str) -> None:
        """Edit this tab's copy; nothing is saved until Save criteria."""
        if part not in ("name", "description") or not 0 <= int(index) < len(self.criteria):
            return
        item = self.criteria[int(index)]
        limit = 80 if part == "name" else 500
        updated = CriterionView(item.name, item.description, item.rule_key)
        setattr(updated, part, str(value)[: limit + 1])  # one over: the service says too long
        self.criteria = [updated if n == int(index) else c for n, c in enumerate(self.criteria)]

    @rx.event
    def add_criterion(self) -> None:
        if len(self.criteria) < MAX_CRITERIA:
            self.criteria = [*self.criteria, CriterionView("", "", "")]

    @rx.event
    def remove_criterion(self, index: int) -> None:
        if 0 <= int(index) < len(self.criteria):
            self.criteria = [c for n, c in enumerate(self.criteria) if n != int(index)]

    @rx.event
    def save_criteria(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            note_audits.save_criteria(actor, self.criteria)
            self.criteria = note_audits.list_criteria(actor)
            self.criteria_errors, self.criteria_message = {}, "Audit criteria saved."
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.criteria_errors, self.criteria_message = exc.errors, ""
        except CaselineError as exc:
            self.criteria_errors, self.criteria_message = {"form": str(exc)}, ""
        return None

    @rx.event
    def reset_criteria(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            note_audits.reset_criteria(actor)
            self.criteria = note_audits.list_criteria(actor)
            self.criteria_errors = {}
            self.criteria_message = "Audit criteria set back to the defaults."
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.criteria_errors, self.criteria_message = {"form": str(exc)}, ""
        return None
