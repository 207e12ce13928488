"""Events for departments' systems: written with the change (an outbox), delivered in order.

Every status change of an application calls :func:`do_enqueue_department_event` in the
transaction that makes the change, which adds one ``webhook_deliveries`` row per active API key
of the application's department that has a webhook URL. The row holds only the event's facts
(id, type, time, status and stage at the event); the application itself is rendered when the
event is delivered (``api/webhook_payloads.py``), as the department API would show it then, so no
personal data is copied into this table and an erasure needs no clean-up here.

The rest of this module is the queue: claim (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, in order
per endpoint and application), lease, and the outcomes. It deliberately imports no workflow or
query module: the workflow imports it.
"""

from __future__ import annotations

import functools
import random
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from sevadwar.api.models import BLOCKING_STATES, WebhookDelivery, WebhookState
from sevadwar.applications.models import Application
from sevadwar.audit.actions import do_append_audit
from sevadwar.officers.models import ApiKey
from sevadwar.storage.base import UTCDateTime

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 15  # six to twelve hours of retries with the back-off below
BACKOFF_BASE = 15.0  # seconds before the second try (at most)
BACKOFF_CAP = 7200.0  # never wait more than two hours between tries
SECRET_PREFIX = "whsec_"  # noqa: S105 - a marker, not a secret
SECRET_OVERLAP = timedelta(hours=24)  # a replaced secret still signs events for this long


class DepartmentEvent(StrEnum):
    """What a department's system is told about. Names follow the audit log's actions."""

    SUBMITTED = "application.submitted"
    FEE_PAID = "application.fee_paid"
    FORWARDED = "application.forwarded"
    INFO_REQUESTED = "application.info_requested"
    INFO_RECEIVED = "application.info_received"
    FIELD_VERIFICATION = "application.field_verification"
    APPROVED = "application.approved"
    CERTIFICATE_ISSUED = "application.certificate_issued"
    REJECTED = "application.rejected"
    CANCELLED = "application.cancelled"
    CERTIFICATE_REVOKED = "certificate.revoked"


_BY_VALUE = {event.value: event for event in DepartmentEvent}


def event_for_action(action: str) -> DepartmentEvent | None:
    """The event an audit action (``application.forwarded``) publishes, if it publishes one."""
    return _BY_VALUE.get(action)


# --------------------------------------------------------------------------- configuration


class InvalidWebhookUrl(ValueError):
    pass


def check_webhook_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; InvalidWebhookUrl otherwise.

    Only http and https: the deliverer must never be pointed at ``file:`` or another scheme,
    and a URL with credentials in it would leak them into lists and logs.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidWebhookUrl(f"the webhook URL must start with https:// or http://, not {url!r}")
    if not parts.hostname:
        raise InvalidWebhookUrl(f"the webhook URL has no host: {url!r}")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("the webhook URL must not carry a user name or password")
    if len(url) > 500:
        raise InvalidWebhookUrl("the webhook URL is longer than 500 characters")
    return url


