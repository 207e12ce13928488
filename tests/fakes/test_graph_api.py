"""The fake Graph API honours the documented contract (reference §10, items 1-4 and 6)."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sevadwar.channels.base import DeliveryStatus, InboundMessage, MessageKind, StatusUpdate
from sevadwar.channels.whatsapp.payloads import parse_event, split_events
from sevadwar.channels.whatsapp.signature import SignatureCheck, verify
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_api import create_app, run_fake_graph, serve_app_in_thread
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph

pytestmark = pytest.mark.anyio

SECRET = "app-secret-for-tests"
TOKEN = "graph-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PHONE_ID = wp.DEFAULT_NUMBER.phone_number_id
MESSAGES = f"/v24.0/{PHONE_ID}/messages"
WA_ID = "919876543210"
BSUID = "IN.13491208655302741918"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Receiver:
    """Stands in for the app's webhook route: records raw bodies, answers as told."""

    answers: list[int] = field(default_factory=list)
    posts: list[tuple[bytes, str | None]] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        raw = await request.body()
        self.posts.append((raw, request.headers.get("x-hub-signature-256")))
        status = self.answers.pop(0) if self.answers else 200
        return PlainTextResponse("OK" if status == 200 else "no", status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/webhooks/whatsapp", self.endpoint, methods=["POST"])])

    def bodies(self) -> list[dict[str, Any]]:
        for raw, signature in self.posts:
            assert verify(raw, signature, SECRET) is SignatureCheck.VALID
        return [json.loads(raw) for raw, _ in self.posts]

    def events(self) -> list[Any]:
        return [parse_event(e.data) for body in self.bodies() for e in split_events(body)]


@dataclass
class Harness:
    fake: FakeGraph
    graph: httpx.AsyncClient
    receiver: Receiver
    clock: Clock

    async def send(self, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **body}
        return await self.graph.post(MESSAGES, json=payload, headers=AUTH, **kwargs)

    async def text(self, to: str = WA_ID, body: str = "Namaste") -> httpx.Response:
        return await self.send({"to": to, "type": "text", "text": {"body": body}})


@asynccontextmanager
async def harness(**config: Any) -> AsyncIterator[Harness]:
    clock = Clock()
    settings: dict[str, Any] = {
        "access_token": TOKEN,
        "app_secret": SECRET,
        "webhook_url": "http://app.test/webhooks/whatsapp",
        "emit_statuses": False,
        "retry_delays": (0.0, 0.0, 0.0),
        **config,
    }
    fake = FakeGraph(FakeConfig(**settings), clock=clock)
    receiver = Receiver()
    transport = httpx.ASGITransport(app=receiver.app())
    async with httpx.AsyncClient(transport=transport) as webhook_client:
        app = create_app(fake, webhook_client=webhook_client)
        graph_transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=graph_transport, base_url="http://graph.test") as c:
            yield Harness(fake, c, receiver, clock)
            await fake.drain()


