"""The Razorpay provider end to end: the app and the fake Razorpay each served on loopback in a
thread; links created over HTTP, webhooks delivered by the fake (duplicated, reordered), a
dropped webhook found by reconciliation through the Razorpay API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import select

from sevadwar.app import create_app
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.fakes.graph_api import serve_app_in_thread
from sevadwar.fakes.razorpay import FakeRazorpay
from sevadwar.fakes.razorpay import create_app as create_fake_app
from sevadwar.payments.messages import payment_text
from sevadwar.payments.providers.razorpay import RazorpayGateway
from sevadwar.payments.reconcile import reconcile_once
from sevadwar.payments.states import StoredState
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import PaymentProvider, Settings
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
)

KEY_ID = "rzp_test_sevadwar"
KEY_SECRET = "fake_key_secret"
WEBHOOK_SECRET = "fake_webhook_secret"


@dataclass
class Live:
    runtime: Runtime
    fake: FakeRazorpay
    fake_url: str
    app: httpx.Client
    control: httpx.Client


@pytest.fixture
def live(settings: Settings, clock: Clock) -> Iterator[Live]:
    fake = FakeRazorpay(
        key_id=KEY_ID, key_secret=KEY_SECRET, webhook_secret=WEBHOOK_SECRET, clock=clock
    )
    with serve_app_in_thread(create_fake_app(fake)) as fake_url:
        fake.public_url = fake_url
        razorpay_settings = settings.model_copy(
            update={
                "payment_provider": PaymentProvider.RAZORPAY,
                "razorpay_key_id": KEY_ID,
                "razorpay_key_secret": SecretStr(KEY_SECRET),
                "razorpay_webhook_secret": SecretStr(WEBHOOK_SECRET),
                "razorpay_api_base_url": AnyHttpUrl(f"{fake_url}/v1"),
            }
        )
        runtime = build_runtime(razorpay_settings, clock=clock)
        try:
            app = create_app(runtime=runtime, start_workers=False)
            with (
                serve_app_in_thread(app) as app_url,
                httpx.Client(base_url=app_url, timeout=30) as app_client,
                httpx.Client(base_url=fake_url, timeout=30) as control,
            ):
                fake.webhook_url = f"{app_url}/webhooks/payments/razorpay"
                yield Live(runtime, fake, fake_url, app_client, control)
        finally:
            runtime.close()


def test_razorpay_is_the_gateway_and_the_sandbox_checkout_is_not_mounted(live: Live) -> None:
    assert live.runtime.payments is not None
    assert isinstance(live.runtime.payments.gateway, RazorpayGateway)
    assert live.app.get("/pay/sbx_anything").status_code == 404


def test_pay_through_razorpay_from_the_chat(live: Live) -> None:
    citizen = SimCitizen(live.app, live.runtime)
    citizen.applies_for(PAID_SERVICE, "hi")
    (cta,) = of_kind(citizen.received(), "cta_url")
    assert cta["url"].startswith(f"{live.fake_url}/i/")
    (payment,) = payments_of(live.runtime, _application_id(live, citizen.key))
    assert payment.provider == "razorpay"
    assert payment.link_id.startswith("plink_")
    link = live.fake.links[payment.link_id]
    assert (link.amount, link.currency, link.reference_id) == (5000, "INR", payment.reference)

    # one failed attempt, then success; every event sent three times, last first
    paid = live.control.post(
        f"/_fake/payment_links/{payment.link_id}/pay",
        json={"failed_attempts": 1, "duplicates": 3, "reorder": True},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["deliveries"] == [200] * 6

    done = application(live.runtime, payment.application_id)
    assert done.status == ApplicationStatus.SUBMITTED
    (settled,) = payments_of(live.runtime, payment.application_id)
    assert settled.state == StoredState.PAID
    assert settled.gateway_payment_id == link.payments[-1]["payment_id"]
    assert settled.receipt_number
    decisions = sorted(r.decision or "" for r in event_records(live.runtime))
    assert decisions == ["ignore", "mark_paid"]  # the failure came after the payment: ignored
    received = citizen.received()
    assert len(of_kind(received, "document")) == 1
    assert payment_text("chat", "paid", "hi", amount="₹50", reference=done.reference) in [
        m["body"] for m in of_kind(received, "text")
    ]
    receipt = of_kind(received, "document")[0]["link"]
    download = live.app.get("/files/" + receipt.split("/files/", 1)[1])
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")


def test_a_failure_then_payment_in_order_offers_the_link_again(live: Live) -> None:
    pending = fee_pending(live.runtime, now=live.runtime.clock(), language="en")
    response = live.control.post(
        f"/_fake/payment_links/{pending.link_id}/pay", json={"failed_attempts": 1}
    )
    assert response.json()["deliveries"] == [200, 200]
    sent = outbox_payloads(live.runtime, pending.citizen_key)
    (retry,) = of_kind(sent, "cta_url")
    assert retry["body"] == payment_text("chat", "failed", "en")
    assert retry["url"] == pending.url
    assert sent[-1]["kind"] == "document"  # then paid, with the receipt
    assert application(live.runtime, pending.application_id).status == ApplicationStatus.SUBMITTED


def test_a_tampered_razorpay_webhook_is_refused(live: Live) -> None:
    pending = fee_pending(live.runtime, now=live.runtime.clock())
    hooks = live.fake.settle(pending.link_id, "paid")
    (hook,) = hooks
    tampered = hook.body.replace(b'"amount":5000', b'"amount":5001', 1)
    assert tampered != hook.body
    url = "/webhooks/payments/razorpay"
    assert live.app.post(url, content=tampered, headers=hook.headers).status_code == 403
    unsigned = {k: v for k, v in hook.headers.items() if k != "X-Razorpay-Signature"}
    assert live.app.post(url, content=hook.body, headers=unsigned).status_code == 401
    assert event_records(live.runtime) == []
    assert application(live.runtime, pending.application_id).status == ApplicationStatus.FEE_PENDING
    assert live.app.post(url, content=hook.body, headers=hook.headers).status_code == 200
    assert application(live.runtime, pending.application_id).status == ApplicationStatus.SUBMITTED


def test_a_dropped_razorpay_webhook_is_found_by_reconciliation(live: Live, clock: Clock) -> None:
    pending = fee_pending(live.runtime, now=live.runtime.clock())
    response = live.control.post(
        f"/_fake/payment_links/{pending.link_id}/pay", json={"deliver": False}
    )
    assert response.json()["deliveries"] == []
    payments = live.runtime.payments
    assert payments is not None
    assert reconcile_once(live.runtime.sessions, payments, clock()).checked == 0
    clock.advance(minutes=16)
    report = reconcile_once(live.runtime.sessions, payments, clock())
    assert (report.checked, report.applied, report.failures) == (1, 1, 0)
    (payment,) = payments_of(live.runtime, pending.application_id)
    assert payment.state == StoredState.PAID
    assert payment.gateway_payment_id == live.fake.links[pending.link_id].payments[-1]["payment_id"]
    assert application(live.runtime, pending.application_id).status == ApplicationStatus.SUBMITTED


def _application_id(live: Live, citizen_key: str) -> int:
    with transaction(live.runtime.sessions) as session:
        (found,) = session.scalars(
            select(Application.id).where(Application.citizen_key == citizen_key)
        ).all()
        return found
