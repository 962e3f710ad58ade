"""Sign-in, sessions and sign-out, checked against the database on every use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from caseapp import staff
from caseapp.auth import passwords, sessions
from caseapp.auth.passwords import hash_password, verify_password
from caseapp.db import session_scope
from caseapp.errors import NotSignedIn, ValidationFailed
from caseapp.models import AuditEvent, User, UserSession, utcnow
from tests.conftest import World

PASSWORD = "correct horse battery"


def test_password_hash_is_argon2id_and_verifies() -> None:
    h = hash_password("a long passphrase")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "a long passphrase")
    assert not verify_password(h, "a long passphrasf")
    assert not verify_password(None, "anything")


def test_the_app_hashes_at_production_cost() -> None:
    # The suite swaps in a cheap hasher (tests/conftest.py); the app's own must stay at RFC 9106's
    # recommended cost: at least 64 MiB and 3 passes.
    from argon2 import extract_parameters

    params = extract_parameters(passwords._DUMMY_HASH)
    assert params.memory_cost >= 65536 and params.time_cost >= 3


def test_sign_in_gives_a_session_that_resolves_to_the_user(world: World) -> None:
    token, actor = sessions.sign_in("  Wren.Worker@Example.org ", PASSWORD)
    assert actor.id == world.worker.id
    assert sessions.actor_for_token(token).id == world.worker.id
    with session_scope() as db:
        stored = db.exec(select(UserSession)).all()
    assert token not in {s.token_hash for s in stored}  # only a hash is kept


@pytest.mark.parametrize("email,password", [
    ("wren.worker@example.org", "wrong password"),
    ("nobody@example.org", PASSWORD),
    ("", ""),
])
def test_wrong_credentials_get_one_generic_message(world: World, email: str,
                                                   password: str) -> None:
    with pytest.raises(NotSignedIn) as exc:
        sessions.sign_in(email, password)
    assert str(exc.value) == sessions.GENERIC_SIGN_IN_ERROR
    with session_scope() as db:
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in.failed")).all()


def test_sign_out_revokes_the_session_at_once(world: World) -> None:
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    sessions.sign_out(token)
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(token)


def test_deactivated_user_is_stopped_at_the_next_event(world: World) -> None:
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    staff.update_user(world.admin, world.worker.id, name="Wren Worker", role="case_worker",
                      team="North", capacity_hours=30, active=False)
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(token)
    with pytest.raises(NotSignedIn):
        sessions.sign_in("wren.worker@example.org", PASSWORD)


def test_idle_and_expired_sessions_end(world: World) -> None:
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    with session_scope() as db:
        us = db.exec(select(UserSession)).one()
        us.last_seen_at -= timedelta(days=2)
        db.add(us)
    with pytest.raises(NotSignedIn, match="session has ended"):
        sessions.actor_for_token(token)


def test_password_change_signs_out_everywhere(world: World) -> None:
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    staff.set_password(world.admin, world.worker.id, "a brand new passphrase")
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(token)
    with pytest.raises(ValidationFailed):
        staff.set_password(world.admin, world.worker.id, "short")


def test_cookie_header_parsing() -> None:
    assert sessions.token_from_cookie_header("a=1; caseline_session=abc-DEF_1; b=2") == "abc-DEF_1"
    assert sessions.token_from_cookie_header("") is None
    assert sessions.token_from_cookie_header("caseline_session=") is None
    assert sessions.token_from_cookie_header('bad"cookie') is None


def test_admin_cannot_lock_themselves_out(world: World) -> None:
    with pytest.raises(ValidationFailed):
        staff.update_user(world.admin, world.admin.id, name="Ada Admin", role="manager",
                          team="Central", capacity_hours=37.5, active=True)
    with session_scope() as db:
        assert db.get(User, world.admin.id).role == "admin"  # type: ignore[union-attr]


def test_ten_wrong_passwords_lock_the_account_for_a_while_without_saying_so(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(sessions.MAX_FAILURES):
        with pytest.raises(NotSignedIn):
            sessions.sign_in("wren.worker@example.org", "wrong password")
    with pytest.raises(NotSignedIn) as exc:
        sessions.sign_in("wren.worker@example.org", PASSWORD)  # right password, still refused
    assert str(exc.value) == sessions.GENERIC_SIGN_IN_ERROR
    # Another account is unaffected, and the lock lifts when the window has passed.
    assert sessions.sign_in("nell.north@example.org", PASSWORD)
    # The trail is append-only, so time moves on instead of the failures being backdated.
    later = utcnow() + sessions.FAILURE_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    assert sessions.sign_in("wren.worker@example.org", PASSWORD)
