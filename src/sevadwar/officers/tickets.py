"""Tickets in the back office: who sees which, and the officer's reply and closing.

A ticket belongs to a department when it says so or when it names an application (the
application's department). Tickets that belong to no department yet (a request to talk to a
person, a grievance without a reference) are the helpdesk's shared pool, open to every
department's officers. Replies reach the citizen's chat through the outbox: inside WhatsApp's
24-hour window as a text; outside it the sender falls back to the approved utility template.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sevadwar.applications.access import NotVisible
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor, WorkflowError, citizen_messages
from sevadwar.audit.actions import do_append_audit
from sevadwar.conversation.models import Conversation
from sevadwar.dashboard.actions import record
from sevadwar.dashboard.metrics import Kind
from sevadwar.documents.models import Document, DocumentStatus
from sevadwar.messaging.notices import do_notify, notice
from sevadwar.tickets.actions import do_add_ticket_message, due_of
from sevadwar.tickets.models import Ticket, TicketKind, TicketMessage

MAX_TEXT = 2000


def _department() -> ColumnElement[str | None]:
    return func.coalesce(Ticket.department, Application.department)


def visible_tickets(actor: Actor) -> Select[Ticket]:
    condition: ColumnElement[bool]
    if actor.kind != "officer" or not actor.department:
        condition = false()
    else:
        condition = or_(_department() == actor.department, _department().is_(None))
    return (
        select(Ticket)
        .outerjoin(Application, Application.reference == Ticket.reference)
        .where(condition)
    )


def ticket_for(session: Session, actor: Actor, ticket_id: int, *, lock: bool = False) -> Ticket:
    statement = visible_tickets(actor).where(Ticket.id == ticket_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Ticket)
    ticket = session.scalars(statement).first()
    if ticket is None:
        raise NotVisible(str(ticket_id))
    return ticket


def label(ticket: Ticket) -> str:
    return f"{'G' if ticket.kind == TicketKind.GRIEVANCE else 'T'}-{ticket.id}"


def _tell(session: Session, ticket: Ticket, key: str, text: str, now: datetime) -> None:
    language = ticket.language if ticket.language in ("en", "hi") else "hi"
    texts = citizen_messages()[key]
    values = {"ticket": label(ticket), "text": text}
    message = (texts.get(language) or texts["en"]).format(**values)
    do_notify(
        session,
        citizen_key=ticket.citizen_key,
        channel=ticket.channel,
        messages=[notice(key, language, message, values)],
        cause=f"ticket:{ticket.id}",
        now=now,
    )


def _talk_to(session: Session, ticket: Ticket, helpdesk: int | None) -> None:
    """Point the citizen's chat at this ticket (their texts go to the officer), or, when it is
    closed, back at the bot if it pointed here."""
    conversation = session.get(Conversation, ticket.citizen_key)
    if conversation is None:
        return
    state = dict(conversation.state or {})
    if helpdesk is None and state.get("helpdesk") != ticket.id:
        return
    state["helpdesk"] = helpdesk
    conversation.state = state


def _require_open(ticket: Ticket) -> None:
    if ticket.status != "open":
        raise WorkflowError("closed", f"ticket {label(ticket)} is closed")


def do_reply_ticket(
    session: Session, ticket: Ticket, *, text: str, actor: Actor, now: datetime
) -> None:
    _require_open(ticket)
    text = text.strip()[:MAX_TEXT]
    if not text:
        raise WorkflowError("reason_required", "write the reply")
    if ticket.assigned_to is None and actor.kind == "officer":
        ticket.assigned_to = actor.id
    _tell(session, ticket, "ticket_reply", text, now)
    do_add_ticket_message(
        session,
        ticket,
        author="officer",
        text=text,
        now=now,
        officer_id=actor.id if actor.kind == "officer" else None,
    )
    _talk_to(session, ticket, ticket.id)  # the citizen's answer comes back to this ticket
    do_append_audit(
        session,
        actor=actor.label,
        action="ticket.replied",
        subject=f"ticket:{ticket.id}",
        data={"text": text},
        at=now,
    )


def do_close_ticket(
    session: Session, ticket: Ticket, *, outcome: str, actor: Actor, now: datetime
) -> None:
    _require_open(ticket)
    outcome = outcome.strip()[:MAX_TEXT]
    if not outcome:
        raise WorkflowError("reason_required", "write the outcome")
    ticket.status = "closed"
    ticket.closed_at = now
    ticket.outcome = outcome
    if ticket.assigned_to is None and actor.kind == "officer":
        ticket.assigned_to = actor.id
    _tell(session, ticket, "ticket_closed", outcome, now)
    _talk_to(session, ticket, None)
    record(session, Kind.TICKET_CLOSED, ticket=ticket, due=due_of(ticket), at=now)
    do_append_audit(
        session,
        actor=actor.label,
        action="ticket.closed",
        subject=f"ticket:{ticket.id}",
        data={"outcome": outcome},
        at=now,
    )


def application_of_ticket(session: Session, ticket: Ticket) -> Application | None:
    if not ticket.reference:
        return None
    return session.scalars(
        select(Application).where(Application.reference == ticket.reference)
    ).first()


def ticket_messages(session: Session, ticket: Ticket) -> list[TicketMessage]:
    """The chat between the citizen and the helpdesk about this ticket, oldest first."""
    return list(
        session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.id)
        )
    )


def ticket_file(session: Session, ticket: Ticket, document_id: int) -> Document:
    """A file the citizen sent in this ticket's chat and that is still kept; else NotVisible."""
    document = session.scalars(
        select(Document)
        .join(TicketMessage, TicketMessage.document_id == Document.id)
        .where(
            TicketMessage.ticket_id == ticket.id,
            Document.id == document_id,
            Document.status == DocumentStatus.ACTIVE,
            Document.blob_key.is_not(None),
        )
    ).first()
    if document is None:
        raise NotVisible(str(document_id))
    return document
