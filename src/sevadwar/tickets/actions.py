"""Opening tickets when a citizen asks for a person or raises a grievance."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.applications.models import Application
from sevadwar.audit.actions import do_append_audit
from sevadwar.storage.base import utcnow
from sevadwar.tickets.models import Ticket, TicketKind

GRIEVANCE_DAYS = 7  # a grievance is answered within a week
HUMAN_DAYS = 1  # a request to talk to a person, within a working day


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
    limit = (
        timedelta(days=GRIEVANCE_DAYS)
        if kind == TicketKind.GRIEVANCE
        else timedelta(days=HUMAN_DAYS)
    )
    ticket = Ticket(
        kind=kind,
        citizen_key=citizen_key,
        channel=channel,
        language=language,
        text=text[:4000],
        reference=reference,
        department=department,
        created_at=now,
        due_at=now + limit,
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
