"""People: who is supported. Found by name when a new case is opened, so cases link to one record."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, column, func, text
from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.db import engine, session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import Case, Person
from caseapp.textinput import optional_line, required_line
from caseapp.timefmt import format_date

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+() \-]{6,25}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


@dataclass
class NewPerson:
    name: str
    date_of_birth: str = ""  # ISO yyyy-mm-dd from a date input; may be empty
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


@dataclass
class PersonMatch:
    id: int
    name: str
    date_of_birth: str
    postcode: str
    cases: int


def _validate(new: NewPerson) -> tuple[dict[str, str], dict[str, object]]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {
        "name": required_line(errors, "name", "Name", new.name, 200),
        "phone": optional_line(errors, "phone", "Phone", new.phone, 40),
        "email": optional_line(errors, "email", "Email", new.email, 254),
        "address": optional_line(errors, "address", "Address", new.address, 400),
        "postcode": optional_line(errors, "postcode", "Postcode", (new.postcode or "").upper(), 12),
    }
    if values["phone"] and not _PHONE.match(str(values["phone"])):
        errors["phone"] = "Enter a phone number using digits, spaces and + only"
    if values["email"] and not _EMAIL.match(str(values["email"])):
        errors["email"] = "Enter an email address like name@example.com"
    if values["postcode"] and not _POSTCODE.match(str(values["postcode"])):
        errors["postcode"] = "Enter a UK postcode like LS1 4AB"
    dob: date | None = None
    if (new.date_of_birth or "").strip():
        try:
            dob = date.fromisoformat(new.date_of_birth.strip())
        except ValueError:
            errors["date_of_birth"] = "Enter the date of birth as a date"
        else:
            if dob > date.today():
                errors["date_of_birth"] = "Date of birth cannot be in the future"
            elif dob.year < 1900:
                errors["date_of_birth"] = "Check the year of birth"
    values["date_of_birth"] = dob
    return errors, values


def validate_person(new: NewPerson) -> tuple[dict[str, str], dict[str, object]]:
    """Field errors and cleaned values, for checking many people at once (imports)."""
    return _validate(new)


def create_person_in(db: Session, actor: Actor, new: NewPerson, dry_run: bool = False) -> int:
    """Create a person inside the caller's transaction (a person is created with their case)."""
    errors, values = _validate(new)
    if errors:
        raise ValidationFailed(errors)
    if dry_run:
        return 0
    person = Person(name=str(values["name"]), name_search=str(values["name"]).lower(),
                    date_of_birth=values["date_of_birth"],  # type: ignore[arg-type]
                    phone=values["phone"], email=values["email"],  # type: ignore[arg-type]
                    address=values["address"], postcode=values["postcode"])  # type: ignore[arg-type]
    db.add(person)
    db.flush()
    assert person.id is not None
    audit.record(db, actor, "person.create", "person", person.id)
    return person.id


def like_pattern(fragment: str) -> str:
    """``%fragment%`` for LIKE ... ESCAPE '\\', with the fragment's own wildcards escaped."""
    return "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ids_named_like(fragment: str) -> Any:
    """The ids of the people whose lower-cased name contains ``fragment`` (already lower-cased),
    as a subquery for ``IN``. On SQLite, three or more characters are looked up in the trigram
    index (migration 0014) rather than by reading every name; PostgreSQL's planner uses its
    pg_trgm index for the LIKE itself."""
    if len(fragment) >= 3 and engine().dialect.name == "sqlite":
        phrase = '"' + fragment.replace('"', '""') + '"'  # one FTS5 phrase: a substring
        return (text("SELECT rowid FROM person_name_fts WHERE person_name_fts MATCH :phrase")
                .bindparams(phrase=phrase).columns(column("rowid", Integer)))
    return select(Person.id).where(col(Person.name_search).like(like_pattern(fragment),
                                                                 escape="\\"))


def search_people(actor: Actor, query: str, limit: int = 8) -> list[PersonMatch]:
    """People whose name contains the query, to link a new case to an existing record."""
    if not access.can_create_case(actor):
        raise PermissionDenied("You do not have permission to create cases")
    q = " ".join((query or "").split()).lower()
    if len(q) < 2:
        return []
    with session_scope() as db:
        counts = (select(Case.person_id, func.count().label("n")).group_by(Case.person_id)
                  .subquery())
        rows = db.exec(
            select(Person, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.person_id == Person.id)
            .where(col(Person.id).in_(ids_named_like(q)), access.person_visibility_clause(actor))
            .order_by(Person.name_search).limit(limit)
        ).all()
        return [PersonMatch(id=p.id, name=p.name, date_of_birth=format_date(p.date_of_birth),
                            postcode=p.postcode or "", cases=int(n)) for p, n in rows]


def create_person(actor: Actor, new: NewPerson) -> PersonMatch:
    """A person on their own, before any case (the JSON API's people endpoint): the same people
    who may create cases may add people, and the person starts with no cases."""
    if not access.can_create_case(actor):
        raise PermissionDenied("You do not have permission to add people")
    with session_scope() as db:
        person_id = create_person_in(db, actor, new)
        person = db.get(Person, person_id)
        assert person is not None
        return PersonMatch(id=person_id, name=person.name,
                           date_of_birth=format_date(person.date_of_birth),
                           postcode=person.postcode or "", cases=0)