def assert_graph_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["type"] == "OAuthException"
    assert error["message"]
    assert error["fbtrace_id"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    return error


# --------------------------------------------------------------------------- auth, versions


async def test_missing_or_wrong_token_is_190() -> None:
    async with harness() as h:
        body = {"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "x"}}
        assert_graph_error(await h.graph.post(MESSAGES, json=body), 401, 190)
        wrong = {"Authorization": "Bearer nope"}
        assert_graph_error(await h.graph.post(MESSAGES, json=body, headers=wrong), 401, 190)
        ok = await h.graph.post(MESSAGES, json=body, params={"access_token": TOKEN})
        assert ok.status_code == 200
        assert len(h.fake.sent) == 1


@pytest.mark.parametrize("version", ["v24.0", "v25.0", "v26.0"])
async def test_configured_versions_are_served(version: str) -> None:
    async with harness() as h:
        body = {"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "x"}}
        response = await h.graph.post(f"/{version}/{PHONE_ID}/messages", json=body, headers=AUTH)
        assert response.status_code == 200


async def test_unknown_version_and_phone_number_id() -> None:
    async with harness() as h:
        body = {"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "x"}}
        response = await h.graph.post(f"/v99.0/{PHONE_ID}/messages", json=body, headers=AUTH)
        assert_graph_error(response, 400, 2500)
        response = await h.graph.post("/v24.0/111/messages", json=body, headers=AUTH)
        assert_graph_error(response, 400, 100)
        assert h.fake.sent == []


# --------------------------------------------------------------------------- sending


async def test_send_returns_a_new_wamid_as_documented() -> None:
    async with harness() as h:
        first = await h.text()
        second = await h.text()
        assert first.status_code == 200
        data = first.json()
        assert data["messaging_product"] == "whatsapp"
        assert data["contacts"] == [{"input": WA_ID, "wa_id": WA_ID}]
        (message,) = data["messages"]
        assert message["id"].startswith("wamid.")
        assert message["id"] != second.json()["messages"][0]["id"]
        assert [m.wamid for m in h.fake.sent] == [
            message["id"],
            second.json()["messages"][0]["id"],
        ]
        assert h.fake.sent[0].body["text"] == {"body": "Namaste"}
        assert h.fake.sent[0].user.wa_id == WA_ID
        assert h.fake.messages_to(WA_ID) == h.fake.sent


async def test_plus_prefixed_number_is_normalised() -> None:
    async with harness() as h:
        data = (await h.text(to="+919876543210")).json()
        assert data["contacts"] == [{"input": "+919876543210", "wa_id": WA_ID}]


async def test_recipient_bsuid_is_accepted() -> None:
    async with harness() as h:
        response = await h.send({"recipient": BSUID, "type": "text", "text": {"body": "hi"}})
        assert response.status_code == 200
        assert response.json()["contacts"] == [{"input": BSUID, "user_id": BSUID}]
        assert h.fake.sent[0].user.user_id == BSUID
        assert h.fake.messages_to(BSUID) == h.fake.sent


async def test_to_and_recipient_of_the_same_user_are_one_person() -> None:
    async with harness() as h:
        h.fake.note_inbound(wa_id=WA_ID, user_id=BSUID)
        await h.text()
        await h.send({"recipient": BSUID, "type": "text", "text": {"body": "hi"}})
        assert len(h.fake.messages_to(WA_ID)) == 2


def _buttons(count: int, title: str = "T") -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": "Choose"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": f"b{i}", "title": f"{title}{i}"}}
                for i in range(count)
            ]
        },
    }


def _list(rows: int, title: str = "Row") -> dict[str, Any]:
    return {
        "type": "list",
        "body": {"text": "Pick"},
        "action": {
            "button": "Open",
            "sections": [
                {"title": "S", "rows": [{"id": f"r{i}", "title": title} for i in range(rows)]}
            ],
        },
    }


INVALID_SENDS: list[tuple[dict[str, Any], int]] = [
    ({"messaging_product": None, "to": WA_ID, "type": "text", "text": {"body": "x"}}, 131008),
    ({"type": "text", "text": {"body": "x"}}, 131008),
    ({"to": "not-a-number", "type": "text", "text": {"body": "x"}}, 131009),
    ({"recipient": "someone", "type": "text", "text": {"body": "x"}}, 131009),
    ({"to": WA_ID, "type": "text", "text": {"body": "x" * 4097}}, 131009),
    ({"to": WA_ID, "type": "text", "text": {"body": ""}}, 131009),
    ({"to": WA_ID, "type": "text"}, 131008),
    ({"to": WA_ID, "type": "hologram", "hologram": {}}, 100),
    ({"to": WA_ID, "type": "interactive", "interactive": _buttons(4)}, 131009),
    ({"to": WA_ID, "type": "interactive", "interactive": _buttons(2, "T" * 20)}, 131009),
    ({"to": WA_ID, "type": "interactive", "interactive": _list(11)}, 131009),
    ({"to": WA_ID, "type": "interactive", "interactive": _list(1, "R" * 25)}, 131009),
    ({"to": WA_ID, "type": "image", "image": {"id": "1", "link": "https://x.test/a.png"}}, 131009),
    ({"to": WA_ID, "type": "document", "document": {"id": "404"}}, 131009),
    (
        {
            "to": WA_ID,
            "type": "template",
            "template": {
                "name": "t",
                "language": {"code": "en"},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": "two\nlines"}]}
                ],
            },
        },
        132018,
    ),
]


