"""The JSON API for integrations, under /api/v1/: cases, people, interactions and pathways, read
and create, with an OpenAPI 3.1 document at /api/v1/openapi.json.

A call signs in with a personal API token (``Authorization: Bearer cl_...``, made on the API
tokens page; caseapp/auth/api_tokens.py) and acts as that token's user: every route calls the same
domain service as the UI with that user as the actor, so the access policy and the audit trail
are the UI's. After a service has decided which records the actor may see (and audited the read),
a route may read machine-readable values of exactly those records (ISO dates, the note's
markdown) that the service formats for the screen.

Routes and the roles they allow (DESIGN.md §4; refusals come from the services):

| route | admin | manager | case worker | volunteer |
|---|---|---|---|---|
| GET /api/v1/openapi.json | public (no token) | | | |
| GET /api/v1/me | yes | yes | yes | yes |
| GET /api/v1/cases | all | all | team + unassigned | assigned only |
| POST /api/v1/cases | yes | yes | for themselves or unassigned | no (403) |
| GET /api/v1/cases/{id} | all | all | team + unassigned | assigned only |
| GET /api/v1/cases/{id}/interactions | all | all | team's; own private | assigned; own private |
| POST /api/v1/cases/{id}/interactions | all | all | cases they may open | assigned only |
| GET /api/v1/people | yes | yes | yes | no (403) |
| POST /api/v1/people | yes | yes | yes | no (403) |
| GET /api/v1/pathways | yes | yes | yes | yes |
| POST /api/v1/pathways | yes | yes | no (403) | no (403) |

Answers: JSON, ``Cache-Control: no-store``. Errors are ``{"error": message}`` (with ``errors``, a
field-to-message map, on 422): 400 unreadable body, 401 no or bad token, 403 not allowed, 404 a
case that does not exist or that the token's user may not see (the same answer for both), 409 a
conflicting change, 413 body too large, 422 invalid input (nothing is changed). Lists take
``limit`` and an opaque ``cursor`` and answer ``{"items": [...], "next": url or null}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from caseapp import audit, cases, interactions, markdown, pathways, people
from caseapp.actor import Actor
from caseapp.auth.api_tokens import authenticate
from caseapp.cases import MAX_ID, CaseFilters, NewCase
from caseapp.db import session_scope
from caseapp.errors import (
    CaselineError,
    Conflict,
    NoAccess,
    NotSignedIn,
    PermissionDenied,
    ValidationFailed,
)
from caseapp.interactions import NewInteraction
from caseapp.models import Case, Interaction, InteractionTag, Person, Tag, User
from caseapp.people import NewPerson
from caseapp.textinput import clean_line

PREFIX = "/api/v1"
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_BODY_BYTES = 1024 * 1024  # a note at its longest is well under this
BAD_PAGE = "Bad page marker: use the next link of the previous page"

Status = Literal["open", "paused", "closed"]
Concern = Literal["low", "medium", "high"]
Kind = Literal["note", "meeting", "phone_call", "home_visit", "email", "drop_in"]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _utf8(value: str) -> str:
    """JSON may carry lone surrogate escapes, which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("Text must be valid Unicode") from exc
    return value


def _text(max_length: int) -> Any:
    return Annotated[str, Field(max_length=max_length), AfterValidator(_utf8)]


# --- Bodies -----------------------------------------------------------------------------------


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(Body):
    """A person: only ``name`` is required. The service checks formats and says what is wrong."""

    name: _text(200)  # type: ignore[valid-type]
    date_of_birth: date | None = None
    phone: _text(40) = ""  # type: ignore[valid-type]
    email: _text(254) = ""  # type: ignore[valid-type]
    address: _text(400) = ""  # type: ignore[valid-type]
    postcode: _text(12) = ""  # type: ignore[valid-type]


class CaseIn(Body):
    """A new case for an existing person (``person_id``) or a new one (``person``)."""

    person_id: Id | None = None
    person: PersonIn | None = None
    worker_id: Id | None = None
    pathway_id: Id
    status: Status = "open"
    concern_level: Concern = "low"
    tags: list[_text(40)] = Field(default_factory=list, max_length=10)  # type: ignore[valid-type]
    start_date: date | None = None


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("Check the year") from exc


