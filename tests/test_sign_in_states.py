"""The sign-in, account and sign-in settings states, called as any client could call them."""

from __future__ import annotations

import pyotp
import pytest
from sqlmodel import select

from caseapp.auth import oidc, sessions
from caseapp.db import session_scope
from caseapp.errors import NotSignedIn
from caseapp.models import Organisation, TotpFactor, UserSession
from state.account_page import AccountState
from state.sign_in import SignInState
from state.sign_in_settings import SignInSettingsState
from tests.conftest import World
from tests.test_states import _state


def _token(state: object) -> str | None:
    return sessions.token_from_cookie_header(state.router.headers.cookie)  # type: ignore[attr-defined]


def test_the_sign_in_page_offers_each_provider_and_shows_only_fixed_messages(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEAPP_OIDC_GOOGLE_ISSUER", "https://accounts.google.com")
    monkeypatch.setenv("CASEAPP_OIDC_GOOGLE_CLIENT_ID", "id")
    monkeypatch.setenv("CASEAPP_OIDC_GOOGLE_LABEL", "Google Workspace")
    state = _state(SignInState, None, "/sign-in?sso_error=<script>&next=/cases/3")
    state.load()
    assert state.error == oidc.MESSAGES["invalid"]  # an unknown key is not echoed
    assert [(p.label, p.href) for p in state.providers] == [
        ("Google Workspace", "/auth/oidc/google/start?next=/cases/3")]
    state = _state(SignInState, None, "/sign-in?sso_error=unknown_user")
    state.load()
    assert state.error == oidc.MESSAGES["unknown_user"]
    state = _state(SignInState, None, "/sign-in?step=code&error=code")
    state.load()
    assert state.step == "code" and "code" in state.error


def test_a_manager_turns_on_two_step_and_keeps_this_session(world: World) -> None:
    state = _state(AccountState, "mo.manager@example.org", "/account")
    elsewhere, _ = sessions.sign_in("mo.manager@example.org", "correct horse battery")
    assert state.load() is None and state.totp_offered and not state.totp_enabled
    assert len(state.session_rows) == 2
    state.start_totp()
    assert state.enrol_qr.startswith("data:image/svg+xml")
    state.set_enrol_code("123")
    state.confirm_totp()
    assert state.totp_error and not state.totp_enabled  # a wrong code changes nothing
    state.set_enrol_code(pyotp.TOTP(state.enrol_secret.replace(" ", "")).now())
    state.confirm_totp()
    assert state.totp_enabled and len(state.recovery_codes) == 10
    assert sessions.actor_for_token(_token(state)).id == world.manager.id  # still signed in
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(elsewhere)  # opened with the password alone
    assert [r.current for r in state.session_rows] == [True]


def test_a_volunteer_cannot_enrol_even_by_calling_the_handler(world: World) -> None:
    state = _state(AccountState, "vi.volunteer@example.org", "/account")
    state.load()
    assert not state.totp_offered
    state.start_totp()
    assert state.totp_error == "Two-step sign-in is for admins and managers"
    with session_scope() as db:
        assert db.exec(select(TotpFactor)).all() == []


def test_sign_out_everywhere_else_and_one_session(world: World) -> None:
    state = _state(AccountState, "wren.worker@example.org", "/account")
    other, _ = sessions.sign_in("wren.worker@example.org", "correct horse battery")
    third, _ = sessions.sign_in("wren.worker@example.org", "correct horse battery")
    state.load()
    victim = next(r for r in state.session_rows if not r.current)
    state.end_session(victim.id)
    assert len(state.session_rows) == 2
    state.sign_out_elsewhere()
    assert state.message == "Signed out of 1 other session."
    assert sessions.actor_for_token(_token(state)).id == world.worker.id
    for token in (other, third):
        with pytest.raises(NotSignedIn):
            sessions.actor_for_token(token)


def test_only_admins_use_the_sign_in_settings(world: World) -> None:
    target, _ = sessions.sign_in("wren.worker@example.org", "correct horse battery")
    state = _state(SignInSettingsState, "mo.manager@example.org", "/settings")
    state.load_section()
    state.signup_domains = "example.org"
    state.save_signup_domains()
    assert state.signup_error == "Only an admin can change organisation settings"
    state.sign_out_everywhere(world.worker.id)
    assert state.notice == "Only an admin can sign someone else out"
    state.reset_two_step(world.worker.id)
    assert state.notice == "Only an admin can reset two-step sign-in"
    assert sessions.actor_for_token(target).id == world.worker.id
    with session_scope() as db:
        org = db.get(Organisation, 1)
        assert org is None or org.signup_domains == ""

    admin = _state(SignInSettingsState, "ada.admin@example.org", "/settings")
    admin.load_section()
    admin.set_signup_domains_text("gmail.com")
    admin.save_signup_domains()
    assert "public email service" in admin.signup_error
    admin.set_signup_domains_text("@Partner.org.uk, example.org")
    admin.save_signup_domains()
    assert admin.signup_domains == "partner.org.uk, example.org"
    admin.sign_out_everywhere(world.worker.id)
    assert admin.notice == "Signed Wren Worker out of 1 session."
    with pytest.raises(NotSignedIn):
        sessions.actor_for_token(target)
    with session_scope() as db:
        assert db.exec(select(UserSession).where(UserSession.user_id == world.worker.id,
                                                 UserSession.revoked_at.is_(None))).all() == []  # type: ignore[union-attr]