@pytest.mark.parametrize(("body", "code"), INVALID_SENDS)
async def test_invalid_bodies_are_rejected_like_meta(body: dict[str, Any], code: int) -> None:
    async with harness() as h:
        payload = {"messaging_product": "whatsapp", **body}
        if payload["messaging_product"] is None:
            del payload["messaging_product"]
        response = await h.graph.post(MESSAGES, json=payload, headers=AUTH)
        assert_graph_error(response, 400, code)
        assert h.fake.sent == []


async def test_body_that_is_not_json() -> None:
    async with harness() as h:
        response = await h.graph.post(MESSAGES, content=b"{oops", headers=AUTH)
        assert_graph_error(response, 400, 100)


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_read_receipt_and_typing_indicator(method: str) -> None:
    async with harness() as h:
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.IN1",
            "typing_indicator": {"type": "text"},
        }
        response = await h.graph.request(method, MESSAGES, json=body, headers=AUTH)
        assert response.json() == {"success": True}
        assert [(r.message_id, r.typing) for r in h.fake.read_marks] == [("wamid.IN1", True)]
        assert h.fake.sent == []


async def test_put_is_only_for_read_receipts() -> None:
    async with harness() as h:
        body = {"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "x"}}
        assert_graph_error(await h.graph.put(MESSAGES, json=body, headers=AUTH), 400, 100)


# --------------------------------------------------------------------------- limits and faults


async def test_throttle_next_sends() -> None:
    async with harness() as h:
        h.fake.throttle_next(2)
        assert_graph_error(await h.text(), 429, 130429)
        assert_graph_error(await h.text(), 429, 130429)
        assert (await h.text()).status_code == 200
        # the same through the control API
        assert (await h.graph.post("/_fake/throttle", json={"count": 1})).status_code == 200
        assert_graph_error(await h.text(), 429, 130429)
        assert (await h.text()).status_code == 200


async def test_pair_rate_limit_burst_then_window() -> None:
    async with harness(pair_burst=3, pair_window_seconds=6) as h:
        for _ in range(3):
            assert (await h.text()).status_code == 200
        assert_graph_error(await h.text(), 400, 131056)
        assert (await h.text(to="919811122233")).status_code == 200  # another user is fine
        h.clock.advance(seconds=6)
        assert (await h.text()).status_code == 200


async def test_default_pair_burst_is_45() -> None:
    async with harness() as h:
        for _ in range(45):
            assert (await h.text()).status_code == 200
        assert_graph_error(await h.text(), 400, 131056)


async def test_throughput_limit() -> None:
    async with harness(throughput_mps=2) as h:
        assert (await h.text(to="911111111111")).status_code == 200
        assert (await h.text(to="912222222222")).status_code == 200
        assert_graph_error(await h.text(to="913333333333"), 429, 130429)
        h.clock.advance(seconds=1)
        assert (await h.text(to="913333333333")).status_code == 200


async def test_24_hour_window() -> None:
    template = {"name": "certificate_ready", "language": {"code": "en"}}
    async with harness(enforce_window=True) as h:
        assert_graph_error(await h.text(), 400, 131047)
        assert (await h.send({"to": WA_ID, "type": "template", "template": template})).is_success
        h.fake.note_inbound(wa_id=WA_ID)
        assert (await h.text()).status_code == 200
        h.clock.advance(hours=23, minutes=59)
        assert (await h.text()).status_code == 200
        h.clock.advance(minutes=2)
        assert_graph_error(await h.text(), 400, 131047)
        # an inbound message played through the fake opens the window again
        response = await h.graph.post("/_fake/inbound", json={"wa_id": WA_ID, "text": "hi"})
        assert response.json()["delivered"] is True
        assert (await h.text()).status_code == 200


async def test_window_is_off_by_default() -> None:
    async with harness() as h:
        assert (await h.text()).status_code == 200


async def test_templates() -> None:
    def template(name: str, language: str, params: list[str]) -> dict[str, Any]:
        return {
            "to": WA_ID,
            "type": "template",
            "template": {
                "name": name,
                "language": {"code": language},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
                ],
            },
        }

    async with harness() as h:
        h.fake.add_template("certificate_ready", ["en", "hi"], body_params=2)
        assert_graph_error(await h.send(template("nope", "en", ["a", "b"])), 404, 132001)
        assert_graph_error(
            await h.send(template("certificate_ready", "fr", ["a", "b"])), 404, 132001
        )
        assert_graph_error(await h.send(template("certificate_ready", "hi", ["a"])), 400, 132000)
        response = await h.send(template("certificate_ready", "hi", ["Priya", "DL-1"]))
        assert response.status_code == 200
        assert response.json()["messages"][0]["message_status"] == "accepted"
        # registered over the control API too
        await h.graph.post("/_fake/templates", json={"name": "otp", "languages": ["en"]})
        assert (await h.send(template("otp", "en", ["123456"]))).status_code == 200


