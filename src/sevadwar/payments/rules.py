"""What a payment event means for a stored payment: a pure decision, so duplicates, reordering
and mismatches are settled in one tested place (security-compliance §2.2).

The caller (``payments/actions.py``, the lead's) loads the stored payment, calls :func:`decide`,
and applies the decision in one transaction with a conditional update
(``UPDATE payments SET state='paid' … WHERE id=? AND state='awaiting'``), after inserting the
event into ``payment_events`` whose ``(provider, event_id)`` is unique. :func:`next_state` is the
state the decision leads to, so any order of any number of deliveries can be folded and checked.

Reconciliation goes through the same path: :func:`event_from_status` turns what
:meth:`~sevadwar.payments.base.PaymentGateway.fetch_status` reports into an event with a stable id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sevadwar.payments.base import EventKind, LinkState, PaymentEvent, PaymentStatus


class PaymentState(StrEnum):
    AWAITING = "awaiting"  # link sent, no confirmed payment
    PAID = "paid"  # terminal
    EXPIRED = "expired"  # terminal; a new link (new reference) may be issued
    CANCELLED = "cancelled"  # terminal


class Action(StrEnum):
    MARK_PAID = "mark_paid"  # the only action that moves the application on
    RECORD_FAILURE = "record_failure"  # tell the citizen; the link stays payable
    RECORD_PENDING = "record_pending"  # tell the citizen we are waiting for the bank
    MARK_EXPIRED = "mark_expired"
    MARK_CANCELLED = "mark_cancelled"
    FLAG_MISMATCH = "flag_mismatch"  # amount or currency differs from the order: alert, no effect
    FLAG_REFUND = "flag_refund"  # money arrived where it cannot be used (expired, cancelled, twice)
    IGNORE = "ignore"  # duplicate, stale or not for us


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    note: str = ""


_TERMINAL = frozenset({PaymentState.PAID, PaymentState.EXPIRED, PaymentState.CANCELLED})


def decide(
    event: PaymentEvent,
    *,
    state: PaymentState,
    expected_amount_paise: int,
    expected_currency: str,
    paid_payment_id: str | None = None,
    application_open: bool = True,
) -> Decision:
    """The effect ``event`` should have on a payment now in ``state``.

    ``paid_payment_id`` is the gateway payment already recorded (when ``state`` is PAID);
    ``application_open`` is false once the application was cancelled or closed, so a late
    payment is flagged for refund instead of moving it on.
    """
    if event.kind == EventKind.PAID:
        return _decide_paid(
            event,
            state,
            expected_amount_paise,
            expected_currency,
            paid_payment_id,
            application_open,
        )
    if event.kind == EventKind.FAILED:
        if state in _TERMINAL:
            return Decision(Action.IGNORE, f"failure after {state}")
        return Decision(Action.RECORD_FAILURE, event.error or "")
    if event.kind == EventKind.PENDING:
        if state != PaymentState.AWAITING:
            return Decision(Action.IGNORE, f"pending after {state}")
        return Decision(Action.RECORD_PENDING)
    if event.kind == EventKind.EXPIRED:
        if state != PaymentState.AWAITING:
            return Decision(Action.IGNORE, f"expiry after {state}")
        return Decision(Action.MARK_EXPIRED)
    if event.kind == EventKind.CANCELLED:
        if state != PaymentState.AWAITING:
            return Decision(Action.IGNORE, f"cancellation after {state}")
        return Decision(Action.MARK_CANCELLED)
    return Decision(Action.IGNORE, f"event {event.raw_type} is not acted on")


def _decide_paid(
    event: PaymentEvent,
    state: PaymentState,
    expected_amount_paise: int,
    expected_currency: str,
    paid_payment_id: str | None,
    application_open: bool,
) -> Decision:
    if state == PaymentState.PAID and (
        event.payment_id is None or paid_payment_id is None or event.payment_id == paid_payment_id
    ):
        return Decision(Action.IGNORE, "already paid")
    if event.amount_paise != expected_amount_paise or (event.currency or "").upper() != (
        expected_currency.upper()
    ):
        return Decision(
            Action.FLAG_MISMATCH,
            f"paid {event.amount_paise} {event.currency}, "
            f"expected {expected_amount_paise} {expected_currency}",
        )
    if state == PaymentState.PAID:
        return Decision(Action.FLAG_REFUND, f"second payment {event.payment_id}")
    if state in (PaymentState.EXPIRED, PaymentState.CANCELLED):
        return Decision(Action.FLAG_REFUND, f"paid after the payment was {state}")
    if not application_open:
        return Decision(Action.FLAG_REFUND, "paid after the application was closed")
    return Decision(Action.MARK_PAID)


def next_state(state: PaymentState, decision: Decision) -> PaymentState:
    """The stored state after applying ``decision``."""
    if decision.action == Action.MARK_PAID:
        return PaymentState.PAID
    if decision.action == Action.MARK_EXPIRED:
        return PaymentState.EXPIRED
    if decision.action == Action.MARK_CANCELLED:
        return PaymentState.CANCELLED
    return state


_STATUS_EVENTS = {
    LinkState.PAID: EventKind.PAID,
    LinkState.EXPIRED: EventKind.EXPIRED,
    LinkState.CANCELLED: EventKind.CANCELLED,
    LinkState.PENDING: EventKind.PENDING,
}


def event_from_status(status: PaymentStatus, *, now: datetime) -> PaymentEvent | None:
    """A synthetic event for what reconciliation found, or ``None`` while the link is open.

    Its id is stable (``reconcile:<link>:<state>[:<payment>]``), so polling the same state twice
    is a duplicate like any redelivered webhook.
    """
    kind = _STATUS_EVENTS.get(status.state)
    if kind is None:
        return None
    event_id = f"reconcile:{status.link_id}:{status.state}"
    if status.payment_id:
        event_id += f":{status.payment_id}"
    return PaymentEvent(
        provider=status.provider,
        event_id=event_id,
        kind=kind,
        raw_type=f"reconcile.{status.state}",
        occurred_at=status.paid_at or now,
        link_id=status.link_id,
        reference=status.reference,
        payment_id=status.payment_id,
        amount_paise=status.amount_paid_paise if kind == EventKind.PAID else status.amount_paise,
        currency=status.currency,
    )
