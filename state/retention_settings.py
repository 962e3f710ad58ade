"""The retention period in Settings (admins): loaded when the section appears, saved through
caseapp.retention, which checks the role and audits the change."""

from __future__ import annotations

import reflex as rx

from caseapp import retention
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from state.session import SessionState


class RetentionSettingsState(SessionState):
    retention_years: str = ""
    retention_error: str = ""
    retention_saved: str = ""

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        self.retention_error, self.retention_saved = "", ""
        try:
            self.retention_years = str(retention.get_years(self._actor()))
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.retention_error = str(exc)
        return None

    @rx.event
    def set_retention_years(self, value: str) -> None:
        self.retention_years = str(value)[:4]

    @rx.event
    def save(self) -> rx.event.EventSpec | None:
        self.retention_error, self.retention_saved = "", ""
        try:
            years = retention.set_years(self._actor(), self.retention_years)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.retention_error = exc.errors.get("years", str(exc))
            return None
        except CaselineError as exc:
            self.retention_error = str(exc)
            return None
        self.retention_years = str(years)
        self.retention_saved = f"Saved: records are kept {years} years after the last case closed."
        return None