def new_webhook_secret() -> str:
    """256 random bits; the receiver keeps it to check ``X-Sevadwar-Signature``."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --------------------------------------------------------------------------- enqueue


def do_enqueue_department_event(
    session: Session,
    application: Application,
    event: DepartmentEvent,
    *,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> list[WebhookDelivery]:
    """Queue ``event`` for every webhook of the application's department, in this transaction.

    Call it right after the change (the status and stage it records are read now). A department
    without a webhook gets nothing, and another department's endpoint never sees the event.
    """
    endpoints = list(
        session.scalars(
            select(ApiKey.id).where(
                ApiKey.department == application.department,
                ApiKey.revoked_at.is_(None),
                ApiKey.webhook_url.is_not(None),
            )
        )
    )
    if not endpoints:
        return []
    if application.id is None:
        session.flush()
    facts = {"status": str(application.status), "stage": application.stage, **(data or {})}
    event_id = f"evt_{uuid.uuid4().hex}"
    rows = [
        WebhookDelivery(
            event_id=event_id,
            event_type=event.value,
            api_key_id=endpoint,
            application_id=application.id,
            reference=application.reference,
            data=facts,
            occurred_at=at,
            state=WebhookState.PENDING,
            attempts=0,
            not_before=at,
            created_at=at,
        )
        for endpoint in endpoints
    ]
    session.add_all(rows)
    return rows


# --------------------------------------------------------------------------- the queue


def claim_deliveries(session: Session, *, limit: int, now: datetime) -> list[WebhookDelivery]:
    """Lease up to ``limit`` deliveries that may go now, oldest first (commit to keep the lease).

    Each is the oldest undelivered event of its endpoint and application, so event N+1 never
    overtakes event N; a dead event holds the later ones back until it is replayed or discarded.
    """
    statement = _claimable_statement(session.get_bind().dialect.name, limit)
    found = list(session.scalars(statement, {"now": now}))
    for delivery in found:
        delivery.state = WebhookState.SENDING
        delivery.lease_until = now + LEASE
        delivery.attempts += 1
    return found


@functools.cache
def _claimable_statement(dialect: str, limit: int) -> Select[WebhookDelivery]:
    now = bindparam("now", type_=UTCDateTime())
    row = WebhookDelivery
    older = aliased(WebhookDelivery)
    blocked = exists().where(
        older.api_key_id == row.api_key_id,
        older.application_id == row.application_id,
        older.state.in_(BLOCKING_STATES),
        older.id < row.id,
    )
    due = or_(
        and_(row.state == WebhookState.PENDING, row.not_before <= now),
        and_(row.state == WebhookState.SENDING, row.lease_until < now),
    )
    statement = select(row).where(due, ~blocked).order_by(row.id).limit(limit)
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=row)
    return statement


def mark_delivered(session: Session, delivery_id: int, *, status: int, now: datetime) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            state=WebhookState.DELIVERED,
            last_status=status,
            last_error=None,
            lease_until=None,
            delivered_at=now,
        )
    )


def mark_retry(
    session: Session,
    delivery_id: int,
    *,
    status: int | None,
    error: str,
    delay: float,
    now: datetime,
    max_attempts: int = MAX_ATTEMPTS,
) -> str:
    """Try again after ``delay`` seconds, or give up (dead) after ``max_attempts``; the state."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return "missing"
    delivery.last_status, delivery.last_error = status, error[:2000]
    delivery.lease_until = None
    if delivery.attempts >= max_attempts:
        delivery.state = WebhookState.DEAD
    else:
        delivery.state = WebhookState.PENDING
        delivery.not_before = now + timedelta(seconds=delay)
    return delivery.state


def mark_dead(
    session: Session, delivery_id: int, *, status: int | None, error: str, state: WebhookState
) -> None:
    """Stop trying: ``DEAD`` (an operator should look) or ``DISCARDED`` (nobody to tell)."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(state=state, last_status=status, last_error=error[:2000], lease_until=None)
    )


def backoff_delay(attempts: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Exponential back-off with "equal" jitter: between half and all of ``base * 2**(n-1)``.

    Half is fixed so the total time before giving up is predictable; the random half spreads
    the retries of many events after a receiver's outage.
    """
    ceiling = min(cap, base * 2.0 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not a secret


# --------------------------------------------------------------------------- operators


def do_replay_deliveries(
    session: Session, ids: Sequence[int], *, operator: str, now: datetime
) -> int:
    """Put dead (or discarded) deliveries back in the queue, due now; one audit row."""
    rows = list(
        session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.id.in_(ids),
                WebhookDelivery.state.in_((WebhookState.DEAD, WebhookState.DISCARDED)),
            )
        )
    )
    for row in rows:
        row.state, row.attempts, row.not_before, row.lease_until = (
            WebhookState.PENDING,
            0,
            now,
            None,
        )
    do_append_audit(
        session,
        actor=f"operator:{operator}",
        action="webhooks.replayed",
        subject="webhooks",
        data={"ids": sorted(r.id for r in rows)},
        at=now,
    )
    return len(rows)


def do_discard_deliveries(
    session: Session, ids: Sequence[int], *, operator: str, now: datetime
) -> int:
    """Give up on dead deliveries for good, so the events behind them may flow; one audit row."""
    rows = list(
        session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.id.in_(ids), WebhookDelivery.state == WebhookState.DEAD
            )
        )
    )
    for row in rows:
        row.state = WebhookState.DISCARDED
    do_append_audit(
        session,
        actor=f"operator:{operator}",
        action="webhooks.discarded",
        subject="webhooks",
        data={"ids": sorted(r.id for r in rows)},
        at=now,
    )
    return len(rows)
