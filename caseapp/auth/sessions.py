"""Server-side sessions. The browser holds a random token in an HttpOnly cookie; every event
handler resolves it against the database, so sign-out and deactivation take effect at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from http.cookies import SimpleCookie

from sqlmodel import Session, func, select

from caseapp import audit
from caseapp.actor import Actor
from caseapp.auth.passwords import verify_password
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import NotSignedIn
from caseapp.models import AuditEvent, User, UserSession, utcnow

COOKIE_NAME = "caseline_session"
# Password guessing: after this many failures in the window, even the right password is refused.
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
GENERIC_SIGN_IN_ERROR = "That email and password do not match an active account"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_cookie_header(cookie_header: str) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # noqa: BLE001 - a malformed cookie header just means "not signed in"
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel and morsel.value else None


def sign_in(email: str, password: str) -> tuple[str, Actor]:
    """Check credentials and open a session. Returns (token, actor); raises NotSignedIn."""
    email = (email or "").strip().lower()
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email)).first()
        ok = verify_password(user.password_hash if user else None, password or "")
        # Same message and the same hashing work whether locked, wrong or unknown.
        if user is not None and _recent_failures(db, user.id) >= MAX_FAILURES:  # type: ignore[arg-type]
            ok = False
        if not user or not ok or not user.active:
            audit.record_denial(db, Actor.of(user) if user else None, "sign_in.failed", "user",
                         user.id if user else None, email_given=email[:254])
            raise NotSignedIn(GENERIC_SIGN_IN_ERROR)
        token = secrets.token_urlsafe(32)
        now = utcnow()
        db.add(UserSession(token_hash=_hash(token), user_id=user.id, created_at=now,
                           last_seen_at=now,
                           expires_at=now + timedelta(hours=settings().session_max_hours)))
        actor = Actor.of(user)
        audit.record(db, actor, "sign_in", "user", user.id)
        return token, actor


def _recent_failures(db: Session, user_id: int) -> int:
    since = utcnow() - FAILURE_WINDOW
    return db.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sign_in.failed", AuditEvent.entity_type == "user",
        AuditEvent.entity_id == user_id, AuditEvent.at >= since)).one()


def actor_for_token(token: str | None, db: Session | None = None) -> Actor:
    """The signed-in user for this token, or NotSignedIn. Touches last-seen for the idle timeout."""
    if not token:
        raise NotSignedIn()
    if db is None:
        with session_scope() as own:
            return actor_for_token(token, own)
    now = utcnow()
    row = db.exec(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _hash(token))
    ).first()
    if row is None:
        raise NotSignedIn()
    us, user = row
    idle_limit = timedelta(minutes=settings().session_idle_minutes)
    if us.revoked_at is not None or us.expires_at <= now or now - us.last_seen_at > idle_limit:
        raise NotSignedIn("Your session has ended. Please sign in again")
    if not user.active:
        raise NotSignedIn("This account has been deactivated")
    # Write last-seen at most once a minute: a busy page fires many events.
    if now - us.last_seen_at > timedelta(minutes=1):
        us.last_seen_at = now
        db.add(us)
    return Actor.of(user)


def sign_out(token: str | None) -> None:
    if not token:
        return
    with session_scope() as db:
        us = db.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
        if us and us.revoked_at is None:
            us.revoked_at = utcnow()
            db.add(us)
            user = db.get(User, us.user_id)
            audit.record(db, Actor.of(user) if user else None, "sign_out", "user", us.user_id)


def revoke_all_sessions(db: Session, user_id: int) -> None:
    now = utcnow()
    for us in db.exec(select(UserSession).where(UserSession.user_id == user_id,
                                                UserSession.revoked_at.is_(None))):
        us.revoked_at = now
        db.add(us)
