"""HTTP routes beside Reflex's socket: sign-in/out (they set and clear the HttpOnly session cookie,
which page code cannot do) and attachment downloads (authorised and audited, never a public folder).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from caseapp.auth import sessions
from caseapp.config import settings
from caseapp.errors import NoAccess, NotSignedIn
from caseapp.interactions import open_attachment

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _safe_next(value: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in would be a phishing aid."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/cases"


async def sign_in(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    next_path = _safe_next(str(form.get("next") or ""))
    try:
        # argon2 is slow on purpose: keep it off the event loop that serves everyone else.
        token, _actor = await run_in_threadpool(sessions.sign_in, email, password)
    except NotSignedIn:
        return RedirectResponse(f"/sign-in?error=1&email={quote(email[:254])}",
                                status_code=303, headers=NO_STORE)
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    response.set_cookie(
        sessions.COOKIE_NAME, token, httponly=True, samesite="lax",
        secure=settings().cookie_secure, path="/",
        max_age=settings().session_max_hours * 3600,
    )
    return response


async def sign_out(request: Request) -> Response:
    await run_in_threadpool(sessions.sign_out, request.cookies.get(sessions.COOKIE_NAME))
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303, headers=NO_STORE)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def attachment(request: Request) -> Response:
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
        attachment_id = int(request.path_params["attachment_id"])
        served = await run_in_threadpool(open_attachment, actor, attachment_id,
                                         request.url.path.endswith("/thumbnail"))
    except NotSignedIn:
        return JSONResponse({"error": "Please sign in"}, status_code=401, headers=NO_STORE)
    except (NoAccess, ValueError):
        return JSONResponse({"error": "You do not have access to this file"}, status_code=404,
                            headers=NO_STORE)
    # Images show inline; everything else downloads, so a document never renders as a page.
    disposition = "inline" if served.is_image else "attachment"
    headers = {
        **NO_STORE,
        "Cache-Control": "private, no-store",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(served.display_name)}",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return Response(served.data, media_type=served.content_type, headers=headers)


class UploadSizeLimit:
    """Refuse oversized bodies on Reflex's upload endpoint before they are parsed to disk.

    The per-file limit is checked again in the service; this stops a huge request early, since
    Reflex's own ``max_size`` is only checked in the browser.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/_upload"):
            await self.app(scope, receive, send)
            return
        s = settings()
        limit = s.max_upload_bytes * s.max_attachments_per_interaction + 1024 * 1024
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await JSONResponse({"error": "Those files are too large to upload together"},
                               status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ValueError("upload body over the limit")
            return message

        await self.app(scope, counted, send)


class SecurityHeaders:
    """Headers on every HTTP response. The CSP limits framing, plugins, base URLs and where
    forms may post; a script policy needs Reflex's inline bootstrap hashed first (issue 6)."""

    HEADERS: tuple[tuple[bytes, bytes], ...] = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
        (b"content-security-policy",
         b"frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.HEADERS)
        if settings().cookie_secure:  # behind HTTPS: browsers should never use plain HTTP
            extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in extra if h[0] not in present)]}
            await send(message)

        await self.app(scope, receive, with_headers)


def http_routes() -> Starlette:
    return Starlette(routes=[
        Route("/auth/sign-in", sign_in, methods=["POST"]),
        Route("/auth/sign-out", sign_out, methods=["POST"]),
        Route("/files/attachments/{attachment_id:int}", attachment, methods=["GET"]),
        Route("/files/attachments/{attachment_id:int}/thumbnail", attachment, methods=["GET"]),
    ])