async def test_injected_error_for_one_recipient_only() -> None:
    async with harness() as h:
        await h.graph.post("/_fake/faults", json={"code": 131026, "recipient": "919811122233"})
        assert (await h.text()).status_code == 200
        assert_graph_error(await h.text(to="919811122233"), 400, 131026)
        assert (await h.text(to="919811122233")).status_code == 200


async def test_down_unavailable_and_slow() -> None:
    async with harness() as h:
        await h.graph.post("/_fake/down", json={"mode": "unavailable"})
        assert_graph_error(await h.text(), 503, 131016)
        await h.graph.post("/_fake/down", json={"mode": "off"})
        await h.graph.post("/_fake/slow", json={"seconds": 0.05})
        started = time.perf_counter()
        assert (await h.text()).status_code == 200
        assert time.perf_counter() - started >= 0.05


async def test_down_drop_is_a_transport_error() -> None:
    async with harness(down="drop") as h:
        with pytest.raises(httpx.TransportError):
            await h.text()
        assert h.fake.sent == []


# --------------------------------------------------------------------------- media


async def test_media_round_trip() -> None:
    pdf = b"%PDF-1.4 certificate"
    async with harness() as h:
        upload = await h.graph.post(
            f"/v24.0/{PHONE_ID}/media",
            headers=AUTH,
            data={"messaging_product": "whatsapp", "type": "application/pdf"},
            files={"file": ("certificate.pdf", pdf, "application/pdf")},
        )
        assert upload.status_code == 200, upload.text
        media_id = upload.json()["id"]
        assert media_id.isdigit()
        info = (await h.graph.get(f"/v24.0/{media_id}", headers=AUTH)).json()
        assert info["messaging_product"] == "whatsapp"
        assert info["mime_type"] == "application/pdf"
        assert info["file_size"] == str(len(pdf))
        assert info["id"] == media_id
        import hashlib

        assert info["sha256"] == hashlib.sha256(pdf).hexdigest()
        url = info["url"]
        assert url.startswith("http://graph.test/whatsapp_business/attachments/?mid=")
        download = await h.graph.get(url, headers=AUTH)
        assert download.status_code == 200
        assert download.content == pdf
        assert download.headers["content-type"] == "application/pdf"
        assert (await h.graph.get(url)).status_code == 401  # the token is required
        assert (await h.graph.get(url.replace("hash=", "hash=0"), headers=AUTH)).status_code == 404
        # a document can now be sent by id
        document = {"id": media_id, "filename": "certificate.pdf"}
        response = await h.send({"to": WA_ID, "type": "document", "document": document})
        assert response.status_code == 200
        # URLs expire after 5 minutes
        h.clock.advance(minutes=5, seconds=1)
        assert (await h.graph.get(url, headers=AUTH)).status_code == 404
        deleted = await h.graph.delete(f"/v24.0/{media_id}", headers=AUTH)
        assert deleted.json() == {"success": True}
        assert_graph_error(await h.graph.get(f"/v24.0/{media_id}", headers=AUTH), 400, 100)


async def test_upload_uses_the_file_part_type_when_no_type_field() -> None:
    async with harness() as h:
        upload = await h.graph.post(
            f"/v24.0/{PHONE_ID}/media",
            headers=AUTH,
            data={"messaging_product": "whatsapp"},
            files={"file": ("photo.png", b"\x89PNG....", "image/png")},
        )
        assert h.fake.media[upload.json()["id"]].mime_type == "image/png"


