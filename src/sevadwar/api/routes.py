"""``/api/v1``: the REST API for departments' own systems (e-District and the like).

Authentication is ``Authorization: Bearer <key>`` with a key from ``sevadwar apikey create``;
a key acts for its department only, through the one access function, so another department's
application is "not found" (404), exactly like one that does not exist. Decisions go through
the same workflow as an officer's, as ``Actor(kind="api")``. Every error is
``{"error": {"code", "message"}}`` (:class:`~sevadwar.api.schemas.ApiError`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime

from sevadwar.api import schemas
from sevadwar.api.keys import authenticate
from sevadwar.api.queries import InvalidCursor, application_detail, list_applications, summaries
from sevadwar.applications.access import NotVisible, application_for
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.workflow import Actor, WorkflowError
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

PREFIX = "/api/v1"
UNPROCESSABLE = frozenset({"reason_required", "unknown_reason", "not_found"})
_bearer = HTTPBearer(auto_error=False, description="A department key from `sevadwar apikey create`")


class ApiProblem(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    body = schemas.ApiError(error=schemas.ErrorBody(code=code, message=message, **extra))
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status)


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.ApiError, "description": "Missing, unknown or revoked API key"},
    404: {"model": schemas.ApiError, "description": "No such application for this department"},
    422: {"model": schemas.ApiError, "description": "The request is not valid"},
}


def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """The department system the bearer key belongs to (401 otherwise)."""
    runtime: Runtime = request.app.state.runtime
    if credentials is not None and credentials.scheme.lower() == "bearer":
        with transaction(runtime.sessions) as session:
            key = authenticate(session, credentials.credentials)
            if key is not None:
                return Actor("api", key.prefix, department=key.department)
    raise ApiProblem(
        401,
        "unauthorized",
        "a valid department API key is required",
        {"WWW-Authenticate": 'Bearer realm="sevadwar"'},
    )


ActorDep = Annotated[Actor, Depends(current_actor)]
router = APIRouter(prefix=PREFIX, tags=["department API"], responses=ERRORS)


def _detail(request: Request, session: Any, application: Application) -> schemas.Application:
    runtime: Runtime = request.app.state.runtime
    return application_detail(
        session,
        runtime.catalogue,
        application,
        public_base=runtime.settings.public_base,
        issuer=runtime.workflow.issue_certificate,
        now=runtime.clock(),
    )


@router.get("/applications", summary="List applications")
def get_applications(
    request: Request,
    actor: ActorDep,
    status: Annotated[
        list[ApplicationStatus] | None, Query(description="Any of these statuses")
    ] = None,
    service: Annotated[
        str | None,
        Query(
            description="A service id of the catalogue",
            max_length=48,
            pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        ),
    ] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Changed at or after (with a time zone)")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern="^[A-Za-z0-9_-]+$",
            description="`next_cursor` of the page before",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> schemas.ApplicationPage:
    """The department's applications, the least recently changed first (a feed to sync from:
    keep the last `next_cursor`, or ask again with `since`)."""
    runtime: Runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        try:
            rows, next_cursor = list_applications(
                session,
                actor,
                statuses=status or (),
                service=service,
                since=since,
                cursor=cursor,
                limit=limit,
            )
        except InvalidCursor:
            raise ApiProblem(
                422, "invalid_cursor", "the cursor is not one this API gave out"
            ) from None
        return schemas.ApplicationPage(items=summaries(session, rows), next_cursor=next_cursor)


@router.get("/applications/{reference}", summary="Read one application")
def get_application(request: Request, reference: str, actor: ActorDep) -> schemas.Application:
    """Service, status, stage, dates, the timeline from the audit log, the answers (Aadhaar
    masked) and, once issued, the certificate."""
    runtime: Runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        application = _visible(session, actor, reference)
        return _detail(request, session, application)


@router.post(
    "/applications/{reference}/decision",
    summary="Approve or reject an application",
    responses={
        409: {
            "model": schemas.ApiError,
            "description": "The application is not open for this decision",
        }
    },
)
def post_decision(
    request: Request, reference: str, decision: schemas.Decision, actor: ActorDep
) -> schemas.Application:
    """Same effects as an officer's decision: status, audit row, the citizen told in their
    language, and on approval the signed certificate. Idempotent: repeating a decision that is
    already in effect answers the current state and changes nothing."""
    runtime: Runtime = request.app.state.runtime
    workflow = runtime.workflow
    with transaction(runtime.sessions) as session:
        application = _visible(session, actor, reference, lock=True)
        status = application.status
        repeated = (
            decision.decision == "approve"
            and status in (ApplicationStatus.APPROVED, ApplicationStatus.ISSUED)
        ) or (decision.decision == "reject" and status == ApplicationStatus.REJECTED)
        if not repeated:
            try:
                if decision.decision == "approve":
                    workflow.approve(
                        session, application, actor=actor, note=decision.reason.strip()
                    )
                else:
                    workflow.reject(
                        session,
                        application,
                        reason_code=decision.reason_code or "other",
                        text=decision.reason,
                        actor=actor,
                    )
            except WorkflowError as exc:
                code = 422 if exc.code in UNPROCESSABLE else 409
                raise ApiProblem(code, exc.code, str(exc)) from None
            session.flush()
        return _detail(request, session, application)


def _visible(session: Any, actor: Actor, reference: str, *, lock: bool = False) -> Application:
    try:
        return application_for(session, actor, reference.strip().upper(), lock=lock)
    except NotVisible:
        raise ApiProblem(404, "not_found", f"no application {reference[:32]}") from None


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    response = _error(exc.status, exc.code, exc.message)
    response.headers.update(exc.headers)
    return response


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not request.url.path.startswith(PREFIX + "/"):
        return await request_validation_exception_handler(request, exc)
    fields = [
        schemas.FieldError(
            location=".".join(str(p) for p in error.get("loc", ())),
            message=str(error.get("msg", "")),
        )
        for error in exc.errors()
    ]
    return _error(422, "invalid_request", "the request is not valid", fields=fields)


webhooks = APIRouter(tags=["department API"])


@webhooks.post(
    "application-event",
    summary="Sevadwar tells a department's system of a submission or a status change",
    responses={200: {"description": "Any 2xx: received (the body is ignored)"}},
)
def application_event(
    event: schemas.WebhookEvent,
    x_sevadwar_signature: Annotated[
        str, Header(description='`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`')
    ],
    x_sevadwar_event_id: Annotated[str, Header(description="The event's `id`: skip duplicates")],
    x_sevadwar_event: Annotated[str, Header(description="The event's `type`")],
) -> None:
    """POSTed to the webhook URL of each active key of the application's department
    (`sevadwar apikey create --webhook-url …`), in order per application, at least once.
    Verify the signature with the key's webhook secret before trusting the body
    (docs/department-webhooks.md). Answer 2xx quickly; 408, 429 (with `Retry-After`) and 5xx are
    retried with back-off for six to twelve hours, any other status stops the event until an
    operator replays it."""


def install(app: FastAPI) -> None:
    """Add ``/api/v1`` to ``app`` with its error shape (other paths keep FastAPI's own), and the
    outbound department webhooks to the OpenAPI document (``webhooks``, OpenAPI 3.1)."""
    app.include_router(router)
    app.webhooks.include_router(webhooks)
    app.add_exception_handler(ApiProblem, _problem)
    app.add_exception_handler(RequestValidationError, _invalid)
