"""The outbox: replies written with the state change that caused them, sent in order per citizen.

A sender claims the oldest unsent message of a citizen whose earlier messages are all sent, under
a lease (``state = sending``, ``lease_until``), commits, calls the provider, then records the
outcome. If the process dies after the provider accepted the message but before that outcome is
committed, the lease expires and the message is sent again: at most one duplicate per message, in
that window only (see docs/operations.md).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from sevadwar.channels.base import DeliveryStatus, Outbound, outbound_to_dict
from sevadwar.dashboard.actions import record
from sevadwar.dashboard.metrics import Kind
from sevadwar.messaging.models import OutboxMessage, OutboxState
from sevadwar.storage.base import UTCDateTime, fixed, fixed_in, utcnow

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 10
_UNSENT = (OutboxState.PENDING, OutboxState.SENDING)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a reply goes: the channel and the citizen's addresses on it."""

    citizen_key: str
    channel: str
    wa_id: str | None = None
    user_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"wa_id": self.wa_id, "user_id": self.user_id}


def enqueue(
    session: Session,
    recipient: Recipient,
    messages: Sequence[Outbound],
    *,
    cause: str | None = None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Add replies to the outbox in the caller's transaction, in order."""
    now = now or utcnow()
    rows = [
        OutboxMessage(
            citizen_key=recipient.citizen_key,
            channel=recipient.channel,
            recipient=recipient.as_dict(),
            payload=outbound_to_dict(message),
            state=OutboxState.PENDING,
            attempts=0,
            not_before=now,
            cause=cause,
            created_at=now,
        )
        for message in messages
    ]
    session.add_all(rows)
    return rows


def claim_next_message(
    session: Session, *, channels: Sequence[str], now: datetime | None = None
) -> OutboxMessage | None:
    """Lease the next message that may be sent now, keeping per-citizen order; None if none."""
    now = now or utcnow()
    found = claimable_messages(session, channels=channels, limit=1, now=now)
    lease(found, now=now)
    return found[0] if found else None


def claimable_messages(
    session: Session, *, channels: Sequence[str], limit: int, now: datetime | None = None
) -> list[OutboxMessage]:
    """Lock up to ``limit`` messages that may be sent now, oldest first, without leasing them.

    Each is the oldest unsent message of its citizen (so at most one per citizen), due now, or
    leased by a sender whose lease ran out. On PostgreSQL the rows are locked ``FOR UPDATE SKIP
    LOCKED`` so several senders share the work.
    """
    statement = _claimable_statement(session.get_bind().dialect.name, limit)
    params = {"channels": list(channels), "now": now or utcnow()}
    return list(session.scalars(statement, params))


@functools.cache
def _claimable_statement(dialect: str, limit: int) -> Select[OutboxMessage]:
    """The claim query, built once (building and hashing it costs more than running it).

    The scan starts at the oldest unsent message (found through the partial index of unsent
    rows): without that bound, PostgreSQL walks the primary key from the first message ever
    sent, skipping every sent row, on every claim.
    """
    now = bindparam("now", type_=UTCDateTime())
    claimable = or_(
        and_(OutboxMessage.state == fixed(OutboxState.PENDING), OutboxMessage.not_before <= now),
        and_(OutboxMessage.state == fixed(OutboxState.SENDING), OutboxMessage.lease_until < now),
    )
    older = aliased(OutboxMessage)
    blocked = exists().where(
        and_(
            older.citizen_key == OutboxMessage.citizen_key,
            fixed_in(older.state, _UNSENT),
            older.id < OutboxMessage.id,
        )
    )
    unsent = aliased(OutboxMessage)
    oldest_unsent = (  # one step in ix_outbox_unsent_id
        select(unsent.id)
        .where(fixed_in(unsent.state, _UNSENT))
        .order_by(unsent.id)
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.id >= oldest_unsent,
            OutboxMessage.channel.in_(bindparam("channels", expanding=True)),
            claimable,
            ~blocked,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=OutboxMessage)
    return statement


def next_in_line(
    session: Session,
    heads: Sequence[OutboxMessage],
    *,
    channels: Sequence[str],
    limit: int,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """The messages queued right behind ``heads`` (locked by the caller), per citizen, in order.

    For each head, its citizen's following pending messages that are due now, stopping at the
    first that is not: a sender that leases them with their head sends a whole turn's replies
    in one go instead of one claim per message. At most ``limit`` in all.
    """
    if not heads or limit <= 0:
        return []
    now = now or utcnow()
    first = {head.citizen_key: head.id for head in heads}
    statement = _queued_statement(session.get_bind().dialect.name)
    params = {
        "keys": list(first),
        "after": min(first.values()),
        "channels": list(channels),
        "rows": limit + len(first),
    }
    found: list[OutboxMessage] = []
    stopped: set[str] = set()
    for message in session.scalars(statement, params):
        key = message.citizen_key
        if key in stopped or message.id <= first[key]:
            continue
        if message.not_before > now or len(found) >= limit:
            stopped.add(key)
            continue
        found.append(message)
    return found


@functools.cache
def _queued_statement(dialect: str) -> Select[OutboxMessage]:
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.citizen_key.in_(bindparam("keys", expanding=True)),
            OutboxMessage.state == fixed(OutboxState.PENDING),
            OutboxMessage.id > bindparam("after"),
            OutboxMessage.channel.in_(bindparam("channels", expanding=True)),
        )
        .order_by(OutboxMessage.citizen_key, OutboxMessage.id)
        .limit(bindparam("rows"))
    )
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=OutboxMessage)
    return statement


