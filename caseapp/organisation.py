"""The organisation's own settings: its name, time zone and whether notes may wait on devices."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import Organisation, utcnow
from caseapp.textinput import required_line


@dataclass
class OrganisationView:
    name: str
    time_zone: str
    offline_drafts: bool = True
    ai_enabled: bool = True
    ai_real_names: bool = False


def _row(db: Session) -> Organisation:
    org = db.get(Organisation, 1)
    if org is None:
        org = Organisation(id=1, time_zone=settings().default_time_zone)
        db.add(org)
        db.flush()
    return org


def organisation_time_zone(db: Session) -> str:
    org = db.get(Organisation, 1)
    return org.time_zone if org else settings().default_time_zone


def local_now_input() -> str:
    """Now, in the organisation's zone, as a date-and-time field expects it."""
    from caseapp.models import utcnow
    from caseapp.timefmt import utc_to_local_input

    with session_scope() as db:
        return utc_to_local_input(utcnow(), organisation_time_zone(db))


def get_organisation() -> OrganisationView:
    with session_scope() as db:
        org = _row(db)
        return OrganisationView(name=org.name, time_zone=org.time_zone,
                                offline_drafts=org.offline_drafts, ai_enabled=org.ai_enabled,
                                ai_real_names=org.ai_real_names)


def update_organisation(actor: Actor, name: str, time_zone: str,
                        offline_drafts: bool | None = None, ai_enabled: bool | None = None,
                        ai_real_names: bool | None = None) -> None:
    """A switch given as None keeps its current value."""
    if not access.can_manage_organisation(actor):
        raise PermissionDenied("Only an admin can change organisation settings")
    errors: dict[str, str] = {}
    clean = required_line(errors, "name", "Organisation name", name, 120)
    try:
        ZoneInfo(time_zone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = "Choose a time zone such as Europe/London"
    if errors:
        raise ValidationFailed(errors)
    with session_scope() as db:
        org = _row(db)
        switches = ("offline_drafts", "ai_enabled", "ai_real_names")
        old = {"name": org.name, "time_zone": org.time_zone,
               **{k: getattr(org, k) for k in switches}}
        org.name, org.time_zone, org.updated_at = clean, time_zone.strip(), utcnow()
        for key, value in zip(switches, (offline_drafts, ai_enabled, ai_real_names), strict=True):
            if value is not None:
                setattr(org, key, bool(value))
        db.add(org)
        audit.record(db, actor, "organisation.update", "organisation", 1, old=old,
                     new={"name": clean, "time_zone": org.time_zone,
                          **{k: getattr(org, k) for k in switches}})
