"""Two-step sign-in (TOTP) and managing sessions: enrol, sign in through the real HTTP routes,
wrong, replayed and brute-forced codes, recovery codes, admin reset, "sign out everywhere"."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp.auth import sessions, totp
from caseapp.auth.web import CHALLENGE_COOKIE
from caseapp.db import session_scope
from caseapp.errors import NotSignedIn, PermissionDenied, ValidationFailed
from caseapp.models import AuditEvent, RecoveryCode, SignInChallenge, TotpFactor, UserSession
from caseapp.routes import http_routes
from tests.conftest import World

PASSWORD = "correct horse battery"
MANAGER = "mo.manager@example.org"


def _enrol(actor: object) -> tuple[pyotp.TOTP, list[str]]:
    enrolment = totp.start_enrolment(actor)  # type: ignore[arg-type]
    assert enrolment.qr_svg_data_uri.startswith("data:image/svg+xml")
    app = pyotp.TOTP(enrolment.secret.replace(" ", ""))
    codes = totp.confirm_enrolment(actor, app.now())  # type: ignore[arg-type]
    return app, codes


def _next_code(app: pyotp.TOTP) -> str:
    """The code of the next 30-second step (accepted for clock drift; not yet used)."""
    return app.at(totp.utcnow() + timedelta(seconds=30))


def _password_step(client: TestClient, email: str = MANAGER) -> None:
    answer = client.post("/auth/sign-in", data={"email": email, "password": PASSWORD,
                                                "next": "/workload"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?step=code&next=/workload"
    assert sessions.COOKIE_NAME not in answer.cookies  # no session on the password alone
    assert client.cookies.get(CHALLENGE_COOKIE)


def test_enrolment_stores_the_secret_encrypted_and_shows_it_once(world: World) -> None:
    enrolment = totp.start_enrolment(world.manager)
    raw = enrolment.secret.replace(" ", "")
    with session_scope() as db:
        stored = db.exec(select(TotpFactor)).one()
    assert raw not in stored.secret_encrypted and stored.confirmed_at is None
    with pytest.raises(ValidationFailed):
        totp.confirm_enrolment(world.manager, "000000" if pyotp.TOTP(raw).now() != "000000"
                               else "111111")
    codes = totp.confirm_enrolment(world.manager, pyotp.TOTP(raw).now())
    assert len(codes) == 10 and len(set(codes)) == 10
    with session_scope() as db:
        hashes = {r.code_hash for r in db.exec(select(RecoveryCode)).all()}
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)  # only hashes kept
    assert totp.status(world.manager).enabled
    with pytest.raises(ValidationFailed):
        totp.start_enrolment(world.manager)  # already on: no quiet replacement
    # A copy of the database with another key cannot use the secret.
    assert totp._decrypt(stored.secret_encrypted) == raw


def test_only_admins_and_managers_are_offered_it(world: World) -> None:
    for actor in (world.worker, world.volunteer):
        with pytest.raises(PermissionDenied):
            totp.start_enrolment(actor)
        assert not totp.status(actor).offered


def test_sign_in_needs_the_code_after_the_password(world: World) -> None:
    app, _ = _enrol(world.manager)
    client = TestClient(http_routes())
    _password_step(client)
    answer = client.post("/auth/sign-in/code", data={"code": _next_code(app)},
                         follow_redirects=False)
    assert answer.headers["location"] == "/workload"
    token = answer.cookies[sessions.COOKIE_NAME]
    assert sessions.actor_for_token(token).id == world.manager.id
    with session_scope() as db:
        assert db.exec(select(UserSession).where(
            UserSession.revoked_at.is_(None))).one().method == "password+totp"  # type: ignore[union-attr]


def test_a_used_code_is_refused_the_second_time(world: World) -> None:
    app, _ = _enrol(world.manager)
    code = _next_code(app)
    first = TestClient(http_routes())
    _password_step(first)
    assert first.post("/auth/sign-in/code", data={"code": code},
                      follow_redirects=False).cookies.get(sessions.COOKIE_NAME)
    second = TestClient(http_routes())  # someone who watched the code being typed
    _password_step(second)
    answer = second.post("/auth/sign-in/code", data={"code": code}, follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?step=code&error=code"
    assert sessions.COOKIE_NAME not in answer.cookies


def test_no_challenge_cookie_no_session(world: World) -> None:
    app, _ = _enrol(world.manager)
    client = TestClient(http_routes())
    answer = client.post("/auth/sign-in/code", data={"code": app.now()}, follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?error=timeout"
    with pytest.raises(NotSignedIn):
        totp.complete_challenge("made-up-challenge", app.now())


def test_guessing_codes_locks_the_account_like_passwords(world: World) -> None:
    app, _ = _enrol(world.manager)
    client = TestClient(http_routes())
    _password_step(client)
    right = _next_code(app)
    wrong = [f"{n:06d}" for n in range(1000) if f"{n:06d}" not in {right, app.now()}]
    for guess in wrong[:sessions.MAX_FAILURES]:
        answer = client.post("/auth/sign-in/code", data={"code": guess}, follow_redirects=False)
        assert answer.headers["location"] == "/sign-in?step=code&error=code"
    # Locked: even the right code is refused now, with the same message.
    answer = client.post("/auth/sign-in/code", data={"code": right}, follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?step=code&error=code"
    with session_scope() as db:
        assert db.exec(select(UserSession)).all() == []
        assert len(db.exec(select(AuditEvent).where(
            AuditEvent.action == "sign_in.failed")).all()) == sessions.MAX_FAILURES + 1


def test_an_expired_challenge_is_refused(world: World) -> None:
    app, _ = _enrol(world.manager)
    client = TestClient(http_routes())
    _password_step(client)
    with session_scope() as db:
        ch = db.exec(select(SignInChallenge)).one()
        ch.expires_at = totp.utcnow() - timedelta(seconds=1)
        db.add(ch)
    answer = client.post("/auth/sign-in/code", data={"code": _next_code(app)},
                         follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?error=timeout"


def test_a_recovery_code_works_once(world: World) -> None:
    _app, codes = _enrol(world.manager)
    for expected in ("/workload", "/sign-in?step=code&error=code"):
        client = TestClient(http_routes())
        _password_step(client)
        answer = client.post("/auth/sign-in/code", data={"code": codes[0].lower()},
                             follow_redirects=False)
        assert answer.headers["location"] == expected
    assert totp.status(world.manager).recovery_codes_left == 9


def test_admin_reset_turns_it_off_and_ends_sessions(world: World) -> None:
    app, _ = _enrol(world.manager)
    client = TestClient(http_routes())
    _password_step(client)
    token = client.post("/auth/sign-in/code", data={"code": _next_code(app)},
                        follow_redirects=False).cookies[sessions.COOKIE_NAME]
    with pytest.raises(PermissionDenied):
        totp.reset(world.manager, world.manager.id)  # not an admin
    totp.reset(world.admin, world.manager.id)
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(token)
    assert not totp.status(world.manager).enabled
    token, _ = sessions.sign_in(MANAGER, PASSWORD)  # the password alone again
    assert sessions.actor_for_token(token).id == world.manager.id


# --- Sessions -------------------------------------------------------------------------------------


def test_your_sessions_and_sign_out_everywhere_else(world: World) -> None:
    here, _ = sessions.sign_in("wren.worker@example.org", PASSWORD, "Mozilla/5.0 (iPhone) "
                               "Version/17 Mobile Safari/604.1")
    there, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    other, _ = sessions.sign_in("nell.north@example.org", PASSWORD)
    listed = sessions.list_sessions(world.worker, world.worker.id, here)
    assert len(listed) == 2 and [s.current for s in listed].count(True) == 1
    assert "iPhone" in next(s.device for s in listed if s.current)
    with pytest.raises(PermissionDenied):
        sessions.list_sessions(world.worker, world.worker2.id)
    with pytest.raises(PermissionDenied):
        sessions.sign_out_everywhere(world.worker, world.worker2.id)
    assert sessions.sign_out_everywhere(world.worker, world.worker.id, keep_token=here) == 1
    assert sessions.actor_for_token(here).id == world.worker.id
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(there)
    assert sessions.actor_for_token(other).id == world.worker2.id  # someone else's untouched


def test_admin_signs_someone_out_everywhere(world: World) -> None:
    tokens = [sessions.sign_in("wren.worker@example.org", PASSWORD)[0] for _ in range(3)]
    with pytest.raises(PermissionDenied):
        sessions.sign_out_everywhere(world.manager, world.worker.id)  # managers cannot
    assert sessions.sign_out_everywhere(world.admin, world.worker.id) == 3
    for token in tokens:
        with pytest.raises(NotSignedIn):
            sessions.actor_for_token(token)
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(
            AuditEvent.action == "sessions.sign_out_everywhere")).one()
        assert (event.actor_id, event.entity_id) == (world.admin.id, world.worker.id)


def test_ending_one_session_of_your_own(world: World) -> None:
    mine, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    theirs, _ = sessions.sign_in("nell.north@example.org", PASSWORD)
    [their_session] = sessions.list_sessions(world.worker2, world.worker2.id)
    with pytest.raises(PermissionDenied):
        sessions.end_session(world.worker, their_session.id)
    assert sessions.actor_for_token(theirs).id == world.worker2.id
    [my_session] = sessions.list_sessions(world.worker, world.worker.id)
    sessions.end_session(world.worker, my_session.id)
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(mine)


def test_absolute_lifetime_ends_a_busy_session(world: World, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    monkeypatch.setenv("CASEAPP_SESSION_MAX_HOURS", "2")
    from caseapp import config

    config.settings.cache_clear()
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    with session_scope() as db:
        us = db.exec(select(UserSession)).one()
        assert us.expires_at - us.created_at == timedelta(hours=2)
        # Used a minute ago (not idle), but started more than two hours ago.
        us.created_at -= timedelta(hours=3)
        us.expires_at -= timedelta(hours=3)
        us.last_seen_at = totp.utcnow() - timedelta(minutes=1)
        db.add(us)
    with pytest.raises(NotSignedIn, match="session has ended"):
        sessions.actor_for_token(token)


def test_deactivation_alone_stops_a_session_at_the_next_event(world: World) -> None:
    # Even if revoking the sessions were missed, the account's state is checked on every event.
    from caseapp.models import User

    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    with session_scope() as db:
        user = db.get(User, world.worker.id)
        user.active = False  # type: ignore[union-attr]
        db.add(user)
    with pytest.raises(NotSignedIn, match="deactivated"):
        sessions.actor_for_token(token)


def test_sign_up_domains_are_checked() -> None:
    from caseapp.auth.signup import parse_domains

    assert parse_domains(" @Charity.org.uk,partner.org\nCHARITY.org.uk ") == [
        "charity.org.uk", "partner.org"]
    assert parse_domains("") == []
    for bad in ("gmail.com", "not a domain", "example", "-bad.org", "a@b.org"):
        with pytest.raises(ValidationFailed):
            parse_domains(bad)
