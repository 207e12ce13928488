"""The only writers of payments. Each action runs in the caller's transaction and writes one
audit row for what it changed.

- :func:`do_request_payment` gives an application waiting for its fee a payment link (the one it
  already has while that is still good, else a new one).
- :func:`do_apply_payment_event` applies one *verified* gateway event (webhook or reconciliation):
  it is recorded first, unique on ``(provider, event_id)``, so a redelivered event has no effect;
  the stored payment and its application are locked, :func:`~sevadwar.payments.rules.decide` says
  what the event means, and that is carried out — the fee paid (the application moves from
  ``fee_pending`` to ``submitted`` and joins the officers' queue, its SLA clock running on from
  submission; a bilingual receipt is stored encrypted and sent in the chat), a failed attempt
  (the citizen gets the same link again), or money that cannot count (flagged for refund, and
  the citizen is told exactly that). Any order of any number of deliveries has one effect.
- :func:`do_quarantine_payment_webhook` keeps a signed body that does not parse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sevadwar.api.webhooks import DepartmentEvent, do_enqueue_department_event
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.reference import ALPHABET, check_character
from sevadwar.audit.actions import do_append_audit
from sevadwar.channels.base import Outbound
from sevadwar.dashboard.actions import record, state_of
from sevadwar.dashboard.metrics import Kind
from sevadwar.documents.links import file_url, make_file_token
from sevadwar.messaging.outbox import enqueue
from sevadwar.payments.base import CURRENCY, PaymentEvent, PaymentOrder
from sevadwar.payments.context import PaymentContext
from sevadwar.payments.models import Payment, PaymentEventRecord
from sevadwar.payments.queries import (
    awaiting_payment_of,
    count_payments_of,
    payment_by_receipt,
    payment_for_event,
)
from sevadwar.payments.receipt import ReceiptData, render_receipt
from sevadwar.payments.replies import (
    expired_messages,
    failed_messages,
    link_message,
    paid_messages,
    pending_messages,
    receipt_filename,
    recipient_of,
    refund_messages,
)
from sevadwar.payments.rules import Action, Decision, decide
from sevadwar.payments.states import StoredState, rule_state

log = logging.getLogger(__name__)

UNKNOWN_LINK = "unknown_link"
QUARANTINED = "quarantined"
# A link about to expire is not worth sending: the citizen needs time to open and pay it.
MIN_LINK_LIFE = timedelta(minutes=30)
_FLAG_LENGTH = 200


class PaymentNotDue(ValueError):
    """The application is not waiting for a fee (free, already paid, or closed)."""


@dataclass(frozen=True, slots=True)
class AppliedEvent:
    """What applying an event did. ``duplicate``: seen before, nothing done."""

    duplicate: bool
    action: Action | None = None  # None for duplicates and events about no payment of ours
    payment_id: int | None = None
    note: str = ""


# --------------------------------------------------------------------------- requesting


def do_request_payment(
    session: Session,
    application: Application,
    *,
    payments: PaymentContext,
    now: datetime,
    actor: str = "system:payments",
) -> Payment:
    """The payment link for ``application``: its awaiting one while that is good for at least
    :data:`MIN_LINK_LIFE`, else a new one from the gateway. Idempotent per application; the
    order reference is ``<application reference>-P<n>``, so a retry after a crash gets the same
    link back from the gateway. Raises :class:`PaymentNotDue`, or a
    :class:`~sevadwar.payments.base.GatewayError` with nothing written."""
    session.refresh(application, with_for_update=True)
    if application.status != ApplicationStatus.FEE_PENDING or application.fee_paise <= 0:
        raise PaymentNotDue(f"application {application.reference} is {application.status}")
    current = awaiting_payment_of(session, application.id)
    if current is not None and (
        current.expires_at is None or current.expires_at > now + MIN_LINK_LIFE
    ):
        return current
    service = payments.catalogue.get(application.service_id)
    order = PaymentOrder(
        reference=f"{application.reference}-P{count_payments_of(session, application.id) + 1}",
        application_reference=application.reference,
        amount_paise=application.fee_paise,
        expires_at=now + payments.link_lifetime,
        description_en=service.name.en if service else application.service_id,
        description_hi=service.name.get("hi") if service else application.service_id,
        currency=CURRENCY,
        callback_url=f"{payments.base_url}/payments/return",
    )
    link = payments.create_link(order)  # before any write: a failure leaves nothing behind
    replaced = current.reference if current is not None else None
    if current is not None and current.expires_at is not None and current.expires_at <= now:
        current.state = StoredState.EXPIRED  # lapsed by our clock; the gateway will agree
    # A link about to lapse stays awaiting: paid in its last minutes, it still counts.
    payment = Payment(
        application_id=application.id,
        reference=order.reference,
        provider=link.provider,
        link_id=link.id,
        url=link.url,
        amount_paise=link.amount_paise,
        currency=link.currency,
        state=StoredState.AWAITING,
        refund_due=False,
        created_at=now,
        expires_at=link.expires_at,
    )
    session.add(payment)
    session.flush()
    do_append_audit(
        session,
        actor=actor,
        action="payment.requested",
        subject=f"application:{application.reference}",
        data={
            "payment": payment.reference,
            "provider": payment.provider,
            "link": payment.link_id,
            "amount_paise": payment.amount_paise,
            "currency": payment.currency,
            "expires_at": payment.expires_at.isoformat() if payment.expires_at else None,
            "replaces": replaced,
        },
        at=now,
    )
    return payment


def payment_link_reply(
    session: Session, application: Application, *, payments: PaymentContext, now: datetime
) -> list[Outbound]:
    """The application's payment link as a chat button (see :func:`do_request_payment`), for
    a citizen who asks to pay or whose link never went out."""
    payment = do_request_payment(session, application, payments=payments, now=now)
    service = payments.catalogue.get(application.service_id)
    language = application.language
    name = service.name.get(language) if service else application.service_id
    return [link_message(payment, name, language)]


def note_payment_checked(session: Session, payment_id: int, *, now: datetime) -> None:
    """Bookkeeping for reconciliation (when the gateway was last asked); not a state change."""
    session.execute(update(Payment).where(Payment.id == payment_id).values(last_checked_at=now))


# --------------------------------------------------------------------------- applying events


def do_apply_payment_event(
    session: Session,
    provider: str,
    event: PaymentEvent,
    *,
    raw_body: bytes | None,
    now: datetime,
    payments: PaymentContext,
) -> AppliedEvent:
    """Record ``event`` (verified by the caller) and carry out what it means, once."""
    if not _record_event(session, provider, event, _body_json(raw_body, event), now):
        return AppliedEvent(duplicate=True)
    payment = payment_for_event(session, provider, event.link_id, event.reference)
    if payment is None:
        note = f"no payment for link {event.link_id!r} / reference {event.reference!r}"
        log.warning("payment event %s:%s: %s", provider, event.event_id, note)
        _settle_record(session, provider, event.event_id, None, UNKNOWN_LINK, note)
        return AppliedEvent(duplicate=False, note=note)
    application = session.scalars(
        select(Application).where(Application.id == payment.application_id).with_for_update()
    ).one()
    payment = session.scalars(
        select(Payment)
        .where(Payment.id == payment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    decision = decide(
        event,
        state=rule_state(payment.state),
        expected_amount_paise=payment.amount_paise,
        expected_currency=payment.currency,
        paid_payment_id=payment.gateway_payment_id,
        application_open=application.status == ApplicationStatus.FEE_PENDING,
    )
    decision = _explain(decision, application)
    messages = _carry_out(session, decision, event, payment, application, payments, now)
    _settle_record(session, provider, event.event_id, payment.id, decision.action, decision.note)
    if decision.action != Action.IGNORE:
        do_append_audit(
            session,
            actor=f"gateway:{provider}",
            action=f"payment.{decision.action.value}",
            subject=f"application:{application.reference}",
            data={
                "payment": payment.reference,
                "event": event.event_id,
                "kind": event.kind.value,
                "gateway_payment": event.payment_id,
                "amount_paise": event.amount_paise,
                "currency": event.currency,
                "state": payment.state,
                "refund_due": payment.refund_due,
                "note": decision.note,
            },
            at=now,
        )
    if messages:
        enqueue(
            session,
            recipient_of(session, application),
            messages,
            cause=f"payment:{provider}:{event.event_id}"[:200],
            now=now,
        )
    return AppliedEvent(
        duplicate=False, action=decision.action, payment_id=payment.id, note=decision.note
    )


def do_quarantine_payment_webhook(
    session: Session, provider: str, raw_body: bytes, reason: str, *, now: datetime
) -> bool:
    """Keep a verified body that did not parse, once, for a person to look at."""
    digest = hashlib.sha256(raw_body).hexdigest()
    event_id = f"invalid:{digest}"
    body = {"raw": raw_body[:65536].decode("utf-8", "replace"), "reason": reason[:500]}
    inserted = _insert_ignore(
        session,
        {
            "provider": provider[:16],
            "event_id": event_id,
            "kind": "invalid",
            "decision": QUARANTINED,
            "note": reason[:2000],
            "body": body,
            "received_at": now,
        },
    )
    if inserted:
        do_append_audit(
            session,
            actor=f"gateway:{provider}",
            action="payment.quarantined",
            subject=f"payment_event:{event_id}",
            data={"reason": reason[:500], "sha256": digest},
            at=now,
        )
    return inserted


# --------------------------------------------------------------------------- the effects


def _carry_out(
    session: Session,
    decision: Decision,
    event: PaymentEvent,
    payment: Payment,
    application: Application,
    payments: PaymentContext,
    now: datetime,
) -> list[Outbound]:
    """Change the rows as ``decision`` says; return what to tell the citizen."""
    language = application.language
    fee_pending = application.status == ApplicationStatus.FEE_PENDING
    action = decision.action
    if action == Action.MARK_PAID:
        return _mark_paid(session, event, payment, application, payments, now)
    if action == Action.RECORD_FAILURE:
        return failed_messages(payment, language) if fee_pending else []
    if action == Action.RECORD_PENDING:
        return pending_messages(language) if fee_pending else []
    if action == Action.MARK_EXPIRED:
        payment.state = StoredState.EXPIRED
        newer = awaiting_payment_of(session, application.id)
        return expired_messages(language) if fee_pending and newer is None else []
    if action == Action.MARK_CANCELLED:
        payment.state = StoredState.CANCELLED
        return []
    if action in (Action.FLAG_MISMATCH, Action.FLAG_REFUND):
        return _flag_refund(decision, event, payment, application, now)
    return []


def _mark_paid(
    session: Session,
    event: PaymentEvent,
    payment: Payment,
    application: Application,
    payments: PaymentContext,
    now: datetime,
) -> list[Outbound]:
    paid_at = min(event.occurred_at, now) if event.occurred_at else now
    before = state_of(application)
    payment.state = StoredState.PAID
    payment.gateway_payment_id = event.payment_id
    payment.paid_at = paid_at
    moved = session.execute(
        update(Application)
        .where(
            Application.id == application.id, Application.status == ApplicationStatus.FEE_PENDING
        )
        .values(status=ApplicationStatus.SUBMITTED, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise RuntimeError(f"application {application.reference} left fee_pending under a lock")
    record(
        session,
        Kind.FEE_PAID,
        application=application,
        before=before,
        amount_paise=payment.amount_paise,
        at=now,
    )
    do_enqueue_department_event(session, application, DepartmentEvent.FEE_PAID, at=now)
    number = _unused_receipt_number(session)
    service = payments.catalogue.get(application.service_id)
    pdf = render_receipt(
        ReceiptData(
            receipt_number=number,
            application_reference=application.reference,
            service_name_en=service.name.en if service else application.service_id,
            service_name_hi=service.name.get("hi") if service else application.service_id,
            amount_paise=payment.amount_paise,
            payment_id=event.payment_id or payment.reference,
            paid_at=paid_at,
            verification_url=receipt_verification_url(payments, number),
        )
    )
    # Written before the commit: if the transaction rolls back, an unreferenced encrypted blob
    # stays behind (harmless; the event is retried and makes its own).
    payment.receipt_blob = payments.blobs.put(pdf)
    payment.receipt_number = number
    token = make_file_token(
        payments.secret_key,
        payment.receipt_blob,
        receipt_filename(number),
        "application/pdf",
        now + payments.receipt_link_lifetime,
    )
    return paid_messages(
        application, payment, file_url(payments.base_url, token), application.language
    )


def _flag_refund(
    decision: Decision,
    event: PaymentEvent,
    payment: Payment,
    application: Application,
    now: datetime,
) -> list[Outbound]:
    """Money arrived that cannot count: flag it for a refund; nothing else changes."""
    payment.refund_due = True
    payment.flag = _joined_flag(payment.flag, f"{decision.action.value}: {decision.note}")
    if payment.state in (StoredState.AWAITING, StoredState.EXPIRED, StoredState.CANCELLED):
        payment.state = StoredState.REFUND
        payment.gateway_payment_id = event.payment_id
        payment.paid_at = min(event.occurred_at, now) if event.occurred_at else now
    amount = event.amount_paise
    if not amount or amount < 0 or (event.currency or "").upper() != CURRENCY:
        return []  # we cannot say truthfully how much arrived; a person follows the flag up
    return refund_messages(amount, application, application.language)


def _explain(decision: Decision, application: Application) -> Decision:
    """Say why a payment on a closed application cannot count, in the words of its status."""
    if decision.action == Action.FLAG_REFUND and decision.note.endswith("application was closed"):
        if application.status == ApplicationStatus.CANCELLED:
            return Decision(Action.FLAG_REFUND, "paid after the application was cancelled")
        if application.status != ApplicationStatus.FEE_PENDING:
            return Decision(
                Action.FLAG_REFUND,
                f"paid while the application was {application.status} (fee already settled or"
                " closed)",
            )
    return decision


def _joined_flag(existing: str | None, new: str) -> str:
    joined = f"{existing}; {new}" if existing else new
    return joined[:_FLAG_LENGTH]


# --------------------------------------------------------------------------- records


def _body_json(raw_body: bytes | None, event: PaymentEvent) -> dict[str, Any]:
    """What is kept of the delivery: the gateway's JSON as sent, or the event we derived."""
    if raw_body is not None:
        try:
            parsed = json.loads(raw_body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
        return {"raw": raw_body[:65536].decode("utf-8", "replace")}
    return {
        "derived": event.raw_type,
        "link_id": event.link_id,
        "reference": event.reference,
        "payment_id": event.payment_id,
        "amount_paise": event.amount_paise,
        "currency": event.currency,
        "occurred_at": event.occurred_at.isoformat(),
    }


def _record_event(
    session: Session, provider: str, event: PaymentEvent, body: dict[str, Any], now: datetime
) -> bool:
    """Insert the event; ``False`` when ``(provider, event_id)`` is already recorded."""
    return _insert_ignore(
        session,
        {
            "provider": provider[:16],
            "event_id": event.event_id[:160],
            "kind": event.kind.value,
            "link_id": _clip(event.link_id, 120),
            "amount_paise": event.amount_paise,
            "currency": _clip(event.currency, 3),
            "body": body,
            "occurred_at": event.occurred_at,
            "received_at": now,
        },
    )


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _insert_ignore(session: Session, row: dict[str, Any]) -> bool:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(PaymentEventRecord.__table__)
        .values(row)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(PaymentEventRecord.__table__.c.id)
    )
    # RETURNING, not rowcount: with an implicit RETURNING the driver reports rowcount -1.
    return session.execute(statement).first() is not None


def _settle_record(
    session: Session,
    provider: str,
    event_id: str,
    payment_id: int | None,
    decision: str,
    note: str,
) -> None:
    session.execute(
        update(PaymentEventRecord)
        .where(
            PaymentEventRecord.provider == provider[:16],
            PaymentEventRecord.event_id == event_id[:160],
        )
        .values(payment_id=payment_id, decision=decision[:32], note=note[:2000] or None)
    )


def _unused_receipt_number(session: Session) -> str:
    """``RC-XXXX-XXXX``: seven random characters and a check character, like references."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(7))
        code = body + check_character(body)
        number = f"RC-{code[:4]}-{code[4:]}"
        if payment_by_receipt(session, number) is None:
            return number


def receipt_verification_url(payments: PaymentContext, receipt_number: str) -> str:
    return f"{payments.base_url}/verify/receipt/{receipt_number}"
