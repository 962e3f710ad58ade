"""HTTP route for data-subject rights: downloading a finished subject access export.

``GET /admin/subject-access/{job_id}``: admins only. Every other role gets 403 before any look-up
(the same answer whatever the id), a missing, expired or erased export gets 404, no session 401.
The file is streamed from the private exports folder as an attachment, never cached. The
service (caseapp.subject_access.open_export) checks the role and audits the download.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from caseapp.auth import sessions
from caseapp.errors import NotSignedIn, PermissionDenied, ValidationFailed
from caseapp.subject_access import NO_EXPORT, open_export

NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


async def subject_access_download(request: Request) -> Response:
    try:
        actor = await run_in_threadpool(sessions.actor_for_token,
                                        request.cookies.get(sessions.COOKIE_NAME))
        exported = await run_in_threadpool(open_export, actor,
                                           int(request.path_params["job_id"]))
    except NotSignedIn:
        return JSONResponse({"error": "Please sign in"}, status_code=401, headers=NO_STORE)
    except PermissionDenied as exc:
        return JSONResponse({"error": str(exc)}, status_code=403, headers=NO_STORE)
    except (ValidationFailed, ValueError):
        return JSONResponse({"error": NO_EXPORT}, status_code=404, headers=NO_STORE)
    return FileResponse(exported.path, media_type="application/zip", headers={
        **NO_STORE,
        "Content-Disposition": f'attachment; filename="{exported.filename}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


def rights_routes() -> list[Route]:
    # Not {job_id:int}: that convertor's int() raised while matching a path of 4,300+ digits.
    return [Route("/admin/subject-access/{job_id}", subject_access_download,
                  methods=["GET"])]
