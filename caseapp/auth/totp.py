"""Two-step sign-in with an authenticator app (TOTP, RFC 6238, via pyotp), for admins and managers.

Enrol: a new secret is made and shown once (as a QR code drawn on the server with segno, and as
text for typing in); a first code from the app confirms it and gives ten recovery codes, also shown
once. From then on a right password opens a short-lived challenge instead of a session, and only a
code (or an unused recovery code) turns it into a session.

Secrets are encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``, which
authlib already depends on) with a key from CASEAPP_SECRET_KEY, or else a key file made on first use
in the data folder with owner-only permissions, so a copy of the database alone reveals no secret.

Wrong codes count as failed sign-ins for the account (caseapp.auth.sessions.MAX_FAILURES in its
window); a code is accepted once only (the step it was accepted for is kept). Single sign-on does
not ask for a code: the organisation's identity provider applies its own second factor policy
(Entra ID and Google Workspace both enforce MFA there), and asking twice would train people to type
codes wherever they are asked.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.auth import sessions
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.errors import NotSignedIn, PermissionDenied, ValidationFailed
from caseapp.models import RecoveryCode, Role, SignInChallenge, TotpFactor, User, utcnow

ISSUER_NAME = "Caseline"
CHALLENGE_LIFETIME = timedelta(minutes=5)
RECOVERY_CODE_COUNT = 10
# Recovery codes: 12 letters and digits from an alphabet without look-alikes (0/O, 1/I/L).
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ROLES_OFFERED = frozenset({Role.ADMIN, Role.MANAGER})
WRONG_CODE = "That code is not right, or has been used already. Try the newest code in your app"


@lru_cache(maxsize=4)
def _fernet_for(key_material: str) -> Fernet:
    digest = hashlib.sha256(key_material.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> Fernet:
    from_env = os.environ.get("CASEAPP_SECRET_KEY", "").strip()
    if from_env:
        return _fernet_for(from_env)
    key_file = settings().data_dir / "secret.key"
    if not key_file.exists():
        _write_key_file(key_file)
    return _fernet_for(key_file.read_text(encoding="utf-8").strip())


def _write_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting together never overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_urlsafe(32))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def _decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        return None  # the key changed: the factor cannot be used, an admin resets it


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:20]


# --- Enrolment ------------------------------------------------------------------------------------


@dataclass
class Enrolment:
    secret: str  # shown once, grouped in fours for typing
    qr_svg_data_uri: str


@dataclass
class FactorStatus:
    offered: bool  # admins and managers may turn it on
    enabled: bool
    recovery_codes_left: int


def offered_to(actor: Actor) -> bool:
    return actor.role in ROLES_OFFERED


def status(actor: Actor) -> FactorStatus:
    with session_scope() as db:
        factor = db.exec(select(TotpFactor).where(TotpFactor.user_id == actor.id)).first()
        enabled = factor is not None and factor.confirmed_at is not None
        left = len(db.exec(select(RecoveryCode.id).where(
            RecoveryCode.user_id == actor.id, col(RecoveryCode.used_at).is_(None))).all())
        return FactorStatus(offered=offered_to(actor), enabled=enabled,
                            recovery_codes_left=left if enabled else 0)


def start_enrolment(actor: Actor) -> Enrolment:
    """A new, unconfirmed secret for the actor's own account (replacing an unconfirmed one)."""
    if not offered_to(actor):
        raise PermissionDenied("Two-step sign-in is for admins and managers")
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    uri = pyotp.TOTP(secret).provisioning_uri(name=actor.email, issuer_name=ISSUER_NAME)
    with session_scope() as db:
        factor = db.exec(select(TotpFactor).where(TotpFactor.user_id == actor.id)).first()
        if factor is not None and factor.confirmed_at is not None:
            raise ValidationFailed({"code": "Two-step sign-in is already on for your account"})
        if factor is None:
            factor = TotpFactor(user_id=actor.id, secret_encrypted="")
        factor.secret_encrypted, factor.last_step, factor.created_at = _encrypt(secret), 0, utcnow()
        db.add(factor)
        audit.record(db, actor, "totp.enrol_started", "user", actor.id)
    qr = segno.make(uri, error="m")
    return Enrolment(secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                     qr_svg_data_uri=qr.svg_data_uri(scale=5, border=2))


def _new_recovery_codes(db: Session, user_id: int) -> list[str]:
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))  # type: ignore[call-overload]
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
             for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.add(RecoveryCode(user_id=user_id, code_hash=_hash(code)))
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def confirm_enrolment(actor: Actor, code: str, keep_token: str | None = None) -> list[str]:
    """Turn two-step sign-in on with a first code from the app; returns the recovery codes.
    Every other session ends (they were opened with the password alone); ``keep_token``, the
    session doing this, stays."""
    if not offered_to(actor):
        raise PermissionDenied("Two-step sign-in is for admins and managers")
    with session_scope() as db:
        factor = db.exec(select(TotpFactor).where(TotpFactor.user_id == actor.id)).first()
        if factor is None or factor.confirmed_at is not None:
            raise ValidationFailed({"code": "Start setting up two-step sign-in first"})
        step = _matching_step(factor, code)
        if step is None:
            raise ValidationFailed({"code": WRONG_CODE})
        factor.confirmed_at, factor.last_step = utcnow(), step
        db.add(factor)
        codes = _new_recovery_codes(db, actor.id)
        sessions.revoke_all_sessions(
            db, actor.id, keep_hash=sessions.hash_token(keep_token) if keep_token else None)
        audit.record(db, actor, "totp.enrolled", "user", actor.id)
        return codes


