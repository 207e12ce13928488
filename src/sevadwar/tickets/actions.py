"""Opening tickets when a citizen asks for a person or raises a grievance."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.applications.models import Application
from sevadwar.audit.actions import do_append_audit
from sevadwar.dashboard.actions import record
from sevadwar.dashboard.metrics import Kind
from sevadwar.nlu.entities import mask_aadhaar_in
from sevadwar.storage.base import utcnow
from sevadwar.tickets.models import Ticket, TicketKind, TicketMessage

GRIEVANCE_DAYS = 7  # a grievance is answered within a week
HUMAN_DAYS = 1  # a request to talk to a person, within a working day


def _time_limit(kind: str) -> timedelta:
    return timedelta(days=GRIEVANCE_DAYS if kind == TicketKind.GRIEVANCE else HUMAN_DAYS)


def due_of(ticket: Ticket) -> datetime:
    """When the ticket must be answered (tickets from before due dates were kept: computed)."""
    return (
        ticket.due_at if ticket.due_at is not None else ticket.created_at + _time_limit(ticket.kind)
    )


def do_open_ticket(
    session: Session,
    *,
    kind: TicketKind,
    citizen_key: str,
    channel: str,
    language: str,
    text: str = "",
    reference: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    now = now or utcnow()
    department = None
    if reference:
        department = session.scalars(
            select(Application.department).where(Application.reference == reference)
        ).first()
    ticket = Ticket(
        kind=kind,
        citizen_key=citizen_key,
        channel=channel,
        language=language,
        text=mask_aadhaar_in(text[:4000]),
        reference=reference,
        department=department,
        created_at=now,
        due_at=now + _time_limit(kind),
    )
    session.add(ticket)
    session.flush()
    record(session, Kind.TICKET_OPENED, ticket=ticket, due=ticket.due_at, at=now)
    do_append_audit(
        session,
        actor=f"citizen:{citizen_key}",
        action=f"ticket.{kind}.opened",
        subject=f"ticket:{ticket.id}",
        data={"reference": reference},
    )
    return ticket


def open_human_ticket(session: Session, citizen_key: str) -> Ticket | None:
    """The citizen's open request to talk to a person, if any (the newest)."""
    return session.scalars(
        select(Ticket)
        .where(
            Ticket.citizen_key == citizen_key,
            Ticket.kind == TicketKind.HUMAN,
            Ticket.status == "open",
        )
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()


def open_tickets_of(session: Session, citizen_key: str, *, limit: int = 5) -> list[Ticket]:
    """The citizen's open grievances and requests for a person, newest first."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.citizen_key == citizen_key, Ticket.status == "open")
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def do_add_ticket_message(
    session: Session,
    ticket: Ticket,
    *,
    author: str,
    text: str,
    now: datetime,
    officer_id: int | None = None,
    document_id: int | None = None,
) -> bool:
    """Add one message to the ticket's chat. True when it is the first of its author since
    the other side last wrote (or since the ticket opened)."""
    last = session.scalars(
        select(TicketMessage.author)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.id.desc())
        .limit(1)
    ).first()
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author=author,
            officer_id=officer_id,
            text=mask_aadhaar_in(text[:4000]),
            document_id=document_id,
            created_at=now,
        )
    )
    return last != author
