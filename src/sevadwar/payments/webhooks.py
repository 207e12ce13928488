"""Handling one payment webhook delivery: verify, parse, apply in one transaction.

Shared by ``POST /webhooks/payments/{provider}`` and the sandbox checkout's in-process delivery,
so both take exactly the same path. The signature is checked over the raw body before anything
is parsed or stored; a body that verifies but does not parse is quarantined (and answered 200:
the gateway would only send it again).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from prometheus_client import Counter

from sevadwar.payments.actions import do_apply_payment_event, do_quarantine_payment_webhook
from sevadwar.payments.base import InvalidWebhook, header
from sevadwar.payments.context import PaymentContext
from sevadwar.payments.providers import razorpay, sandbox
from sevadwar.storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

PAYMENT_WEBHOOKS = Counter(
    "sevadwar_payment_webhooks_total",
    "Payment webhook deliveries by outcome",
    ["provider", "outcome"],
)

SIGNATURE_HEADERS = {
    sandbox.SandboxGateway.name: sandbox.SIGNATURE_HEADER,
    razorpay.RazorpayGateway.name: razorpay.SIGNATURE_HEADER,
}


class WebhookOutcome(StrEnum):
    UNSIGNED = "unsigned"  # no signature header: 401
    BAD_SIGNATURE = "bad_signature"  # 403
    QUARANTINED = "quarantined"  # signed but unparseable: kept for a person, 200
    APPLIED = "applied"  # 200
    DUPLICATE = "duplicate"  # seen before, no effect: 200

    @property
    def accepted(self) -> bool:
        return self not in (WebhookOutcome.UNSIGNED, WebhookOutcome.BAD_SIGNATURE)


def handle_payment_webhook(
    sessions: SessionFactory,
    payments: PaymentContext,
    raw_body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime,
) -> WebhookOutcome:
    """Verify and apply one delivery for the configured gateway. Database errors propagate
    (the route answers 503 and the gateway retries)."""
    gateway = payments.gateway
    outcome = _handle(sessions, payments, raw_body, headers, now)
    PAYMENT_WEBHOOKS.labels(gateway.name, outcome.value).inc()
    return outcome


def _handle(
    sessions: SessionFactory,
    payments: PaymentContext,
    raw_body: bytes,
    headers: Mapping[str, str],
    now: datetime,
) -> WebhookOutcome:
    gateway = payments.gateway
    if not gateway.verify_webhook(raw_body, headers):
        name = SIGNATURE_HEADERS.get(gateway.name)
        if name is not None and not header(headers, name):
            return WebhookOutcome.UNSIGNED
        return WebhookOutcome.BAD_SIGNATURE
    try:
        event = gateway.parse_webhook(raw_body, headers)
    except InvalidWebhook as exc:
        log.warning("%s webhook quarantined: %s", gateway.name, exc)
        with transaction(sessions) as session:
            do_quarantine_payment_webhook(session, gateway.name, raw_body, str(exc), now=now)
        return WebhookOutcome.QUARANTINED
    with transaction(sessions) as session:
        applied = do_apply_payment_event(
            session, gateway.name, event, raw_body=raw_body, now=now, payments=payments
        )
    if applied.duplicate:
        return WebhookOutcome.DUPLICATE
    log.info(
        "%s event %s (%s): %s",
        gateway.name,
        event.event_id,
        event.raw_type,
        applied.action.value if applied.action else "no payment of ours",
    )
    return WebhookOutcome.APPLIED
