"""Tickets in the back office: the list, one ticket, a reply into the citizen's chat, closing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sevadwar.applications.access import NotVisible, application_for
from sevadwar.applications.workflow import WorkflowError
from sevadwar.audit.actions import do_append_audit
from sevadwar.conversation.models import Conversation
from sevadwar.messaging.notices import window_open
from sevadwar.officers import tickets as ticket_rules
from sevadwar.officers.auth import OfficerContext, officer_form, officer_page, runtime_of
from sevadwar.officers.files import file_response
from sevadwar.officers.pages import language_of, render
from sevadwar.officers.queries import officers_by_id, timeline
from sevadwar.officers.roles import Permission
from sevadwar.officers.security import OfficeRoute
from sevadwar.officers.texts import Texts
from sevadwar.storage.db import transaction
from sevadwar.tickets.actions import due_of
from sevadwar.tickets.models import Ticket

router = APIRouter(route_class=OfficeRoute, include_in_schema=False)

STATUSES = ("open", "closed", "all")
KINDS = ("", "human", "grievance")


async def helpdesk(request: Request) -> OfficerContext:
    context = await officer_page(request)
    context.require(Permission.HANDLE_TICKETS)
    return context


async def helpdesk_form(request: Request) -> OfficerContext:
    context = await officer_form(request)
    context.require(Permission.HANDLE_TICKETS)
    return context


@router.get("/office/tickets")
def list_tickets(
    request: Request,
    context: Annotated[OfficerContext, Depends(helpdesk)],
    status: str = "open",
    kind: str = "",
) -> Response:
    runtime = runtime_of(request)
    status = status if status in STATUSES else "open"
    kind = kind if kind in KINDS else ""
    statement = ticket_rules.visible_tickets(context.actor)
    if status != "all":
        statement = statement.where(Ticket.status == status)
    if kind:
        statement = statement.where(Ticket.kind == kind)
    with transaction(runtime.sessions) as session:
        rows = list(session.scalars(statement.order_by(Ticket.created_at, Ticket.id).limit(500)))
    now = runtime.clock()
    items = [
        {
            "ticket": r,
            "label": ticket_rules.label(r),
            "due": due_of(r),
            "late": r.status == "open" and due_of(r) < now,
        }
        for r in rows
    ]
    return render(request, "tickets.html", officer=context, items=items, status=status, kind=kind)


def _ticket_id(text: str) -> int:
    cleaned = text.upper().removeprefix("G-").removeprefix("T-")
    if not cleaned.isdigit() or len(cleaned) > 18:
        raise NotVisible(text)
    return int(cleaned)


def ticket_page(
    request: Request,
    context: OfficerContext,
    ticket_id: str,
    *,
    error: str = "",
    done: str = "",
    status_code: int = 200,
) -> Response:
    runtime = runtime_of(request)
    t = Texts(language_of(request))
    now = runtime.clock()
    with transaction(runtime.sessions) as session:
        ticket = ticket_rules.ticket_for(session, context.actor, _ticket_id(ticket_id))
        application_link = None
        if ticket.reference:
            try:
                application_for(
                    session, context.actor, ticket.reference, office_id=context.office_id
                )
                application_link = f"/office/applications/{ticket.reference}"
            except NotVisible:
                application_link = None
        entries = timeline(session, f"ticket:{ticket.id}")
        messages = ticket_rules.ticket_messages(session, ticket)
        ids = {
            int(e.actor.partition(":")[2])
            for e in entries
            if e.actor.startswith("officer:") and e.actor[8:].isdigit()
        } | {m.officer_id for m in messages if m.officer_id is not None}
        officers = officers_by_id(session, ids)
        conversation = session.get(Conversation, ticket.citizen_key)
        in_window = window_open(conversation, now)
    history = []
    for entry in entries:
        ident = entry.actor.partition(":")[2]
        officer = (
            officers.get(int(ident))
            if entry.actor.startswith("officer:") and ident.isdigit()
            else None
        )
        history.append(
            {
                "at": entry.at,
                "who": (officer.full_name or officer.username)
                if officer
                else t.get("actor_" + entry.actor.partition(":")[0], entry.actor),
                "what": t.get("event_" + entry.action.replace(".", "_"), entry.action),
                "text": (entry.data or {}).get("text") or (entry.data or {}).get("outcome") or "",
            }
        )
    chat = []
    for message in messages:
        writer = officers.get(message.officer_id) if message.officer_id is not None else None
        chat.append(
            {
                "at": message.created_at,
                "citizen": message.author == "citizen",
                "who": (writer.full_name or writer.username)
                if writer
                else t.get("chat_" + message.author, message.author),
                "text": message.text,
                "file": f"/office/tickets/{ticket.id}/files/{message.document_id}"
                if message.document_id is not None
                else "",
            }
        )
    return render(
        request,
        "ticket.html",
        chat=chat,
        officer=context,
        ticket=ticket,
        label=ticket_rules.label(ticket),
        due=due_of(ticket),
        late=ticket.status == "open" and due_of(ticket) < now,
        application_link=application_link,
        history=history,
        in_window=in_window,
        error=error,
        done=t(f"done_ticket_{done}") if done in ("replied", "closed") else "",
        status_code=status_code,
    )


@router.get("/office/tickets/{ticket_id}")
def show_ticket(
    request: Request,
    ticket_id: str,
    context: Annotated[OfficerContext, Depends(helpdesk)],
    done: str = "",
) -> Response:
    return ticket_page(request, context, ticket_id, done=done)


@router.get("/office/tickets/{ticket_id}/files/{document_id}")
def show_file(
    request: Request,
    ticket_id: str,
    document_id: int,
    context: Annotated[OfficerContext, Depends(helpdesk)],
) -> Response:
    """A photo or PDF the citizen sent in the ticket's chat; every view is logged."""
    runtime = runtime_of(request)
    with transaction(runtime.sessions) as session:
        ticket = ticket_rules.ticket_for(session, context.actor, _ticket_id(ticket_id))
        document = ticket_rules.ticket_file(session, ticket, document_id)
        do_append_audit(
            session,
            actor=context.actor.label,
            action="ticket.file_viewed",
            subject=f"ticket:{ticket.id}",
            data={"document_id": document.id},
            at=runtime.clock(),
        )
        session.expunge(document)  # its values are read after the transaction
    return file_response(runtime, document)


