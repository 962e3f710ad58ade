"""Settings (admins): organisation name and time zone, and staff accounts."""

from __future__ import annotations

import reflex as rx

from caseapp import staff
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.organisation import get_organisation, update_organisation
from caseapp.staff import StaffView
from state.session import SessionState


class SettingsState(SessionState):
    org_form_name: str = ""
    time_zone: str = "Europe/London"
    org_offline_drafts: bool = True
    org_ai_enabled: bool = True
    org_ai_real_names: bool = False
    org_errors: dict[str, str] = {}
    users: list[StaffView] = []
    new_name: str = ""
    new_email: str = ""
    new_role: str = "case_worker"
    new_team: str = ""
    new_password: str = ""
    new_capacity: str = "37.5"
    user_errors: dict[str, str] = {}
    message: str = ""

    def _refresh(self) -> None:
        self.users = staff.list_staff(self._actor(), include_inactive=True)

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        if not self.can_manage_users:
            return rx.redirect("/cases")
        org = get_organisation()
        self.org_form_name, self.time_zone = org.name, org.time_zone
        self.org_offline_drafts = org.offline_drafts
        self.org_ai_enabled, self.org_ai_real_names = org.ai_enabled, org.ai_real_names
        self.org_errors, self.user_errors, self.message = {}, {}, ""
        self._refresh()
        return None

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("org_form_name", "time_zone", "new_name", "new_email", "new_role",
                    "new_team", "new_password", "new_capacity"):
            setattr(self, name, value[:300])

    @rx.event
    def set_offline_drafts(self, value: bool) -> None:
        self.org_offline_drafts = bool(value)

    @rx.event
    def set_ai_enabled(self, value: bool) -> None:
        self.org_ai_enabled = bool(value)

    @rx.event
    def set_ai_real_names(self, value: bool) -> None:
        self.org_ai_real_names = bool(value)

    @rx.event
    def save_organisation(self) -> rx.event.EventSpec | None:
        try:
            update_organisation(self._actor(), self.org_form_name, self.time_zone,
                                self.org_offline_drafts, self.org_ai_enabled,
                                self.org_ai_real_names)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.org_errors = exc.errors
            return None
        except CaselineError as exc:
            self.org_errors = {"name": str(exc)}
            return None
        self.org_errors, self.org_name = {}, self.org_form_name.strip()
        self.offline_drafts, self.ai_enabled = self.org_offline_drafts, self.org_ai_enabled
        self.message = "Organisation settings saved."
        return None

    @rx.event
    def add_user(self) -> rx.event.EventSpec | None:
        try:
            capacity = float(self.new_capacity or 0)
        except ValueError:
            self.user_errors = {"capacity_hours": "Enter hours as a number, e.g. 37.5"}
            return None
        try:
            staff.create_user(self._actor(), self.new_name, self.new_email, self.new_role,
                              self.new_team, self.new_password, capacity)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.user_errors = exc.errors
            return None
        except CaselineError as exc:
            self.user_errors = {"form": str(exc)}
            return None
        self.message = f"Added {self.new_name.strip()}. Give them their email and password."
        self.new_name = self.new_email = self.new_team = self.new_password = ""
        self.user_errors = {}
        self._refresh()
        return None

    @rx.event
    def update_user(self, user_id: int, field: str, value: str) -> rx.event.EventSpec | None:
        current = next((u for u in self.users if u.id == int(user_id)), None)
        if current is None or field not in ("role", "team", "active", "capacity_hours"):
            return None
        values: dict[str, object] = {
            "name": current.name, "role": current.role, "team": current.team,
            "capacity_hours": current.capacity_hours, "active": current.active}
        if field == "active":
            values["active"] = value == "active"
        elif field == "capacity_hours":
            try:
                values["capacity_hours"] = float(value)
            except ValueError:
                self.message = f"Capacity for {current.name} must be a number of hours, e.g. 37.5"
                return None
        else:
            values[field] = value
        if values[field] == getattr(current, field):
            return None  # a blur without a change is not an edit
        try:
            staff.update_user(self._actor(), current.id, **values)  # type: ignore[arg-type]
            self.message = f"Updated {current.name}."
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.message = str(exc)
        self._refresh()
        return None
