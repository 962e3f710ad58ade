"""Single sign-on with OpenID Connect (authlib): Microsoft Entra ID, Google Workspace, or any
provider with a discovery document.

The flow is the authorization code flow with PKCE (S256). ``/auth/oidc/{provider}/start`` makes a
fresh state, nonce and code verifier, keeps them in the database tied to this browser by a random
value in a short-lived HttpOnly cookie, and sends the browser to the provider.
``/auth/oidc/{provider}/callback`` checks that the browser is the one that started (cookie), that
the state matches, spends the login (a replayed callback finds it spent), exchanges the code with
the verifier, and has authlib validate the ID token: signature against the provider's JWKS, issuer,
audience, expiry, issued-at and nonce. The discovery document's issuer must be the configured one.

Who signs in: the ID token's subject if already linked to a staff member, else its email when the
provider says it is verified (``email_verified``) and it matches an active staff member; the link
is then kept (caseapp.models.UserIdentity). Nobody else, unless an admin allows sign-up from their
email's domain (Settings, "Allow sign-up from these email domains"): such new accounts are
volunteers, the role that sees nothing until a case is assigned to them, so an unexpected sign-up
exposes no case. An admin raises the role when that is right.

Success opens a session exactly like password sign-in (the same cookie, the same audit "sign_in"
event, with method "oidc"); every refusal is audited ("sign_in.failed", method "oidc", a reason)
and shown on the sign-in page as one of a few fixed messages (never text from the URL). No
authenticator code is asked after single sign-on: see caseapp.auth.totp.

Configuration (README, "Single sign-on"): for each provider NAME (letters and digits),
CASEAPP_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, and optionally _LABEL, _DISCOVERY_URL,
_ALLOWED_DOMAINS and _TRUST_EMAIL. CASEAPP_PUBLIC_URL, when set, is the base of the redirect URI.

Routes and roles: both routes are public (they are how a person signs in); neither reads or
changes case data, and a session is made only for an active staff member (any role) found as above.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import ssl
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from urllib.parse import quote, urlparse

import certifi
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from caseapp import audit
from caseapp.actor import Actor
from caseapp.auth import sessions
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.models import OidcLogin, Organisation, Role, User, UserIdentity, utcnow

log = logging.getLogger(__name__)

LOGIN_COOKIE = "caseline_oidc"
LOGIN_LIFETIME = timedelta(minutes=10)  # time to sign in at the provider, MFA included
# ID tokens are checked with this much allowance for clock difference (seconds).
CLOCK_LEEWAY = 60
_NAME = re.compile(r"^[a-z0-9]{1,30}$")
_ENV = re.compile(r"^CASEAPP_OIDC_([A-Z0-9]{1,30})_ISSUER$")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

# What the sign-in page says for each refusal. The URL carries only the key.
MESSAGES: dict[str, str] = {
    "unknown_provider": "That sign-in option is not set up here",
    "provider_unavailable": "The identity provider could not be reached. Try again, or sign in "
                            "with your email and password",
    "cancelled": "Single sign-on was cancelled or refused by the identity provider",
    "expired": "That sign-in took too long or was already used. Please start again",
    "invalid": "The identity provider's answer could not be trusted, so nobody was signed in. "
               "Please start again",
    "unverified": "Your identity provider has not confirmed your email address, so it cannot be "
                  "used to sign in here",
    "unknown_user": "There is no active Caseline account for that email address. Ask your "
                    "Caseline admin to add you",
}


@dataclass(frozen=True)
class Provider:
    name: str  # in the URL: lower-case letters and digits
    label: str  # "Sign in with <label>"
    issuer: str
    client_id: str
    client_secret: str
    discovery_url: str
    # Only emails at these domains are accepted from this provider (empty: any).
    allowed_domains: tuple[str, ...] = ()
    # Accept the email claim when the token has no email_verified claim at all (Entra ID never
    # sends one). Only for a single-tenant provider whose addresses the organisation controls.
    trust_email: bool = False


def providers() -> list[Provider]:
    """Every provider configured in the environment, in name order."""
    found: list[Provider] = []
    for key in sorted(os.environ):
        match = _ENV.match(key)
        if not match:
            continue
        upper = match.group(1)
        prefix = f"CASEAPP_OIDC_{upper}_"
        issuer = os.environ[key].strip().rstrip("/")
        client_id = os.environ.get(prefix + "CLIENT_ID", "").strip()
        if not issuer or not client_id:
            log.warning("%s needs both _ISSUER and _CLIENT_ID; skipped", prefix)
            continue
        parsed = urlparse(issuer)
        local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
            log.warning("%sISSUER must be an https address; skipped", prefix)
            continue
        domains = tuple(d.strip().lower().lstrip("@") for d in
                        os.environ.get(prefix + "ALLOWED_DOMAINS", "").split(",") if d.strip())
        found.append(Provider(
            name=upper.lower(),
            label=os.environ.get(prefix + "LABEL", "").strip() or upper.capitalize(),
            issuer=issuer,
            client_id=client_id,
            client_secret=os.environ.get(prefix + "CLIENT_SECRET", ""),
            discovery_url=os.environ.get(prefix + "DISCOVERY_URL", "").strip()
            or f"{issuer}/.well-known/openid-configuration",
            allowed_domains=domains,
            trust_email=os.environ.get(prefix + "TRUST_EMAIL", "").strip().lower()
            in ("1", "true", "yes", "on"),
        ))
    return found


def provider_named(name: str) -> Provider | None:
    if not _NAME.match(name or ""):
        return None
    return next((p for p in providers() if p.name == name), None)


# One authlib client per provider configuration: it caches the discovery document and the JWKS
# (fetched again when a token names a key it does not hold, as after the provider rotates keys).
_clients: dict[Provider, StarletteOAuth2App] = {}


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every request to a provider: authlib opens a new HTTP client per call,
    and loading the certificate store each time costs more than the request."""
    return ssl.create_default_context(cafile=certifi.where())


