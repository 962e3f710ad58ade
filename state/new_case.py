"""The Add case form: find an existing person or describe a new one, then create the case."""

from __future__ import annotations

import reflex as rx

from caseapp import cases, pathways, people, staff
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.people import NewPerson, PersonMatch
from state.session import SessionState


class NewCaseState(SessionState):
    name: str = ""
    date_of_birth: str = ""
    phone: str = ""
    email: str = ""
    postcode: str = ""
    address: str = ""
    matches: list[PersonMatch] = []
    person_id: int = 0
    person_label: str = ""
    worker: str = ""
    pathway: str = ""
    status: str = "open"
    concern_level: str = "low"
    tags: str = ""
    errors: dict[str, str] = {}
    worker_options: list[list[str]] = []
    pathway_options: list[list[str]] = []
    may_assign_others: bool = False

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        self._remember(actor)
        if not self.can_create_case:
            return rx.redirect("/cases")
        self.may_assign_others = actor.role.value in ("admin", "manager")
        everyone = staff.list_staff(actor)
        self.worker_options = [[str(s.id), s.name] for s in everyone
                               if self.may_assign_others or s.id == actor.id]
        self.pathway_options = [[str(p.id), p.name] for p in pathways.list_pathways(actor)]
        self.name = self.date_of_birth = self.phone = self.email = self.postcode = ""
        self.address = self.tags = self.person_label = ""
        self.person_id, self.matches, self.errors = 0, [], {}
        self.worker = str(actor.id)  # default: me
        self.pathway = self.pathway_options[0][0] if self.pathway_options else ""
        self.status, self.concern_level = "open", "low"
        return None

    @rx.event
    def set_name(self, value: str) -> rx.event.EventSpec | None:
        self.name = value[:300]
        try:
            self.matches = people.search_people(self._actor(), self.name)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError:
            self.matches = []
        return None

    @rx.event
    def pick_person(self, person_id: int, label: str) -> None:
        self.person_id, self.person_label, self.matches = int(person_id), label, []
        self.errors = {}

    @rx.event
    def clear_person(self) -> None:
        self.person_id, self.person_label = 0, ""

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("date_of_birth", "phone", "email", "postcode", "address", "worker",
                    "pathway", "status", "concern_level", "tags"):
            setattr(self, name, value[:500])

    @rx.event
    def create(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            new = cases.NewCase(
                person_id=self.person_id or None,
                person=None if self.person_id else NewPerson(
                    name=self.name, date_of_birth=self.date_of_birth, phone=self.phone,
                    email=self.email, address=self.address, postcode=self.postcode),
                worker_id=int(self.worker) if self.worker.isdigit() else None,
                pathway_id=int(self.pathway) if self.pathway.isdigit() else None,
                status=self.status, concern_level=self.concern_level, tags=self.tags)
            case_id = cases.create_case(actor, new)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except CaselineError as exc:
            self.errors = {"form": str(exc)}
            return None
        return rx.redirect(f"/cases/{case_id}")
