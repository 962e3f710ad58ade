"""Personal API tokens: how an integration signs in to the JSON API (caseapp/api.py).

Any signed-in user creates and revokes their own tokens; an admin sees everyone's and may revoke
any. A token is ``cl_`` and 32 random bytes (so a leaked one is recognisable in logs and secret
scanners); only its SHA-256 is stored and the token itself is shown once. Each call resolves the
token to its user as they are now, so a revoked token, an expired one or a deactivated user stops
at the next call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.cases import plausible_id
from caseapp.db import session_scope
from caseapp.errors import NoAccess, NotSignedIn, ValidationFailed
from caseapp.models import ApiToken, User, utcnow
from caseapp.organisation import organisation_time_zone
from caseapp.textinput import required_line
from caseapp.timefmt import format_datetime, relative

TOKEN_PREFIX = "cl_"
# The choices the token page offers; None = until revoked.
EXPIRY_DAYS = (30, 90, 365)
MAX_ACTIVE_TOKENS = 20  # per user: enough for every integration, few enough to review
NOT_FOUND = "That token does not exist"
GENERIC_REFUSAL = "This API token is not valid. Ask for a new one on the API tokens page"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class TokenView:
    id: int
    name: str
    hint: str  # "cl_Ab3dE…"
    owner_id: int
    owner_name: str
    created: str
    last_used: str
    expires: str  # "" = never
    status: str  # Active, Revoked, Expired
    mine: bool


@dataclass
class NewToken:
    id: int
    token: str  # shown once, never stored


def _status(t: ApiToken) -> str:
    if t.revoked_at is not None:
        return "Revoked"
    if t.expires_at is not None and t.expires_at <= utcnow():
        return "Expired"
    return "Active"


def create_token(actor: Actor, name: str, expires_in_days: int | None = None) -> NewToken:
    """A new token for the actor. Every role may have tokens: each acts with its user's access."""
    errors: dict[str, str] = {}
    clean_name = required_line(errors, "name", "Name", name, 80)
    if expires_in_days is not None and expires_in_days not in EXPIRY_DAYS:
        errors["expires"] = "Choose when the token expires"
    if errors:
        raise ValidationFailed(errors)
    with session_scope() as db:
        now = utcnow()
        active = [t for t in db.exec(select(ApiToken).where(
            ApiToken.user_id == actor.id, col(ApiToken.revoked_at).is_(None))) if
            _status(t) == "Active"]
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise ValidationFailed({"name": f"You already have {MAX_ACTIVE_TOKENS} active "
                                            "tokens; revoke one you no longer use first"})
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(user_id=actor.id, name=clean_name, token_hash=token_hash(token),
                       hint=token[:9], created_at=now,
                       expires_at=now + timedelta(days=expires_in_days) if expires_in_days
                       else None)
        db.add(row)
        db.flush()
        assert row.id is not None
        audit.record(db, actor, "api_token.create", "api_token", row.id, name=clean_name,
                     expires_at=row.expires_at)
        return NewToken(id=row.id, token=token)


def list_tokens(actor: Actor) -> list[TokenView]:
    """The actor's own tokens; for an admin, everyone's (own first). Never the secret."""
    with session_scope() as db:
        q = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
        if not access.can_manage_users(actor):
            q = q.where(ApiToken.user_id == actor.id)
        rows = db.exec(q.order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())).all()
        tz = organisation_time_zone(db)
        views = [TokenView(
            id=t.id, name=t.name, hint=t.hint + "…", owner_id=t.user_id, owner_name=owner,
            created=format_datetime(t.created_at, tz),
            last_used=relative(t.last_used_at) if t.last_used_at else "Never used",
            expires=format_datetime(t.expires_at, tz), status=_status(t),
            mine=t.user_id == actor.id) for t, owner in rows]
        views.sort(key=lambda v: not v.mine)  # stable: own tokens first, newest first in each
        return views


def revoke_token(actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's tokens, or (admin) anyone's. Someone else's token answers as a
    missing one, so ids cannot be probed."""
    with session_scope() as db:
        checked = plausible_id(token_id)
        row = db.get(ApiToken, checked) if checked is not None else None
        if row is None or (row.user_id != actor.id and not access.can_manage_users(actor)):
            audit.record_denial(db, actor, "access.denied", "api_token", checked,
                                attempted="revoke")
            raise NoAccess(NOT_FOUND)
        if row.revoked_at is not None:
            return
        row.revoked_at, row.revoked_by_id = utcnow(), actor.id
        db.add(row)
        audit.record(db, actor, "api_token.revoke", "api_token", row.id, owner_id=row.user_id,
                     name=row.name)


def actor_for_api_token(token: str | None) -> Actor:
    """The user a bearer token acts as, or NotSignedIn."""
    return authenticate(token)[0]


def authenticate(token: str | None, db: Session | None = None) -> tuple[Actor, int]:
    """(the user a bearer token acts as, the token's id), or NotSignedIn: one message for every
    reason, so a caller cannot tell a revoked token from a made-up one. Refusals of a real token
    are audited."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise NotSignedIn(GENERIC_REFUSAL)
    if db is None:
        with session_scope() as own:
            return authenticate(token, own)
    row = db.exec(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                  .where(ApiToken.token_hash == token_hash(token))).first()
    if row is None:
        raise NotSignedIn(GENERIC_REFUSAL)
    t, user = row
    reason = ("revoked" if t.revoked_at is not None else
              "expired" if _status(t) == "Expired" else
              "user deactivated" if not user.active else "")
    if reason:
        audit.record_denial(db, Actor.of(user), "api_token.refused", "api_token", t.id,
                            reason=reason)
        raise NotSignedIn(GENERIC_REFUSAL)
    now = utcnow()
    # Written at most once a minute: an integration may call many times a second.
    if t.last_used_at is None or now - t.last_used_at > timedelta(minutes=1):
        t.last_used_at = now
        db.add(t)
    assert t.id is not None
    return Actor.of(user), t.id