def _client(provider: Provider) -> StarletteOAuth2App:
    client = _clients.get(provider)
    if client is None:
        oauth = OAuth()
        client = oauth.register(
            name=provider.name, client_id=provider.client_id,
            client_secret=provider.client_secret or None,
            server_metadata_url=provider.discovery_url,
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                           "timeout": 15, "verify": _tls_context()},
        )
        _clients[provider] = client
    return client


async def _metadata(provider: Provider) -> dict:
    client = _client(provider)
    metadata = await client.load_server_metadata()
    # A discovery document naming another issuer would let tokens from it through (mix-up).
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer:
        _clients.pop(provider, None)
        raise OAuthError(description="discovery issuer does not match the configured issuer")
    return metadata


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _redirect_uri(request: Request, provider: Provider) -> str:
    base = os.environ.get("CASEAPP_PUBLIC_URL", "").strip().rstrip("/") or \
        str(request.base_url).rstrip("/")
    return f"{base}/auth/oidc/{provider.name}/callback"


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:300]
    return "/cases"


def _refusal(reason: str) -> RedirectResponse:
    response = RedirectResponse(f"/sign-in?sso_error={quote(reason)}", status_code=303,
                                headers=NO_STORE)
    response.delete_cookie(LOGIN_COOKIE, path="/auth/oidc")
    return response


def _audit_failure(provider: str, reason: str, user_id: int | None = None,
                   email: str = "") -> None:
    """A refused single sign-on, in the audit trail. Recorded against "sign_in" rather than the
    user, so failures at an identity provider never lock anyone's password sign-in."""
    with session_scope() as db:
        audit.record(db, None, "sign_in.failed", "sign_in", None, method="oidc",
                     provider=provider, reason=reason, user=user_id, email_given=email[:254])


# --- Start ----------------------------------------------------------------------------------------


async def start(request: Request) -> Response:
    provider = provider_named(request.path_params["provider"])
    if provider is None:
        return _refusal("unknown_provider")
    try:
        await _metadata(provider)
        made = await _client(provider).create_authorization_url(
            _redirect_uri(request, provider), state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32))
    except Exception as exc:  # noqa: BLE001 - network, JSON, or a provider answering nonsense
        log.warning("OIDC discovery for %s failed: %s", provider.name, exc)
        await run_in_threadpool(_audit_failure, provider.name, "provider_unavailable")
        return _refusal("provider_unavailable")
    browser = secrets.token_urlsafe(32)
    now = utcnow()

    def remember() -> None:
        with session_scope() as db:
            # Logins abandoned at the provider (or started by a script) are of no use to
            # anyone after they expire: the table holds at most a day of them.
            db.exec(delete(OidcLogin).where(  # type: ignore[call-overload]
                col(OidcLogin.expires_at) < now - timedelta(days=1)))
            db.add(OidcLogin(browser_hash=_hash(browser), provider=provider.name,
                             state_hash=_hash(made["state"]), nonce=made["nonce"],
                             code_verifier=made["code_verifier"],
                             next_path=_safe_next(request.query_params.get("next")),
                             created_at=now, expires_at=now + LOGIN_LIFETIME))

    await run_in_threadpool(remember)
    response = RedirectResponse(made["url"], status_code=303, headers=NO_STORE)
    # SameSite=Lax: sent on the provider's top-level redirect back to the callback (a GET).
    response.set_cookie(LOGIN_COOKIE, browser, httponly=True, samesite="lax",
                        secure=settings().cookie_secure, path="/auth/oidc",
                        max_age=int(LOGIN_LIFETIME.total_seconds()))
    return response


