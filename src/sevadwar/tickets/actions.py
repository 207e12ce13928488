"""Opening tickets when a citizen asks for a person or raises a grievance."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sevadwar.audit.actions import do_append_audit
from sevadwar.tickets.models import Ticket, TicketKind

GRIEVANCE_DAYS = 7


def do_open_ticket(
    session: Session,
    *,
    kind: TicketKind,
    citizen_key: str,
    channel: str,
    language: str,
    text: str = "",
    reference: str | None = None,
) -> Ticket:
    ticket = Ticket(
        kind=kind, citizen_key=citizen_key, channel=channel, language=language, text=text[:4000], reference=reference
    )
    session.add(ticket)
    session.flush()
    do_append_audit(
        session,
        actor=f"citizen:{citizen_key}",
        action=f"ticket.{kind}.opened",
        subject=f"ticket:{ticket.id}",
        data={"reference": reference},
    )
    return ticket
