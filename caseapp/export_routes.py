"""HTTP routes for the CSV exports (caseapp/exporting.py does the checking and the work).

Routes and the roles they allow (DESIGN.md §4, "export": admin and manager):

| route | admin | manager | case worker | volunteer | signed out |
|---|---|---|---|---|---|
| GET /export/cases.csv | yes | yes | 403 | 403 | 401 |
| GET /export/interactions.csv | yes | yes | 403 | 403 | 401 |

Query parameters are the cases list's filters: ``search``, ``status``, ``concern_level``,
``worker`` ("me", "unassigned" or a staff id), ``pathway`` (an id), ``tag``; interactions also
take ``from`` and ``to`` (YYYY-MM-DD, the organisation's local days, inclusive). A refusal has
the same body for every role that is refused. Answers carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from caseapp import exporting
from caseapp.auth import sessions
from caseapp.cases import CaseFilters
from caseapp.errors import NotSignedIn, PermissionDenied, ValidationFailed
from caseapp.exporting import PreparedExport

NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def case_filters(request: Request) -> CaseFilters:
    q = request.query_params
    pathway = q.get("pathway", "").strip()
    return CaseFilters(search=q.get("search", "")[:200], status=q.get("status", "")[:20],
                       concern_level=q.get("concern_level", "")[:20],
                       worker=q.get("worker", "")[:20],
                       pathway_id=int(pathway) if pathway.isascii() and pathway.isdigit()
                       and len(pathway) <= 9 else None,
                       tag=q.get("tag", "")[:40])


async def _export(request: Request, prepare: Callable[..., PreparedExport],
                  *args: object) -> Response:
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
        prepared = await run_in_threadpool(prepare, actor, case_filters(request), *args)
    except NotSignedIn:
        return JSONResponse({"error": "Please sign in"}, status_code=401, headers=NO_STORE)
    except PermissionDenied:
        return JSONResponse({"error": exporting.ONLY_EXPORTERS}, status_code=403,
                            headers=NO_STORE)
    except ValidationFailed as exc:
        return JSONResponse({"error": str(exc), "errors": exc.errors}, status_code=422,
                            headers=NO_STORE)
    headers = {**NO_STORE, "X-Export-Rows": str(prepared.rows),
               "Content-Disposition": f'attachment; filename="{prepared.file_name}"'}
    # A plain iterator: Starlette pulls each batch in a worker thread, off the event loop.
    return StreamingResponse(prepared.chunks, media_type="text/csv; charset=utf-8",
                             headers=headers)


async def cases_csv(request: Request) -> Response:
    return await _export(request, exporting.export_cases)


async def interactions_csv(request: Request) -> Response:
    q = request.query_params
    return await _export(request, exporting.export_interactions, q.get("from", "")[:10],
                         q.get("to", "")[:10])


def export_routes() -> list[Route]:
    return [
        Route("/export/cases.csv", cases_csv, methods=["GET"]),
        Route("/export/interactions.csv", interactions_csv, methods=["GET"]),
    ]
