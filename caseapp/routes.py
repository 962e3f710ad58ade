"""HTTP routes beside Reflex's socket: sign-in/out (they set and clear the HttpOnly session cookie,
which page code cannot do), attachment downloads (authorised and audited, never a public folder),
the interaction save route the device outbox sends through, and the service worker.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from caseapp import interactions
from caseapp.auth import sessions
from caseapp.config import settings
from caseapp.errors import (
    CaselineError,
    Conflict,
    NoAccess,
    NotSignedIn,
    PermissionDenied,
    ValidationFailed,
)
from caseapp.interactions import NewInteraction, open_attachment
from caseapp.pwa import service_worker_script

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# Sign-out leaves nothing of the app on the device: cached files, local storage, the outbox
# (emptied or knowingly discarded first, by assets/outbox.js) and the service worker.
CLEAR_SITE_DATA = {"Clear-Site-Data": '"cache", "storage"'}


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
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303,
                                headers={**NO_STORE, **CLEAR_SITE_DATA})
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


def _same_origin(request: Request) -> bool:
    """Script on another site could otherwise post with the user's cookie (it is SameSite=Lax,
    which already stops that in current browsers; this holds for older ones too)."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def _answer(outcome: str, status: int, **body: object) -> JSONResponse:
    return JSONResponse({"outcome": outcome, **body}, status_code=status, headers=NO_STORE)


def _int_field(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


async def save_interaction(request: Request) -> Response:
    """Save one interaction sent from the page, now or later from the device's outbox.

    The same service call as everywhere else checks the session and the actor's access; the
    client's reference makes a re-send return the first save instead of adding a duplicate.
    Answers say what the outbox should do: forget the item (saved, invalid), keep it and wait
    (signed_out, wrong_user), or keep it and show the problem (conflict, refused).
    """
    if not _same_origin(request):
        return _answer("refused", 403, message="This request did not come from Caseline")
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
    except NotSignedIn:
        return _answer("signed_out", 401, message="Sign in to send your saved notes")
    s = settings()
    limit = s.max_upload_bytes
    async with request.form(max_files=s.max_attachments_per_interaction + 1,
                            max_fields=40) as form:
        author = _int_field(form.get("author"))
        if author is not None and author != actor.id:
            # Written by someone else on this device: it waits for them to sign in.
            return _answer("wrong_user", 409, message="Written by another user")
        case_id = _int_field(form.get("case_id"))
        client_ref = str(form.get("client_ref") or "").strip()
        if case_id is None or not client_ref:
            return _answer("invalid", 422, errors={"text": "This save was incomplete; nothing "
                                                            "was saved. Press Save again."})
        files: list[tuple[str, bytes]] = []
        for upload in form.getlist("attachments"):
            if isinstance(upload, str):
                continue
            # Read one byte past the limit: enough to know it is too big without holding more.
            files.append((upload.filename or "attachment", await upload.read(limit + 1)))
        new = NewInteraction(
            kind=str(form.get("kind") or ""), occurred_at=str(form.get("occurred_at") or ""),
            text=str(form.get("text") or ""),
            private=str(form.get("private") or "").lower() in ("true", "1", "on"),
            concern_level=str(form.get("concern_level") or "") or None,
            client_ref=client_ref)
        expected = _int_field(form.get("expected_version"))
    try:
        interaction_id = await run_in_threadpool(interactions.add_interaction, actor, case_id,
                                                 new, files, expected)
    except ValidationFailed as exc:
        return _answer("invalid", 422, errors=exc.errors)
    except Conflict as exc:
        return _answer("conflict", 409, message=str(exc))
    except NotSignedIn:
        return _answer("signed_out", 401, message="Sign in to send your saved notes")
    except (NoAccess, PermissionDenied) as exc:
        return _answer("refused", 403, message=str(exc))
    except CaselineError as exc:
        return _answer("invalid", 422, errors={"text": str(exc)})
    return _answer("saved", 201, id=interaction_id)


async def service_worker(_request: Request) -> Response:
    # Served from the site root so it may control every page; revalidated on each check so an
    # update reaches devices promptly.
    return Response(service_worker_script(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


class UploadSizeLimit:
    """Refuse oversized bodies on Reflex's upload endpoint before they are parsed to disk.

    The per-file limit is checked again in the service; this stops a huge request early, since
    Reflex's own ``max_size`` is only checked in the browser.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (scope["path"].endswith("/_upload")
                                           or scope["path"] == "/api/interactions"):
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
        Route("/api/interactions", save_interaction, methods=["POST"]),
        Route("/sw.js", service_worker, methods=["GET"]),
    ])
