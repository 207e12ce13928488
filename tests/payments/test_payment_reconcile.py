"""Reconciliation: a lost webhook is found by asking the gateway after 15 minutes, with the same
single effect; links that never went out are sent; the loop stops with the workers."""

from __future__ import annotations

import time
from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import select

from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.payments.base import PaymentLink, PaymentOrder, RetryableGatewayError
from sevadwar.payments.context import bind_payments
from sevadwar.payments.messages import payment_text
from sevadwar.payments.providers.sandbox import Outcome, SandboxGateway
from sevadwar.payments.providers.sandbox_ledger import MemoryLedger
from sevadwar.payments.reconcile import ReconcileLoop, reconcile_once
from sevadwar.payments.states import StoredState
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

from .flow import (
    PAID_SERVICE,
    Clock,
    SimCitizen,
    application,
    event_records,
    fee_pending,
    of_kind,
    outbox_payloads,
    payments_of,
    post_event,
    sandbox_event,
)


def sandbox(runtime: Runtime) -> SandboxGateway:
    assert runtime.payments is not None
    gateway = runtime.payments.gateway
    assert isinstance(gateway, SandboxGateway)
    return gateway


def reconcile(runtime: Runtime) -> int:
    assert runtime.payments is not None
    return reconcile_once(runtime.sessions, runtime.payments, runtime.clock()).applied


def test_a_lost_webhook_is_resolved_after_15_minutes(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    pending = fee_pending(runtime, now=runtime.clock())
    hook = sandbox(runtime).complete(pending.link_id, Outcome.PAID)  # paid; webhook dropped
    assert hook is not None
    assert reconcile(runtime) == 0
    clock.advance(minutes=14)
    assert reconcile(runtime) == 0
    assert application(runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING

    clock.advance(minutes=2)
    assert reconcile(runtime) == 1
    assert application(runtime, pending.application_id).status == ApplicationStatus.SUBMITTED
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.state == StoredState.PAID
    assert payment.receipt_number
    assert payment.gateway_payment_id
    assert payment.gateway_payment_id.startswith("sbxpay_")
    assert [r.event_id.split(":")[0] for r in event_records(runtime)] == ["reconcile"]
    assert len(of_kind(outbox_payloads(runtime, pending.citizen_key), "document")) == 1

    # the webhook arrives after all, and reconciliation runs again: nothing more happens
    assert post_event(client, hook.body, hook.headers) == 200
    clock.advance(minutes=30)
    assert reconcile(runtime) == 0
    assert [r.decision for r in event_records(runtime)] == ["mark_paid", "ignore"]
    assert len(of_kind(outbox_payloads(runtime, pending.citizen_key), "document")) == 1


def test_an_open_link_is_asked_about_every_15_minutes_only(runtime: Runtime, clock: Clock) -> None:
    pending = fee_pending(runtime, now=runtime.clock())
    assert runtime.payments is not None
    clock.advance(minutes=16)
    first = reconcile_once(runtime.sessions, runtime.payments, runtime.clock())
    assert (first.checked, first.applied) == (1, 0)
    clock.advance(minutes=5)
    assert reconcile_once(runtime.sessions, runtime.payments, runtime.clock()).checked == 0
    clock.advance(minutes=11)
    assert reconcile_once(runtime.sessions, runtime.payments, runtime.clock()).checked == 1
    assert payments_of(runtime, pending.application_id)[0].state == StoredState.AWAITING
    assert event_records(runtime) == []


def test_an_expired_link_is_marked_and_a_later_payment_flagged_for_refund(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    pending = fee_pending(runtime, now=runtime.clock(), language="en")
    clock.advance(hours=25)
    assert reconcile(runtime) == 1
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.state == StoredState.EXPIRED
    texts = [m["body"] for m in of_kind(outbox_payloads(runtime, pending.citizen_key), "text")]
    assert texts == [payment_text("chat", "expired", "en")]

    assert post_event(client, *sandbox_event(runtime, pending)) == 200
    (payment,) = payments_of(runtime, pending.application_id)
    assert payment.state == StoredState.REFUND
    assert payment.refund_due
    assert application(runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING
    assert payment.receipt_number is None


class DownGateway(SandboxGateway):
    async def create_link(self, order: PaymentOrder) -> PaymentLink:
        raise RetryableGatewayError("connection refused")


def test_a_link_that_could_not_be_made_at_submission_is_sent_later(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    working = runtime.payments
    assert working is not None
    down = DownGateway(public_url="http://127.0.0.1:8000", secret=b"x", ledger=MemoryLedger())
    bind_payments(runtime.sessions, replace(working, gateway=down))
    citizen = SimCitizen(client, runtime)
    citizen.applies_for(PAID_SERVICE, "hi")
    received = citizen.received()
    assert of_kind(received, "cta_url") == []
    assert "₹50" in received[-1]["body"]  # "the fee is ₹50; the link will come here"
    with transaction(runtime.sessions) as session:
        (app_id,) = session.scalars(
            select(Application.id).where(Application.citizen_key == citizen.key)
        ).all()
    assert payments_of(runtime, app_id) == []

    bind_payments(runtime.sessions, working)  # the gateway is back
    assert reconcile_once(runtime.sessions, working, runtime.clock()).links_sent == 0  # too soon
    clock.advance(minutes=2)
    assert reconcile_once(runtime.sessions, working, runtime.clock()).links_sent == 1
    (payment,) = payments_of(runtime, app_id)
    (cta,) = of_kind(citizen.received(), "cta_url")
    assert cta["url"] == payment.url
    assert "₹50" in cta["body"]
    assert cta["label"] == payment_text("chat", "link_button", "hi")
    assert reconcile_once(runtime.sessions, working, runtime.clock()).links_sent == 0


def test_the_reconciliation_loop_runs_with_the_workers_and_stops_promptly(
    runtime: Runtime,
) -> None:
    runtime.start_workers()
    try:
        loops = [loop for loop in runtime.loops if isinstance(loop, ReconcileLoop)]
        assert len(loops) == 1
        assert loops[0].is_alive()
        started = time.monotonic()
        runtime.stop_event.set()
        loops[0].join(5)
        assert not loops[0].is_alive()
        assert time.monotonic() - started < 2  # it waits on the stop event, not a timer
    finally:
        runtime.stop_workers()