@pytest.mark.parametrize(
    ("data", "files", "code"),
    [
        (
            {"messaging_product": "whatsapp"},
            {"file": ("a.exe", b"MZ", "application/x-msdos")},
            131053,
        ),
        (
            {"messaging_product": "whatsapp"},
            {"other": ("a.pdf", b"%PDF", "application/pdf")},
            131008,
        ),
        ({}, {"file": ("a.pdf", b"%PDF", "application/pdf")}, 131008),
        (
            {"messaging_product": "whatsapp", "type": "image/jpeg"},
            {"file": ("a.jpg", b"", "image/jpeg")},
            131053,
        ),
    ],
)
async def test_bad_uploads(data: dict[str, str], files: dict[str, Any], code: int) -> None:
    async with harness() as h:
        response = await h.graph.post(
            f"/v24.0/{PHONE_ID}/media", headers=AUTH, data=data, files=files
        )
        assert_graph_error(response, 400, code)
        assert h.fake.media == {}


async def test_business_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    path = f"/v24.0/{PHONE_ID}/whatsapp_business_encryption"
    async with harness() as h:
        assert (await h.graph.get(path, headers=AUTH)).json() == {"data": []}
        stored = await h.graph.post(path, headers=AUTH, data={"business_public_key": pem})
        assert stored.json() == {"success": True}
        assert (await h.graph.get(path, headers=AUTH)).json() == {
            "data": [{"business_public_key": pem, "business_public_key_signature_status": "VALID"}]
        }
        bad = await h.graph.post(path, headers=AUTH, data={"business_public_key": "nope"})
        assert_graph_error(bad, 400, 131009)


# --------------------------------------------------------------------------- status webhooks


async def test_statuses_follow_a_send_signed_and_parseable() -> None:
    async with harness(emit_statuses=True) as h:
        h.fake.note_inbound(wa_id=WA_ID, user_id=BSUID)
        wamid = (await h.text()).json()["messages"][0]["id"]
        await h.fake.drain()
        bodies = h.receiver.bodies()
        assert len(bodies) == 3
        value = bodies[0]["entry"][0]["changes"][0]["value"]
        assert value["contacts"][0]["wa_id"] == WA_ID
        assert value["contacts"][0]["user_id"] == BSUID
        status = value["statuses"][0]
        assert status["recipient_id"] == WA_ID
        assert status["recipient_user_id"] == BSUID
        assert status["pricing"] == {
            "billable": False,
            "pricing_model": "PMP",
            "category": "service",
            "type": "free_customer_service",
        }
        events = h.receiver.events()
        assert all(isinstance(e, StatusUpdate) and e.message_id == wamid for e in events)
        assert [e.status for e in events] == [
            DeliveryStatus.SENT,
            DeliveryStatus.DELIVERED,
            DeliveryStatus.READ,
        ]
        assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
        assert all(w.delivered for w in h.fake.webhooks)


async def test_status_options_skip_reorder_batch_duplicate() -> None:
    async with harness(emit_statuses=True, skip_delivered=True, reorder_statuses=True) as h:
        await h.text()
        await h.fake.drain()
        assert [e.status for e in h.receiver.events()] == [DeliveryStatus.READ, DeliveryStatus.SENT]
    async with harness(emit_statuses=True, batch_statuses=True) as h:
        await h.text()
        await h.fake.drain()
        assert len(h.receiver.posts) == 1
        assert len(h.receiver.events()) == 3
    async with harness(emit_statuses=True, duplicate_webhooks=True, auto_read=False) as h:
        await h.text()
        await h.fake.drain()
        raws = [raw for raw, _ in h.receiver.posts]
        assert len(raws) == 4
        assert raws[0] == raws[1]
        assert raws[2] == raws[3]
        keys = [e.key for body in h.receiver.bodies() for e in split_events(body)]
        assert len(set(keys)) == 2  # duplicates carry the same dedup keys


async def test_failed_delivery_status() -> None:
    async with harness(emit_statuses=True) as h:
        await h.graph.post("/_fake/fail_deliveries", json={"recipient": WA_ID, "code": 131026})
        await h.text()
        await h.fake.drain()
        sent, failed = h.receiver.events()
        assert sent.status is DeliveryStatus.SENT
        assert failed.status is DeliveryStatus.FAILED
        assert [e.code for e in failed.errors] == [131026]
        assert failed.errors[0].title == "Message undeliverable"


