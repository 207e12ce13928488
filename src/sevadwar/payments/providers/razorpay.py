"""Razorpay Payment Links and webhooks, as Razorpay documents them.

- Create: ``POST {api}/payment_links`` (HTTP basic auth ``key_id:key_secret``, JSON) with
  ``amount`` in paise, ``currency`` ``INR``, ``accept_partial: false``, ``reference_id`` (ours,
  unique, ≤ 40 characters), ``description`` (Hindi / English), ``expire_by`` (Unix seconds),
  ``notify`` off (we send the link in the chat), ``reminder_enable: false``, ``notes``,
  ``callback_url`` + ``callback_method: get``. The answer's ``short_url`` is what the citizen
  opens.
  https://razorpay.com/docs/api/payments/payment-links/create-standard
- Fetch: ``GET {api}/payment_links/{id}`` → ``status`` ``created | partially_paid | paid |
  expired | cancelled`` and ``payments[]`` (``payment_id``, ``status``); list by
  ``GET {api}/payment_links?reference_id=…`` (used to recover a link whose creation timed out).
- Webhooks: ``X-Razorpay-Signature`` is the hex HMAC-SHA256 of the **raw** body with the webhook
  secret (older secrets still verify retries of older events); ``x-razorpay-event-id`` names the
  event for de-duplication (delivery is at least once). Events handled: ``payment_link.paid``,
  ``payment_link.expired``, ``payment_link.cancelled``, ``payment_link.partially_paid``
  (→ pending; we never allow partial payment), ``payment.failed``; others are ``OTHER``.
  https://razorpay.com/docs/webhooks/payment-links/ and …/webhooks/payments/
- A ``payment.failed`` event carries no payment-link entity. Payments made through a link carry
  the link's ``notes`` (we put our reference there) and the description ``#<link id without the
  plink_ prefix>``; both are used to find the link.

``api_base_url`` includes the version, as in settings: ``https://api.razorpay.com/v1``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

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
    RetryableGatewayError,
    header,
    signature_matches,
)

SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
REFERENCE_NOTE = "sevadwar_reference"
APPLICATION_NOTE = "sevadwar_application"

_EVENT_KINDS = {
    "payment_link.paid": EventKind.PAID,
    "payment_link.partially_paid": EventKind.PENDING,
    "payment_link.expired": EventKind.EXPIRED,
    "payment_link.cancelled": EventKind.CANCELLED,
    "payment.failed": EventKind.FAILED,
}
_LINK_STATES = {
    "created": LinkState.OPEN,
    "partially_paid": LinkState.PENDING,
    "paid": LinkState.PAID,
    "expired": LinkState.EXPIRED,
    "cancelled": LinkState.CANCELLED,
}
_DESCRIPTION_LINK = re.compile(r"^#([A-Za-z0-9]{8,32})$")
_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class RazorpayGateway(PaymentGateway):
    name = "razorpay"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        key_id: str,
        key_secret: str,
        webhook_secret: str,
        previous_webhook_secrets: Sequence[str] = (),
        api_base_url: str = "https://api.razorpay.com/v1",
    ) -> None:
        if not (key_id and key_secret and webhook_secret):
            raise ValueError("Razorpay needs key_id, key_secret and webhook_secret")
        self._client = client
        self._auth = httpx.BasicAuth(key_id, key_secret)
        self._api = api_base_url.rstrip("/")
        self._webhook_secrets = tuple(
            s.encode() for s in (webhook_secret, *previous_webhook_secrets)
        )

    # -- PaymentGateway ----------------------------------------------------------------------

    async def create_link(self, order: PaymentOrder) -> PaymentLink:
        payload: dict[str, Any] = {
            "amount": order.amount_paise,
            "currency": order.currency,
            "accept_partial": False,
            "reference_id": order.reference,
            "description": f"{order.description_hi} / {order.description_en}"[:2048],
            "expire_by": int(order.expires_at.timestamp()),
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "notes": {
                REFERENCE_NOTE: order.reference,
                APPLICATION_NOTE: order.application_reference,
            },
        }
        if order.callback_url:
            payload["callback_url"] = order.callback_url
            payload["callback_method"] = "get"
        response = await self._request("POST", "/payment_links", json=payload)
        if response.status_code == 400 and _mentions_reference(response):
            existing = await self._find_by_reference(order.reference)
            if existing is not None:
                return self._checked_link(existing, order)
        body = self._json(response, "create payment link")
        return self._checked_link(body, order)

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        return signature_matches(raw_body, header(headers, SIGNATURE_HEADER), self._webhook_secrets)

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        try:
            body: Any = json.loads(raw_body)
            raw_type = str(body["event"])
            payload = body.get("payload") or {}
            link = _entity(payload, "payment_link")
            payment = _entity(payload, "payment")
            occurred = _timestamp(body.get("created_at")) or _timestamp(
                (payment or link or {}).get("created_at")
            )
            kind = _EVENT_KINDS.get(raw_type, EventKind.OTHER)
            notes = _notes(payment) or _notes(link)
            link_id = link.get("id") if link else _link_from_description(payment)
            amount, currency = _amount(kind, link, payment)
            event_id = header(headers, EVENT_ID_HEADER) or _fallback_event_id(
                raw_type, link, payment
            )
            return PaymentEvent(
                provider=self.name,
                event_id=event_id,
                kind=kind,
                raw_type=raw_type,
                occurred_at=occurred or datetime.now(UTC),
                link_id=link_id,
                reference=notes.get(REFERENCE_NOTE) or ((link or {}).get("reference_id") or None),
                payment_id=payment.get("id") if payment else None,
                amount_paise=amount,
                currency=currency,
                error=(payment or {}).get("error_description"),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidWebhook(f"razorpay webhook: {exc!r}") from None

    async def fetch_status(self, link_id: str) -> PaymentStatus:
        response = await self._request("GET", f"/payment_links/{link_id}")
        body = self._json(response, "fetch payment link")
        try:
            state = _LINK_STATES.get(str(body["status"]), LinkState.OPEN)
            captured = [
                p
                for p in body.get("payments") or []
                if isinstance(p, dict) and p.get("status") == "captured"
            ]
            paid = captured[-1] if captured else None
            return PaymentStatus(
                provider=self.name,
                link_id=str(body["id"]),
                state=state,
                amount_paise=int(body["amount"]),
                amount_paid_paise=int(body.get("amount_paid") or 0),
                currency=str(body["currency"]),
                reference=body.get("reference_id") or None,
                payment_id=str(paid["payment_id"]) if paid and state == LinkState.PAID else None,
                paid_at=_timestamp(paid.get("created_at")) if paid else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentGatewayError(f"razorpay: malformed payment link ({exc!r})") from None

    # -- HTTP --------------------------------------------------------------------------------

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(
                method, f"{self._api}{path}", auth=self._auth, **kwargs
            )
        except httpx.TransportError as exc:
            raise RetryableGatewayError(f"razorpay {method} {path}: {exc!r}") from exc
        if response.status_code in _RETRYABLE_STATUS:
            raise RetryableGatewayError(f"razorpay {method} {path}: HTTP {response.status_code}")
        return response

    async def _find_by_reference(self, reference: str) -> dict[str, Any] | None:
        response = await self._request("GET", "/payment_links", params={"reference_id": reference})
        body = self._json(response, "list payment links")
        links = body.get("payment_links") or []
        matching = [x for x in links if isinstance(x, dict) and x.get("reference_id") == reference]
        return matching[0] if matching else None

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code >= 400:
            raise PermanentGatewayError(f"razorpay {what}: {_error_text(response)}")
        try:
            body = response.json()
        except ValueError:
            raise RetryableGatewayError(f"razorpay {what}: answer is not JSON") from None
        if not isinstance(body, dict):
            raise PermanentGatewayError(f"razorpay {what}: unexpected answer")
        return body

    def _checked_link(self, body: dict[str, Any], order: PaymentOrder) -> PaymentLink:
        try:
            link = PaymentLink(
                provider=self.name,
                id=str(body["id"]),
                url=str(body["short_url"]),
                reference=str(body.get("reference_id") or order.reference),
                amount_paise=int(body["amount"]),
                currency=str(body["currency"]),
                expires_at=_timestamp(body.get("expire_by")) or order.expires_at,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentGatewayError(f"razorpay: malformed payment link ({exc!r})") from None
        if link.amount_paise != order.amount_paise or link.currency != order.currency:
            raise PermanentGatewayError(
                f"razorpay link {link.id} is for {link.amount_paise} {link.currency}, "
                f"not {order.amount_paise} {order.currency}"
            )
        return link


def _entity(payload: Any, name: str) -> dict[str, Any] | None:
    holder = payload.get(name) if isinstance(payload, dict) else None
    entity = holder.get("entity") if isinstance(holder, dict) else None
    return entity if isinstance(entity, dict) else None


def _notes(entity: dict[str, Any] | None) -> dict[str, Any]:
    notes = (entity or {}).get("notes")
    return notes if isinstance(notes, dict) else {}  # Razorpay sends [] for "no notes"


def _link_from_description(payment: dict[str, Any] | None) -> str | None:
    match = _DESCRIPTION_LINK.match(str((payment or {}).get("description") or ""))
    return f"plink_{match.group(1)}" if match else None


def _amount(
    kind: EventKind, link: dict[str, Any] | None, payment: dict[str, Any] | None
) -> tuple[int | None, str | None]:
    """The money the event is about: the payment's for paid/failed, else the link's."""
    source = payment if payment and kind in (EventKind.PAID, EventKind.FAILED) else link or payment
    if not source or source.get("amount") is None:
        return None, None
    amount = int(source["amount"])
    if kind == EventKind.PAID and link is not None and payment is None:
        amount = int(link.get("amount_paid") or 0)
    return amount, str(source.get("currency") or "") or None


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return datetime.fromtimestamp(int(value), UTC)
    return None


def _fallback_event_id(
    raw_type: str, link: dict[str, Any] | None, payment: dict[str, Any] | None
) -> str:
    """Razorpay always sends ``x-razorpay-event-id``; without it, the event's meaning is the key
    (a link is paid, expired or cancelled once; a payment fails once)."""
    entity = payment if raw_type.startswith("payment.") else link or payment
    return f"{raw_type}:{(entity or {}).get('id', '')}"


def _mentions_reference(response: httpx.Response) -> bool:
    text = _error_text(response).lower()
    return "reference" in text


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        code, description = error.get("code", ""), error.get("description", "")
        return f"HTTP {response.status_code} {code}: {description} ({error.get('field', '')})"
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