def reset(actor: Actor, user_id: int) -> None:
    """An admin turns someone's two-step sign-in off (a lost phone and lost recovery codes).
    Their sessions end too: whoever holds them signed in with the factor now gone."""
    if not access.can_manage_users(actor):
        raise PermissionDenied("Only an admin can reset two-step sign-in")
    with session_scope() as db:
        if db.get(User, user_id) is None:
            raise PermissionDenied("That staff member does not exist")
        had = db.exec(select(TotpFactor).where(TotpFactor.user_id == user_id)).first()
        db.exec(delete(TotpFactor).where(col(TotpFactor.user_id) == user_id))  # type: ignore[call-overload]
        db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))  # type: ignore[call-overload]
        sessions.revoke_all_sessions(db, user_id)
        audit.record(db, actor, "totp.reset", "user", user_id, was_enabled=bool(
            had and had.confirmed_at))


# --- At sign-in -----------------------------------------------------------------------------------


def has_confirmed_factor(db: Session, user_id: int) -> bool:
    return db.exec(select(TotpFactor.id).where(
        TotpFactor.user_id == user_id, col(TotpFactor.confirmed_at).is_not(None))).first() is not None


def _matching_step(factor: TotpFactor, code: str) -> int | None:
    """The 30-second step this code belongs to (now, or one step either side for clock drift),
    if it is later than the last step accepted; else None."""
    digits = _normalise_code(code)
    secret = _decrypt(factor.secret_encrypted)
    if secret is None or len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > factor.last_step and secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def open_challenge(db: Session, user: User, next_path: str) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Challenges are worthless once expired: keep at most a day of them.
    db.exec(delete(SignInChallenge).where(  # type: ignore[call-overload]
        col(SignInChallenge.expires_at) < now - timedelta(days=1)))
    db.add(SignInChallenge(token_hash=_hash(token), user_id=user.id, next_path=next_path[:300],
                           created_at=now, expires_at=now + CHALLENGE_LIFETIME))
    return token


def complete_challenge(challenge: str | None, code: str, user_agent: str = ""
                       ) -> tuple[str, Actor, str]:
    """The code step of sign-in: (session token, actor, where to go next). Raises NotSignedIn,
    with a message saying whether to try the code again or start over."""
    if not challenge:
        raise NotSignedIn("Your sign-in timed out. Enter your email and password again")
    now = utcnow()
    with session_scope() as db:
        row = db.exec(select(SignInChallenge, User).join(User, User.id == SignInChallenge.user_id)
                      .where(SignInChallenge.token_hash == _hash(challenge))).first()
        if row is None or row[0].used_at is not None or row[0].expires_at <= now \
                or not row[1].active:
            raise NotSignedIn("Your sign-in timed out. Enter your email and password again")
        ch, user = row
        actor = Actor.of(user)
        if sessions.recent_failures(db, user.id) >= sessions.MAX_FAILURES:  # type: ignore[arg-type]
            audit.record_denial(db, actor, "sign_in.failed", "user", user.id, step="code",
                                reason="locked")
            raise NotSignedIn(WRONG_CODE)
        method = _accept_code(db, user.id, code)  # type: ignore[arg-type]
        if method is None:
            audit.record_denial(db, actor, "sign_in.failed", "user", user.id, step="code")
            raise NotSignedIn(WRONG_CODE)
        # Spent with a conditional update: two requests racing with one challenge get one session.
        spent = db.exec(update(SignInChallenge).where(  # type: ignore[call-overload]
            col(SignInChallenge.id) == ch.id, col(SignInChallenge.used_at).is_(None)
        ).values(used_at=now))
        if spent.rowcount != 1:
            raise NotSignedIn("Your sign-in timed out. Enter your email and password again")
        token = sessions.open_session(db, user, "password+totp", user_agent)
        audit.record(db, actor, "sign_in", "user", user.id, method="password", second_step=method)
        return token, actor, ch.next_path


def _accept_code(db: Session, user_id: int, code: str) -> str | None:
    """'authenticator' or 'recovery code' if the code is good (and now spent), else None."""
    factor = db.exec(select(TotpFactor).where(TotpFactor.user_id == user_id,
                                              col(TotpFactor.confirmed_at).is_not(None))).first()
    if factor is None:
        return None
    step = _matching_step(factor, code)
    if step is not None:
        factor.last_step = step
        db.add(factor)
        return "authenticator"
    normal = _normalise_code(code)
    if len(normal) == 12:
        spent = db.exec(update(RecoveryCode).where(  # type: ignore[call-overload]
            col(RecoveryCode.user_id) == user_id, col(RecoveryCode.code_hash) == _hash(normal),
            col(RecoveryCode.used_at).is_(None)).values(used_at=utcnow()))
        if spent.rowcount == 1:
            return "recovery code"
    return None