class InteractionIn(Body):
    """A touchpoint on a case. ``client_ref`` makes a re-send return the first save's id;
    ``expected_version`` (the case's ``version``) guards a concern change against a newer one."""

    kind: Kind = "note"
    occurred_at: Annotated[AwareDatetime, AfterValidator(_to_utc)] | None = None
    text: Annotated[str, AfterValidator(_utf8)]
    private: bool = False
    concern_level: Concern | None = None
    outcome: _text(300) = ""  # type: ignore[valid-type]
    tags: list[_text(40)] = Field(default_factory=list, max_length=10)  # type: ignore[valid-type]
    client_ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,64}$")] | None = None
    expected_version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class PathwayIn(Body):
    name: _text(80)  # type: ignore[valid-type]
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#2563eb"
    description: _text(1000) = ""  # type: ignore[valid-type]


# --- Query parameters -------------------------------------------------------------------------


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=100, description="Items per page")] = 25
    cursor: Annotated[str, Field(max_length=200, description=(
        "Opaque page marker from the previous page's next link"))] = ""


class CasesQuery(PageQuery):
    search: Annotated[str, Field(max_length=200, description="Name or reference")] = ""
    status: Status | None = None
    concern_level: Concern | None = None
    worker: Annotated[str, Field(pattern=r"^(|me|unassigned|[1-9][0-9]{0,8})$", description=(
        "me, unassigned, or a staff member's id"))] = ""
    pathway_id: Id | None = None
    tag: Annotated[str, Field(max_length=40)] = ""
    sort: Literal["last_interaction", "name", "worker", "status", "concern", "pathway",
                  "start"] = "last_interaction"
    order: Literal["asc", "desc"] = "desc"


class PeopleQuery(PageQuery):
    search: Annotated[str, Field(min_length=2, max_length=200,
                                 description="Part of the person's name")]
    limit: Annotated[int, Field(ge=1, le=50, description="Items per page")] = 20


class PathwaysQuery(PageQuery):
    include_archived: bool = False


# --- Answers ----------------------------------------------------------------------------------


class Error(BaseModel):
    error: str
    errors: dict[str, str] | None = Field(None, description="Field name to message (422)")
    current: dict[str, Any] | None = Field(None, description="The record's current values (409)")


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str
    team: str | None


class CaseOut(BaseModel):
    id: int
    reference: str
    person_id: int
    person_name: str
    worker_id: int | None
    worker_name: str
    pathway_id: int
    pathway_name: str
    status: str
    concern_level: str
    tags: list[str]
    start_date: date
    end_date: date | None
    last_interaction_at: datetime | None


class CasePage(BaseModel):
    items: list[CaseOut]
    total: int
    next: str | None


class PersonDetail(BaseModel):
    id: int
    name: str
    date_of_birth: date | None
    phone: str
    email: str
    address: str
    postcode: str


class HistoryOut(BaseModel):
    when: str = Field(description="Shown in the organisation's time zone")
    who: str
    what: str


class CaseDetailOut(BaseModel):
    id: int
    reference: str
    version: int = Field(description="Send as expected_version to guard a concern change")
    person: PersonDetail
    worker_id: int | None
    worker_name: str
    pathway_id: int
    pathway_name: str
    status: str
    concern_level: str
    tags: list[str]
    start_date: date
    end_date: date | None
    last_interaction_at: datetime | None
    history: list[HistoryOut]
    can_add_interaction: bool
    can_change_status: bool
    can_reassign: bool
    can_claim: bool


class AttachmentOut(BaseModel):
    id: int
    name: str
    size: str
    is_image: bool
    url: str


class InteractionOut(BaseModel):
    id: int
    case_id: int
    kind: str
    occurred_at: datetime
    author_id: int
    author_name: str
    text: str = Field(description="Markdown as written")
    html: str = Field(description="The markdown rendered and sanitised")
    private: bool
    outcome: str
    concern_level: str | None
    tags: list[str]
    attachments: list[AttachmentOut]


class InteractionPage(BaseModel):
    items: list[InteractionOut]
    next: str | None


class PersonOut(BaseModel):
    id: int
    name: str
    date_of_birth: date | None
    postcode: str
    cases: int


