"""Staff members: the people who sign in. Admins create them, set roles and deactivate them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.auth.passwords import hash_password, password_problem
from caseapp.auth.sessions import revoke_all_sessions
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.models import Role, User
from caseapp.people import _EMAIL
from caseapp.textinput import optional_line, required_line


@dataclass
class StaffView:
    id: int
    name: str
    email: str
    role: str
    role_label: str
    team: str
    active: bool
    capacity_hours: float


def list_staff(actor: Actor, include_inactive: bool = False) -> list[StaffView]:
    """Names and roles of colleagues: every signed-in user needs them for pickers and filters."""
    with session_scope() as db:
        q = select(User).order_by(User.name)
        if not include_inactive or not access.can_manage_users(actor):
            q = q.where(col(User.active).is_(True))
        return [StaffView(id=u.id, name=u.name, email=u.email, role=u.role,
                          role_label=Role(u.role).label, team=u.team or "", active=u.active,
                          capacity_hours=u.capacity_hours) for u in db.exec(q).all()]


def _check(name: str, email: str, role: str, team: str, capacity_hours: float,
           password: str | None) -> tuple[str, str, str | None]:
    errors: dict[str, str] = {}
    clean_name = required_line(errors, "name", "Name", name, 120)
    clean_email = (email or "").strip().lower()
    if not _EMAIL.match(clean_email):
        errors["email"] = "Enter an email address like name@example.org"
    if role not in {r.value for r in Role}:
        errors["role"] = "Choose a role"
    clean_team = optional_line(errors, "team", "Team", team, 80)
    if not 0 <= capacity_hours <= 80:
        errors["capacity_hours"] = "Capacity must be between 0 and 80 hours a week"
    if password is not None and (problem := password_problem(password, name=clean_name,
                                                             email=clean_email)):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    return clean_name, clean_email, clean_team


def create_user(actor: Actor | None, name: str, email: str, role: str, team: str = "",
                password: str | None = None, capacity_hours: float = 37.5) -> int:
    """Create a staff member. ``actor`` None only from the command line (first admin, demo)."""
    if actor is not None and not access.can_manage_users(actor):
        raise PermissionDenied("Only an admin can add staff")
    clean_name, clean_email, clean_team = _check(name, email, role, team, capacity_hours,
                                                 password)
    with session_scope() as db:
        if db.exec(select(User).where(func.lower(User.email) == clean_email)).first():
            raise ValidationFailed({"email": "Someone already uses that email address"})
        user = User(name=clean_name, email=clean_email, role=role, team=clean_team,
                    capacity_hours=capacity_hours,
                    password_hash=hash_password(password) if password else None)
        db.add(user)
        db.flush()
        assert user.id is not None
        audit.record(db, actor, "user.create", "user", user.id, role=role, team=clean_team)
        return user.id


def update_user(actor: Actor, user_id: int, *, name: str, role: str, team: str,
                capacity_hours: float, active: bool) -> None:
    if not access.can_manage_users(actor):
        raise PermissionDenied("Only an admin can change staff")
    if user_id == actor.id and (not active or role != Role.ADMIN.value):
        raise ValidationFailed({"role": "You cannot remove your own admin access"})
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NoAccess("That staff member does not exist")
        clean_name, _, clean_team = _check(name, user.email, role, team, capacity_hours, None)
        old = {"name": user.name, "role": user.role, "team": user.team,
               "capacity_hours": user.capacity_hours, "active": user.active}
        user.name, user.role, user.team = clean_name, role, clean_team
        user.capacity_hours, user.active = capacity_hours, active
        db.add(user)
        if not active:
            revoke_all_sessions(db, user_id)  # a deactivated user is signed out everywhere
        audit.record(db, actor, "user.update", "user", user_id, old=old,
                     new={"name": clean_name, "role": role, "team": clean_team,
                          "capacity_hours": capacity_hours, "active": active})


def set_password(actor: Actor | None, user_id: int, password: str) -> None:
    """An admin sets someone's password (or the CLI does); every session of theirs ends."""
    if actor is not None and not access.can_manage_users(actor) and actor.id != user_id:
        raise PermissionDenied("Only an admin can set someone else's password")
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NoAccess("That staff member does not exist")
        if problem := password_problem(password, name=user.name, email=user.email):
            raise ValidationFailed({"password": problem})
        user.password_hash = hash_password(password)
        db.add(user)
        revoke_all_sessions(db, user_id)
        audit.record(db, actor, "user.password", "user", user_id)