def lease(messages: Sequence[OutboxMessage], *, now: datetime | None = None) -> None:
    """Mark claimed messages as being sent (``sending``) until the lease runs out."""
    now = now or utcnow()
    for message in messages:
        message.state = OutboxState.SENDING
        message.lease_until = now + LEASE
        message.attempts += 1


def release(session: Session, message_ids: Sequence[int]) -> None:
    """Give back leased messages that were not sent (their attempt does not count)."""
    if not message_ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.state == OutboxState.SENDING)
        .values(
            state=OutboxState.PENDING,
            lease_until=None,
            attempts=case((OutboxMessage.attempts > 0, OutboxMessage.attempts - 1), else_=0),
        )
    )


def mark_sent(
    session: Session,
    message_id: int,
    provider_message_id: str,
    *,
    now: datetime | None = None,
    counted: bool = True,
) -> None:
    """Meta accepted the message. With ``counted=False`` the dashboard is told separately
    (the sender counts a whole batch at once: :func:`count_sent`)."""
    now = now or utcnow()
    set_sent(session.connection(), message_id, provider_message_id, now=now)
    if counted:
        record(session, Kind.MESSAGE_SENT, at=now)


def set_sent(
    connection: Connection, message_id: int, provider_message_id: str, *, now: datetime
) -> None:
    """The "sent" mark alone, one statement: the sender runs it as a transaction of its own
    (``storage.db.one_statement``) right after Meta accepts the message."""
    connection.execute(
        _MARK_SENT, {"p_id": message_id, "p_provider_id": provider_message_id or None, "p_now": now}
    )


def count_sent(session: Session, sent: int, *, now: datetime | None = None) -> None:
    """Count ``sent`` messages on the dashboard in one statement pair, not two per message."""
    if sent:
        record(session, Kind.MESSAGE_SENT, at=now or utcnow(), count=sent)


_OUTBOX_TABLE = cast(Table, OutboxMessage.__table__)
_OUTBOX = _OUTBOX_TABLE.c
_MARK_SENT = (  # a Core statement, built once: the ORM's bulk-update path costs more than the SQL
    update(_OUTBOX_TABLE)
    .where(_OUTBOX.id == bindparam("p_id"))
    .values(
        state=OutboxState.SENT,
        provider_message_id=bindparam("p_provider_id"),
        sent_at=bindparam("p_now", type_=UTCDateTime()),
        lease_until=None,
        error_code=None,
        error_detail=None,
        delivery_status=func.coalesce(_OUTBOX.delivery_status, DeliveryStatus.SENT.value),
    )
)


def backoff_delay(attempts: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential back-off with full jitter, in seconds."""
    return random.uniform(0, min(cap, base * 2 ** max(attempts - 1, 0)))  # noqa: S311


def mark_retry(
    session: Session,
    message_id: int,
    *,
    delay: float,
    error_code: int | None,
    detail: str,
    now: datetime | None = None,
) -> str:
    """Put a message back for a later try, or give up after MAX_ATTEMPTS. Returns the new state."""
    now = now or utcnow()
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return "missing"
    message.error_code = error_code
    message.error_detail = detail[:2000]
    message.lease_until = None
    if message.attempts >= MAX_ATTEMPTS:
        message.state = OutboxState.DEAD
    else:
        message.state = OutboxState.PENDING
        message.not_before = now + timedelta(seconds=delay)
    record(
        session,
        Kind.MESSAGE_RETRY,
        error_code=error_code,
        dead=message.state == OutboxState.DEAD,
        at=now,
    )
    return message.state


def mark_failed(session: Session, message_id: int, *, error_code: int | None, detail: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            state=OutboxState.FAILED,
            error_code=error_code,
            error_detail=detail[:2000],
            lease_until=None,
        )
    )
    record(session, Kind.MESSAGE_FAILED, error_code=error_code)


def replace_payload(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Swap the content (e.g. for the approved template outside the 24-hour window) and retry now."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(payload=payload, state=OutboxState.PENDING, lease_until=None, not_before=utcnow())
    )


_RANK = case(
    {s.value: s.rank for s in DeliveryStatus},
    value=OutboxMessage.delivery_status,
    else_=0,
)


def merge_delivery_status(
    session: Session,
    provider_message_id: str,
    status: DeliveryStatus,
    *,
    errors: list[dict[str, Any]] | None,
    at: datetime,
) -> bool:
    """Apply a delivery receipt monotonically: a late "sent" never overwrites "read".

    Returns False when nothing changed (unknown message, or the status is not newer).
    """
    values: dict[str, Any] = {"delivery_status": status.value, "delivery_updated_at": at}
    if status is DeliveryStatus.FAILED:
        values["delivery_errors"] = errors or []
        if errors:
            values["error_code"] = errors[0].get("code")
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.provider_message_id == provider_message_id, status.rank > _RANK)
        .values(**values)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        record(
            session,
            Kind.MESSAGE_STATUS,
            status=status.value,
            error_code=values.get("error_code"),
            at=at,
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def messages_for(
    session: Session, citizen_key: str, *, after_id: int = 0, limit: int = 50
) -> list[OutboxMessage]:
    """A citizen's replies after ``after_id``, oldest first (the simulator reads these)."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.citizen_key == citizen_key, OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def outbox_depth(session: Session, now: datetime | None = None) -> tuple[int, float]:
    """Unsent messages and the age in seconds of the oldest one."""
    now = now or utcnow()
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            fixed_in(OutboxMessage.state, _UNSENT)
        )
    ).one()
    if oldest is None:
        return int(count), 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max((now - oldest).total_seconds(), 0.0)
