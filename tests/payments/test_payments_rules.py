"""The payment decision rules: duplicates, reordering, mismatches and late payments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sevadwar.payments.base import EventKind, LinkState, PaymentEvent, PaymentStatus
from sevadwar.payments.rules import Action, PaymentState, decide, event_from_status, next_state

AT = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
AMOUNT = 5000


def event(
    kind: EventKind,
    *,
    event_id: str = "evt_1",
    payment_id: str | None = "pay_A",
    amount: int | None = AMOUNT,
    currency: str = "INR",
) -> PaymentEvent:
    return PaymentEvent(
        provider="razorpay",
        event_id=event_id,
        kind=kind,
        raw_type=str(kind),
        occurred_at=AT,
        link_id="plink_1",
        payment_id=payment_id,
        amount_paise=amount,
        currency=currency,
    )


def decide_now(
    e: PaymentEvent, state: PaymentState = PaymentState.AWAITING, **kw: object
) -> Action:
    options: dict[str, object] = {"expected_amount_paise": AMOUNT, "expected_currency": "INR"}
    options.update(kw)
    return decide(e, state=state, **options).action  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "state", "expected"),
    [
        (EventKind.PAID, PaymentState.AWAITING, Action.MARK_PAID),
        (EventKind.PAID, PaymentState.EXPIRED, Action.FLAG_REFUND),
        (EventKind.PAID, PaymentState.CANCELLED, Action.FLAG_REFUND),
        (EventKind.FAILED, PaymentState.AWAITING, Action.RECORD_FAILURE),
        (EventKind.FAILED, PaymentState.PAID, Action.IGNORE),
        (EventKind.PENDING, PaymentState.AWAITING, Action.RECORD_PENDING),
        (EventKind.PENDING, PaymentState.PAID, Action.IGNORE),
        (EventKind.EXPIRED, PaymentState.AWAITING, Action.MARK_EXPIRED),
        (EventKind.EXPIRED, PaymentState.PAID, Action.IGNORE),
        (EventKind.CANCELLED, PaymentState.AWAITING, Action.MARK_CANCELLED),
        (EventKind.OTHER, PaymentState.AWAITING, Action.IGNORE),
    ],
)
def test_decision_table(kind: EventKind, state: PaymentState, expected: Action) -> None:
    assert decide_now(event(kind), state) == expected


def test_duplicate_paid_is_ignored_but_a_second_payment_is_flagged() -> None:
    assert (
        decide_now(event(EventKind.PAID), PaymentState.PAID, paid_payment_id="pay_A")
        == Action.IGNORE
    )
    second = event(EventKind.PAID, payment_id="pay_B")
    assert decide_now(second, PaymentState.PAID, paid_payment_id="pay_A") == Action.FLAG_REFUND


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(AMOUNT - 1, "INR"), (AMOUNT * 10, "INR"), (AMOUNT, "USD"), (None, "INR")],
)
def test_wrong_amount_or_currency_never_marks_paid(amount: int | None, currency: str) -> None:
    assert (
        decide_now(event(EventKind.PAID, amount=amount, currency=currency)) == Action.FLAG_MISMATCH
    )


def test_payment_for_a_closed_application_is_flagged_for_refund() -> None:
    assert decide_now(event(EventKind.PAID), application_open=False) == Action.FLAG_REFUND


DELIVERIES = [event(EventKind.PAID, event_id="evt_paid")] * 5 + [
    event(EventKind.FAILED, event_id="evt_fail", payment_id="pay_X"),
    event(EventKind.PENDING, event_id="evt_pending", payment_id="pay_A"),
]


@given(st.permutations(DELIVERIES))
def test_five_duplicates_in_any_order_give_exactly_one_payment(order: list[PaymentEvent]) -> None:
    state = PaymentState.AWAITING
    seen: set[str] = set()  # the unique (provider, event_id) key
    paid_marks = 0
    for delivery in order:
        if delivery.event_id in seen:
            continue
        seen.add(delivery.event_id)
        decision = decide(
            delivery,
            state=state,
            expected_amount_paise=AMOUNT,
            expected_currency="INR",
            paid_payment_id="pay_A" if state == PaymentState.PAID else None,
        )
        paid_marks += decision.action == Action.MARK_PAID
        state = next_state(state, decision)
    assert paid_marks == 1
    assert state == PaymentState.PAID


@given(st.permutations([event(EventKind.PAID, event_id=f"e{i}") for i in range(5)]))
def test_even_without_event_ids_the_state_machine_pays_once(order: list[PaymentEvent]) -> None:
    state, marks = PaymentState.AWAITING, 0
    for delivery in order:
        decision = decide(
            delivery,
            state=state,
            expected_amount_paise=AMOUNT,
            expected_currency="INR",
            paid_payment_id="pay_A",
        )
        marks += decision.action == Action.MARK_PAID
        state = next_state(state, decision)
    assert marks == 1


def test_reconciliation_status_becomes_an_event_with_a_stable_id() -> None:
    status = PaymentStatus(
        provider="razorpay",
        link_id="plink_1",
        state=LinkState.PAID,
        amount_paise=AMOUNT,
        amount_paid_paise=AMOUNT,
        currency="INR",
        payment_id="pay_A",
        paid_at=AT,
    )
    first = event_from_status(status, now=AT)
    assert first is not None
    assert first == event_from_status(status, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert first.kind == EventKind.PAID
    assert first.event_id == "reconcile:plink_1:paid:pay_A"
    assert decide_now(first) == Action.MARK_PAID
    # the webhook arriving after reconciliation is a no-op
    assert (
        decide_now(event(EventKind.PAID), PaymentState.PAID, paid_payment_id="pay_A")
        == Action.IGNORE
    )
    open_link = PaymentStatus("razorpay", "plink_1", LinkState.OPEN, AMOUNT, 0, "INR")
    assert event_from_status(open_link, now=AT) is None
