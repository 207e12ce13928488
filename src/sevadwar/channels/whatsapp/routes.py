"""``/webhooks/whatsapp``: Meta's verification handshake and signed updates.

The POST verifies ``X-Hub-Signature-256`` over the raw body (missing → 401, wrong → 403, nothing
stored), splits the batch into events and stores them in the inbox before answering 200. A signed
body it cannot parse is quarantined and still answered 200 (Meta would retry it for days); a
database outage answers 503 so Meta retries later.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from sevadwar.channels.whatsapp.payloads import MalformedPayload, split_events
from sevadwar.channels.whatsapp.signature import SignatureCheck, verify
from sevadwar.messaging.inbox import NewEvent, store_events, store_quarantine
from sevadwar.runtime import Runtime
from sevadwar.storage.db import is_unavailable, transaction

log = logging.getLogger(__name__)

WEBHOOKS = Counter("sevadwar_webhooks_total", "WhatsApp webhook POSTs by outcome", ["outcome"])
MAX_BODY = 3 * 1024 * 1024 + 65536  # Meta: payloads up to 3 MB

router = APIRouter(tags=["whatsapp"])


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/webhooks/whatsapp", response_class=PlainTextResponse)
def verify_subscription(
    request: Request,
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge"),
) -> Response:
    settings = _runtime(request).settings
    if settings.whatsapp_verify_token is None:
        return PlainTextResponse("WhatsApp is not configured", status_code=503)
    expected = settings.whatsapp_verify_token.get_secret_value()
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        return PlainTextResponse("Forbidden", status_code=403)
    return PlainTextResponse(challenge)


@router.post("/webhooks/whatsapp")
async def receive_updates(request: Request) -> Response:
    runtime = _runtime(request)
    secret = runtime.settings.whatsapp_app_secret
    if secret is None:
        WEBHOOKS.labels("disabled").inc()
        return PlainTextResponse("WhatsApp is not configured", status_code=503)
    body = await request.body()
    if len(body) > MAX_BODY:
        WEBHOOKS.labels("too_large").inc()
        return PlainTextResponse("Payload too large", status_code=413)
    check = verify(body, request.headers.get("x-hub-signature-256"), secret.get_secret_value())
    if check is SignatureCheck.MISSING:
        WEBHOOKS.labels("unsigned").inc()
        return PlainTextResponse("Missing signature", status_code=401)
    if check is not SignatureCheck.VALID:
        WEBHOOKS.labels("bad_signature").inc()
        return PlainTextResponse("Invalid signature", status_code=403)
    try:
        raw_events = split_events(json.loads(body))
        events = [NewEvent(e.key, e.kind, e.citizen_key, e.data) for e in raw_events]
        quarantine = None
    except (ValueError, MalformedPayload, RecursionError) as exc:
        events, quarantine = [], f"{type(exc).__name__}: {exc}"
    try:
        await run_in_threadpool(_store, runtime, events, body, quarantine)
    except Exception as exc:
        if is_unavailable(exc):
            WEBHOOKS.labels("unavailable").inc()
            log.warning("database unavailable: answering 503 so Meta retries")
            return PlainTextResponse("Temporarily unavailable", status_code=503)
        raise
    WEBHOOKS.labels("quarantined" if quarantine else "stored").inc()
    if events:
        runtime.wake_inbox.set()
    return PlainTextResponse("OK")


def _store(runtime: Runtime, events: list[NewEvent], body: bytes, quarantine: str | None) -> None:
    with transaction(runtime.sessions) as session:
        if quarantine is not None:
            store_quarantine(session, "whatsapp", body, quarantine, now=runtime.clock())
        else:
            store_events(session, "whatsapp", events, now=runtime.clock())
