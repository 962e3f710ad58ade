"""HTTP routes beside Reflex's socket: sign-in/out (they set and clear the HttpOnly session cookie,
which page code cannot do), attachment downloads (authorised and audited, never a public folder),
the audit-trail CSV export (admins), the interaction save route the device outbox sends through,
the service worker, and the health and readiness checks a load balancer or orchestrator polls.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caseapp import interactions
from caseapp.api import api_routes
from caseapp.auth import sessions
from caseapp.auth.web import auth_routes, second_step_redirect
from caseapp.config import settings
from caseapp.errors import (
    CaselineError,
    Conflict,
    NoAccess,
    NotSignedIn,
    PermissionDenied,
    ValidationFailed,
)
from caseapp.export_routes import export_routes
from caseapp.insights_routes import insight_routes
from caseapp.interactions import NewInteraction, open_attachment
from caseapp.pwa import service_worker_script
from caseapp.rights_routes import rights_routes
from caseapp.trail import TrailFilters, export_csv
from caseapp.workload_routes import workload_routes

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
        token, _actor = await run_in_threadpool(sessions.sign_in, email, password,
                                                request.headers.get("user-agent", ""), next_path)
    except sessions.SecondStepRequired as step:
        return second_step_redirect(step.challenge, next_path)
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
        attachment_id = _int_field(request.path_params["attachment_id"])
        if attachment_id is None:
            raise NoAccess()  # not an id at all: the same answer as a file that is not there
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


def _trail_filters(request: Request) -> TrailFilters:
    q = request.query_params
    return TrailFilters(who=q.get("who", "")[:120], action=q.get("action", "")[:60],
                        record=q.get("record", "")[:60], date_from=q.get("from", "")[:10],
                        date_to=q.get("to", "")[:10])


async def audit_trail_csv(request: Request) -> Response:
    """The filtered audit trail as a CSV download, for admins; the service checks and audits."""
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
        exported = await run_in_threadpool(export_csv, actor, _trail_filters(request))
    except NotSignedIn:
        return JSONResponse({"error": "Please sign in"}, status_code=401, headers=NO_STORE)
    except PermissionDenied as exc:
        return JSONResponse({"error": str(exc)}, status_code=403, headers=NO_STORE)
    except ValidationFailed as exc:
        return JSONResponse({"error": str(exc), "errors": exc.errors}, status_code=422,
                            headers=NO_STORE)
    headers = {
        **NO_STORE,
        "Cache-Control": "private, no-store",
        "Content-Disposition": 'attachment; filename="audit-trail.csv"',
    }
    # A byte-order mark so spreadsheet programs read the names as UTF-8.
    return Response(("\ufeff" + exported.csv).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers=headers)


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
    # ASCII digits only ("²".isdigit() is true but int() refuses it) and no absurd lengths.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


# Room for the note's text and the other form fields around the files themselves.
FORM_OVERHEAD_BYTES = 1024 * 1024
TOO_LARGE = ("These files are too large to send together (at most {mb:g} MB each, {n} files). "
             "Nothing was saved.")


class BodyTooLarge(ValueError):
    """A request body grew past the limit while it was being read. A ValueError so that
    Reflex's chunked upload parser, which catches those, fails its upload task cleanly."""


def body_limit() -> int:
    """The most an interaction save (or a Reflex upload) may send: every file at its limit."""
    s = settings()
    return s.max_upload_bytes * s.max_attachments_per_interaction + FORM_OVERHEAD_BYTES


def _too_large_message() -> str:
    s = settings()
    return TOO_LARGE.format(mb=s.max_upload_bytes / (1024 * 1024),
                            n=s.max_attachments_per_interaction)


def _too_large() -> JSONResponse:
    # "invalid" keeps the note in the device's outbox as a problem to fix, never lost.
    return _answer("invalid", 413, errors={"attachments": _too_large_message()})


