"""Server-side sessions. The browser holds a random token in an HttpOnly cookie; every event
handler resolves it against the database, so sign-out and deactivation take effect at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie

from sqlmodel import Session, func, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.auth.passwords import verify_password
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import CaselineError, NotSignedIn, PermissionDenied
from caseapp.models import AuditEvent, User, UserSession, utcnow

COOKIE_NAME = "caseline_session"
# Password guessing: after this many failures in the window, even the right password is refused.
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
GENERIC_SIGN_IN_ERROR = "That email and password do not match an active account"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_token(token: str) -> str:
    """What is stored for a session token (its SHA-256), for matching "this session"."""
    return _hash(token)


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


class SecondStepRequired(CaselineError):
    """The password was right and the account has an authenticator app: no session yet.
    ``challenge`` is the token the browser keeps (in a short-lived cookie) for the code step."""

    def __init__(self, challenge: str) -> None:
        self.challenge = challenge
        super().__init__("Enter the code from your authenticator app")


def open_session(db: Session, user: User, method: str, user_agent: str = "") -> str:
    """A new signed-in session for ``user``; returns the token for the cookie. Password, code and
    single sign-on all end here, so every way in gives the same cookie and the same limits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(UserSession(token_hash=_hash(token), user_id=user.id, created_at=now,
                       last_seen_at=now,
                       expires_at=now + timedelta(hours=settings().session_max_hours),
                       method=method[:20], user_agent=(user_agent or "")[:200]))
    return token


def sign_in(email: str, password: str, user_agent: str = "", next_path: str = "/cases"
            ) -> tuple[str, Actor]:
    """Check credentials and open a session. Returns (token, actor); raises NotSignedIn, or
    SecondStepRequired when the account also needs an authenticator code."""
    from caseapp.auth import totp  # imports this module

    email = (email or "").strip().lower()
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email)).first()
        ok = verify_password(user.password_hash if user else None, password or "")
        # Same message and the same hashing work whether locked, wrong or unknown.
        if user is not None and recent_failures(db, user.id) >= MAX_FAILURES:  # type: ignore[arg-type]
            ok = False
        if not user or not ok or not user.active:
            audit.record_denial(db, Actor.of(user) if user else None, "sign_in.failed", "user",
                         user.id if user else None, email_given=email[:254])
            raise NotSignedIn(GENERIC_SIGN_IN_ERROR)
        actor = Actor.of(user)
        if totp.has_confirmed_factor(db, user.id):  # type: ignore[arg-type]
            challenge = totp.open_challenge(db, user, next_path)
            audit.record(db, actor, "sign_in.password_ok", "user", user.id,
                         method="password", next_step="authenticator code")
        else:
            challenge = None
            token = open_session(db, user, "password", user_agent)
            audit.record(db, actor, "sign_in", "user", user.id, method="password")
    if challenge is not None:  # raised once the challenge is committed
        raise SecondStepRequired(challenge)
    return token, actor


def recent_failures(db: Session, user_id: int) -> int:
    """Failed passwords and authenticator codes for this account in the lockout window."""
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


def revoke_all_sessions(db: Session, user_id: int, keep_hash: str | None = None) -> int:
    """Revoke the user's sessions (all but the one whose token hashes to ``keep_hash``)."""
    now = utcnow()
    ended = 0
    for us in db.exec(select(UserSession).where(UserSession.user_id == user_id,
                                                UserSession.revoked_at.is_(None))):
        if keep_hash is not None and us.token_hash == keep_hash:
            continue
        us.revoked_at = now
        db.add(us)
        ended += 1
    return ended


# --- Seeing and ending sessions -------------------------------------------------------------------


@dataclass
class SessionView:
    """One signed-in browser, as "Your sessions" lists it (never the token or its hash)."""

    id: int
    started_at: datetime
    last_seen_at: datetime
    method: str  # "Password", "Password and code", "Single sign-on (Google)"
    device: str
    current: bool


def _may_manage_sessions_of(actor: Actor, user_id: int) -> bool:
    return actor.id == user_id or access.can_manage_users(actor)


def list_sessions(actor: Actor, user_id: int, current_token: str | None = None
                  ) -> list[SessionView]:
    """The user's sessions that still work, newest first."""
    if not _may_manage_sessions_of(actor, user_id):
        raise PermissionDenied("You can only see your own sessions")
    now = utcnow()
    idle_since = now - timedelta(minutes=settings().session_idle_minutes)
    current_hash = _hash(current_token) if current_token else None
    with session_scope() as db:
        rows = db.exec(select(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None),  # type: ignore[union-attr]
            UserSession.expires_at > now, UserSession.last_seen_at > idle_since,
        ).order_by(UserSession.last_seen_at.desc()).limit(50)).all()  # type: ignore[attr-defined]
        return [SessionView(id=us.id, started_at=us.created_at,  # type: ignore[arg-type]
                            last_seen_at=us.last_seen_at, method=_method_label(us.method),
                            device=_device(us.user_agent), current=us.token_hash == current_hash)
                for us in rows]


def sign_out_everywhere(actor: Actor, user_id: int, keep_token: str | None = None) -> int:
    """End every session of ``user_id`` (but the one holding ``keep_token``, if given: "sign out
    everywhere else"). Admins may do this to anyone; anyone to themselves. Returns how many."""
    if not _may_manage_sessions_of(actor, user_id):
        raise PermissionDenied("Only an admin can sign someone else out")
    keep_hash = _hash(keep_token) if keep_token else None
    with session_scope() as db:
        if db.get(User, user_id) is None:
            raise PermissionDenied("That staff member does not exist")
        ended = revoke_all_sessions(db, user_id, keep_hash=keep_hash)
        audit.record(db, actor, "sessions.sign_out_everywhere", "user", user_id, sessions=ended,
                     kept_current=keep_hash is not None)
        return ended


def end_session(actor: Actor, session_id: int) -> None:
    """Sign out one of your own sessions (a phone left somewhere), or anyone's as an admin."""
    with session_scope() as db:
        us = db.get(UserSession, session_id)
        if us is None or not _may_manage_sessions_of(actor, us.user_id):
            raise PermissionDenied("That session is not one of yours")
        if us.revoked_at is None:
            us.revoked_at = utcnow()
            db.add(us)
            audit.record(db, actor, "sessions.end", "user", us.user_id, session_id=session_id)


def _method_label(method: str) -> str:
    if method.startswith("oidc:"):
        return f"Single sign-on ({method.removeprefix('oidc:')})"
    return {"password": "Password", "password+totp": "Password and code"}.get(method, method)


def _device(user_agent: str) -> str:
    """A rough, readable name for the browser: enough to tell a phone from a laptop."""
    ua = user_agent or ""
    system = next((name for key, name in (("iPhone", "iPhone"), ("iPad", "iPad"),
                                           ("Android", "Android"), ("Windows", "Windows"),
                                           ("Mac OS", "Mac"), ("CrOS", "Chromebook"),
                                           ("Linux", "Linux")) if key in ua), "")
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"),
                                            ("Chrome/", "Chrome"), ("Safari/", "Safari"))
                    if key in ua), "")
    return " · ".join(p for p in (browser, system) if p) or "Unknown browser"
