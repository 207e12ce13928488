"""Storing inbound events durably, and claiming them in per-citizen order.

``store_events`` runs inside the webhook request, before the 200: the provider's id is the
unique key, so a retried or re-batched delivery inserts nothing new. ``claim_next_event`` gives a
worker the oldest pending event of a citizen whose earlier events are all done, locking it
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so several processes can work at once while each
citizen's messages are still handled one at a time, in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from sevadwar.messaging.models import InboxEvent, InboxKind, InboxState
from sevadwar.storage.base import utcnow
from sevadwar.storage.upsert import insert_ignore

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class NewEvent:
    key: str
    kind: str
    citizen_key: str | None
    payload: dict[str, Any]


def store_events(
    session: Session, channel: str, events: Sequence[NewEvent], *, now: datetime | None = None
) -> int:
    """Insert events not seen before; returns how many were new."""
    if not events:
        return 0
    now = now or utcnow()
    rows = [
        {
            "event_key": e.key,
            "channel": channel,
            "kind": e.kind,
            "citizen_key": e.citizen_key,
            "payload": e.payload,
            "state": InboxState.PENDING,
            "attempts": 0,
            "received_at": now,
        }
        for e in events
    ]
    result = session.execute(insert_ignore(session, InboxEvent.__table__, rows, "event_key"))
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


def store_quarantine(
    session: Session, channel: str, body: bytes, reason: str, *, now: datetime | None = None
) -> bool:
    """Keep a signed body we could not parse, once, for a person to look at. Never raises on bad data."""
    digest = hashlib.sha256(body).hexdigest()
    payload = {"raw": body.decode("utf-8", errors="replace"), "reason": reason[:500]}
    row = {
        "event_key": f"payload:{digest}",
        "channel": channel,
        "kind": InboxKind.PAYLOAD,
        "citizen_key": None,
        "payload": payload,
        "state": InboxState.QUARANTINED,
        "attempts": 0,
        "received_at": now or utcnow(),
    }
    result = session.execute(insert_ignore(session, InboxEvent.__table__, [row], "event_key"))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_next_event(session: Session, *, skip_citizens: frozenset[str] = frozenset()) -> InboxEvent | None:
    """Lock and return the next event this worker may process, or None.

    An event is eligible when it is pending and no earlier event of the same citizen is still
    pending. Status events (no citizen) are always eligible: their effect is a monotonic merge.
    """
    older = aliased(InboxEvent)
    blocked = exists().where(
        and_(
            older.citizen_key == InboxEvent.citizen_key,
            older.state == InboxState.PENDING,
            older.id < InboxEvent.id,
        )
    )
    statement = (
        select(InboxEvent)
        .where(InboxEvent.state == InboxState.PENDING, ~blocked)
        .order_by(InboxEvent.id)
        .limit(1)
    )
    if skip_citizens:
        statement = statement.where(
            (InboxEvent.citizen_key.is_(None)) | InboxEvent.citizen_key.not_in(skip_citizens)
        )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=InboxEvent)
    return session.scalars(statement).first()


def mark_done(session: Session, event: InboxEvent, *, now: datetime | None = None) -> None:
    event.state = InboxState.DONE
    event.processed_at = now or utcnow()
    event.attempts += 1


def record_failure(session: Session, event_id: int, error: str) -> str:
    """Count a failed attempt (in its own transaction); after MAX_ATTEMPTS the event is dead."""
    event = session.get(InboxEvent, event_id)
    if event is None:
        return "missing"
    event.attempts += 1
    event.last_error = error[:2000]
    if event.attempts >= MAX_ATTEMPTS:
        event.state = InboxState.DEAD
        event.processed_at = utcnow()
    return event.state


def replay_dead(session: Session, event_ids: Sequence[int]) -> int:
    """Put dead events back in the queue (an operator's decision; the caller audits it)."""
    result = session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(event_ids), InboxEvent.state == InboxState.DEAD)
        .values(state=InboxState.PENDING, attempts=0, last_error=None, processed_at=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def queue_depth(session: Session) -> tuple[int, datetime | None]:
    """Pending events and the time the oldest one arrived."""
    count, oldest = session.execute(
        select(func.count(), func.min(InboxEvent.received_at)).where(
            InboxEvent.state == InboxState.PENDING
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), oldest