async def test_template_status_pricing_outside_the_window() -> None:
    async with harness(emit_statuses=True, auto_read=False) as h:
        template = {"name": "certificate_ready", "language": {"code": "en"}}
        await h.send({"to": WA_ID, "type": "template", "template": template})
        await h.fake.drain()
        status = h.receiver.bodies()[0]["entry"][0]["changes"][0]["value"]["statuses"][0]
        assert status["pricing"]["category"] == "utility"
        assert status["pricing"]["type"] == "regular"
        assert status["pricing"]["billable"] is True


async def test_webhooks_are_retried_until_200() -> None:
    async with harness(emit_statuses=True, auto_read=False, skip_delivered=True) as h:
        h.receiver.answers = [500, 503]
        await h.text()
        await h.fake.drain()
        (delivery,) = h.fake.webhooks
        assert delivery.attempts == [500, 503, 200]
        assert delivery.delivered
        raws = {raw for raw, _ in h.receiver.posts}
        assert len(raws) == 1  # the same signed bytes each time


async def test_webhook_retries_give_up_after_the_schedule() -> None:
    async with harness(emit_statuses=True, auto_read=False, skip_delivered=True) as h:
        h.receiver.answers = [500] * 10
        await h.text()
        await h.fake.drain()
        (delivery,) = h.fake.webhooks
        assert delivery.attempts == [500, 500, 500, 500]  # first try + 3 retries
        assert not delivery.delivered


async def test_unreachable_webhook_is_recorded_not_raised() -> None:
    async with harness(emit_statuses=True, webhook_url="http://127.0.0.1:9/hook") as h:
        h.fake.configure(retry_delays=())
        async with httpx.AsyncClient() as real:
            h.fake.emitter.client = real  # type: ignore[union-attr]
            await h.text()
            await h.fake.drain()
        assert h.fake.webhooks
        assert all(isinstance(d.attempts[0], str) for d in h.fake.webhooks)


async def test_emit_status_by_hand() -> None:
    async with harness() as h:
        wamid = (await h.text()).json()["messages"][0]["id"]
        response = await h.graph.post(
            "/_fake/status", json={"wamid": wamid, "status": "failed", "error_code": 131047}
        )
        assert response.json()["delivered"] is True
        (event,) = h.receiver.events()
        assert event.status is DeliveryStatus.FAILED
        assert event.errors[0].code == 131047


async def test_ascii_json_is_signed_as_sent() -> None:
    async with harness(ascii_json=True) as h:
        await h.graph.post("/_fake/inbound", json={"wa_id": WA_ID, "text": "नमस्ते"})
        raw, _ = h.receiver.posts[0]
        assert b"\\u0928" in raw
        (event,) = h.receiver.events()
        assert event.text == "नमस्ते"


# --------------------------------------------------------------------------- playing a citizen


async def inbound(h: Harness, **body: Any) -> InboundMessage:
    response = await h.graph.post("/_fake/inbound", json={"wa_id": WA_ID, "name": "Priya", **body})
    assert response.status_code == 200, response.text
    assert response.json()["delivered"] is True
    event = h.receiver.events()[-1]
    assert isinstance(event, InboundMessage)
    assert event.message_id == response.json()["message_id"]
    return event


async def test_inbound_text_carries_bsuid_and_wa_id() -> None:
    async with harness() as h:
        message = await inbound(h, text="मुझे आय प्रमाण पत्र चाहिए 🙏", context_id="wamid.OUT")
        assert message.kind is MessageKind.TEXT
        assert message.text == "मुझे आय प्रमाण पत्र चाहिए 🙏"
        assert message.citizen.wa_id == WA_ID
        assert message.citizen.user_id is not None
        assert message.citizen.user_id.startswith("IN.")
        assert message.context_id == "wamid.OUT"
        contact = h.receiver.bodies()[0]["entry"][0]["changes"][0]["value"]["contacts"][0]
        assert contact == {
            "profile": {"name": "Priya"},
            "wa_id": WA_ID,
            "user_id": message.citizen.user_id,
        }
        # the fake remembers the same BSUID for the same phone number
        again = await inbound(h, text="hi")
        assert again.citizen.user_id == message.citizen.user_id