class PersonPage(BaseModel):
    items: list[PersonOut]
    next: str | None


class PathwayOut(BaseModel):
    id: int
    name: str
    colour: str
    description: str
    archived: bool
    open_cases: int
    total_cases: int


class PathwayPage(BaseModel):
    items: list[PathwayOut]
    next: str | None


# --- Plumbing ---------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="caseline"'
    body = {"error": message, **{k: v for k, v in extra.items() if v is not None}}
    return JSONResponse(body, status_code=status, headers=headers)


def _ok(model: BaseModel, status: int = 200, location: str | None = None) -> JSONResponse:
    headers = dict(NO_STORE)
    if location:
        headers["Location"] = location
    return JSONResponse(model.model_dump(mode="json"), status_code=status, headers=headers)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False, include_input=False):
        key = ".".join(str(p) for p in err["loc"]) or "body"
        out.setdefault(key, err["msg"])
    return out


def _invalid(exc: ValidationError) -> ApiError:
    errors = _field_errors(exc)
    return ApiError(422, "; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


Q = TypeVar("Q", bound="Query")
B = TypeVar("B", bound="Body")


def _query(request: Request, model: type[Q]) -> Q:
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise _invalid(exc) from exc


async def _body(request: Request, model: type[B]) -> B:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "The body is too large (at most 1 MB)")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, "The body is too large (at most 1 MB)")
    try:
        data = json.loads(bytes(raw))
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "Send the body as JSON (Content-Type: application/json)") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


Handler = Callable[[Request, Actor], Awaitable[Response]]


def _authenticated(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Resolve the token's user, run the handler, and turn service refusals into answers."""

    async def endpoint(request: Request) -> Response:
        try:
            token = _bearer(request)
            if token is None:
                return _error(401, "Send an API token: Authorization: Bearer <token>")
            actor, token_id = await run_in_threadpool(authenticate, token)
            # Every audit event of this call names the token (the context reaches the threads
            # the services run in).
            via = audit.VIA.set({"api_token": token_id})
            try:
                return await handler(request, actor)
            finally:
                audit.VIA.reset(via)
        except ApiError as exc:
            return _error(exc.status, exc.message, **exc.extra)
        except NotSignedIn as exc:
            return _error(401, str(exc))
        except NoAccess as exc:
            return _error(404, str(exc))
        except PermissionDenied as exc:
            return _error(403, str(exc))
        except ValidationFailed as exc:
            return _error(422, str(exc), errors=exc.errors)
        except Conflict as exc:
            return _error(409, str(exc), current=exc.current)
        except CaselineError as exc:
            return _error(422, str(exc), errors={"body": str(exc)})

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def _case_id(request: Request) -> int:
    """The path's case id; anything that is not one is answered like a case the actor may not
    see (the service does this for numbers that match nothing)."""
    text = request.path_params["case_id"]
    if text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID:
        return int(text)
    raise NoAccess()


def _next(request: Request, cursor: str | None) -> str | None:
    return str(request.url.include_query_params(cursor=cursor)) if cursor else None


def _offset_cursor(text: str, most: int) -> int:
    if not text:
        return 0
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and int(text) <= most):
        raise ApiError(422, BAD_PAGE, errors={"cursor": BAD_PAGE})
    return int(text)


# --- Routes -----------------------------------------------------------------------------------


async def openapi_json(_request: Request) -> Response:
    return JSONResponse(openapi_document(), headers={"Cache-Control": "no-cache"})


async def me(_request: Request, actor: Actor) -> Response:
    """The token's user."""
    return _ok(Me(id=actor.id, name=actor.name, email=actor.email, role=actor.role.value,
                  team=actor.team))


def _case_facts(ids: list[int]) -> dict[int, Any]:
    """Machine-readable values of cases a service has just returned to this actor."""
    if not ids:
        return {}
    with session_scope() as db:
        return {c.id: c for c in db.exec(select(Case).where(col(Case.id).in_(ids)))}


