"""RazorpayGateway against the fake Razorpay, webhooks delivered to a receiver that verifies them
the way the app's ``/webhooks/payments/razorpay`` route will."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sevadwar.fakes.razorpay import FakeRazorpay, create_app
from sevadwar.payments.base import (
    EventKind,
    InvalidWebhook,
    LinkState,
    PaymentEvent,
    PaymentOrder,
    PermanentGatewayError,
    RetryableGatewayError,
)
from sevadwar.payments.providers.razorpay import RazorpayGateway
from sevadwar.payments.rules import Action, PaymentState, decide, event_from_status, next_state

API = "http://razorpay.test/v1"
HOOK_URL = "http://sevadwar.test/webhooks/payments/razorpay"
KEY_ID, KEY_SECRET, WEBHOOK_SECRET = "rzp_test_abc", "key-secret", "webhook-secret"
NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
DATA = Path(__file__).parent / "data"
T = TypeVar("T")


def order(reference: str = "PAY-DL7KQMX4R9-1", amount: int = 5000, **kw: Any) -> PaymentOrder:
    values: dict[str, Any] = {
        "reference": reference,
        "application_reference": "DL-7KQM-X4R9",
        "amount_paise": amount,
        "expires_at": NOW + timedelta(hours=24),
        "description_en": "Income Certificate fee",
        "description_hi": "आय प्रमाण पत्र शुल्क",
        "callback_url": "http://127.0.0.1:8000/paid",
    }
    values.update(kw)
    return PaymentOrder(**values)


@dataclass
class World:
    fake: FakeRazorpay
    received: list[PaymentEvent] = field(default_factory=list)
    rejected: int = 0

    def gateway(self, client: httpx.AsyncClient, **kw: Any) -> RazorpayGateway:
        options: dict[str, Any] = {
            "key_id": KEY_ID,
            "key_secret": KEY_SECRET,
            "webhook_secret": WEBHOOK_SECRET,
            "api_base_url": API,
        }
        options.update(kw)
        return RazorpayGateway(client, **options)

    def run(
        self, scenario: Callable[[RazorpayGateway, httpx.AsyncClient], Awaitable[T]], **kw: Any
    ) -> T:
        async def go() -> T:
            receiver_gateway: RazorpayGateway | None = None

            async def webhook(request: Request) -> Response:
                raw = await request.body()
                assert receiver_gateway is not None
                if not receiver_gateway.verify_webhook(raw, request.headers):
                    self.rejected += 1
                    return Response(status_code=401)
                self.received.append(receiver_gateway.parse_webhook(raw, request.headers))
                return Response(status_code=200)

            receiver = Starlette(
                routes=[Route("/webhooks/payments/razorpay", webhook, methods=["POST"])]
            )
            async with (
                httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver)) as hooks,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=create_app(self.fake)),
                    base_url="http://razorpay.test",
                ) as api,
            ):
                self.fake.webhook_client = hooks
                receiver_gateway = self.gateway(api)
                return await scenario(self.gateway(api, **kw), api)

        return asyncio.run(go())


@pytest.fixture
def world() -> World:
    return World(
        FakeRazorpay(
            key_id=KEY_ID,
            key_secret=KEY_SECRET,
            webhook_secret=WEBHOOK_SECRET,
            webhook_url=HOOK_URL,
            public_url="http://razorpay.test",
            clock=lambda: NOW,
        )
    )


def fold(events: list[PaymentEvent], amount: int = 5000) -> tuple[PaymentState, list[Action]]:
    """Apply events like the app will: unique event ids, then the decision rules."""
    state, seen, actions = PaymentState.AWAITING, set(), []
    paid_id: str | None = None
    for event in events:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        decision = decide(
            event,
            state=state,
            expected_amount_paise=amount,
            expected_currency="INR",
            paid_payment_id=paid_id,
        )
        actions.append(decision.action)
        if decision.action == Action.MARK_PAID:
            paid_id = event.payment_id
        state = next_state(state, decision)
    return state, actions


def test_create_link_sends_what_razorpay_documents(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> Any:
        return await gateway.create_link(order())

    link = world.run(scenario)
    assert link.id.startswith("plink_")
    assert link.url.startswith("http://razorpay.test/i/")
    assert (link.amount_paise, link.currency, link.reference) == (5000, "INR", "PAY-DL7KQMX4R9-1")
    assert link.expires_at == NOW + timedelta(hours=24)
    stored = world.fake.links[link.id]
    assert stored.notes == {
        "sevadwar_reference": "PAY-DL7KQMX4R9-1",
        "sevadwar_application": "DL-7KQM-X4R9",
    }
    assert (stored.callback_url, stored.callback_method) == ("http://127.0.0.1:8000/paid", "get")


def test_create_link_is_idempotent_on_the_reference(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> tuple[str, str]:
        first = await gateway.create_link(order())
        again = await gateway.create_link(order())  # e.g. a retry after a timeout
        return first.id, again.id

    first, again = world.run(scenario)
    assert first == again
    assert len(world.fake.links) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key_secret": "wrong"}, "Authentication failed"),
    ],
)
def test_bad_credentials_are_permanent(
    world: World, overrides: dict[str, str], message: str
) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> None:
        await gateway.create_link(order())

    with pytest.raises(PermanentGatewayError, match=message):
        world.run(scenario, **overrides)


@pytest.mark.parametrize(
    ("bad_order", "field_name"),
    [
        (order(amount=50), "amount"),
        (order(expires_at=NOW + timedelta(minutes=5)), "expire_by"),
        (order(currency="USD"), "currency"),
    ],
)
def test_invalid_orders_are_refused_by_razorpay(
    world: World, bad_order: PaymentOrder, field_name: str
) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> None:
        await gateway.create_link(bad_order)

    with pytest.raises(PermanentGatewayError, match=field_name):
        world.run(scenario)


def test_duplicated_and_reordered_webhooks_record_one_payment(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> str:
        link = await gateway.create_link(order())
        response = await api.post(
            f"/_fake/payment_links/{link.id}/pay",
            json={"outcome": "paid", "failed_attempts": 1, "duplicates": 5, "reorder": True},
        )
        assert response.json()["deliveries"] == [200] * 10
        return link.id

    link_id = world.run(scenario)
    assert world.rejected == 0
    assert len(world.received) == 10
    kinds = [e.kind for e in world.received]
    assert kinds[:5] == [EventKind.PAID] * 5
    assert kinds[5:] == [EventKind.FAILED] * 5
    paid = world.received[0]
    assert (paid.link_id, paid.amount_paise, paid.currency, paid.reference) == (
        link_id,
        5000,
        "INR",
        "PAY-DL7KQMX4R9-1",
    )
    assert paid.payment_id
    assert paid.payment_id.startswith("pay_")
    failed = world.received[-1]
    assert failed.link_id == link_id  # from the payment's description "#<id>"
    assert failed.reference == "PAY-DL7KQMX4R9-1"  # from the notes copied onto the payment
    assert failed.error
    state, actions = fold(world.received)
    assert state == PaymentState.PAID
    assert actions.count(Action.MARK_PAID) == 1
    assert actions == [Action.MARK_PAID, Action.IGNORE]  # the late failure changes nothing


def test_wrong_amount_is_flagged_not_paid(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> None:
        link = await gateway.create_link(order())
        await api.post(f"/_fake/payment_links/{link.id}/pay", json={"outcome": "paid"})

    world.run(scenario)
    state, actions = fold(world.received, amount=6000)  # we expected ₹60, ₹50 was paid
    assert state == PaymentState.AWAITING
    assert actions == [Action.FLAG_MISMATCH]


def test_one_tampered_byte_is_rejected(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> None:
        link = await gateway.create_link(order())
        hooks = world.fake.settle(link.id, "paid")
        hook = hooks[0]
        assert gateway.verify_webhook(hook.body, hook.headers)
        body = bytearray(hook.body)
        position = body.index(b'"amount":5000') + len(b'"amount":')
        body[position] = ord("9")
        assert not gateway.verify_webhook(bytes(body), hook.headers)
        reserialised = json.dumps(json.loads(hook.body)).encode()
        assert not gateway.verify_webhook(reserialised, hook.headers)
        assert not gateway.verify_webhook(hook.body, {"X-Razorpay-Signature": ""})
        assert not gateway.verify_webhook(hook.body, {})

    world.run(scenario)


def test_old_webhook_secret_still_verifies_during_rotation(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> bool:
        link = await gateway.create_link(order(f"PAY-{len(world.fake.links)}"))
        hook = world.fake.settle(link.id, "paid")[0]
        return gateway.verify_webhook(hook.body, hook.headers)

    assert world.run(
        scenario, webhook_secret="new-secret", previous_webhook_secrets=[WEBHOOK_SECRET]
    )
    assert not world.run(scenario, webhook_secret="new-secret")


def test_dropped_webhook_is_resolved_by_reconciliation(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> Any:
        link = await gateway.create_link(order())
        assert (await gateway.fetch_status(link.id)).state == LinkState.OPEN
        await api.post(
            f"/_fake/payment_links/{link.id}/pay", json={"outcome": "paid", "deliver": False}
        )
        return await gateway.fetch_status(link.id)

    status = world.run(scenario)
    assert world.received == []
    assert status.state == LinkState.PAID
    assert status.payment_id
    assert status.amount_paid_paise == 5000
    assert status.reference == "PAY-DL7KQMX4R9-1"
    synthetic = event_from_status(status, now=NOW)
    assert synthetic is not None
    assert fold([synthetic]) == (PaymentState.PAID, [Action.MARK_PAID])


def test_expiry_and_cancellation_events(world: World) -> None:
    async def scenario(
        gateway: RazorpayGateway, api: httpx.AsyncClient
    ) -> tuple[LinkState, LinkState]:
        expiring = await gateway.create_link(order("PAY-1"))
        await api.post(f"/_fake/payment_links/{expiring.id}/expire")
        cancelled = await gateway.create_link(order("PAY-2"))
        response = await api.post(
            f"/v1/payment_links/{cancelled.id}/cancel", auth=(KEY_ID, KEY_SECRET)
        )
        assert response.json()["status"] == "cancelled"
        return (await gateway.fetch_status(expiring.id)).state, (
            await gateway.fetch_status(cancelled.id)
        ).state

    states = world.run(scenario)
    assert states == (LinkState.EXPIRED, LinkState.CANCELLED)
    assert [e.kind for e in world.received] == [EventKind.EXPIRED, EventKind.CANCELLED]
    assert [e.reference for e in world.received] == ["PAY-1", "PAY-2"]


def test_unknown_link_is_a_permanent_error(world: World) -> None:
    async def scenario(gateway: RazorpayGateway, api: httpx.AsyncClient) -> None:
        await gateway.fetch_status("plink_doesnotexist")

    with pytest.raises(PermanentGatewayError, match="does not exist"):
        world.run(scenario)


@pytest.mark.parametrize("failure", ["503", "transport"])
def test_outages_are_retryable(failure: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if failure == "transport":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(503, json={"error": {"code": "SERVER_ERROR"}})

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            gateway = RazorpayGateway(
                client,
                key_id=KEY_ID,
                key_secret=KEY_SECRET,
                webhook_secret=WEBHOOK_SECRET,
                api_base_url=API,
            )
            await gateway.create_link(order())

    with pytest.raises(RetryableGatewayError):
        asyncio.run(go())


def gateway_without_api() -> RazorpayGateway:
    return RazorpayGateway(
        httpx.AsyncClient(), key_id=KEY_ID, key_secret=KEY_SECRET, webhook_secret=WEBHOOK_SECRET
    )


def test_documented_sample_payload_parses() -> None:
    raw = (DATA / "razorpay-payment-link-paid.json").read_bytes()
    signature = hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-Razorpay-Signature": signature, "x-razorpay-event-id": "KE7Dd8ZVAp1Lx1"}
    gateway = gateway_without_api()
    assert gateway.verify_webhook(raw, headers)
    event = gateway.parse_webhook(raw, headers)
    assert event.event_id == "KE7Dd8ZVAp1Lx1"
    assert event.kind == EventKind.PAID
    assert event.raw_type == "payment_link.paid"
    assert (event.link_id, event.payment_id) == ("plink_QflcnnZqCekuvL", "pay_Qfldmt5StKZFCB")
    assert (event.amount_paise, event.currency, event.reference) == (1000, "INR", "23")
    assert event.occurred_at == datetime.fromtimestamp(1749618314, UTC)


def test_event_id_falls_back_to_the_event_meaning() -> None:
    raw = (DATA / "razorpay-payment-link-paid.json").read_bytes()
    event = gateway_without_api().parse_webhook(raw, {})
    assert event.event_id == "payment_link.paid:plink_QflcnnZqCekuvL"


def test_unknown_and_malformed_events() -> None:
    gateway = gateway_without_api()
    other = gateway.parse_webhook(b'{"event": "payment.captured", "payload": {}}', {})
    assert other.kind == EventKind.OTHER
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(b"not json", {})
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(b'{"payload": {}}', {})
