"""Helpers for the payment flow tests: a citizen in the simulator, fee-pending applications made
with the real actions, signed sandbox events, and reading what was stored and sent."""

from __future__ import annotations

import io
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.audit.models import AuditEntry
from sevadwar.catalogue.schema import FieldType
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State, Step
from sevadwar.messaging.models import OutboxMessage
from sevadwar.payments.actions import do_request_payment
from sevadwar.payments.base import hmac_sha256_hex
from sevadwar.payments.models import Payment, PaymentEventRecord
from sevadwar.payments.providers.sandbox import EVENT_ID_HEADER, SIGNATURE_HEADER
from sevadwar.payments.setup import derived_secret
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from support import drain


class Clock(Protocol):
    """The ``clock`` fixture: call it for now, ``advance(minutes=16)`` to travel."""

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> None: ...


PAID_SERVICE = "revenue-record-copy"  # ₹50, two documents
FEE = 5000
_ids = itertools.count(1)
_EXAMPLE = re.compile(r"e\.g\.\s+(.+?)\.?$")
_TOKEN = re.compile(r'name="token" value="([0-9a-f]{64})"')

# --------------------------------------------------------------------------- the citizen


def png() -> bytes:
    image = Image.new("RGB", (640, 480), (250, 250, 245))
    for x in range(0, 640, 16):
        for y in range(0, 480, 24):
            image.putpixel((x, y), (20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


_ANSWERS = {
    FieldType.NAME: "Ramesh Kumar",
    FieldType.ADDRESS: "House 12, Gali 3, Sant Nagar, Burari, Delhi",
    FieldType.PINCODE: "110084",
    FieldType.PHONE: "9876543210",
    FieldType.EMAIL: "ramesh@example.com",
    FieldType.NUMBER: "2",
}


@dataclass
class SimCitizen:
    """A citizen in the web simulator, driven through the real routes and the inbox worker."""

    client: httpx.Client  # a TestClient, or a client of the app served in a thread
    runtime: Runtime
    session: str = field(default_factory=lambda: f"pay{uuid.uuid4().hex[:12]}")

    @property
    def key(self) -> str:
        return f"sim:{self.session}"

    def _post(self, **message: Any) -> None:
        body = {"session": self.session, "id": f"msg{next(_ids):08d}", **message}
        response = self.client.post("/simulator/api/messages", json=body)
        assert response.status_code == 202, response.text
        drain(self.runtime)

    def says(self, text: str) -> None:
        self._post(text=text)

    def taps(self, reply_id: str) -> None:
        self._post(reply_id=reply_id, text="")

    def sends_file(self, data: bytes, mime: str = "image/png") -> None:
        upload = self.client.post("/simulator/api/media", files={"file": ("scan.png", data, mime)})
        assert upload.status_code == 200, upload.text
        media = upload.json()
        self._post(media={"media_id": media["media_id"], "mime_type": mime})

    def state(self) -> State:
        with transaction(self.runtime.sessions) as session:
            conversation = session.get(Conversation, self.key)
            assert conversation is not None
            return State.load(conversation.state)

    def received(self) -> list[dict[str, Any]]:
        return outbox_payloads(self.runtime, self.key)

    def applies_for(self, service_id: str, language: str = "en") -> None:
        """Onboard, fill in every question, send every document and submit."""
        service = self.runtime.catalogue[service_id]
        self.says("hi")
        self.taps(f"lang:{language}")
        self.taps("consent:yes")
        self.taps(f"svc:{service_id}")
        self.taps(f"apply:{service_id}")
        for _ in range(60):
            state = self.state()
            if state.step is Step.QUESTION:
                spec = service.field(state.current or "")
                if spec.type is FieldType.CHOICE:
                    self.taps(f"opt:{spec.options[0].id}")
                elif spec.type is FieldType.YES_NO:
                    self.taps("yes")
                elif not spec.required:
                    self.says("skip")
                elif spec.type in _ANSWERS:
                    self.says(_ANSWERS[spec.type])
                else:
                    example = _EXAMPLE.search(spec.help.en) if spec.help else None
                    self.says(example.group(1).split(",")[0] if example else "Bawana")
                assert self.state().current != spec.id, (spec.id, self.received()[-2:])
            elif state.step is Step.DOCUMENT:
                self.sends_file(png())
            elif state.step is Step.REVIEW:
                self.taps("review:submit")
                return
            else:
                raise AssertionError(f"unexpected step {state.step}: {self.received()[-2:]}")
        raise AssertionError("the form did not end")


# --------------------------------------------------------------------------- fixtures by action


@dataclass(frozen=True)
class Pending:
    application_id: int
    reference: str
    payment_id: int
    link_id: str
    payment_reference: str
    url: str
    citizen_key: str


def fee_pending(
    runtime: Runtime,
    *,
    now: datetime,
    service_id: str = PAID_SERVICE,
    language: str = "hi",
    citizen_key: str | None = None,
) -> Pending:
    """An application waiting for its fee, with its payment link, made by the real actions."""
    service = runtime.catalogue[service_id]
    key = citizen_key or f"sim:pay{uuid.uuid4().hex[:12]}"
    payments = runtime.payments
    assert payments is not None
    with transaction(runtime.sessions) as session:
        application = do_submit_application(
            session,
            service,
            citizen_key=key,
            channel="simulator",
            language=language,
            answers={},
            documents={},
            fee_paise=FEE,
            now=now,
        )
        payment = do_request_payment(session, application, payments=payments, now=now)
        return Pending(
            application.id,
            application.reference,
            payment.id,
            payment.link_id,
            payment.reference,
            payment.url,
            key,
        )


# --------------------------------------------------------------------------- signed sandbox events


def sandbox_event(
    runtime: Runtime,
    pending: Pending,
    *,
    kind: str = "paid",
    amount: int = FEE,
    currency: str = "INR",
    event_id: str | None = None,
    payment_id: str = "sbxpay_test0001",
    at: datetime | None = None,
    secret: bytes | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A sandbox webhook as the checkout would send it, signed with the app's sandbox secret."""
    event_id = event_id or f"sbxevt_{uuid.uuid4().hex[:16]}"
    body = {
        "id": event_id,
        "type": f"payment.{kind}",
        "created_at": (at or runtime.clock()).isoformat(),
        "link": {
            "id": pending.link_id,
            "reference": pending.payment_reference,
            "amount_paise": FEE,
            "currency": "INR",
            "status": kind,
        },
        "payment": {
            "id": payment_id,
            "amount_paise": amount,
            "currency": currency,
            "status": kind,
            "error": "Declined in the sandbox" if kind == "failed" else None,
        },
    }
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    key = secret or derived_secret(runtime.settings.resolved_secret_key(), "sandbox-payments")
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: hmac_sha256_hex(key, raw),
        EVENT_ID_HEADER: event_id,
    }
    return raw, headers


def post_event(client: TestClient, raw: bytes, headers: dict[str, str]) -> int:
    response = client.post("/webhooks/payments/sandbox", content=raw, headers=headers)
    return response.status_code


def pay_in_checkout(client: TestClient, url: str, outcome: str = "paid") -> str:
    """Open the sandbox checkout page of ``url`` and choose ``outcome``; returns the page shown
    after the redirect (what the citizen's browser sees)."""
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    page = client.get(f"/{path}")
    assert page.status_code == 200, page.text
    token = _TOKEN.search(page.text)
    assert token, page.text
    response = client.post(f"/{path}", data={"token": token.group(1), "outcome": outcome})
    assert response.status_code == 200, response.text
    return response.text


# --------------------------------------------------------------------------- reading


def outbox_payloads(runtime: Runtime, citizen_key: str) -> list[dict[str, Any]]:
    with transaction(runtime.sessions) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.citizen_key == citizen_key)
            .order_by(OutboxMessage.id)
        )
        return [dict(row.payload) for row in rows]


def of_kind(payloads: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [p for p in payloads if p.get("kind") == kind]


def application(runtime: Runtime, application_id: int) -> Application:
    with transaction(runtime.sessions) as session:
        found = session.get(Application, application_id)
        assert found is not None
        session.expunge(found)
        return found


def payments_of(runtime: Runtime, application_id: int) -> list[Payment]:
    with transaction(runtime.sessions) as session:
        rows = list(
            session.scalars(
                select(Payment).where(Payment.application_id == application_id).order_by(Payment.id)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


def event_records(runtime: Runtime) -> list[PaymentEventRecord]:
    with transaction(runtime.sessions) as session:
        rows = list(session.scalars(select(PaymentEventRecord).order_by(PaymentEventRecord.id)))
        for row in rows:
            session.expunge(row)
        return rows


def audit_actions(runtime: Runtime) -> list[str]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
