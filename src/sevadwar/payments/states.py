"""The states a stored payment row can be in, and how each reads for :func:`rules.decide`."""

from __future__ import annotations

from enum import StrEnum

from sevadwar.payments.rules import PaymentState


class StoredState(StrEnum):
    AWAITING = "awaiting"  # link sent, no confirmed payment
    PAID = "paid"  # the fee is paid: the application moved on
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUND = "refund"  # money arrived that cannot count (wrong amount, expired link, closed case)


_RULE_STATES = {
    StoredState.AWAITING: PaymentState.AWAITING,
    StoredState.PAID: PaymentState.PAID,
    StoredState.EXPIRED: PaymentState.EXPIRED,
    StoredState.CANCELLED: PaymentState.CANCELLED,
    # Money was received on this payment: a redelivery is "already paid", another payment on the
    # same link is "a second payment", exactly as for a paid one.
    StoredState.REFUND: PaymentState.PAID,
}


def rule_state(stored: str) -> PaymentState:
    return _RULE_STATES[StoredState(stored)]
