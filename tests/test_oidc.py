"""Single sign-on through a real OpenID Connect provider (oidc-provider-mock, itself built on
authlib's server) running on 127.0.0.1: real discovery, JWKS, authorization codes with PKCE and
signed ID tokens. The test plays the browser: it follows the app's redirect to the provider, picks
the account there, and brings the provider's redirect back to the app.

Attacks tried: a wrong nonce (authorization request tampered on the way out), an expired ID token
(a provider whose tokens are born expired), an unknown user, an unverified email, a wrong state,
a callback in a browser that never started the login (login CSRF), a replayed callback, a stolen
code replayed in a fresh login (PKCE), a discovery document naming another issuer, an ID token
signed by another key.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse, urlsplit, urlunsplit

import httpx
import oidc_provider_mock
import pytest
import werkzeug.serving
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp.auth import oidc, sessions
from caseapp.db import session_scope
from caseapp.models import AuditEvent, Organisation, User, UserIdentity, UserSession
from caseapp.routes import http_routes
from tests.conftest import World

# The provider package still calls authlib's older server hooks; that is its business, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")

CLIENT_ID = "caseline-test"
# The person's browser at the provider (one client: a new one per request costs a TLS setup).
browser = httpx.Client()


class Provider:
    """A running provider and what the test needs to drive it."""

    def __init__(self, app: object) -> None:
        self.server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def set_user(self, sub: str, **claims: object) -> None:
        answer = browser.put(f"{self.url}/users/{sub}", json=claims)
        assert answer.status_code == 204, answer.text

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[str, Provider]]:
    # The provider refuses plain HTTP unless told this is a test (it is, on 127.0.0.1).
    old = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    running = {
        "good": Provider(oidc_provider_mock.app(require_nonce=True)),
        # Its ID tokens expire ten minutes before they are issued: well past any clock leeway.
        "expired": Provider(oidc_provider_mock.app(
            require_nonce=True, access_token_max_age=timedelta(minutes=-10))),
    }
    yield running
    for p in running.values():
        p.stop()
    if old is None:
        os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
    else:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = old


def _configure(monkeypatch: pytest.MonkeyPatch, name: str, issuer: str, **extra: str) -> None:
    prefix = f"CASEAPP_OIDC_{name.upper()}_"
    monkeypatch.setenv(prefix + "ISSUER", issuer)
    monkeypatch.setenv(prefix + "CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv(prefix + "CLIENT_SECRET", "not-so-secret")
    monkeypatch.setenv(prefix + "LABEL", f"{name.capitalize()} ID")
    for key, value in extra.items():
        monkeypatch.setenv(prefix + key.upper(), value)


@pytest.fixture
def idp(providers: dict[str, Provider], monkeypatch: pytest.MonkeyPatch, world: World) -> Provider:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    _configure(monkeypatch, "test", providers["good"].url)
    good = providers["good"]
    good.set_user("wren-1", email="wren.worker@example.org", email_verified=True,
                  name="Wren Worker")
    return good


def _client() -> TestClient:
    return TestClient(http_routes(), base_url="http://testserver")


def _start(client: TestClient, provider: str = "test", next_path: str = "/cases") -> str:
    answer = client.get(f"/auth/oidc/{provider}/start", params={"next": next_path},
                        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _authorise(auth_url: str, sub: str) -> str:
    """The person at the provider picks their account; returns the app's callback path+query."""
    answer = browser.post(auth_url, data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


def _login_cookie(client: TestClient) -> dict[str, str]:
    """The login cookie as a header, to send again after the app has cleared it."""
    return {"cookie": f"{oidc.LOGIN_COOKIE}={client.cookies[oidc.LOGIN_COOKIE]}"}


def _with_param(url: str, key: str, value: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query[key] = [value]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _refused(answer: httpx.Response, reason: str) -> None:
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?sso_error={reason}"
    assert reason in oidc.MESSAGES
    assert sessions.COOKIE_NAME not in answer.cookies


def _failures() -> list[dict]:
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in.failed",
                                                  AuditEvent.entity_type == "sign_in")).all()
        return [json.loads(e.detail) for e in events]


def _session_count() -> int:
    with session_scope() as db:
        return len(db.exec(select(UserSession)).all())


