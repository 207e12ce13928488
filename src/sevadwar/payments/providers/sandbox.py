"""The built-in sandbox gateway: the default, so ``make run`` shows the whole payment journey.

It behaves like a real gateway seen from outside. :meth:`SandboxGateway.create_link` answers a
link ``{public_url}/pay/{link_id}``; the checkout page there (:mod:`.sandbox_routes`) offers
UPI-like *success*, *failure* and *pending*; the choice becomes a **signed webhook** for
``POST /webhooks/payments/sandbox``, verified and parsed like any provider's, and
:meth:`SandboxGateway.fetch_status` answers reconciliation from the sandbox's own ledger.

Webhook contract (ours, modelled on Razorpay's):

- body: JSON ``{"id", "type", "created_at", "link": {"id", "reference", "amount_paise",
  "currency", "status"}, "payment": {"id", "amount_paise", "currency", "status", "error"}}``
  with ``type`` one of ``payment.paid``, ``payment.failed``, ``payment.pending``;
- ``X-Sandbox-Signature``: hex HMAC-SHA256 of the raw body with the sandbox secret;
- ``X-Sandbox-Event-Id``: the event id (also ``id`` in the body), for de-duplication.

Never enable the sandbox where real fees are due: anyone holding a link can "pay" it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sevadwar.payments.base import (
    EventKind,
    InvalidWebhook,
    LinkState,
    PaymentEvent,
    PaymentGateway,
    PaymentLink,
    PaymentOrder,
    PaymentStatus,
    PermanentGatewayError,
    header,
    hmac_sha256_hex,
    signature_matches,
)
from sevadwar.payments.providers.sandbox_ledger import SandboxLedger, SandboxLink

SIGNATURE_HEADER = "X-Sandbox-Signature"
EVENT_ID_HEADER = "X-Sandbox-Event-Id"


class Outcome(StrEnum):
    """What the citizen picks on the checkout page."""

    PAID = "paid"
    FAILED = "failed"
    PENDING = "pending"


_EVENT_KINDS = {
    "payment.paid": EventKind.PAID,
    "payment.failed": EventKind.FAILED,
    "payment.pending": EventKind.PENDING,
}


@dataclass(frozen=True, slots=True)
class SignedWebhook:
    """A webhook ready to deliver: post ``body`` unchanged with ``headers``."""

    body: bytes
    headers: dict[str, str]
    event_id: str


def utcnow() -> datetime:
    return datetime.now(UTC)


class SandboxGateway(PaymentGateway):
    name = "sandbox"

    def __init__(
        self,
        *,
        public_url: str,
        secret: bytes,
        ledger: SandboxLedger,
        previous_secrets: Sequence[bytes] = (),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not secret:
            raise ValueError("the sandbox needs a webhook secret")
        self.public_url = public_url.rstrip("/")
        self._secret = secret
        self._secrets = (secret, *previous_secrets)
        self._ledger = ledger
        self._clock = clock
        self._lock = threading.Lock()

    # -- PaymentGateway ----------------------------------------------------------------------

    async def create_link(self, order: PaymentOrder) -> PaymentLink:
        with self._lock:
            link = self._ledger.find_by_reference(order.reference)
            if link is None:
                link = SandboxLink(
                    id="sbx_" + secrets.token_urlsafe(12),
                    reference=order.reference,
                    application_reference=order.application_reference,
                    amount_paise=order.amount_paise,
                    currency=order.currency,
                    description_en=order.description_en,
                    description_hi=order.description_hi,
                    created_at=self._clock(),
                    expires_at=order.expires_at,
                    callback_url=order.callback_url,
                )
                self._ledger.save(link)
            elif link.amount_paise != order.amount_paise or link.currency != order.currency:
                raise PermanentGatewayError(
                    f"reference {order.reference} already used for another amount"
                )
        return self._public(link)

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        return signature_matches(raw_body, header(headers, SIGNATURE_HEADER), self._secrets)

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        try:
            body: Any = json.loads(raw_body)
            link, payment = body["link"], body["payment"]
            kind = _EVENT_KINDS.get(body["type"], EventKind.OTHER)
            return PaymentEvent(
                provider=self.name,
                event_id=header(headers, EVENT_ID_HEADER) or str(body["id"]),
                kind=kind,
                raw_type=str(body["type"]),
                occurred_at=_aware(datetime.fromisoformat(body["created_at"])),
                link_id=str(link["id"]),
                reference=link.get("reference"),
                payment_id=payment.get("id"),
                amount_paise=int(payment["amount_paise"]),
                currency=str(payment["currency"]),
                error=payment.get("error"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook(f"sandbox webhook: {exc!r}") from None

    async def fetch_status(self, link_id: str) -> PaymentStatus:
        link = self.link(link_id)
        if link is None:
            raise PermanentGatewayError(f"no sandbox link {link_id}")
        return PaymentStatus(
            provider=self.name,
            link_id=link.id,
            state=link.state,
            amount_paise=link.amount_paise,
            amount_paid_paise=link.amount_paise if link.state == LinkState.PAID else 0,
            currency=link.currency,
            reference=link.reference,
            payment_id=link.payment_id if link.state == LinkState.PAID else None,
            paid_at=link.paid_at,
        )

    # -- checkout page -----------------------------------------------------------------------

    def link(self, link_id: str) -> SandboxLink | None:
        """The link as the checkout page sees it now (an open link past its time is expired)."""
        link = self._ledger.get(link_id)
        if link is None:
            return None
        if link.state in (LinkState.OPEN, LinkState.PENDING) and self._clock() >= link.expires_at:
            return replace(link, state=LinkState.EXPIRED)
        return link

    def form_token(self, link_id: str) -> str:
        """A per-link token the checkout form posts back, so another site cannot post it."""
        return hmac.new(
            self._secret, b"checkout-form:" + link_id.encode(), hashlib.sha256
        ).hexdigest()

    def form_token_valid(self, link_id: str, token: str) -> bool:
        return hmac.compare_digest(self.form_token(link_id).encode(), token.encode())

    def complete(self, link_id: str, outcome: Outcome) -> SignedWebhook | None:
        """Record the citizen's choice and return the signed webhook to deliver, or ``None`` when
        the link cannot take a payment any more (paid, expired, unknown)."""
        with self._lock:
            link = self.link(link_id)
            if link is None or link.state not in (LinkState.OPEN, LinkState.PENDING):
                return None
            now = self._clock()
            payment_id = "sbxpay_" + secrets.token_urlsafe(10)
            if outcome == Outcome.PAID:
                link = replace(link, state=LinkState.PAID, payment_id=payment_id, paid_at=now)
            elif outcome == Outcome.PENDING:
                link = replace(link, state=LinkState.PENDING)
            else:
                link = replace(link, state=LinkState.OPEN)
            self._ledger.save(link)
        return self.sign_event(link, outcome, payment_id, now)

    def sign_event(
        self, link: SandboxLink, outcome: Outcome, payment_id: str, at: datetime
    ) -> SignedWebhook:
        event_id = "sbxevt_" + secrets.token_urlsafe(12)
        body = {
            "id": event_id,
            "type": f"payment.{outcome.value}",
            "created_at": at.astimezone(UTC).isoformat(),
            "link": {
                "id": link.id,
                "reference": link.reference,
                "amount_paise": link.amount_paise,
                "currency": link.currency,
                "status": link.state.value,
            },
            "payment": {
                "id": payment_id,
                "amount_paise": link.amount_paise,
                "currency": link.currency,
                "status": outcome.value,
                "error": "Declined in the sandbox" if outcome == Outcome.FAILED else None,
            },
        }
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: hmac_sha256_hex(self._secret, raw),
            EVENT_ID_HEADER: event_id,
        }
        return SignedWebhook(body=raw, headers=headers, event_id=event_id)

    # -- helpers -----------------------------------------------------------------------------

    def checkout_url(self, link_id: str) -> str:
        return f"{self.public_url}/pay/{link_id}"

    def _public(self, link: SandboxLink) -> PaymentLink:
        return PaymentLink(
            provider=self.name,
            id=link.id,
            url=self.checkout_url(link.id),
            reference=link.reference,
            amount_paise=link.amount_paise,
            currency=link.currency,
            expires_at=link.expires_at,
        )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
