"""The sandbox gateway and its checkout page, driven through HTTP like a citizen's browser."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sevadwar.payments.base import (
    EventKind,
    InvalidWebhook,
    LinkState,
    PaymentOrder,
    PermanentGatewayError,
)
from sevadwar.payments.providers.sandbox import Outcome, SandboxGateway, SignedWebhook
from sevadwar.payments.providers.sandbox_ledger import FileLedger, MemoryLedger
from sevadwar.payments.providers.sandbox_routes import sandbox_router
from sevadwar.payments.rules import Action, PaymentState, decide

SECRET = b"sandbox-test-secret"
START = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def order(reference: str = "PAY-DL7KQMX4R9-1", amount: int = 5000) -> PaymentOrder:
    return PaymentOrder(
        reference=reference,
        application_reference="DL-7KQM-X4R9",
        amount_paise=amount,
        expires_at=START + timedelta(hours=24),
        description_en="Income Certificate <b>",
        description_hi="आय प्रमाण पत्र",
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(clock: Clock) -> SandboxGateway:
    return SandboxGateway(
        public_url="http://127.0.0.1:8000/", secret=SECRET, ledger=MemoryLedger(), clock=clock
    )


@pytest.fixture
def delivered() -> list[SignedWebhook]:
    return []


@pytest.fixture
def browser(gateway: SandboxGateway, delivered: list[SignedWebhook]) -> TestClient:
    async def deliver(hook: SignedWebhook) -> None:
        delivered.append(hook)

    app = FastAPI()
    app.include_router(sandbox_router(gateway, deliver))
    return TestClient(app)


def create(gateway: SandboxGateway, o: PaymentOrder | None = None) -> str:
    link = asyncio.run(gateway.create_link(o or order()))
    assert link.url == f"http://127.0.0.1:8000/pay/{link.id}"
    return link.id


def choose(browser: TestClient, gateway: SandboxGateway, link_id: str, outcome: str) -> None:
    response = browser.post(
        f"/pay/{link_id}",
        data={"token": gateway.form_token(link_id), "outcome": outcome},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/pay/{link_id}?result={outcome}"


def test_create_link_is_idempotent_per_reference(gateway: SandboxGateway) -> None:
    first = create(gateway)
    assert create(gateway) == first
    assert create(gateway, order("PAY-OTHER")) != first
    with pytest.raises(PermanentGatewayError):
        asyncio.run(gateway.create_link(order(amount=9999)))


def test_checkout_page_is_bilingual_escaped_and_self_contained(
    gateway: SandboxGateway, browser: TestClient
) -> None:
    link_id = create(gateway)
    page = browser.get(f"/pay/{link_id}")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="hi">' in html
    assert 'lang="en"' in html
    for text in (
        "फ़ीस भुगतान",
        "Pay fee",
        "आय प्रमाण पत्र",
        "DL-7KQM-X4R9",
        "₹50",
        "21-11-2026 12:00 IST",
    ):
        assert text in html
    assert "Income Certificate &lt;b&gt;" in html
    assert "<b>" not in html
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"https?:", html)
    assert html.count('type="submit"') == 3
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["cache-control"] == "no-store"
    assert 'role="status" hidden' in html


def test_paying_sends_one_signed_webhook_that_verifies(
    gateway: SandboxGateway, browser: TestClient, delivered: list[SignedWebhook]
) -> None:
    link_id = create(gateway)
    choose(browser, gateway, link_id, "paid")
    assert len(delivered) == 1
    hook = delivered[0]
    assert gateway.verify_webhook(hook.body, hook.headers)
    event = gateway.parse_webhook(hook.body, hook.headers)
    assert (event.kind, event.link_id, event.amount_paise, event.currency) == (
        EventKind.PAID,
        link_id,
        5000,
        "INR",
    )
    assert event.event_id == hook.event_id
    assert event.reference == "PAY-DL7KQMX4R9-1"
    decision = decide(
        event, state=PaymentState.AWAITING, expected_amount_paise=5000, expected_currency="INR"
    )
    assert decision.action == Action.MARK_PAID
    # the page now says it is paid, and a second click sends nothing
    assert "भुगतान हो गया" in browser.get(f"/pay/{link_id}?result=paid").text
    again = browser.post(
        f"/pay/{link_id}",
        data={"token": gateway.form_token(link_id), "outcome": "paid"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert len(delivered) == 1
    assert "पहले ही भरी" in browser.get(f"/pay/{link_id}").text
    status = asyncio.run(gateway.fetch_status(link_id))
    assert status.state == LinkState.PAID
    assert status.payment_id == event.payment_id


def test_failure_then_success(
    gateway: SandboxGateway, browser: TestClient, delivered: list[SignedWebhook]
) -> None:
    link_id = create(gateway)
    choose(browser, gateway, link_id, "failed")
    page = browser.get(f"/pay/{link_id}?result=failed").text
    assert "भुगतान असफल रहा" in page
    assert 'role="status">' in page
    assert asyncio.run(gateway.fetch_status(link_id)).state == LinkState.OPEN
    choose(browser, gateway, link_id, "paid")
    kinds = [gateway.parse_webhook(h.body, h.headers).kind for h in delivered]
    assert kinds == [EventKind.FAILED, EventKind.PAID]


def test_pending_keeps_the_page_open_and_reports_pending(
    gateway: SandboxGateway, browser: TestClient, delivered: list[SignedWebhook]
) -> None:
    link_id = create(gateway)
    choose(browser, gateway, link_id, "pending")
    assert asyncio.run(gateway.fetch_status(link_id)).state == LinkState.PENDING
    assert "पुष्टि का इंतज़ार" in browser.get(f"/pay/{link_id}").text
    assert gateway.parse_webhook(delivered[0].body, delivered[0].headers).kind == EventKind.PENDING


def test_expired_link_cannot_be_paid(
    gateway: SandboxGateway, browser: TestClient, clock: Clock, delivered: list[SignedWebhook]
) -> None:
    link_id = create(gateway)
    clock.now += timedelta(hours=25)
    assert browser.get(f"/pay/{link_id}").status_code == 410
    browser.post(
        f"/pay/{link_id}",
        data={"token": gateway.form_token(link_id), "outcome": "paid"},
        follow_redirects=False,
    )
    assert delivered == []
    assert asyncio.run(gateway.fetch_status(link_id)).state == LinkState.EXPIRED


def test_forged_form_and_unknown_links_are_refused(
    gateway: SandboxGateway, browser: TestClient, delivered: list[SignedWebhook]
) -> None:
    link_id = create(gateway)
    forged = browser.post(f"/pay/{link_id}", data={"token": "0" * 64, "outcome": "paid"})
    assert forged.status_code == 403
    assert (
        browser.post(
            f"/pay/{link_id}", data={"token": gateway.form_token(link_id), "outcome": "steal"}
        ).status_code
        == 400
    )
    assert browser.get("/pay/sbx_doesnotexist").status_code == 404
    assert delivered == []


def test_signature_fails_closed(gateway: SandboxGateway) -> None:
    link = gateway.link(create(gateway))
    assert link is not None
    hook = gateway.sign_event(link, Outcome.PAID, "sbxpay_1", START)
    assert gateway.verify_webhook(hook.body, hook.headers)
    lowercase = {k.lower(): v for k, v in hook.headers.items()}
    assert gateway.verify_webhook(hook.body, lowercase)
    tampered = bytearray(hook.body)
    tampered[-2] ^= 1
    assert not gateway.verify_webhook(bytes(tampered), hook.headers)
    assert not gateway.verify_webhook(hook.body, {})
    other = SandboxGateway(public_url="http://x", secret=b"other", ledger=MemoryLedger())
    assert not other.verify_webhook(hook.body, hook.headers)
    rotated = SandboxGateway(
        public_url="http://x", secret=b"new", ledger=MemoryLedger(), previous_secrets=[SECRET]
    )
    assert rotated.verify_webhook(hook.body, hook.headers)


def test_malformed_verified_body_is_invalid_webhook(gateway: SandboxGateway) -> None:
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(b'{"id": "x"}', {})


def test_file_ledger_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    def make() -> SandboxGateway:
        return SandboxGateway(
            public_url="http://x", secret=SECRET, ledger=FileLedger(tmp_path), clock=clock
        )

    link_id = create_on(make())
    assert make().complete(link_id, Outcome.PAID) is not None
    reborn = make()
    assert asyncio.run(reborn.fetch_status(link_id)).state == LinkState.PAID
    assert asyncio.run(reborn.create_link(order())).id == link_id
    assert reborn.complete(link_id, Outcome.PAID) is None
    assert not list(tmp_path.glob(".*.tmp"))


def create_on(gateway: SandboxGateway) -> str:
    return asyncio.run(gateway.create_link(order())).id


def test_failed_delivery_still_shows_the_page_and_reconciliation_sees_the_payment(
    gateway: SandboxGateway,
) -> None:
    async def broken(hook: SignedWebhook) -> None:
        raise ConnectionError("webhook route down")

    app = FastAPI()
    app.include_router(sandbox_router(gateway, broken))
    link_id = create(gateway)
    choose(TestClient(app), gateway, link_id, "paid")
    assert asyncio.run(gateway.fetch_status(link_id)).state == LinkState.PAID


def test_post_webhook_posts_the_raw_body_with_its_headers(gateway: SandboxGateway) -> None:
    import httpx

    from sevadwar.payments.providers.sandbox_routes import post_webhook

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200 if len(seen) == 1 else 503)

    link = gateway.link(create(gateway))
    assert link is not None
    hook = gateway.sign_event(link, Outcome.PAID, "sbxpay_1", START)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            deliver = post_webhook(client, "http://app.test/webhooks/payments/sandbox")
            await deliver(hook)
            with pytest.raises(httpx.HTTPStatusError):
                await deliver(hook)

    asyncio.run(go())
    assert seen[0].content == hook.body
    assert seen[0].headers["x-sandbox-signature"] == hook.headers["X-Sandbox-Signature"]
    assert str(seen[0].url) == "http://app.test/webhooks/payments/sandbox"