def _counting_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises BodyTooLarge as soon as more than ``limit`` bytes have come."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(_too_large_message())
        return message

    return counted


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
    # Refused before parsing when the declared size is over, and again while streaming for a
    # client whose Content-Length lies (or that sends none): never read far past the limit.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit():
        return _too_large()
    counted = Request(request.scope, _counting_receive(request.receive, body_limit()))
    try:
        async with counted.form(max_files=s.max_attachments_per_interaction,
                                max_fields=40) as form:
            author = _int_field(form.get("author"))
            if author is not None and author != actor.id:
                # Written by someone else on this device: it waits for them to sign in.
                return _answer("wrong_user", 409, message="Written by another user")
            case_id = _int_field(form.get("case_id"))
            client_ref = str(form.get("client_ref") or "").strip()
            if case_id is None or not client_ref:
                return _answer("invalid", 422, errors={"text": "This save was incomplete; "
                                                                "nothing was saved. Press Save again."})
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
    except BodyTooLarge:
        return _too_large()
    except (HTTPException, MultiPartException) as exc:
        # Starlette's parser limits (file count, field count and size, broken multipart).
        detail = str(getattr(exc, "detail", "") or getattr(exc, "message", ""))
        if "Too many files" in detail:
            return _answer("invalid", 422, errors={"attachments": (
                f"Attach at most {s.max_attachments_per_interaction} files to one note. "
                "Nothing was saved.")})
        return _answer("invalid", 422, errors={"text": "This save could not be read; nothing "
                                                        "was saved. Press Save again."})
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


async def healthz(_request: Request) -> Response:
    """The process is up and answering; touches nothing else, so a slow database never gets a
    healthy process restarted."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


def _readiness() -> str | None:
    """None when ready, else a short reason (no names, no data: the endpoint is public)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from caseapp.db import engine
    from caseapp.migrate import head_revision

    try:
        with engine().connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return "database unreachable or not set up"
    if current != head_revision():
        return "database migrations not at head"
    return None


async def readyz(_request: Request) -> Response:
    """Ready for traffic: the database answers and is migrated to this version's schema."""
    reason = await run_in_threadpool(_readiness)
    if reason is not None:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503,
                            headers=NO_STORE)
    return JSONResponse({"status": "ready"}, headers=NO_STORE)


class UploadSizeLimit:
    """Refuse oversized bodies on Reflex's upload endpoint before they are parsed to disk.

    The per-file limit is checked again in the service; this stops a huge request early, since
    Reflex's own ``max_size`` is only checked in the browser.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The interaction save route checks the same limit itself, answering as the outbox expects.
        if scope["type"] != "http" or not scope["path"].endswith("/_upload"):
            await self.app(scope, receive, send)
            return
        limit = body_limit()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        refusal = JSONResponse({"error": _too_large_message()}, status_code=413)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await refusal(scope, receive, send)
            return
        started = overflowed = False
        counting = _counting_receive(receive, limit)

        async def counted() -> Message:
            nonlocal overflowed
            try:
                return await counting()
            except BodyTooLarge:
                overflowed = True
                raise

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if overflowed:  # Reflex answered the cut-off with its own 400: say what it was
                    message = {**message, "status": 413}
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if started:
                raise  # too late for an answer of our own; the server closes the connection
            await refusal(scope, receive, send)


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
        *auth_routes(),
        # Plain {attachment_id}, not {…:int}: Starlette's int convertor runs int() while matching,
        # and a path of over 4,300 digits made that raise (a 500) before any handler could answer.
        Route("/files/attachments/{attachment_id}", attachment, methods=["GET"]),
        Route("/files/attachments/{attachment_id}/thumbnail", attachment, methods=["GET"]),
        Route("/admin/audit-trail.csv", audit_trail_csv, methods=["GET"]),
        Route("/api/interactions", save_interaction, methods=["POST"]),
        *api_routes(),
        Route("/sw.js", service_worker, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *workload_routes(),
        *insight_routes(),
        *rights_routes(),
        *export_routes(),
    ])
