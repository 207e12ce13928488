"""The webhook deliverer: POSTs department events, signed, in order, retrying what is transient.

One step claims a batch of due deliveries and renders their bodies in ONE transaction (the rows
are leased, ``sending``), then calls each receiver outside any transaction, so a slow department
system never holds a database lock, and records each outcome in its own transaction:

* 2xx: delivered.
* network error, timeout, 408, 429, 5xx: tried again after exponential back-off with jitter, or
  after ``Retry-After`` when the receiver asks for longer; dead after ``max_attempts``.
* anything else (3xx, other 4xx): dead at once — the receiver refuses this request, and sending
  the same bytes again would not change its mind. An operator replays it once fixed.

If the process dies between the receiver's 2xx and the commit, the lease runs out and the event
is sent again: receivers skip duplicates by ``X-Sevadwar-Event-Id``.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from prometheus_client import Counter
from sqlalchemy.orm import Session

from sevadwar.api.models import WebhookDelivery, WebhookState
from sevadwar.api.webhook_payloads import event_body
from sevadwar.api.webhook_signature import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from sevadwar.api.webhooks import (
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    backoff_delay,
    claim_deliveries,
    mark_dead,
    mark_delivered,
    mark_retry,
)
from sevadwar.applications.models import Application
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.officers.models import ApiKey
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

WEBHOOKS = Counter(
    "sevadwar_department_webhooks_total", "Department webhook attempts by outcome", ["outcome"]
)
RETRYABLE_STATUSES = frozenset({408, 429})
USER_AGENT = "Sevadwar-Webhooks/1"
_ERROR_SNIPPET = 500


@dataclass(frozen=True, slots=True)
class _Claimed:
    """What the HTTP call needs of a leased delivery once its transaction is over."""

    id: int
    event_id: str
    event_type: str
    url: str
    secrets: tuple[str, ...]  # the current one first (a replaced one signs too for a while)
    body: bytes


@dataclass
class WebhookDeliverer:
    sessions: SessionFactory
    http: httpx.Client
    catalogue: Catalogue
    public_base: str
    issuer: object = None  # the certificate issuer, for the PDF link in the application
    clock: Callable[[], datetime] = utcnow
    batch_size: int = 10
    max_attempts: int = MAX_ATTEMPTS

    def deliver_due(self) -> bool:
        """Deliver what is due now; False when nothing was (the loop then sleeps)."""
        claimed = self._claim()
        for item in claimed:
            self._deliver(item)
        return bool(claimed)

    def _claim(self) -> list[_Claimed]:
        with transaction(self.sessions) as session:
            now = self.clock()
            claimed = []
            for delivery in claim_deliveries(session, limit=self.batch_size, now=now):
                key = session.get(ApiKey, delivery.api_key_id)
                application = session.get(Application, delivery.application_id)
                endpoint = _endpoint(key, application, now)
                if endpoint is None or application is None:
                    mark_dead(
                        session,
                        delivery.id,
                        status=None,
                        error="the endpoint was revoked or no longer has a webhook URL",
                        state=WebhookState.DISCARDED,
                    )
                    continue
                claimed.append(
                    _Claimed(
                        delivery.id,
                        delivery.event_id,
                        delivery.event_type,
                        *endpoint,
                        self._body(session, delivery, application, now),
                    )
                )
        return claimed

    def _body(
        self, session: Session, delivery: WebhookDelivery, application: Application, now: datetime
    ) -> bytes:
        return event_body(
            session,
            delivery,
            application,
            catalogue=self.catalogue,
            public_base=self.public_base,
            issuer=self.issuer,
            now=now,
        )

    def _deliver(self, item: _Claimed) -> None:
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature_header(item.secrets, timestamp, item.body),
            EVENT_ID_HEADER: item.event_id,
            EVENT_TYPE_HEADER: item.event_type,
        }
        try:
            with self.http.stream("POST", item.url, content=item.body, headers=headers) as response:
                status = response.status_code
                detail = _snippet(response)
                retry_after = response.headers.get("Retry-After")
        except httpx.HTTPError as exc:
            self._retry(item, status=None, error=f"{type(exc).__name__}: {exc}", retry_after=None)
            return
        if 200 <= status < 300:
            with transaction(self.sessions) as session:
                mark_delivered(session, item.id, status=status, now=self.clock())
            WEBHOOKS.labels("delivered").inc()
        elif status in RETRYABLE_STATUSES or status >= 500:
            self._retry(
                item, status=status, error=f"HTTP {status}: {detail}", retry_after=retry_after
            )
        else:
            log.warning("webhook delivery %s refused with HTTP %s: dead", item.id, status)
            with transaction(self.sessions) as session:
                mark_dead(
                    session,
                    item.id,
                    status=status,
                    error=f"HTTP {status}: {detail}",
                    state=WebhookState.DEAD,
                )
            WEBHOOKS.labels("dead").inc()

    def _retry(
        self, item: _Claimed, *, status: int | None, error: str, retry_after: str | None
    ) -> None:
        now = self.clock()
        with transaction(self.sessions) as session:
            attempts = session.get(WebhookDelivery, item.id)
            delay = backoff_delay(attempts.attempts if attempts else 1)
            asked = retry_after_seconds(retry_after, now)
            if asked is not None:
                delay = max(delay, min(asked, BACKOFF_CAP))
            state = mark_retry(
                session,
                item.id,
                status=status,
                error=error,
                delay=delay,
                now=now,
                max_attempts=self.max_attempts,
            )
        log.warning("webhook delivery %s failed (%s): %s", item.id, state, error[:200])
        WEBHOOKS.labels("dead" if state == WebhookState.DEAD else "retry").inc()


def _endpoint(
    key: ApiKey | None, application: Application | None, now: datetime
) -> tuple[str, tuple[str, ...]] | None:
    """``(url, secrets)`` if the key is active, has a webhook and is the application's
    department's (checked again at delivery: a key may be revoked or re-pointed meanwhile). The
    secrets are the current one, then the one it replaced while that is still valid."""
    if key is None or application is None or key.revoked_at is not None:
        return None
    if key.webhook_url is None or key.webhook_secret is None:
        return None
    if key.department != application.department:
        return None
    secrets: tuple[str, ...] = (key.webhook_secret,)
    until = key.previous_secret_until  # read first: the old secret is loaded only in a rotation
    if until is not None and now < until and key.previous_webhook_secret:
        secrets += (key.previous_webhook_secret,)
    return key.webhook_url, secrets


def _snippet(response: httpx.Response) -> str:
    """The start of the receiver's answer, for operators (never the whole, possibly huge, body)."""
    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= _ERROR_SNIPPET:
            break
    return read[:_ERROR_SNIPPET].decode("utf-8", "replace").strip()


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: either delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)
