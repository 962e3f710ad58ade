"""HTTP route of the workload page: the workload table as a CSV download.

    GET /workload.csv   admin, manager (case workers and volunteers: 403; signed out: 401)

The service (caseapp.workload.export_csv) checks the role and writes the audit event; cells a
spreadsheet would run as a formula are prefixed with a single quote there.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from caseapp.auth import sessions
from caseapp.errors import NotSignedIn, PermissionDenied
from caseapp.workload import export_csv

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def workload_csv(request: Request) -> Response:
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
        text = await run_in_threadpool(export_csv, actor)
    except NotSignedIn:
        return JSONResponse({"error": "Please sign in"}, status_code=401, headers=NO_STORE)
    except PermissionDenied as exc:
        return JSONResponse({"error": str(exc)}, status_code=403, headers=NO_STORE)
    headers = {**NO_STORE, "Cache-Control": "private, no-store",
               "Content-Disposition": 'attachment; filename="workload.csv"'}
    # A byte-order mark so spreadsheet programs read the names as UTF-8.
    return Response(("\ufeff" + text).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers=headers)


def workload_routes() -> list[Route]:
    return [Route("/workload.csv", workload_csv, methods=["GET"])]