async def test_inbound_replies_and_other_kinds() -> None:
    async with harness() as h:
        button = await inbound(h, button_reply={"id": "consent:yes", "title": "हाँ"})
        assert (button.kind, button.reply_id, button.text) == (
            MessageKind.BUTTON_REPLY,
            "consent:yes",
            "हाँ",
        )
        row = await inbound(
            h, list_reply={"id": "svc:income", "title": "Income", "description": "d"}
        )
        assert (row.kind, row.reply_id) == (MessageKind.LIST_REPLY, "svc:income")
        quick = await inbound(h, template_button={"payload": "status:1", "text": "Status"})
        assert (quick.kind, quick.reply_id) == (MessageKind.TEMPLATE_BUTTON, "status:1")
        flow = await inbound(h, flow_response={"flow_token": "T1", "name": "Priya"})
        assert flow.flow_response == {"flow_token": "T1", "name": "Priya"}
        place = await inbound(h, location={"latitude": 28.6, "longitude": 77.2, "name": "Home"})
        assert place.location is not None
        assert place.location.name == "Home"
        reaction = await inbound(h, reaction={"message_id": "wamid.OUT", "emoji": "👍"})
        assert (reaction.kind, reaction.reaction_to, reaction.text) == (
            MessageKind.REACTION,
            "wamid.OUT",
            "👍",
        )


async def test_inbound_media_can_be_downloaded_by_the_app() -> None:
    data = b"%PDF-1.7 ration card"
    async with harness() as h:
        message = await inbound(
            h,
            media={
                "type": "document",
                "mime_type": "application/pdf",
                "filename": "ration.pdf",
                "caption": "Ration card",
                "data_base64": base64.b64encode(data).decode(),
            },
        )
        assert message.kind is MessageKind.DOCUMENT
        assert message.media is not None
        assert message.media.filename == "ration.pdf"
        assert message.media.sha256 == wp.media_sha256(data)
        info = (await h.graph.get(f"/v24.0/{message.media.media_id}", headers=AUTH)).json()
        assert (await h.graph.get(info["url"], headers=AUTH)).content == data


@pytest.mark.parametrize(
    ("media", "kind", "magic"),
    [
        ({"type": "image"}, MessageKind.IMAGE, b"\xff\xd8"),
        ({"type": "document", "filename": "a.pdf"}, MessageKind.DOCUMENT, b"%PDF"),
        ({"type": "audio", "voice": True}, MessageKind.AUDIO, b""),
        ({"type": "sticker"}, MessageKind.STICKER, b"RIFF"),
        ({"type": "image", "mime_type": "image/png"}, MessageKind.IMAGE, b"\x89PNG"),
    ],
)
async def test_inbound_media_placeholders_are_real_files(
    media: dict[str, Any], kind: MessageKind, magic: bytes
) -> None:
    async with harness() as h:
        message = await inbound(h, media=media)
        assert message.kind is kind
        assert message.media is not None
        stored = h.fake.media[message.media.media_id]
        assert stored.data.startswith(magic)
        if kind is MessageKind.AUDIO:
            assert message.media.voice is True


async def test_inbound_from_a_username_user_has_no_phone_number() -> None:
    async with harness() as h:
        response = await h.graph.post(
            "/_fake/inbound", json={"user_id": "IN.98765432109876543210", "text": "hi"}
        )
        assert response.json()["delivered"] is True
        body = h.receiver.bodies()[0]
        value = body["entry"][0]["changes"][0]["value"]
        assert "wa_id" not in value["contacts"][0]
        assert "from" not in value["messages"][0]
        (message,) = h.receiver.events()
        assert message.citizen.key == "IN.98765432109876543210"


@pytest.mark.parametrize(
    "body",
    [
        {"text": "no identity"},
        {"wa_id": WA_ID},
        {"wa_id": WA_ID, "media": {"type": "document", "data_base64": "***"}},
        {"wa_id": WA_ID, "media": {"type": "image", "mime_type": "image/gif"}},
        {"wa_id": WA_ID, "location": {"latitude": "north", "longitude": 1}},
        {"wa_id": 919876543210, "text": "x"},
    ],
)
async def test_bad_inbound_requests_are_400(body: dict[str, Any]) -> None:
    async with harness() as h:
        response = await h.graph.post("/_fake/inbound", json=body)
        assert response.status_code == 400
        assert "error" in response.json()
        assert h.receiver.posts == []