def _act(
    request: Request,
    context: OfficerContext,
    ticket_id: str,
    done: str,
    action: Callable[[Session, Ticket], None],
) -> Response:
    runtime = runtime_of(request)
    try:
        with transaction(runtime.sessions) as session:
            ticket = ticket_rules.ticket_for(
                session, context.actor, _ticket_id(ticket_id), lock=True
            )
            action(session, ticket)
            ident = ticket.id
    except WorkflowError as exc:
        t = Texts(language_of(request))
        return ticket_page(
            request, context, ticket_id, error=t.get(f"error_{exc.code}", str(exc)), status_code=409
        )
    runtime.wake_outbox.set()
    return RedirectResponse(f"/office/tickets/{ident}?done={done}#result", status_code=303)


@router.post("/office/tickets/{ticket_id}/reply")
def reply(
    request: Request,
    ticket_id: str,
    context: Annotated[OfficerContext, Depends(helpdesk_form)],
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    runtime = runtime_of(request)

    def action(session: Session, ticket: Ticket) -> None:
        ticket_rules.do_reply_ticket(
            session, ticket, text=text, actor=context.actor, now=runtime.clock()
        )

    return _act(request, context, ticket_id, "replied", action)


@router.post("/office/tickets/{ticket_id}/close")
def close(
    request: Request,
    ticket_id: str,
    context: Annotated[OfficerContext, Depends(helpdesk_form)],
    outcome: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    runtime = runtime_of(request)

    def action(session: Session, ticket: Ticket) -> None:
        ticket_rules.do_close_ticket(
            session, ticket, outcome=outcome, actor=context.actor, now=runtime.clock()
        )

    return _act(request, context, ticket_id, "closed", action)
