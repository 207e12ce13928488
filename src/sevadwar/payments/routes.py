"""Payment HTTP routes.

- ``POST /webhooks/payments/{provider}``: signed gateway events. Missing signature → 401, wrong
  → 403 (nothing stored); signed but unparseable → quarantined, 200; applied or replayed → 200;
  database down → 503 (the gateway retries).
- ``GET /payments/return``: where the browser lands after paying. It only says "we are
  confirming": it never marks anything paid — only a verified webhook or reconciliation does.
- ``GET /verify/receipt/{receipt_number}``: the receipt's QR code leads here.
- The sandbox checkout (``/pay/{link_id}``) when the sandbox is the gateway; its choice is
  delivered in-process to the same handling as the webhook route.
"""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from sevadwar.applications.models import Application
from sevadwar.payments.context import PaymentContext
from sevadwar.payments.display import format_ist, format_rupees
from sevadwar.payments.messages import payment_text
from sevadwar.payments.providers.sandbox import SandboxGateway, SignedWebhook
from sevadwar.payments.providers.sandbox_page import notice_page, render_message
from sevadwar.payments.providers.sandbox_routes import SECURITY_HEADERS, Deliver, sandbox_router
from sevadwar.payments.queries import payment_by_receipt
from sevadwar.payments.states import StoredState
from sevadwar.payments.webhooks import WebhookOutcome, handle_payment_webhook
from sevadwar.runtime import Runtime
from sevadwar.storage.db import is_unavailable, transaction

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # gateway events are a few KB
_RECEIPT = re.compile(r"^RC-[2-9A-Z]{4}-[2-9A-Z]{4}$")
_STATUS = {
    WebhookOutcome.UNSIGNED: (401, "Missing signature"),
    WebhookOutcome.BAD_SIGNATURE: (403, "Invalid signature"),
    WebhookOutcome.QUARANTINED: (200, "OK"),
    WebhookOutcome.APPLIED: (200, "OK"),
    WebhookOutcome.DUPLICATE: (200, "OK"),
}

router = APIRouter(tags=["payments"])


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post("/webhooks/payments/{provider}")
async def receive_payment_event(provider: str, request: Request) -> Response:
    runtime = _runtime(request)
    payments = runtime.payments
    if payments is None or provider != payments.provider:
        return PlainTextResponse("Unknown payment provider", status_code=404)
    body = await request.body()
    if len(body) > MAX_BODY:
        return PlainTextResponse("Payload too large", status_code=413)
    headers = dict(request.headers)
    try:
        outcome = await run_in_threadpool(
            handle_payment_webhook, runtime.sessions, payments, body, headers, now=runtime.clock()
        )
    except Exception as exc:
        if is_unavailable(exc):
            log.warning("database unavailable: answering 503 so %s retries", provider)
            return PlainTextResponse("Temporarily unavailable", status_code=503)
        raise
    if outcome.accepted:
        runtime.wake_outbox.set()
    status, text = _STATUS[outcome]
    return PlainTextResponse(text, status_code=status)


@router.get("/payments/return", include_in_schema=False)
def payment_return() -> HTMLResponse:
    """The browser's return from the gateway: reassure, never decide (whatever the query says)."""
    return HTMLResponse(render_message("confirming"), headers=SECURITY_HEADERS)


def _notice(title_key: str, message_hi: str, message_en: str, status_code: int) -> HTMLResponse:
    html = notice_page(
        title_hi=payment_text("receipt", title_key, "hi"),
        title_en=payment_text("receipt", title_key, "en"),
        message_hi=message_hi,
        message_en=message_en,
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


@router.get("/verify/receipt/{receipt_number}", include_in_schema=False)
def verify_receipt(receipt_number: str, request: Request) -> HTMLResponse:
    runtime = _runtime(request)
    number = receipt_number.strip().upper()
    found = None
    if _RECEIPT.match(number):
        with transaction(runtime.sessions) as session:
            payment = payment_by_receipt(session, number)
            if payment is not None and payment.state == StoredState.PAID and payment.paid_at:
                application = session.get(Application, payment.application_id)
                if application is not None:
                    found = {
                        "receipt_number": number,
                        "amount": format_rupees(payment.amount_paise),
                        "reference": application.reference,
                        "paid_at": format_ist(payment.paid_at),
                    }
    if found is None:
        return _notice(
            "verify_title",
            payment_text("receipt", "verify_unknown", "hi"),
            payment_text("receipt", "verify_unknown", "en"),
            404,
        )
    return _notice(
        "verify_title",
        payment_text("receipt", "verify_valid", "hi", **found),
        payment_text("receipt", "verify_valid", "en", **found),
        200,
    )


def in_process_delivery(runtime: Runtime, payments: PaymentContext) -> Deliver:
    """The sandbox checkout's ``deliver``: the signed event goes through the same handling as
    ``POST /webhooks/payments/sandbox``, without a round trip over HTTP."""

    async def deliver(hook: SignedWebhook) -> None:
        outcome = await run_in_threadpool(
            handle_payment_webhook,
            runtime.sessions,
            payments,
            hook.body,
            hook.headers,
            now=runtime.clock(),
        )
        if not outcome.accepted:
            raise RuntimeError(f"sandbox webhook {hook.event_id} refused: {outcome}")
        runtime.wake_outbox.set()

    return deliver


def payment_routers(runtime: Runtime) -> list[APIRouter]:
    """The payment routes for ``runtime``, the sandbox checkout included when it is configured."""
    routers = [router]
    payments = runtime.payments
    if payments is not None and isinstance(payments.gateway, SandboxGateway):
        routers.append(sandbox_router(payments.gateway, in_process_delivery(runtime, payments)))
    return routers