def test_sign_in_through_the_provider_opens_a_session_like_a_password(
        idp: Provider, world: World) -> None:
    client = _client()
    auth_url = _start(client, next_path=f"/cases/{world.case_worker}")
    sent = parse_qs(urlparse(auth_url).query)
    assert auth_url.startswith(idp.url)
    assert sent["code_challenge_method"] == ["S256"] and sent["code_challenge"][0]
    assert sent["nonce"][0] and sent["state"][0] and sent["client_id"] == [CLIENT_ID]
    answer = client.get(_authorise(auth_url, "wren-1"), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{world.case_worker}"
    token = answer.cookies[sessions.COOKIE_NAME]
    assert sessions.actor_for_token(token).id == world.worker.id
    set_cookie = " ".join(answer.headers.get_list("set-cookie")).lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in")).one()
        assert event.entity_id == world.worker.id
        assert json.loads(event.detail)["method"] == "oidc"
        identity = db.exec(select(UserIdentity)).one()
        assert (identity.user_id, identity.subject, identity.issuer) == (
            world.worker.id, "wren-1", idp.url)
        assert db.exec(select(UserSession)).one().method == "oidc:test"
    # Linked by subject from now on: a renamed mailbox still signs the same person in.
    idp.set_user("wren-1", email="wren.w@example.org", email_verified=True)
    again = _client()
    answer = again.get(_authorise(_start(again), "wren-1"), follow_redirects=False)
    assert sessions.actor_for_token(answer.cookies[sessions.COOKIE_NAME]).id == world.worker.id


def test_a_wrong_nonce_is_refused(idp: Provider, world: World) -> None:
    client = _client()
    # The authorization request is altered on its way to the provider, which then signs an ID
    # token carrying a nonce this login never made.
    auth_url = _with_param(_start(client), "nonce", "attacker-chosen-nonce")
    answer = client.get(_authorise(auth_url, "wren-1"), follow_redirects=False)
    _refused(answer, "invalid")
    assert _session_count() == 0
    assert _failures()[-1]["reason"] == "id token claim nonce"


def test_an_expired_id_token_is_refused(providers: dict[str, Provider], world: World,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    expired = providers["expired"]
    _configure(monkeypatch, "late", expired.url)
    expired.set_user("wren-1", email="wren.worker@example.org", email_verified=True)
    client = _client()
    answer = client.get(_authorise(_start(client, "late"), "wren-1"), follow_redirects=False)
    _refused(answer, "invalid")
    assert _session_count() == 0
    assert _failures()[-1]["reason"] == "id token expired"


def test_an_unknown_user_is_refused_and_not_created(idp: Provider, world: World) -> None:
    idp.set_user("stranger", email="stranger@example.org", email_verified=True)
    client = _client()
    answer = client.get(_authorise(_start(client), "stranger"), follow_redirects=False)
    _refused(answer, "unknown_user")
    with session_scope() as db:
        assert db.exec(select(User).where(User.email == "stranger@example.org")).first() is None
    assert _failures()[-1]["reason"] == "unknown_user"
    assert _session_count() == 0


def test_an_unverified_email_is_refused_even_for_a_real_account(idp: Provider,
                                                                 world: World) -> None:
    # Someone registers the admin's address at the provider without proving they own it.
    idp.set_user("impostor", email="ada.admin@example.org", email_verified=False)
    client = _client()
    _refused(client.get(_authorise(_start(client), "impostor"), follow_redirects=False),
             "unverified")
    idp.set_user("impostor2", email="ada.admin@example.org")  # no email_verified at all
    client = _client()
    _refused(client.get(_authorise(_start(client), "impostor2"), follow_redirects=False),
             "unverified")
    assert _session_count() == 0


def test_a_wrong_state_is_refused_and_spends_the_login(idp: Provider, world: World) -> None:
    client = _client()
    callback = _authorise(_start(client), "wren-1")
    login = _login_cookie(client)
    _refused(client.get(_with_param(callback, "state", "forged"), follow_redirects=False),
             "invalid")
    # The genuine answer arriving after the forgery no longer works either, even with the
    # login cookie the refusal cleared sent again.
    _refused(client.get(callback, headers=login, follow_redirects=False), "expired")
    assert [f["reason"] for f in _failures()] == ["state", "replayed"]
    assert _session_count() == 0


def test_a_callback_in_a_browser_that_did_not_start_is_refused(idp: Provider,
                                                                world: World) -> None:
    # Login CSRF: an attacker signs in at the provider as themselves and sends the victim the
    # callback link, hoping the victim's browser gets the attacker's session.
    attacker = _client()
    callback = _authorise(_start(attacker), "wren-1")
    victim = _client()
    _refused(victim.get(callback, follow_redirects=False), "expired")
    assert _failures()[-1]["reason"] == "no_login"
    assert _session_count() == 0


def test_a_replayed_code_is_refused(idp: Provider, world: World) -> None:
    client = _client()
    callback = _authorise(_start(client), "wren-1")
    login = _login_cookie(client)
    assert client.get(callback, follow_redirects=False).cookies[sessions.COOKIE_NAME]
    # The same request again, cookie and all (a captured request, browser history).
    _refused(client.get(callback, headers=login, follow_redirects=False), "expired")
    # The stolen code in a fresh login of the thief's own: its state is the thief's, but the
    # code was bound to the first login's PKCE challenge, and the provider spent it already.
    thief = _client()
    fresh = urlsplit(_start(thief))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    state = parse_qs(fresh.query)["state"][0]
    _refused(thief.get("/auth/oidc/test/callback", params={"code": code, "state": state},
                       follow_redirects=False), "expired")
    assert _session_count() == 1
    assert [f["reason"] for f in _failures()] == ["replayed", "code refused"]


def test_a_deactivated_user_cannot_sign_in_by_sso(idp: Provider, world: World) -> None:
    with session_scope() as db:
        user = db.get(User, world.worker.id)
        user.active = False  # type: ignore[union-attr]
        db.add(user)
    client = _client()
    _refused(client.get(_authorise(_start(client), "wren-1"), follow_redirects=False),
             "unknown_user")
    assert _failures()[-1]["reason"] == "inactive"


def test_sign_up_only_from_a_domain_an_admin_allowed_and_as_a_volunteer(
        idp: Provider, world: World) -> None:
    idp.set_user("newbie", email="New.Person@Partner.org.uk", email_verified=True,
                 name="New Person")
    client = _client()
    _refused(client.get(_authorise(_start(client), "newbie"), follow_redirects=False),
             "unknown_user")
    with session_scope() as db:
        org = db.get(Organisation, 1) or Organisation(id=1)
        org.signup_domains = "partner.org.uk"
        db.add(org)
    client = _client()
    answer = client.get(_authorise(_start(client), "newbie"), follow_redirects=False)
    actor = sessions.actor_for_token(answer.cookies[sessions.COOKIE_NAME])
    assert actor.email == "new.person@partner.org.uk" and actor.role.value == "volunteer"
    assert actor.name == "New Person"


def test_entra_style_tokens_without_email_verified_need_trust_email(
        providers: dict[str, Provider], world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    good = providers["good"]
    # Entra ID sends no email_verified; the sign-in name is the user principal name.
    good.set_user("entra-oid", preferred_username="mo.manager@example.org")
    _configure(monkeypatch, "entra", good.url)
    client = _client()
    _refused(client.get(_authorise(_start(client, "entra"), "entra-oid"),
                        follow_redirects=False), "unverified")
    _configure(monkeypatch, "entra", good.url, trust_email="1", allowed_domains="example.org")
    client = _client()
    answer = client.get(_authorise(_start(client, "entra"), "entra-oid"), follow_redirects=False)
    assert sessions.actor_for_token(answer.cookies[sessions.COOKIE_NAME]).id == world.manager.id
    # Outside the allowed domains nothing is trusted (for an account not linked yet).
    good.set_user("entra-oid-2", preferred_username="mo.manager@example.org")
    _configure(monkeypatch, "entra", good.url, trust_email="1", allowed_domains="other.org")
    client = _client()
    answer = client.get(_authorise(_start(client, "entra"), "entra-oid-2"),
                        follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?sso_error=unverified"


def test_a_discovery_document_for_another_issuer_is_refused(
        providers: dict[str, Provider], world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Configured as localhost, the provider names itself 127.0.0.1: not the issuer we trust.
    port = urlparse(providers["good"].url).port
    _configure(monkeypatch, "mixup", f"http://localhost:{port}",
               discovery_url=f"{providers['good'].url}/.well-known/openid-configuration")
    answer = _client().get("/auth/oidc/mixup/start", follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?sso_error=provider_unavailable"
    assert _client().get("/auth/oidc/nosuch/start",
                         follow_redirects=False).headers["location"] == \
        "/sign-in?sso_error=unknown_provider"


def test_an_id_token_signed_by_another_key_is_refused(idp: Provider, world: World,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    # The real provider answers the token request; on the way back the ID token is swapped for
    # one with the same claims signed by a key the provider never published.
    forged_key = RSAKey.generate_key(2048, parameters={"kid": "forged"})
    real_fetch = oidc.StarletteOAuth2App.fetch_access_token

    async def swap(self: object, *args: object, **kwargs: object) -> dict:
        token = await real_fetch(self, *args, **kwargs)  # type: ignore[arg-type]
        claims = jwt.decode(token["id_token"], _provider_keys(idp)).claims
        token["id_token"] = jwt.encode({"alg": "RS256", "kid": "forged"}, claims, forged_key)
        return token

    monkeypatch.setattr(oidc.StarletteOAuth2App, "fetch_access_token", swap)
    client = _client()
    _refused(client.get(_authorise(_start(client), "wren-1"), follow_redirects=False), "invalid")
    assert _failures()[-1]["reason"].startswith("id token rejected")
    assert _session_count() == 0


def _provider_keys(provider: Provider):  # type: ignore[no-untyped-def]
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(browser.get(f"{provider.url}/jwks").json())


def test_provider_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("CASEAPP_OIDC_"):
            monkeypatch.delenv(key)
    _configure(monkeypatch, "google", "https://accounts.google.com", label="Google Workspace")
    _configure(monkeypatch, "plain", "http://idp.example.org")  # not https: ignored
    monkeypatch.setenv("CASEAPP_OIDC_HALF_ISSUER", "https://idp.example.org")  # no client id
    [google] = oidc.providers()
    assert (google.name, google.label) == ("google", "Google Workspace")
    assert google.discovery_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert oidc.provider_named("google") == google
    assert oidc.provider_named("../google") is None
