"""HTTP routes for sign-in beyond the password form: single sign-on (caseapp.auth.oidc) and the
authenticator-code step (caseapp.auth.totp).

Routes and roles: all are public, being how a person signs in.
- GET /auth/oidc/{provider}/start, GET /auth/oidc/{provider}/callback: see caseapp.auth.oidc.
- POST /auth/sign-in/code: the code step after a right password; only the browser holding the
  challenge cookie that password set can use it, and it opens a session for that one account.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from caseapp.auth import sessions, totp
from caseapp.auth.oidc import oidc_routes
from caseapp.config import settings
from caseapp.errors import NotSignedIn

CHALLENGE_COOKIE = "caseline_challenge"
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def set_challenge_cookie(response: Response, challenge: str) -> None:
    response.set_cookie(CHALLENGE_COOKIE, challenge, httponly=True, samesite="strict",
                        secure=settings().cookie_secure, path="/auth/sign-in",
                        max_age=int(totp.CHALLENGE_LIFETIME.total_seconds()))


async def sign_in_code(request: Request) -> Response:
    form = await request.form()
    code = str(form.get("code") or "")[:40]
    try:
        token, _actor, next_path = await run_in_threadpool(
            totp.complete_challenge, request.cookies.get(CHALLENGE_COOKIE), code,
            request.headers.get("user-agent", ""))
    except NotSignedIn as exc:
        if str(exc) == totp.WRONG_CODE:
            return RedirectResponse("/sign-in?step=code&error=code", status_code=303,
                                    headers=NO_STORE)
        response = RedirectResponse("/sign-in?error=timeout", status_code=303, headers=NO_STORE)
        response.delete_cookie(CHALLENGE_COOKIE, path="/auth/sign-in")
        return response
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    response.delete_cookie(CHALLENGE_COOKIE, path="/auth/sign-in")
    response.set_cookie(sessions.COOKIE_NAME, token, httponly=True, samesite="lax",
                        secure=settings().cookie_secure, path="/",
                        max_age=settings().session_max_hours * 3600)
    return response


def second_step_redirect(challenge: str, next_path: str) -> Response:
    """Where a right password goes when the account also needs a code."""
    response = RedirectResponse(f"/sign-in?step=code&next={quote(next_path)}", status_code=303,
                                headers=NO_STORE)
    set_challenge_cookie(response, challenge)
    return response


def auth_routes() -> list[Route]:
    return [
        *oidc_routes(),
        Route("/auth/sign-in/code", sign_in_code, methods=["POST"]),
    ]
