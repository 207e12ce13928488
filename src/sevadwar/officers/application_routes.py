"""The application page, its documents, and every action an officer takes on an application.

Each action is a POST carrying the session's CSRF token; it loads the application through the one
access function (another department's application is "not found"), checks the officer's role,
and calls the workflow, all in one transaction. A refusal by the workflow is shown on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sevadwar.applications.access import NotVisible, application_for
from sevadwar.applications.models import Application
from sevadwar.applications.reference import parse_reference
from sevadwar.applications.workflow import WorkflowError
from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.documents.models import Document, DocumentStatus
from sevadwar.officers.application_view import build_view
from sevadwar.officers.auth import OfficerContext, officer_form, officer_page, runtime_of
from sevadwar.officers.files import file_response
from sevadwar.officers.models import Officer
from sevadwar.officers.pages import language_of, render
from sevadwar.officers.roles import FIELD_VERIFIERS, Permission, may_finish_stage
from sevadwar.officers.security import Forbidden, OfficeRoute
from sevadwar.officers.texts import Texts
from sevadwar.storage.db import transaction

router = APIRouter(route_class=OfficeRoute, include_in_schema=False)

FIELD_VERIFICATION_MAX_DAYS = 60
DAY_ENDS = time(18, 0)  # a field report is due by the end of the office day (IST)
DONE = frozenset(
    {"verified", "info_requested", "field_verification", "forwarded", "approved", "rejected"}
)


async def caseworker(request: Request) -> OfficerContext:
    """A logged-in officer who works on applications (not an IT administrator)."""
    context = await officer_page(request)
    context.require(Permission.VIEW_APPLICATIONS)
    return context


async def caseworker_form(request: Request) -> OfficerContext:
    context = await officer_form(request)
    context.require(Permission.VIEW_APPLICATIONS)
    return context


Page = Annotated[OfficerContext, Depends(caseworker)]
Form_ = Annotated[OfficerContext, Depends(caseworker_form)]


def _reference(text: str) -> str:
    reference = parse_reference(text)
    if reference is None:
        raise NotVisible(text)
    return reference


def _load(
    session: Session, context: OfficerContext, reference: str, *, lock: bool = False
) -> Application:
    return application_for(
        session, context.actor, _reference(reference), office_id=context.office_id, lock=lock
    )


def application_page(
    request: Request,
    context: OfficerContext,
    reference: str,
    *,
    error: WorkflowError | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    runtime = runtime_of(request)
    t = Texts(language_of(request))
    with transaction(runtime.sessions) as session:
        application = _load(session, context, reference)
        view = build_view(
            session,
            application,
            runtime.catalogue[application.service_id],
            context,
            t,
            now=runtime.clock(),
        )
    message = ""
    if error is not None:
        message = t.get(f"error_{error.code}", str(error))
    return render(
        request,
        "application.html",
        officer=context,
        view=view,
        error=message,
        done=t(f"done_{done}") if done in DONE else "",
        status_code=status_code,
    )


@router.get("/office/applications/{reference}")
def show_application(request: Request, reference: str, context: Page, done: str = "") -> Response:
    return application_page(request, context, reference, done=done)


@router.get("/office/applications/{reference}/documents/{document_id}")
def show_document(request: Request, reference: str, document_id: int, context: Page) -> Response:
    """The decrypted file, for this application's officers only; every view is logged."""
    runtime = runtime_of(request)
    with transaction(runtime.sessions) as session:
        application = _load(session, context, reference)
        document = session.get(Document, document_id)
        if (
            document is None
            or document.application_id != application.id
            or document.status != DocumentStatus.ACTIVE
            or not document.blob_key
        ):
            raise NotVisible(str(document_id))
        do_append_audit(
            session,
            actor=context.actor.label,
            action="application.document_viewed",
            subject=f"application:{application.reference}",
            data={"document_id": document.id},
            at=runtime.clock(),
        )
        session.expunge(document)  # its values are read after the transaction
    return file_response(runtime, document)