def _list_cases(actor: Actor, q: CasesQuery) -> CasePage:
    page = _offset_cursor(q.cursor, 1_000_000) if q.cursor else 1
    if page < 1:
        raise ApiError(422, BAD_PAGE, errors={"cursor": BAD_PAGE})
    found = cases.list_cases(actor, CaseFilters(
        search=clean_line(q.search), status=q.status or "", concern_level=q.concern_level or "",
        worker=q.worker, pathway_id=q.pathway_id, tag=clean_line(q.tag), sort=q.sort,
        descending=q.order == "desc", page=page, page_size=q.limit))
    rows = found.rows if found.page == page else []  # past the end: the service gives the last
    facts = _case_facts([r.id for r in rows])
    items = [CaseOut(
        id=r.id, reference=r.reference, person_id=facts[r.id].person_id,
        person_name=r.person_name, worker_id=r.worker_id, worker_name=r.worker_name,
        pathway_id=facts[r.id].pathway_id, pathway_name=r.pathway_name, status=r.status,
        concern_level=r.concern_level, tags=r.tags, start_date=facts[r.id].start_date,
        end_date=facts[r.id].end_date, last_interaction_at=facts[r.id].last_interaction_at)
        for r in rows if r.id in facts]
    return CasePage(items=items, total=found.total,
                    next=str(page + 1) if rows and page < found.pages else None)


async def list_cases(request: Request, actor: Actor) -> Response:
    """Cases the token's user may see, filtered and sorted like the cases list."""
    q = _query(request, CasesQuery)
    result = await run_in_threadpool(_list_cases, actor, q)
    result.next = _next(request, result.next)
    return _ok(result)


def _case_detail(actor: Actor, case_id: int) -> CaseDetailOut:
    d = cases.get_case(actor, case_id)  # checks access, audits the view
    with session_scope() as db:
        case = db.get(Case, d.id)
        person = db.get(Person, d.person_id)
        assert case is not None and person is not None
    return CaseDetailOut(
        id=d.id, reference=d.reference, version=d.version,
        person=PersonDetail(id=person.id, name=person.name, date_of_birth=person.date_of_birth,
                            phone=person.phone or "", email=person.email or "",
                            address=person.address or "", postcode=person.postcode or ""),
        worker_id=d.worker_id, worker_name=d.worker_name, pathway_id=d.pathway_id,
        pathway_name=d.pathway_name, status=d.status, concern_level=d.concern_level,
        tags=d.tags, start_date=case.start_date, end_date=case.end_date,
        last_interaction_at=case.last_interaction_at,
        history=[HistoryOut(when=h.when, who=h.who, what=h.what) for h in d.history],
        can_add_interaction=d.can_add_interaction, can_change_status=d.can_change_status,
        can_reassign=d.can_reassign, can_claim=d.can_claim)


async def get_case(request: Request, actor: Actor) -> Response:
    """One case with its person and history."""
    detail = await run_in_threadpool(_case_detail, actor, _case_id(request))
    return _ok(detail)


def _create_case(actor: Actor, body: CaseIn) -> CaseDetailOut:
    person = NewPerson(**body.person.model_dump(exclude={"date_of_birth"}),
                       date_of_birth=body.person.date_of_birth.isoformat()
                       if body.person.date_of_birth else "") if body.person else None
    case_id = cases.create_case(actor, NewCase(
        person_id=body.person_id, person=person if body.person_id is None else None,
        worker_id=body.worker_id, pathway_id=body.pathway_id, status=body.status,
        concern_level=body.concern_level, tags=list(body.tags), start_date=body.start_date))
    return _case_detail(actor, case_id)


async def create_case(request: Request, actor: Actor) -> Response:
    """Create a case; answers the new case."""
    body = await _body(request, CaseIn)
    detail = await run_in_threadpool(_create_case, actor, body)
    return _ok(detail, 201, location=f"{PREFIX}/cases/{detail.id}")


def _encode_timeline_cursor(cursor: str) -> str | None:
    return base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=") if cursor else None


def _decode_timeline_cursor(text: str) -> str:
    if not text:
        return ""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        when_s, id_s = raw.split("|")
        when = datetime.fromisoformat(when_s)
        if when.tzinfo is None or not (id_s.isdigit() and 0 < int(id_s) <= MAX_ID):
            raise ValueError(raw)
        when.astimezone(UTC)
    except (ValueError, binascii.Error, OverflowError, UnicodeDecodeError) as exc:
        raise ApiError(422, BAD_PAGE, errors={"cursor": BAD_PAGE}) from exc
    return raw


