"""Signed payment events through ``POST /webhooks/payments/sandbox``: forgeries refused, replays
and any order of deliveries with exactly one effect, and money that cannot count flagged."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from sevadwar.app import create_app
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.payments.base import hmac_sha256_hex
from sevadwar.payments.messages import payment_text
from sevadwar.payments.setup import derived_secret
from sevadwar.payments.states import StoredState
from sevadwar.payments.webhooks import WebhookOutcome, handle_payment_webhook
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.db import transaction

from .flow import (
    Pending,
    application,
    audit_actions,
    event_records,
    fee_pending,
    of_kind,
    outbox_payloads,
    payments_of,
    post_event,
    sandbox_event,
)


@pytest.fixture
def pending(runtime: Runtime) -> Pending:
    return fee_pending(runtime, now=runtime.clock(), language="hi")


def paid_effects(runtime: Runtime, pending: Pending) -> dict[str, int]:
    """How many times each effect of a paid fee happened."""
    sent = outbox_payloads(runtime, pending.citizen_key)
    paid_text = payment_text("chat", "paid", "hi", amount="₹50", reference=pending.reference)
    receipts = [p for p in payments_of(runtime, pending.application_id) if p.receipt_number]
    return {
        "receipts": len(receipts),
        "documents": len(of_kind(sent, "document")),
        "paid_texts": sum(1 for m in of_kind(sent, "text") if m["body"] == paid_text),
        "audits": audit_actions(runtime).count("payment.mark_paid"),
    }


ONCE = {"receipts": 1, "documents": 1, "paid_texts": 1, "audits": 1}
NEVER = {"receipts": 0, "documents": 0, "paid_texts": 0, "audits": 0}


def assert_untouched(runtime: Runtime, pending: Pending) -> None:
    assert application(runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.state == StoredState.AWAITING
    assert not payment.refund_due
    assert paid_effects(runtime, pending) == NEVER


# --------------------------------------------------------------------------- signatures


def test_missing_signature_is_401_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    raw, headers = sandbox_event(runtime, pending)
    del headers["X-Sandbox-Signature"]
    assert post_event(client, raw, headers) == 401
    assert event_records(runtime) == []
    assert_untouched(runtime, pending)


def test_one_tampered_byte_is_403_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    raw, headers = sandbox_event(runtime, pending, payment_id="sbxpay_test0001")
    tampered = raw.replace(b"sbxpay_test0001", b"sbxpay_test0002")
    assert len(tampered) == len(raw)
    assert tampered != raw
    assert post_event(client, tampered, headers) == 403
    assert post_event(client, raw, {**headers, "X-Sandbox-Signature": "0" * 64}) == 403
    forged, forged_headers = sandbox_event(runtime, pending, secret=b"not-our-secret")
    assert post_event(client, forged, forged_headers) == 403
    assert event_records(runtime) == []
    assert_untouched(runtime, pending)


def test_events_for_another_provider_are_not_found(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    raw, headers = sandbox_event(runtime, pending)
    response = client.post("/webhooks/payments/razorpay", content=raw, headers=headers)
    assert response.status_code == 404
    assert event_records(runtime) == []


def test_a_signed_body_that_does_not_parse_is_quarantined_once(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    _raw, headers = sandbox_event(runtime, pending)
    garbage = b'{"id": "evt", "type": "payment.paid"'  # cut short
    secret = derived_secret(runtime.settings.resolved_secret_key(), "sandbox-payments")
    signed = {**headers, "X-Sandbox-Signature": hmac_sha256_hex(secret, garbage)}
    assert post_event(client, garbage, signed) == 200
    assert post_event(client, garbage, signed) == 200
    (record,) = event_records(runtime)
    assert (record.kind, record.decision) == ("invalid", "quarantined")
    assert record.body is not None
    assert record.body["raw"] == garbage.decode()
    assert_untouched(runtime, pending)


# --------------------------------------------------------------------------- exactly one effect


def test_a_replayed_event_has_one_effect(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    raw, headers = sandbox_event(runtime, pending)
    assert [post_event(client, raw, headers) for _ in range(3)] == [200, 200, 200]
    assert application(runtime, pending.application_id).status == ApplicationStatus.SUBMITTED
    assert paid_effects(runtime, pending) == ONCE
    assert len(event_records(runtime)) == 1


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_five_duplicates_of_each_event_in_shuffled_order_pay_once(
    client: TestClient, runtime: Runtime, pending: Pending, seed: int
) -> None:
    failed = sandbox_event(runtime, pending, kind="failed", payment_id="sbxpay_failed01")
    waiting = sandbox_event(runtime, pending, kind="pending", payment_id="sbxpay_pending1")
    paid = sandbox_event(runtime, pending, kind="paid", payment_id="sbxpay_paid0001")
    deliveries = [failed, waiting, paid] * 5
    random.Random(seed).shuffle(deliveries)
    statuses = [post_event(client, raw, headers) for raw, headers in deliveries]
    assert statuses == [200] * 15
    assert application(runtime, pending.application_id).status == ApplicationStatus.SUBMITTED
    (payment,) = payments_of(runtime, pending.application_id)
    assert (payment.state, payment.gateway_payment_id) == (StoredState.PAID, "sbxpay_paid0001")
    assert not payment.refund_due
    assert paid_effects(runtime, pending) == ONCE
    assert len(event_records(runtime)) == 3
    # whatever came after the payment was ignored: no "try again" once paid
    sent = outbox_payloads(runtime, pending.citizen_key)
    last_paid = max(i for i, m in enumerate(sent) if m["kind"] == "document")
    assert all(m["kind"] != "cta_url" for m in sent[last_paid:])


def test_a_failure_arriving_after_the_payment_changes_nothing(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    assert post_event(client, *sandbox_event(runtime, pending, kind="paid")) == 200
    before = outbox_payloads(runtime, pending.citizen_key)
    assert post_event(client, *sandbox_event(runtime, pending, kind="failed")) == 200
    assert outbox_payloads(runtime, pending.citizen_key) == before
    assert [r.decision for r in event_records(runtime)] == ["mark_paid", "ignore"]
    assert paid_effects(runtime, pending) == ONCE


def test_concurrent_deliveries_pay_once(runtime: Runtime, pending: Pending) -> None:
    payments = runtime.payments
    assert payments is not None
    same = sandbox_event(runtime, pending, payment_id="sbxpay_paid0001")
    other = sandbox_event(runtime, pending, payment_id="sbxpay_paid0001")  # another event id
    outcomes: list[WebhookOutcome] = []
    lock = threading.Lock()

    def deliver(raw: bytes, headers: dict[str, str]) -> None:
        outcome = handle_payment_webhook(
            runtime.sessions, payments, raw, headers, now=runtime.clock()
        )
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=deliver, args=same) for _ in range(4)]
    threads += [threading.Thread(target=deliver, args=other) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == sorted(["applied"] * 2 + ["duplicate"] * 4)
    assert sorted(r.decision or "" for r in event_records(runtime)) == ["ignore", "mark_paid"]
    assert paid_effects(runtime, pending) == ONCE


# --------------------------------------------------------------------------- failures and flags


def test_a_failed_attempt_offers_the_same_link_again(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    assert post_event(client, *sandbox_event(runtime, pending, kind="failed")) == 200
    (retry,) = of_kind(outbox_payloads(runtime, pending.citizen_key), "cta_url")
    assert retry["body"] == payment_text("chat", "failed", "hi")
    assert retry["label"] == payment_text("chat", "link_button", "hi")
    assert retry["url"] == pending.url
    assert application(runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING
    assert post_event(client, *sandbox_event(runtime, pending, kind="paid")) == 200
    assert paid_effects(runtime, pending) == ONCE


def test_a_pending_payment_asks_the_citizen_not_to_pay_again(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    assert post_event(client, *sandbox_event(runtime, pending, kind="pending")) == 200
    texts = [m["body"] for m in of_kind(outbox_payloads(runtime, pending.citizen_key), "text")]
    assert texts == [payment_text("chat", "pending", "hi")]
    assert payments_of(runtime, pending.application_id)[0].state == StoredState.AWAITING


def test_a_wrong_amount_is_flagged_for_refund_and_not_accepted(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    assert post_event(client, *sandbox_event(runtime, pending, amount=4000)) == 200
    assert application(runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.refund_due
    assert payment.state == StoredState.REFUND
    assert payment.flag is not None
    assert "flag_mismatch" in payment.flag
    assert "4000" in payment.flag
    assert payment.receipt_number is None
    texts = [m["body"] for m in of_kind(outbox_payloads(runtime, pending.citizen_key), "text")]
    refund = payment_text("chat", "refund", "hi", amount="₹40", reference=pending.reference)
    assert texts == [refund]  # what actually arrived, and that it comes back
    assert paid_effects(runtime, pending)["receipts"] == 0
    assert "payment.flag_mismatch" in audit_actions(runtime)
    # the gateway repeating itself does not flag or message twice
    assert post_event(client, *sandbox_event(runtime, pending, amount=4000)) == 200
    assert len(of_kind(outbox_payloads(runtime, pending.citizen_key), "text")) == 1


def test_a_wrong_currency_is_flagged_without_a_claim_about_the_amount(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    assert post_event(client, *sandbox_event(runtime, pending, currency="USD")) == 200
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.refund_due
    assert "USD" in (payment.flag or "")
    assert outbox_payloads(runtime, pending.citizen_key) == []
    assert application(runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING


def test_a_payment_after_cancellation_is_flagged_for_refund(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(
            update(Application)
            .where(Application.id == pending.application_id)
            .values(status=ApplicationStatus.CANCELLED)
        )
    assert post_event(client, *sandbox_event(runtime, pending)) == 200
    assert application(runtime, pending.application_id).status == ApplicationStatus.CANCELLED
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.refund_due
    assert payment.state == StoredState.REFUND
    assert "cancelled" in (payment.flag or "")
    texts = [m["body"] for m in of_kind(outbox_payloads(runtime, pending.citizen_key), "text")]
    assert texts == [
        payment_text("chat", "refund", "hi", amount="₹50", reference=pending.reference)
    ]
    assert paid_effects(runtime, pending)["receipts"] == 0


def test_a_second_payment_is_flagged_for_refund(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    assert post_event(client, *sandbox_event(runtime, pending, payment_id="sbxpay_first001")) == 200
    assert post_event(client, *sandbox_event(runtime, pending, payment_id="sbxpay_second01")) == 200
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.state == StoredState.PAID
    assert payment.gateway_payment_id == "sbxpay_first001"
    assert payment.refund_due
    assert "sbxpay_second01" in (payment.flag or "")
    assert paid_effects(runtime, pending) == ONCE


def test_an_event_about_no_payment_of_ours_is_recorded_without_effect(
    client: TestClient, runtime: Runtime, pending: Pending
) -> None:
    stranger = Pending(0, "DL-2222-2222", 0, "sbx_notourlink01", "NOPE-P1", "", "sim:nobody")
    assert post_event(client, *sandbox_event(runtime, stranger)) == 200
    (record,) = event_records(runtime)
    assert record.decision == "unknown_link"
    assert record.payment_id is None
    assert_untouched(runtime, pending)


def test_a_database_outage_answers_503(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/unreachable",
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-for-sevadwar-tests",  # type: ignore[arg-type]
        workers=0,
        senders=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = build_runtime(settings)
    try:
        pending = Pending(1, "DL-2222-2222", 1, "sbx_linkwhiledown", "DL-2222-2222-P1", "", "sim:x")
        with TestClient(create_app(runtime=runtime, start_workers=False)) as client:
            assert post_event(client, *sandbox_event(runtime, pending)) == 503
    finally:
        runtime.close()
