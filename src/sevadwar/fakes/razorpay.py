"""A fake Razorpay (Payment Links + webhooks) for tests, the demo and benchmarks.

It implements the part of Razorpay's contract Sevadwar uses, as documented
(see :mod:`sevadwar.payments.providers.razorpay`):

* ``POST /v1/payment_links`` (HTTP basic auth): validates ``amount`` (integer paise, at least
  100), ``currency`` (INR), ``reference_id`` (≤ 40 characters, unique), ``expire_by`` (at least
  15 minutes ahead, at most 6 months); answers the link with ``id`` ``plink_…`` and ``short_url``.
* ``GET /v1/payment_links/{id}``, ``GET /v1/payment_links?reference_id=…``,
  ``POST /v1/payment_links/{id}/cancel``.
* Errors like Razorpay's: ``401`` ``{"error": {"code": "BAD_REQUEST_ERROR", "description":
  "Authentication failed"}}``; ``400`` ``BAD_REQUEST_ERROR`` with ``description`` and ``field``.
* Webhooks signed with ``X-Razorpay-Signature`` (hex HMAC-SHA256 of the raw body) and carrying
  ``x-razorpay-event-id``: ``payment_link.paid`` (payload ``payment_link``, ``order``,
  ``payment``), ``payment.failed``, ``payment_link.expired``, ``payment_link.cancelled``.
* A control API (no auth) under ``/_fake``: ``POST /_fake/payment_links/{id}/pay`` with
  ``{"outcome": "paid"|"failed", "failed_attempts": 0, "duplicates": 1, "reorder": false,
  "deliver": true}``, ``POST /_fake/payment_links/{id}/expire``, ``GET /_fake/deliveries``,
  ``POST /_fake/config`` (``webhook_url``). ``deliver: false`` drops the webhooks (for
  reconciliation tests); ``duplicates`` sends each event that many times; ``reorder`` sends them
  last-first.
* ``GET /i/{code}``: a bare hosted page with *pay* / *fail* buttons, for the demo.

Run it: ``python -m sevadwar.fakes.razorpay --port 9100 --webhook-url
http://127.0.0.1:8000/webhooks/payments/razorpay``. In tests use
``httpx.ASGITransport(app=create_app(fake))`` and give ``FakeRazorpay`` a webhook client.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

_ALPHANUMERIC = string.ascii_letters + string.digits
MIN_AMOUNT_PAISE = 100
MIN_EXPIRY = timedelta(minutes=15)
MAX_EXPIRY = timedelta(days=183)


def _rid(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(14))


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class FakeLink:
    id: str
    amount: int
    currency: str
    reference_id: str
    description: str
    expire_by: int
    notes: dict[str, Any]
    callback_url: str | None
    callback_method: str | None
    created_at: int
    short_code: str
    order_id: str
    status: str = "created"
    amount_paid: int = 0
    cancelled_at: int = 0
    expired_at: int = 0
    payments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FakeWebhook:
    event_id: str
    event: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Delivery:
    event_id: str
    event: str
    status_code: int | None
    error: str | None = None


class FakeRazorpay:
    """The fake's state. ``webhook_client`` delivers webhooks (inject one with an
    ``ASGITransport`` in tests); without it a client is opened per delivery."""

    def __init__(
        self,
        *,
        key_id: str = "rzp_test_sevadwar",
        key_secret: str = "fake_key_secret",  # noqa: S107 - a fake's well-known test secret
        webhook_secret: str = "fake_webhook_secret",  # noqa: S107
        webhook_url: str | None = None,
        public_url: str = "http://127.0.0.1:9100",
        webhook_client: httpx.AsyncClient | None = None,
        account_id: str = "acc_FakeSevadwar01",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.key_id = key_id
        self.key_secret = key_secret
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.public_url = public_url.rstrip("/")
        self.webhook_client = webhook_client
        self.account_id = account_id
        self.clock = clock
        self.links: dict[str, FakeLink] = {}
        self.deliveries: list[Delivery] = []

    # -- API behaviour -----------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock().timestamp())

    def authorised(self, authorization: str | None) -> bool:
        if not authorization or not authorization.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(authorization[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        key_id, _, key_secret = decoded.partition(":")
        return hmac.compare_digest(key_id.encode(), self.key_id.encode()) & hmac.compare_digest(
            key_secret.encode(), self.key_secret.encode()
        )

    def create_link(self, body: Any) -> FakeLink:
        """Validate like Razorpay and store the link; :class:`RazorpayError` when invalid."""
        if not isinstance(body, dict):
            raise RazorpayError("The request body is invalid", None)
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < MIN_AMOUNT_PAISE:
            raise RazorpayError("The amount must be atleast INR 1.00", "amount")
        if body.get("currency", "INR") != "INR":
            raise RazorpayError("The currency is invalid", "currency")
        reference = body.get("reference_id") or ""
        if not isinstance(reference, str) or len(reference) > 40:
            raise RazorpayError(
                "The reference id may not be greater than 40 characters.", "reference_id"
            )
        if reference and any(
            link.reference_id == reference and link.status != "cancelled"
            for link in self.links.values()
        ):
            raise RazorpayError(
                f"Payment Link with reference id {reference} already exists", "reference_id"
            )
        now = self.now()
        expire_by = body.get("expire_by") or 0
        if not isinstance(expire_by, int) or (
            expire_by
            and not now + MIN_EXPIRY.total_seconds()
            <= expire_by
            <= now + MAX_EXPIRY.total_seconds()
        ):
            raise RazorpayError(
                "expire_by should be at least 15 minutes after current time and within 6 months",
                "expire_by",
            )
        if body.get("accept_partial"):
            raise RazorpayError("Partial payments are not supported by this fake", "accept_partial")
        notes = body.get("notes") or {}
        link = FakeLink(
            id=_rid("plink_"),
            amount=amount,
            currency="INR",
            reference_id=reference,
            description=str(body.get("description") or ""),
            expire_by=expire_by,
            notes=notes if isinstance(notes, dict) else {},
            callback_url=body.get("callback_url"),
            callback_method=body.get("callback_method"),
            created_at=now,
            short_code=secrets.token_urlsafe(6),
            order_id=_rid("order_"),
        )
        self.links[link.id] = link
        return link

    def link(self, link_id: str) -> FakeLink:
        link = self.links.get(link_id)
        if link is None:
            raise RazorpayError("The id provided does not exist", "id")
        self._expire_if_due(link)
        return link

    def link_json(self, link: FakeLink) -> dict[str, Any]:
        return {
            "accept_partial": False,
            "amount": link.amount,
            "amount_paid": link.amount_paid,
            "callback_method": link.callback_method or "",
            "callback_url": link.callback_url or "",
            "cancelled_at": link.cancelled_at,
            "created_at": link.created_at,
            "currency": link.currency,
            "customer": {},
            "description": link.description,
            "expire_by": link.expire_by,
            "expired_at": link.expired_at,
            "first_min_partial_amount": 0,
            "id": link.id,
            "notes": link.notes or [],
            "notify": {"email": False, "sms": False, "whatsapp": False},
            "order_id": link.order_id,
            "payments": [dict(p) for p in link.payments] or None,
            "reference_id": link.reference_id,
            "reminder_enable": False,
            "reminders": [],
            "short_url": f"{self.public_url}/i/{link.short_code}",
            "status": link.status,
            "updated_at": self.now(),
            "upi_link": False,
            "user_id": "",
        }

    def _expire_if_due(self, link: FakeLink) -> bool:
        if link.status == "created" and link.expire_by and self.now() >= link.expire_by:
            link.status = "expired"
            link.expired_at = self.now()
            return True
        return False

    # -- settling and webhooks ---------------------------------------------------------------

    def settle(self, link_id: str, outcome: str, *, failed_attempts: int = 0) -> list[FakeWebhook]:
        """Simulate the citizen paying: ``failed_attempts`` failures, then ``outcome`` ("paid" or
        "failed"). Returns the signed webhooks in the order Razorpay would send them."""
        link = self.link(link_id)
        if link.status != "created":
            raise RazorpayError(f"Payment link is {link.status}", "status")
        hooks = [self._failed_payment(link) for _ in range(failed_attempts)]
        if outcome == "failed":
            hooks.append(self._failed_payment(link))
        elif outcome == "paid":
            hooks.append(self._paid(link))
        else:
            raise RazorpayError("outcome must be paid or failed", "outcome")
        return hooks

    def expire(self, link_id: str) -> FakeWebhook:
        link = self.links[link_id]
        if link.status == "created":
            link.status = "expired"
            link.expired_at = self.now()
        return self._sign(
            "payment_link.expired", {"payment_link": {"entity": self.link_json(link)}}
        )

    def cancel(self, link_id: str) -> tuple[FakeLink, FakeWebhook]:
        link = self.link(link_id)
        if link.status != "created":
            raise RazorpayError(f"Payment link cannot be cancelled in {link.status} state", "id")
        link.status = "cancelled"
        link.cancelled_at = self.now()
        return link, self._sign(
            "payment_link.cancelled", {"payment_link": {"entity": self.link_json(link)}}
        )

    def _payment(self, link: FakeLink, status: str) -> dict[str, Any]:
        failed = status == "failed"
        return {
            "id": _rid("pay_"),
            "entity": "payment",
            "amount": link.amount,
            "currency": link.currency,
            "status": status,
            "order_id": link.order_id,
            "invoice_id": None,
            "international": False,
            "method": "upi",
            "amount_refunded": 0,
            "refund_status": None,
            "captured": not failed,
            "description": "#" + link.id.removeprefix("plink_"),
            "vpa": "citizen@okfake",
            "email": None,
            "contact": "+919000090000",
            "notes": link.notes or [],
            "fee": 0 if failed else 2,
            "tax": 0,
            "error_code": "BAD_REQUEST_ERROR" if failed else None,
            "error_description": "Payment was declined by the bank" if failed else None,
            "error_source": "bank" if failed else None,
            "error_step": "payment_authorization" if failed else None,
            "error_reason": "payment_declined" if failed else None,
            "created_at": self.now(),
        }

    def _failed_payment(self, link: FakeLink) -> FakeWebhook:
        payment = self._payment(link, "failed")
        link.payments.append(_payment_summary(payment))
        return self._sign("payment.failed", {"payment": {"entity": payment}})

    def _paid(self, link: FakeLink) -> FakeWebhook:
        payment = self._payment(link, "captured")
        link.payments.append(_payment_summary(payment))
        link.status = "paid"
        link.amount_paid = link.amount
        order = {
            "id": link.order_id,
            "entity": "order",
            "amount": link.amount,
            "amount_paid": link.amount,
            "amount_due": 0,
            "currency": link.currency,
            "receipt": link.reference_id,
            "status": "paid",
            "attempts": len(link.payments),
            "notes": link.notes or [],
            "created_at": link.created_at,
        }
        return self._sign(
            "payment_link.paid",
            {
                "payment_link": {"entity": self.link_json(link)},
                "order": {"entity": order},
                "payment": {"entity": payment},
            },
        )

    def _sign(self, event: str, payload: dict[str, Any]) -> FakeWebhook:
        body = {
            "entity": "event",
            "account_id": self.account_id,
            "event": event,
            "contains": list(payload),
            "payload": payload,
            "created_at": self.now(),
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        event_id = _rid("evt_")
        signature = hmac.new(self.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Razorpay-Signature": signature,
            "x-razorpay-event-id": event_id,
            "User-Agent": "Razorpay-Webhook/v1",
        }
        return FakeWebhook(event_id=event_id, event=event, body=raw, headers=headers)

    async def deliver(
        self, hooks: list[FakeWebhook], *, duplicates: int = 1, reorder: bool = False
    ) -> list[Delivery]:
        """POST each webhook to ``webhook_url`` (``duplicates`` times each; last-first when
        ``reorder``). Failures are recorded, not raised — like a gateway that will retry."""
        ordered = list(reversed(hooks)) if reorder else list(hooks)
        sent: list[Delivery] = []
        for hook in ordered:
            for _ in range(max(1, duplicates)):
                sent.append(await self._post(hook))
        self.deliveries.extend(sent)
        return sent

    async def _post(self, hook: FakeWebhook) -> Delivery:
        if not self.webhook_url:
            return Delivery(hook.event_id, hook.event, None, "no webhook_url configured")
        try:
            if self.webhook_client is not None:
                response = await self.webhook_client.post(
                    self.webhook_url, content=hook.body, headers=hook.headers
                )
            else:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.post(
                        self.webhook_url, content=hook.body, headers=hook.headers
                    )
        except httpx.HTTPError as exc:
            return Delivery(hook.event_id, hook.event, None, repr(exc))
        return Delivery(hook.event_id, hook.event, response.status_code)


def _payment_summary(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "amount": payment["amount"],
        "created_at": payment["created_at"],
        "method": payment["method"],
        "payment_id": payment["id"],
        "status": payment["status"],
    }


class RazorpayError(Exception):
    def __init__(self, description: str, field_name: str | None, status_code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.field_name = field_name
        self.status_code = status_code

    def response(self) -> JSONResponse:
        return _error(self.status_code, self.description, self.field_name)


def _error(status_code: int, description: str, field_name: str | None = None) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "BAD_REQUEST_ERROR",
                "description": description,
                "field": field_name,
                "source": "business" if status_code == 400 else "NA",
                "step": "payment_initiation" if status_code == 400 else "NA",
                "reason": "input_validation_failed" if status_code == 400 else "NA",
                "metadata": {},
            }
        },
        status_code=status_code,
    )


def create_app(fake: FakeRazorpay) -> Starlette:
    def authorised(request: Request) -> bool:
        return fake.authorised(request.headers.get("authorization"))

    async def create(request: Request) -> Response:
        if not authorised(request):
            return _error(401, "Authentication failed")
        try:
            body = json.loads(await request.body())
            return JSONResponse(fake.link_json(fake.create_link(body)))
        except ValueError:
            return _error(400, "The request body is not valid JSON")
        except RazorpayError as exc:
            return exc.response()

    async def list_links(request: Request) -> Response:
        if not authorised(request):
            return _error(401, "Authentication failed")
        reference = request.query_params.get("reference_id")
        links = [
            fake.link_json(link)
            for link in fake.links.values()
            if reference is None or link.reference_id == reference
        ]
        return JSONResponse({"payment_links": links})

    async def fetch(request: Request) -> Response:
        if not authorised(request):
            return _error(401, "Authentication failed")
        try:
            return JSONResponse(fake.link_json(fake.link(request.path_params["link_id"])))
        except RazorpayError as exc:
            return exc.response()

    async def cancel(request: Request) -> Response:
        if not authorised(request):
            return _error(401, "Authentication failed")
        try:
            link, hook = fake.cancel(request.path_params["link_id"])
        except RazorpayError as exc:
            return exc.response()
        await fake.deliver([hook])
        return JSONResponse(fake.link_json(link))

    async def control_pay(request: Request) -> Response:
        options = await _json_or_empty(request)
        try:
            hooks = fake.settle(
                request.path_params["link_id"],
                str(options.get("outcome", "paid")),
                failed_attempts=int(options.get("failed_attempts", 0)),
            )
        except RazorpayError as exc:
            return exc.response()
        sent: list[Delivery] = []
        if options.get("deliver", True):
            sent = await fake.deliver(
                hooks,
                duplicates=int(options.get("duplicates", 1)),
                reorder=bool(options.get("reorder", False)),
            )
        return JSONResponse(
            {
                "events": [{"id": h.event_id, "event": h.event} for h in hooks],
                "deliveries": [d.status_code for d in sent],
            }
        )

    async def control_expire(request: Request) -> Response:
        options = await _json_or_empty(request)
        link_id = request.path_params["link_id"]
        if link_id not in fake.links:
            return _error(400, "The id provided does not exist", "id")
        hook = fake.expire(link_id)
        if options.get("deliver", True):
            await fake.deliver([hook])
        return JSONResponse({"events": [{"id": hook.event_id, "event": hook.event}]})

    async def control_deliveries(request: Request) -> Response:
        return JSONResponse([vars_of(d) for d in fake.deliveries])

    async def control_config(request: Request) -> Response:
        options = await _json_or_empty(request)
        if "webhook_url" in options:
            fake.webhook_url = options["webhook_url"] or None
        return JSONResponse({"webhook_url": fake.webhook_url})

    async def hosted_page(request: Request) -> Response:
        link = _by_code(fake, request.path_params["code"])
        if link is None:
            return HTMLResponse("<!doctype html><title>Not found</title><p>Unknown link.</p>", 404)
        if request.method == "POST":
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            outcome = (form.get("outcome") or ["paid"])[0]
            try:
                hooks = fake.settle(link.id, "failed" if outcome == "failed" else "paid")
            except RazorpayError as exc:
                return HTMLResponse(
                    f"<!doctype html><title>Razorpay</title><p>{escape(exc.description)}</p>", 409
                )
            await fake.deliver(hooks)
            if link.callback_url and link.status == "paid":
                query = urlencode(
                    {
                        "razorpay_payment_id": link.payments[-1]["payment_id"],
                        "razorpay_payment_link_id": link.id,
                        "razorpay_payment_link_reference_id": link.reference_id,
                        "razorpay_payment_link_status": link.status,
                    }
                )
                return RedirectResponse(f"{link.callback_url}?{query}", status_code=303)
            return RedirectResponse(str(request.url), status_code=303)
        return HTMLResponse(_hosted_html(link))

    return Starlette(
        routes=[
            Route("/v1/payment_links", create, methods=["POST"]),
            Route("/v1/payment_links/", create, methods=["POST"]),
            Route("/v1/payment_links", list_links, methods=["GET"]),
            Route("/v1/payment_links/", list_links, methods=["GET"]),
            Route("/v1/payment_links/{link_id}", fetch, methods=["GET"]),
            Route("/v1/payment_links/{link_id}/cancel", cancel, methods=["POST"]),
            Route("/_fake/payment_links/{link_id}/pay", control_pay, methods=["POST"]),
            Route("/_fake/payment_links/{link_id}/expire", control_expire, methods=["POST"]),
            Route("/_fake/deliveries", control_deliveries, methods=["GET"]),
            Route("/_fake/config", control_config, methods=["POST"]),
            Route("/i/{code}", hosted_page, methods=["GET", "POST"]),
        ]
    )


def vars_of(delivery: Delivery) -> dict[str, Any]:
    return {
        "event_id": delivery.event_id,
        "event": delivery.event,
        "status_code": delivery.status_code,
        "error": delivery.error,
    }


async def _json_or_empty(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _by_code(fake: FakeRazorpay, code: str) -> FakeLink | None:
    return next((link for link in fake.links.values() if link.short_code == code), None)


def _hosted_html(link: FakeLink) -> str:
    rupees = f"{link.amount // 100}.{link.amount % 100:02d}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Razorpay (fake)</title></head><body><main>"
        f"<h1>Pay INR {escape(rupees)}</h1><p>{escape(link.description)}</p>"
        f"<p>Status: {escape(link.status)}</p>"
        "<form method='post'><button name='outcome' value='paid'>Pay</button> "
        "<button name='outcome' value='failed'>Fail</button></form></main></body></html>"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Razorpay Payment Links server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--key-id", default="rzp_test_sevadwar")
    parser.add_argument("--key-secret", default="fake_key_secret")
    parser.add_argument("--webhook-secret", default="fake_webhook_secret")
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--public-url", default=None, help="base of short_url (default: host:port)")
    args = parser.parse_args(argv)
    fake = FakeRazorpay(
        key_id=args.key_id,
        key_secret=args.key_secret,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        public_url=args.public_url or f"http://{args.host}:{args.port}",
    )
    uvicorn.run(create_app(fake), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