async def test_python_builders_emit_inbound_too() -> None:
    async with harness() as h:
        user = h.fake.resolve_user(wp.WaUser(wa_id=WA_ID, user_id=None, name="Priya"))
        delivery = await h.fake.emit_inbound(user, wp.text_message(user, "hello"))
        assert delivery.delivered
        (message,) = h.receiver.events()
        assert message.citizen.user_id == user.user_id


# --------------------------------------------------------------------------- control API


async def test_state_reset_and_config() -> None:
    async with harness() as h:
        await h.text()
        await h.graph.post(
            MESSAGES,
            json={"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"},
            headers=AUTH,
        )
        state = (await h.graph.get("/_fake/state")).json()
        assert len(state["sent"]) == 1
        assert state["sent"][0]["wa_id"] == WA_ID
        assert state["read_marks"][0]["message_id"] == "wamid.X"
        assert state["idle"] is True
        config = await h.graph.post(
            "/_fake/config", json={"pair_burst": 1, "enforce_window": False}
        )
        assert config.status_code == 200
        assert h.fake.config.pair_burst == 1
        assert (await h.graph.post("/_fake/reset")).status_code == 200
        assert h.fake.sent == []
        assert h.fake.read_marks == []
        assert h.fake.config.pair_burst == 1  # configuration survives a reset
        assert (await h.graph.post("/_fake/note_inbound", json={"wa_id": WA_ID})).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"no_such_field": 1},
        {"pair_burst": "many"},
        {"enforce_window": "yes"},
        {"retry_delays": [-1]},
        {"down": "sideways"},
    ],
)
async def test_bad_config_is_400(body: dict[str, Any]) -> None:
    async with harness() as h:
        response = await h.graph.post("/_fake/config", json=body)
        assert response.status_code == 400
        assert "error" in response.json()


# --------------------------------------------------------------------------- as a real server


def test_run_fake_graph_with_a_real_webhook_receiver() -> None:
    receiver = Receiver()
    with serve_app_in_thread(receiver.app()) as app_url:
        config = FakeConfig(
            access_token=TOKEN,
            app_secret=SECRET,
            webhook_url=f"{app_url}/webhooks/whatsapp",
            retry_delays=(0.01,),
        )
        with (
            run_fake_graph(config=config) as (fake, base_url),
            httpx.Client(base_url=base_url) as c,
        ):
            assert base_url.startswith("http://127.0.0.1:")
            response = c.post(
                MESSAGES,
                headers=AUTH,
                json={"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "hi"}},
            )
            assert response.status_code == 200
            assert c.post("/_fake/inbound", json={"wa_id": WA_ID, "text": "hello"}).json()[
                "delivered"
            ]
            assert c.post("/_fake/drain").status_code == 200
            assert len(fake.sent) == 1
            kinds = sorted(type(e).__name__ for e in receiver.events())
            assert kinds == ["InboundMessage", "StatusUpdate", "StatusUpdate", "StatusUpdate"]
            c.post("/_fake/down", json={"mode": "drop"})
            with pytest.raises(httpx.TransportError):
                c.post(
                    MESSAGES,
                    headers=AUTH,
                    json={"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "x"}},
                )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_command_line_entry_point() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sevadwar.fakes.graph_api",
            "--port",
            str(port),
            "--app-secret",
            SECRET,
            "--token",
            TOKEN,
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                state = httpx.get(f"{base}/_fake/state", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the fake did not start"
                time.sleep(0.1)
        assert state.json()["sent"] == []
        response = httpx.post(
            f"{base}{MESSAGES}",
            headers=AUTH,
            json={"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "hi"}},
        )
        assert response.status_code == 200
        assert response.json()["messages"][0]["id"].startswith("wamid.")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


async def test_an_explicit_bsuid_replaces_a_derived_one() -> None:
    async with harness(enforce_window=True) as h:
        h.fake.note_inbound(wa_id=WA_ID)  # the fake derives a BSUID for the number
        derived = h.fake.find_user(WA_ID)
        assert derived is not None
        assert derived.user_id != BSUID
        message = await inbound(h, user_id=BSUID, text="hi")
        assert message.citizen.user_id == BSUID
        assert message.citizen.wa_id == WA_ID
        assert (await h.text()).status_code == 200  # the window followed the user
        assert h.fake.messages_to(BSUID) == h.fake.messages_to(WA_ID) == h.fake.sent
