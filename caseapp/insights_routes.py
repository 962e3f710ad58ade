"""HTTP route for Insights: the heatmap data as CSV, for funders.

Route and who may use it (the role matrix's "export" row):
- GET /exports/insights.csv — admin and manager. Case workers and volunteers get 403, no session
  gets 401. Query parameters are the heatmap's filters (status, concern_level, worker, pathway,
  search, tag); the service checks access, keeps cells safe from spreadsheet formulas, leaves out
  the names of the people supported, and audits the export.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from caseapp import insights
from caseapp.auth import sessions
from caseapp.errors import NotSignedIn, PermissionDenied, ValidationFailed
from caseapp.insights import InsightFilters

NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def filters_from_query(query: dict[str, str]) -> InsightFilters:
    pathway = query.get("pathway", "")
    return InsightFilters(
        search=query.get("search", "")[:200], status=query.get("status", "open")[:10],
        concern_level=query.get("concern_level", "")[:10], worker=query.get("worker", "")[:12],
        pathway_id=int(pathway) if pathway.isdigit() and len(pathway) < 11 else None,
        tag=query.get("tag", "")[:40])


async def insights_csv(request: Request) -> Response:
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
        text = await run_in_threadpool(insights.export_csv, actor,
                                       filters_from_query(dict(request.query_params)))
    except NotSignedIn:
        return JSONResponse({"error": "Please sign in"}, status_code=401, headers=NO_STORE)
    except PermissionDenied as exc:
        return JSONResponse({"error": str(exc)}, status_code=403, headers=NO_STORE)
    except ValidationFailed as exc:
        return JSONResponse({"error": str(exc), "errors": exc.errors}, status_code=422,
                            headers=NO_STORE)
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="insights.csv"'}
    # A byte-order mark so spreadsheet programs read the names as UTF-8.
    return Response(("\ufeff" + text).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers=headers)


def insight_routes() -> list[Route]:
    return [Route("/exports/insights.csv", insights_csv, methods=["GET"])]