def _interaction_out(case_id: int, view: interactions.InteractionView, row: Interaction
                     ) -> InteractionOut:
    return InteractionOut(
        id=view.id, case_id=case_id, kind=view.kind, occurred_at=row.occurred_at,
        author_id=row.author_id, author_name=view.author_name, text=row.text, html=view.html,
        private=view.private, outcome=view.outcome, concern_level=view.concern_level or None,
        tags=view.tags, attachments=[AttachmentOut(
            id=a.id, name=a.name, size=a.size, is_image=a.is_image,
            url=f"/files/attachments/{a.id}") for a in view.attachments])


def _timeline(actor: Actor, case_id: int, q: PageQuery) -> InteractionPage:
    page = interactions.timeline(actor, case_id, _decode_timeline_cursor(q.cursor), q.limit)
    ids = [i.id for i in page.items]
    with session_scope() as db:
        rows = {i.id: i for i in db.exec(select(Interaction).where(col(Interaction.id).in_(ids)))
                } if ids else {}
    return InteractionPage(items=[_interaction_out(case_id, v, rows[v.id]) for v in page.items],
                           next=_encode_timeline_cursor(page.next_cursor))


async def list_interactions(request: Request, actor: Actor) -> Response:
    """A case's interactions the token's user may read, newest first."""
    case_id = _case_id(request)
    q = _query(request, PageQuery)
    result = await run_in_threadpool(_timeline, actor, case_id, q)
    result.next = _next(request, result.next)
    return _ok(result)


def _add_interaction(actor: Actor, case_id: int, body: InteractionIn) -> InteractionOut:
    new_id = interactions.add_interaction(actor, case_id, NewInteraction(
        kind=body.kind, occurred_at=body.occurred_at.isoformat() if body.occurred_at else "",
        text=body.text, private=body.private, concern_level=body.concern_level,
        outcome=body.outcome, tags=list(body.tags)[:10], client_ref=body.client_ref),
        expected_version=body.expected_version)
    # The actor wrote it (a re-send returns only the actor's own note), so they may read it.
    with session_scope() as db:
        row = db.get(Interaction, new_id)
        assert row is not None
        author = db.get(User, row.author_id)
        tags = list(db.exec(select(Tag.name).join(InteractionTag, InteractionTag.tag_id == Tag.id)
                            .where(InteractionTag.interaction_id == new_id)
                            .order_by(Tag.name)).all())
    return InteractionOut(
        id=new_id, case_id=case_id, kind=row.kind, occurred_at=row.occurred_at,
        author_id=row.author_id, author_name=author.name if author else "", text=row.text,
        html=markdown.render(row.text), private=row.private, outcome=row.outcome or "",
        concern_level=row.concern_level, tags=tags, attachments=[])


async def create_interaction(request: Request, actor: Actor) -> Response:
    """Add an interaction to a case; answers the saved interaction."""
    case_id = _case_id(request)
    body = await _body(request, InteractionIn)
    out = await run_in_threadpool(_add_interaction, actor, case_id, body)
    return _ok(out, 201, location=f"{PREFIX}/cases/{case_id}/interactions")


def _people(actor: Actor, q: PeopleQuery) -> PersonPage:
    offset = _offset_cursor(q.cursor, 500)
    found = people.search_people(actor, clean_line(q.search), limit=offset + q.limit + 1)
    chunk = found[offset:offset + q.limit]
    dobs: dict[int, date | None] = {}
    if chunk:
        with session_scope() as db:
            dobs = dict(db.exec(select(Person.id, Person.date_of_birth).where(
                col(Person.id).in_([p.id for p in chunk]))).all())
    more = len(found) > offset + q.limit and offset + q.limit <= 500
    return PersonPage(items=[PersonOut(id=p.id, name=p.name, date_of_birth=dobs.get(p.id),
                                       postcode=p.postcode, cases=p.cases) for p in chunk],
                      next=str(offset + q.limit) if more else None)


