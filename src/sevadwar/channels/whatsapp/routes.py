"""``/webhooks/whatsapp``: Meta's verification handshake and signed updates.

The POST verifies ``X-Hub-Signature-256`` over the raw body (missing → 401, wrong → 403, nothing
stored), splits the batch into events and stores them in the inbox before answering 200. A signed
body it cannot parse is quarantined and still answered 200 (Meta would retry it for days); a
database outage answers 503 so Meta retries later.

Webhooks that arrive together are committed together (``InboxWriter``, a group commit): each
request still waits for its own events to be committed before its 200, but under load one
transaction carries many of them (``bench/results``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sevadwar.channels.whatsapp.payloads import MalformedPayload, split_events
from sevadwar.channels.whatsapp.signature import SignatureCheck, verify
from sevadwar.messaging.inbox import (
    UNSTORABLE_ESCAPE,
    EngineSink,
    InboxSink,
    InboxWriter,
    NewEvent,
    PostgresSink,
    safe_event,
    store_quarantine,
)
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


class WebhookEndpoint:
    """``POST /webhooks/whatsapp`` as a plain ASGI endpoint: the hottest route in the system.

    It skips FastAPI's per-route machinery (dependency solving, request and response models),
    which cost more CPU than verifying, parsing and storing the webhook together
    (``bench/results``). The app's middleware still wraps it; an unexpected error is a 500.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self._answer(scope, receive)
        except ClientDisconnect:
            return
        except Exception:  # nothing sent yet: a logged 500, as FastAPI's error middleware does
            log.exception("unexpected error on the WhatsApp webhook")
            response = PlainTextResponse("Internal Server Error", status_code=500)
        if response is None:  # stored: the same two messages every time, built once
            await send(_OK_START)
            await send(_OK_BODY)
            return
        await response(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive) -> Response | None:
        """The response to send, or None for "stored, 200 OK"."""
        runtime: Runtime = scope["app"].state.runtime
        secret = runtime.settings.whatsapp_app_secret
        if secret is None:
            WEBHOOKS.labels("disabled").inc()
            return PlainTextResponse("WhatsApp is not configured", status_code=503)
        body = await _read_body(receive)
        if body is None:
            WEBHOOKS.labels("too_large").inc()
            return PlainTextResponse("Payload too large", status_code=413)
        check = verify(body, _header(scope, b"x-hub-signature-256"), secret.get_secret_value())
        if check is SignatureCheck.MISSING:
            WEBHOOKS.labels("unsigned").inc()
            return PlainTextResponse("Missing signature", status_code=401)
        if check is not SignatureCheck.VALID:
            WEBHOOKS.labels("bad_signature").inc()
            return PlainTextResponse("Invalid signature", status_code=403)
        try:
            raw_events = split_events(json.loads(body, parse_constant=_not_json))
            unstorable = UNSTORABLE_ESCAPE.search(body) is not None
            events = [
                safe_event(NewEvent(e.key, e.kind, e.citizen_key, e.data), unstorable=unstorable)
                for e in raw_events
            ]
            quarantine = None
        except (ValueError, MalformedPayload, RecursionError) as exc:
            events, quarantine = [], f"{type(exc).__name__}: {exc}"
        try:
            if quarantine is not None:
                await run_in_threadpool(_quarantine, runtime, body, quarantine)
            elif events:
                await _writer(scope, runtime).store(events)
        except Exception as exc:
            if is_unavailable(exc):
                WEBHOOKS.labels("unavailable").inc()
                log.warning("database unavailable: answering 503 so Meta retries")
                return PlainTextResponse("Temporarily unavailable", status_code=503)
            raise
        if quarantine is not None:
            WEBHOOKS.labels("quarantined").inc()
            return PlainTextResponse("OK")
        _STORED.inc()
        if events and not runtime.wake_inbox.is_set():
            runtime.wake_inbox.set()
        return None


_STORED = WEBHOOKS.labels("stored")
_OK_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-length", b"2"), (b"content-type", b"text/plain; charset=utf-8")],
}
_OK_BODY = {"type": "http.response.body", "body": b"OK"}


WEBHOOK_PATH = "/webhooks/whatsapp"
# A Starlette route (not in the OpenAPI document: it is Meta's callback, not part of the REST API).
router.routes.append(Route(WEBHOOK_PATH, WebhookEndpoint(), methods=["POST"]))


class WebhookFastPath:
    """``POST /webhooks/whatsapp`` answered before the app's router and middleware.

    FastAPI's router (which tries each included router in turn), its middleware stack (error,
    telemetry and body-limit layers; the telemetry layer reads the environment on every request)
    cost more CPU per webhook than verifying and parsing it (``bench/optimisations.md``). The
    app calls this first (``app.SevadwarApp``); the endpoint turns an unexpected error into a
    logged 500 itself, and limits the body itself. Every other request goes through the app.
    """

    def __init__(self) -> None:
        self.endpoint = WebhookEndpoint()

    @staticmethod
    def handles(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return path == WEBHOOK_PATH

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.endpoint(scope, receive, send)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None as soon as it grows past ``MAX_BODY``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _not_json(token: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON (Python accepts them; databases do not)."""
    raise ValueError(f"{token} is not valid JSON")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _quarantine(runtime: Runtime, body: bytes, reason: str) -> None:
    with transaction(runtime.sessions) as session:
        store_quarantine(session, "whatsapp", body, reason, now=runtime.clock())


def _writer(scope: Scope, runtime: Runtime) -> InboxWriter:
    """This app's inbox writer for the running event loop (created on first use)."""
    state = scope["app"].state
    writer: InboxWriter | None = getattr(state, "whatsapp_inbox_writer", None)
    if writer is None or writer.loop is not asyncio.get_running_loop():
        if writer is not None:  # served from another loop before (tests): its connection goes
            writer.abandon()
        # One commit at a time: deliveries that arrive meanwhile go together in the next.
        # Two in flight made smaller batches for no more throughput (bench/optimisations.md).
        writer = InboxWriter(inbox_sink(runtime), "whatsapp", clock=runtime.clock, max_inflight=1)
        state.whatsapp_inbox_writer = writer
    return writer


def inbox_sink(runtime: Runtime) -> InboxSink:
    """PostgreSQL: one statement per group commit on the writer's own connection, from the event
    loop; SQLite: a transaction on the app's engine in a worker thread."""
    if runtime.ingest_conninfo is not None:
        return PostgresSink(runtime.ingest_conninfo)
    return EngineSink(lambda: runtime.engine)


async def close_writer(app: Any) -> None:
    """Close the inbox writer's connection at shutdown (from the loop that served requests)."""
    writer: InboxWriter | None = getattr(app.state, "whatsapp_inbox_writer", None)
    if writer is None:
        return
    app.state.whatsapp_inbox_writer = None
    if writer.loop is asyncio.get_running_loop():
        await writer.aclose()
    else:
        writer.abandon()
