"""Reading payments (no writes here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.payments.models import Payment
from sevadwar.payments.states import StoredState


def payment_for_event(
    session: Session, provider: str, link_id: str | None, reference: str | None
) -> Payment | None:
    """The payment an event is about: by the gateway's link id, else by our order reference."""
    if link_id:
        found = session.scalars(
            select(Payment).where(Payment.provider == provider, Payment.link_id == link_id)
        ).first()
        if found is not None:
            return found
    if reference:
        return session.scalars(
            select(Payment).where(Payment.provider == provider, Payment.reference == reference)
        ).first()
    return None


def payments_of_application(session: Session, application_id: int) -> list[Payment]:
    statement = select(Payment).where(Payment.application_id == application_id).order_by(Payment.id)
    return list(session.scalars(statement))


def awaiting_payment_of(session: Session, application_id: int) -> Payment | None:
    """The application's newest payment still waiting to be paid, if any."""
    statement = (
        select(Payment)
        .where(Payment.application_id == application_id, Payment.state == StoredState.AWAITING)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return session.scalars(statement).first()


def count_payments_of(session: Session, application_id: int) -> int:
    statement = select(func.count()).where(Payment.application_id == application_id)
    return int(session.scalar(statement) or 0)


def payments_due_for_check(
    session: Session, *, now: datetime, older_than: timedelta, limit: int
) -> list[tuple[int, str]]:
    """``(id, link id)`` of payments awaiting longer than ``older_than`` and not checked within
    it, oldest check first."""
    cutoff = now - older_than
    statement = (
        select(Payment.id, Payment.link_id)
        .where(
            Payment.state == StoredState.AWAITING,
            Payment.created_at <= cutoff,
            or_(Payment.last_checked_at.is_(None), Payment.last_checked_at <= cutoff),
        )
        .order_by(Payment.last_checked_at.is_not(None), Payment.last_checked_at, Payment.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(statement)]


def fee_pending_without_link(
    session: Session, *, now: datetime, older_than: timedelta, limit: int
) -> list[int]:
    """Ids of applications waiting for their fee that never got a payment link (the gateway
    was down when they were submitted)."""
    has_payment = exists().where(Payment.application_id == Application.id)
    statement = (
        select(Application.id)
        .where(
            Application.status == ApplicationStatus.FEE_PENDING,
            Application.fee_paise > 0,
            Application.submitted_at <= now - older_than,
            ~has_payment,
        )
        .order_by(Application.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def payment_by_receipt(session: Session, receipt_number: str) -> Payment | None:
    return session.scalars(select(Payment).where(Payment.receipt_number == receipt_number)).first()
