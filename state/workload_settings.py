"""Settings, Workload section (admins): the hours a case counts for at each concern level and
when Paused, and the days without an interaction before a case needs attention. The service
(caseapp.workload.update_workload_settings) checks the actor and every value."""

from __future__ import annotations

import reflex as rx

from caseapp import access, workload
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from state.session import SessionState

FIELDS = ("hours_low", "hours_medium", "hours_high", "hours_paused", "days_low", "days_medium",
          "days_high")


class WorkloadSettingsState(SessionState):
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    saved_message: str = ""

    def _fill(self, settings: workload.WorkloadSettings) -> None:
        self.values = {k: f"{getattr(settings, k):g}" for k in FIELDS}

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        if not access.can_manage_organisation(actor):
            return None  # the settings page sends non-admins away; nothing to show them
        self._fill(workload.workload_settings())
        self.errors, self.saved_message = {}, ""
        return None

    @rx.event
    def set_value(self, name: str, value: str) -> None:
        if name in FIELDS:
            self.values = {**self.values, name: str(value)[:20]}

    @rx.event
    def save(self):  # type: ignore[no-untyped-def]
        try:
            saved = workload.update_workload_settings(self._actor(), dict(self.values))
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.errors, self.saved_message = exc.errors, ""
            return None
        except CaselineError as exc:
            self.errors, self.saved_message = {"form": str(exc)}, ""
            return None
        self._fill(saved)
        self.errors, self.saved_message = {}, "Workload settings saved."
        return None