async def list_people(request: Request, actor: Actor) -> Response:
    """People whose name contains the search, to link a new case to (not for volunteers)."""
    q = _query(request, PeopleQuery)
    result = await run_in_threadpool(_people, actor, q)
    result.next = _next(request, result.next)
    return _ok(result)


def _create_person(actor: Actor, body: PersonIn) -> PersonOut:
    made = people.create_person(actor, NewPerson(
        **body.model_dump(exclude={"date_of_birth"}),
        date_of_birth=body.date_of_birth.isoformat() if body.date_of_birth else ""))
    with session_scope() as db:
        person = db.get(Person, made.id)
        assert person is not None
    return PersonOut(id=made.id, name=made.name, date_of_birth=person.date_of_birth,
                     postcode=made.postcode, cases=made.cases)


async def create_person(request: Request, actor: Actor) -> Response:
    """Add a person (with no case yet)."""
    body = await _body(request, PersonIn)
    out = await run_in_threadpool(_create_person, actor, body)
    return _ok(out, 201)


def _pathway_out(p: pathways.PathwayView) -> PathwayOut:
    return PathwayOut(id=p.id, name=p.name, colour=p.colour, description=p.description,
                      archived=p.archived, open_cases=p.open_cases, total_cases=p.total_cases)


def _pathways(actor: Actor, q: PathwaysQuery) -> PathwayPage:
    offset = _offset_cursor(q.cursor, 100_000)
    found = pathways.list_pathways(actor, include_archived=q.include_archived)
    more = len(found) > offset + q.limit
    return PathwayPage(items=[_pathway_out(p) for p in found[offset:offset + q.limit]],
                       next=str(offset + q.limit) if more else None)


async def list_pathways(request: Request, actor: Actor) -> Response:
    """Pathways with their case counts."""
    q = _query(request, PathwaysQuery)
    result = await run_in_threadpool(_pathways, actor, q)
    result.next = _next(request, result.next)
    return _ok(result)


def _create_pathway(actor: Actor, body: PathwayIn) -> PathwayOut:
    new_id = pathways.save_pathway(actor, None, body.name, body.colour, body.description)
    return next(_pathway_out(p) for p in pathways.list_pathways(actor, include_archived=True)
                if p.id == new_id)


async def create_pathway(request: Request, actor: Actor) -> Response:
    """Add a pathway (managers and admins)."""
    body = await _body(request, PathwayIn)
    out = await run_in_threadpool(_create_pathway, actor, body)
    return _ok(out, 201)


# --- The routes and their OpenAPI description -------------------------------------------------


# Examples for the document, which also give the schemathesis test requests that reach records
# (the demo organisation has pathway 1 and case 1).
BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "CaseIn": {"person": {"name": "Alex Morgan", "date_of_birth": "1990-04-02",
                          "postcode": "LS1 4AB"},
               "pathway_id": 1, "concern_level": "medium", "tags": ["benefits"]},
    "InteractionIn": {"kind": "phone_call", "occurred_at": "2026-11-20T09:30:00Z",
                      "text": "Called about the **rent arrears** letter.", "tags": ["debt"]},
    "PersonIn": {"name": "Alex Morgan", "date_of_birth": "1990-04-02", "phone": "0113 496 0000",
                 "email": "alex@example.org", "postcode": "LS1 4AB"},
    "PathwayIn": {"name": "Employment Programme", "colour": "#16a34a",
                  "description": "Into work and training"},
}


class Operation:
    """One route: its handler and what the OpenAPI document says about it."""

    def __init__(self, method: str, path: str, handler: Handler, summary: str,
                 answer: type[BaseModel], status: int = 200, query: type[Query] | None = None,
                 body: type[Body] | None = None, errors: tuple[int, ...] = (401, 422)) -> None:
        self.method, self.path, self.handler, self.summary = method, path, handler, summary
        self.answer, self.status, self.query, self.body = answer, status, query, body
        self.errors = tuple(sorted(set(errors) | ({400, 413, 422} if body else set())))


OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/me", me, "The token's user", Me, errors=(401,)),
    Operation("GET", "/cases", list_cases, "List cases", CasePage, query=CasesQuery),
    Operation("POST", "/cases", create_case, "Create a case", CaseDetailOut, 201, body=CaseIn,
              errors=(401, 403)),
    Operation("GET", "/cases/{case_id}", get_case, "Open a case", CaseDetailOut,
              errors=(401, 404)),
    Operation("GET", "/cases/{case_id}/interactions", list_interactions,
              "List a case's interactions", InteractionPage, query=PageQuery,
              errors=(401, 404, 422)),
    Operation("POST", "/cases/{case_id}/interactions", create_interaction, "Add an interaction",
              InteractionOut, 201, body=InteractionIn, errors=(401, 403, 404, 409)),
    Operation("GET", "/people", list_people, "Find people by name", PersonPage,
              query=PeopleQuery, errors=(401, 403, 422)),
    Operation("POST", "/people", create_person, "Add a person", PersonOut, 201, body=PersonIn,
              errors=(401, 403)),
    Operation("GET", "/pathways", list_pathways, "List pathways", PathwayPage,
              query=PathwaysQuery),
    Operation("POST", "/pathways", create_pathway, "Add a pathway", PathwayOut, 201,
              body=PathwayIn, errors=(401, 403)),
)

ERROR_WORDS = {400: "The body is not JSON", 401: "No API token, or not a valid one",
               403: "The token's user may not do this",
               404: "No such case, or the token's user may not see it (the same answer)",
               409: "Someone changed the case meanwhile", 413: "The body is too large",
               422: "Invalid input; nothing was changed"}


def _query_parameters(model: type[Query]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    params = []
    for name, prop in schema["properties"].items():
        prop = {k: v for k, v in prop.items() if k not in ("title",)}
        if "anyOf" in prop:  # "X or nothing": in a query, nothing is leaving it out
            options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
            prop.update(options[0])
            if prop.get("default") is None:
                prop.pop("default", None)
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in schema.get("required", []),
                 "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1: every route, its parameters, body, answers and errors; schemas from the
    pydantic models above, so the document and the validation cannot drift apart."""
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (Error, "serialization")]
    for op in OPERATIONS:
        models.append((op.answer, "serialization"))
        if op.body:
            models.append((op.body, "validation"))
    _, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    defs = top["$defs"]
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        params: list[dict[str, Any]] = []
        if "{case_id}" in op.path:
            params.append({"name": "case_id", "in": "path", "required": True,
                           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                           "example": 1})
        if op.query:
            params.extend(_query_parameters(op.query))
        responses: dict[str, Any] = {str(op.status): {
            "description": "OK" if op.status == 200 else "Created",
            "content": {"application/json": {"schema": {
                "$ref": f"#/components/schemas/{op.answer.__name__}"}}}}}
        for code in op.errors:
            responses[str(code)] = {"description": ERROR_WORDS[code], "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        operation: dict[str, Any] = {
            "operationId": op.handler.__name__, "summary": op.summary,
            "description": (op.handler.__doc__ or "").strip(), "responses": responses}
        if params:
            operation["parameters"] = params
        if op.body:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"},
                "example": BODY_EXAMPLES[op.body.__name__]}}}
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = operation
    paths[PREFIX + "/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Caseline API", "version": "1.0.0", "description": (
            "Cases, people, interactions and pathways for integrations. Every call acts as the "
            "user who made the API token, with that user's access; reads and changes are "
            "recorded in the audit trail.")},
        "paths": paths,
        "components": {"schemas": defs, "securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token from the API tokens page (cl_...)"}}},
        "security": [{"bearerAuth": []}],
    }


def api_routes() -> list[Route]:
    routes = [Route(PREFIX + "/openapi.json", openapi_json, methods=["GET"])]
    by_path: dict[str, dict[str, Handler]] = {}
    for op in OPERATIONS:
        by_path.setdefault(op.path, {})[op.method] = op.handler
    for path, handlers in by_path.items():
        endpoints = {m: _authenticated(h) for m, h in handlers.items()}

        async def dispatch(request: Request, endpoints=endpoints) -> Response:  # type: ignore[no-untyped-def]
            # Starlette answers HEAD with the GET route.
            return await endpoints["GET" if request.method == "HEAD" else request.method](request)

        routes.append(Route(PREFIX + path, dispatch, methods=list(handlers),
                            name=f"api{path.replace('/', '_')}"))
    return routes