def _act(
    request: Request,
    context: OfficerContext,
    reference: str,
    permission: Permission,
    done: str,
    action: Callable[[Session, Application], None],
) -> Response:
    runtime = runtime_of(request)
    try:
        with transaction(runtime.sessions) as session:
            application = _load(session, context, reference, lock=True)
            context.require(permission)
            action(session, application)
            canonical = application.reference
    except WorkflowError as exc:
        return application_page(request, context, reference, error=exc, status_code=409)
    runtime.wake_outbox.set()
    return RedirectResponse(f"/office/applications/{canonical}?done={done}#result", status_code=303)


@router.post("/office/applications/{reference}/documents/{document_id}/verify")
def verify_document(
    request: Request,
    reference: str,
    document_id: int,
    context: Form_,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    workflow = runtime_of(request).workflow

    def action(session: Session, application: Application) -> None:
        if decision not in ("accept", "reject"):
            raise WorkflowError("decision_required", "choose accept or reject")
        workflow.verify_document(
            session,
            application,
            document_id,
            accepted=decision == "accept",
            reason=reason.strip(),
            actor=context.actor,
        )

    return _act(request, context, reference, Permission.VERIFY_DOCUMENTS, "verified", action)


@router.post("/office/applications/{reference}/request-info")
def request_info(
    request: Request,
    reference: str,
    context: Form_,
    message: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    workflow = runtime_of(request).workflow

    def action(session: Session, application: Application) -> None:
        workflow.request_info(session, application, request=message, actor=context.actor)

    return _act(request, context, reference, Permission.REQUEST_INFO, "info_requested", action)


def _due_at(text: str, today: date) -> datetime:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise WorkflowError("bad_date", "give the due date") from None
    if not today <= day <= today + timedelta(days=FIELD_VERIFICATION_MAX_DAYS):
        raise WorkflowError("bad_date", "the due date must be between today and 60 days from now")
    return datetime.combine(day, DAY_ENDS, tzinfo=IST)


@router.post("/office/applications/{reference}/field-verification")
def field_verification(
    request: Request,
    reference: str,
    context: Form_,
    officer_id: Annotated[str, Form(max_length=20)] = "",
    due_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    runtime = runtime_of(request)

    def action(session: Session, application: Application) -> None:
        officer = session.get(Officer, int(officer_id)) if officer_id.isdigit() else None
        if (
            officer is None
            or not officer.active
            or officer.department != application.department
            or Role(officer.role) not in FIELD_VERIFIERS
        ):
            raise WorkflowError("bad_officer", "choose an officer of this department")
        due = _due_at(due_date, runtime.clock().astimezone(IST).date())
        runtime.workflow.send_for_field_verification(
            session, application, officer_id=officer.id, due_at=due, actor=context.actor
        )

    return _act(
        request, context, reference, Permission.FIELD_VERIFICATION, "field_verification", action
    )


@router.post("/office/applications/{reference}/forward")
def forward(
    request: Request,
    reference: str,
    context: Form_,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    workflow = runtime_of(request).workflow

    def action(session: Session, application: Application) -> None:
        stage = next(
            (s for s in workflow.service(application).workflow.stages if s.id == application.stage),
            None,
        )
        if stage is not None and not may_finish_stage(context.role, stage.role):
            raise Forbidden("forbidden_stage")
        workflow.forward(session, application, actor=context.actor, note=note.strip())

    return _act(request, context, reference, Permission.FORWARD, "forwarded", action)


@router.post("/office/applications/{reference}/approve")
def approve(
    request: Request,
    reference: str,
    context: Form_,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    workflow = runtime_of(request).workflow

    def action(session: Session, application: Application) -> None:
        workflow.approve(session, application, actor=context.actor, note=note.strip())

    return _act(request, context, reference, Permission.DECIDE, "approved", action)


@router.post("/office/applications/{reference}/reject")
def reject(
    request: Request,
    reference: str,
    context: Form_,
    reason_code: Annotated[str, Form(max_length=64)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    workflow = runtime_of(request).workflow

    def action(session: Session, application: Application) -> None:
        workflow.reject(
            session, application, reason_code=reason_code, text=text, actor=context.actor
        )

    return _act(request, context, reference, Permission.DECIDE, "rejected", action)