# --- Callback -------------------------------------------------------------------------------------


@dataclass
class _Pending:
    nonce: str
    code_verifier: str
    next_path: str


def _spend_login(browser: str | None, provider: str, state: str) -> _Pending | str:
    """The login this browser started, now spent; or the reason it cannot be used."""
    if not browser:
        return "no_login"  # another browser's callback link, or cookies blocked
    now = utcnow()
    with session_scope() as db:
        login = db.exec(select(OidcLogin).where(OidcLogin.browser_hash == _hash(browser))).first()
        if login is None or login.provider != provider:
            return "no_login"
        if login.used_at is not None:
            return "replayed"
        if login.expires_at <= now:
            return "login_expired"
        if not hmac.compare_digest(login.state_hash, _hash(state or "")):
            # Spend it anyway: a wrong state means this login is under attack or broken.
            db.exec(update(OidcLogin).where(col(OidcLogin.id) == login.id)  # type: ignore[call-overload]
                    .values(used_at=now))
            return "state"
        pending = _Pending(nonce=login.nonce, code_verifier=login.code_verifier,
                           next_path=login.next_path)
        # The verifier is blanked as the login is spent: a copy of the database holds none that
        # could still be used.
        spent = db.exec(update(OidcLogin).where(  # type: ignore[call-overload]
            col(OidcLogin.id) == login.id, col(OidcLogin.used_at).is_(None)
        ).values(used_at=now, code_verifier=""))
        if spent.rowcount != 1:
            return "replayed"  # a second request with the same callback won the race
        return pending


def _verified_email(provider: Provider, claims: dict) -> str | None:
    """The email the provider vouches for, lower case; None if it does not vouch for one."""
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified")
    if isinstance(verified, str):  # some providers send "true"
        verified = verified.strip().lower() == "true"
    if verified is None and provider.trust_email:
        # Entra ID: no email_verified claim. In a single-tenant directory the organisation's own
        # admins set "email"; when absent, the sign-in name (UPN) is a verified domain's address.
        if not email:
            upn = str(claims.get("preferred_username") or "").strip().lower()
            email = upn if "@" in upn else ""
        verified = bool(email)
    if verified is not True or "@" not in email:
        return None
    if provider.allowed_domains and email.rsplit("@", 1)[1] not in provider.allowed_domains:
        return None
    return email


def _signup_allowed(db: Session, email: str) -> bool:
    org = db.get(Organisation, 1)
    allowed = {d.strip().lower() for d in (org.signup_domains if org else "").split(",")
               if d.strip()}
    return email.rsplit("@", 1)[1] in allowed


def _display_name(claims: dict, email: str) -> str:
    name = " ".join(str(claims.get("name") or "").split())[:120]
    return name or email.split("@", 1)[0][:120]


