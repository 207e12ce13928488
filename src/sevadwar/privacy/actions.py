"""Consent and erasure under the DPDP Act 2023."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sevadwar.api.webhooks import DepartmentEvent, do_enqueue_department_event
from sevadwar.applications.models import OPEN_STATUSES, Application, ApplicationStatus
from sevadwar.audit.actions import do_append_audit
from sevadwar.certificates.actions import do_erase_certificate_copies
from sevadwar.conversation.models import Conversation
from sevadwar.dashboard.actions import record, state_of
from sevadwar.dashboard.metrics import Kind
from sevadwar.documents.models import Document, DocumentStatus
from sevadwar.documents.store import BlobStore
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage, OutboxState
from sevadwar.privacy.models import Consent
from sevadwar.storage.base import utcnow
from sevadwar.tickets.actions import due_of
from sevadwar.tickets.models import Ticket, TicketMessage


def do_record_consent(
    session: Session,
    *,
    citizen_key: str,
    notice_version: str,
    language: str,
    channel: str,
    now: datetime | None = None,
) -> Consent:
    consent = Consent(
        citizen_key=citizen_key,
        notice_version=notice_version,
        language=language,
        channel=channel,
        granted_at=now or utcnow(),
    )
    session.add(consent)
    session.flush()
    do_append_audit(
        session,
        actor=f"citizen:{citizen_key}",
        action="consent.granted",
        subject=f"citizen:{citizen_key}",
        data={"notice_version": notice_version, "language": language},
    )
    return consent


def do_withdraw_consent(session: Session, *, citizen_key: str, now: datetime | None = None) -> None:
    session.execute(
        update(Consent)
        .where(Consent.citizen_key == citizen_key, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now or utcnow())
    )
    do_append_audit(
        session,
        actor=f"citizen:{citizen_key}",
        action="consent.withdrawn",
        subject=f"citizen:{citizen_key}",
    )


def do_erase_citizen(
    session: Session,
    *,
    citizen_key: str,
    now: datetime | None = None,
    store: BlobStore | None = None,
) -> int:
    """Erase what the citizen gave us, keep what the law requires. Returns applications kept.

    Open applications are cancelled and their answers erased; decided ones keep only the
    register entry (reference, service, status, dates) with the answers replaced by a marker.
    The audit trail is kept (it holds no personal data beyond the citizen key).
    """
    now = now or utcnow()
    applications = list(
        session.scalars(select(Application).where(Application.citizen_key == citizen_key))
    )
    for application in applications:
        cancelled = application.status in OPEN_STATUSES
        if cancelled:
            before = state_of(application)
            application.status = ApplicationStatus.CANCELLED
            record(session, Kind.CANCELLED, application=application, before=before, at=now)
        application.answers = {"erased_at": now.isoformat()}
        application.updated_at = now
        if cancelled:  # the answers are erased first: the department is sent none of them
            do_enqueue_department_event(session, application, DepartmentEvent.CANCELLED, at=now)
    open_tickets = session.scalars(
        select(Ticket).where(Ticket.citizen_key == citizen_key, Ticket.status == "open")
    )
    for ticket in open_tickets:  # withdrawn, not answered: open no more, not closed late either
        record(session, Kind.TICKET_WITHDRAWN, ticket=ticket, due=due_of(ticket), at=now)
    session.execute(
        update(Ticket).where(Ticket.citizen_key == citizen_key).values(text="", status="closed")
    )
    session.execute(  # both sides of the chat with the helpdesk: it quotes the citizen
        delete(TicketMessage).where(
            TicketMessage.ticket_id.in_(
                select(Ticket.id).where(Ticket.citizen_key == citizen_key).scalar_subquery()
            )
        )
    )
    for document in session.scalars(select(Document).where(Document.citizen_key == citizen_key)):
        if document.blob_key and store is not None:
            store.delete(document.blob_key)
        document.blob_key, document.status, document.erased_at = None, DocumentStatus.ERASED, now
    if store is not None:  # the register of issued certificates stays; the PDF copies go
        do_erase_certificate_copies(session, citizen_key=citizen_key, store=store)
    session.execute(delete(Conversation).where(Conversation.citizen_key == citizen_key))
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.citizen_key == citizen_key, InboxEvent.state != InboxState.PENDING)
        .values(payload={"erased": True})
    )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.citizen_key == citizen_key,
            OutboxMessage.state.not_in((OutboxState.PENDING, OutboxState.SENDING)),
        )
        .values(payload={"kind": "text", "body": "[erased]"})
    )
    do_withdraw_consent(session, citizen_key=citizen_key, now=now)
    do_append_audit(
        session,
        actor=f"citizen:{citizen_key}",
        action="citizen.erased",
        subject=f"citizen:{citizen_key}",
        data={"applications_kept": len(applications)},
    )
    return len(applications)