def _sign_in_user(provider: Provider, claims: dict, user_agent: str) -> tuple[str, int] | str:
    """(session token, user id) for the person the ID token names, or the refusal reason."""
    issuer, subject = provider.issuer, str(claims.get("sub") or "")
    if not subject:
        return "invalid"
    with session_scope() as db:
        linked = db.exec(select(User, UserIdentity).join(
            UserIdentity, UserIdentity.user_id == User.id).where(
            UserIdentity.issuer == issuer, UserIdentity.subject == subject)).first()
        email = _verified_email(provider, claims)
        user: User | None = linked[0] if linked else None
        identity: UserIdentity | None = linked[1] if linked else None
        created = False
        if user is None:
            if email is None:
                _audit_in(db, provider, "unverified", None, str(claims.get("email") or ""))
                return "unverified"
            user = db.exec(select(User).where(func.lower(User.email) == email)).first()
            if user is None:
                if not _signup_allowed(db, email):
                    _audit_in(db, provider, "unknown_user", None, email)
                    return "unknown_user"
                user = User(email=email, name=_display_name(claims, email),
                            role=Role.VOLUNTEER.value, password_hash=None)
                db.add(user)
                db.flush()
                created = True
                audit.record(db, None, "user.create", "user", user.id, role=user.role,
                             via="single sign-on", provider=provider.name)
        if not user.active:
            _audit_in(db, provider, "inactive", user.id, email or "")
            return "unknown_user"
        now = utcnow()
        if identity is None:
            identity = UserIdentity(user_id=user.id, issuer=issuer, subject=subject,  # type: ignore[arg-type]
                                    email=email or "", created_at=now)
        identity.last_used_at = now
        if email:
            identity.email = email
        db.add(identity)
        token = sessions.open_session(db, user, f"oidc:{provider.name}", user_agent)
        audit.record(db, Actor.of(user), "sign_in", "user", user.id, method="oidc",
                     provider=provider.name, new_account=created)
        return token, user.id  # type: ignore[return-value]


def _audit_in(db: Session, provider: Provider, reason: str, user_id: int | None,
              email: str) -> None:
    audit.record(db, None, "sign_in.failed", "sign_in", None, method="oidc",
                 provider=provider.name, reason=reason, user=user_id, email_given=email[:254])


async def callback(request: Request) -> Response:
    provider = provider_named(request.path_params["provider"])
    if provider is None:
        return _refusal("unknown_provider")
    q = request.query_params
    pending = await run_in_threadpool(_spend_login, request.cookies.get(LOGIN_COOKIE),
                                      provider.name, q.get("state", ""))
    if isinstance(pending, str):
        await run_in_threadpool(_audit_failure, provider.name, pending)
        return _refusal("invalid" if pending == "state" else "expired")
    if q.get("error") or not q.get("code"):
        await run_in_threadpool(_audit_failure, provider.name,
                                f"provider said {q.get('error', 'no code')[:60]}")
        return _refusal("cancelled")
    client = _client(provider)
    try:
        await _metadata(provider)
        token = await client.fetch_access_token(
            redirect_uri=_redirect_uri(request, provider), code=q["code"],
            code_verifier=pending.code_verifier)
    except Exception as exc:  # noqa: BLE001 - the provider refused the code, or is unreachable
        log.warning("OIDC token request to %s failed: %s", provider.name, exc)
        await run_in_threadpool(_audit_failure, provider.name, "code refused")
        return _refusal("expired" if isinstance(exc, OAuthError) else "provider_unavailable")
    try:
        if "id_token" not in token:
            raise MissingClaimError("id_token")
        # authlib checks the signature against the JWKS, exp, iat (not in the future), nonce,
        # at_hash and azp; issuer and audience are pinned here (its default checks no audience).
        expected = {"iss": {"essential": True, "values": [provider.issuer]},
                    "aud": {"essential": True, "values": [provider.client_id]}}
        claims = dict(await client.parse_id_token(token, nonce=pending.nonce,
                                                  claims_options=expected, leeway=CLOCK_LEEWAY))
    except ExpiredTokenError:
        await run_in_threadpool(_audit_failure, provider.name, "id token expired")
        return _refusal("invalid")
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "") or str(exc)
        await run_in_threadpool(_audit_failure, provider.name, f"id token claim {claim}"[:80])
        return _refusal("invalid")
    except (JoseError, ValueError, KeyError) as exc:
        await run_in_threadpool(_audit_failure, provider.name,
                                f"id token rejected: {type(exc).__name__}")
        return _refusal("invalid")
    outcome = await run_in_threadpool(_sign_in_user, provider, claims,
                                      request.headers.get("user-agent", ""))
    if isinstance(outcome, str):
        return _refusal(outcome)
    session_token, _user_id = outcome
    response = RedirectResponse(pending.next_path, status_code=303, headers=NO_STORE)
    response.delete_cookie(LOGIN_COOKIE, path="/auth/oidc")
    response.set_cookie(sessions.COOKIE_NAME, session_token, httponly=True, samesite="lax",
                        secure=settings().cookie_secure, path="/",
                        max_age=settings().session_max_hours * 3600)
    return response


def oidc_routes() -> list[Route]:
    return [
        Route("/auth/oidc/{provider}/start", start, methods=["GET"]),
        Route("/auth/oidc/{provider}/callback", callback, methods=["GET"]),
    ]
