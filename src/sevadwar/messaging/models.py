"""The durable inbox and outbox: nothing acknowledged is lost, nothing is sent twice.

Inbound webhooks are split into events and stored (unique on the provider's id) before Meta gets
its 200; workers take each citizen's oldest pending event, and the reply is written to the outbox
in the same transaction as the state change it belongs to.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, JSONType, UTCDateTime, utcnow
from sevadwar.storage.encrypted import EncryptedJSON
from sevadwar.storage.types import BigIntPK


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    QUARANTINED = "quarantined"  # signed but unparseable: kept for a person to look at
    DEAD = "dead"  # failed too often: kept, visible, replayable


class InboxKind(StrEnum):
    MESSAGE = "message"
    STATUS = "status"
    ERROR = "error"
    PAYLOAD = "payload"  # a whole quarantined body


class InboxEvent(Base):
    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    citizen_key: Mapped[str | None] = mapped_column(String(160))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(16), default=InboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_inbox_pending",
            "citizen_key",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index(  # where the claim's scan starts: the oldest pending event, in one index step
            "ix_inbox_pending_id",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_inbox_state_received", "state", "received_at"),
    )


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed under a lease; a crash here may cause one duplicate send
    SENT = "sent"  # accepted by the provider
    FAILED = "failed"  # permanently refused by the provider
    DEAD = "dead"  # retries exhausted


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    citizen_key: Mapped[str] = mapped_column(String(160))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)  # holds the phone number
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(String(200))  # the inbox event or action behind it
    provider_message_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    delivery_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "ix_outbox_unsent",
            "citizen_key",
            "id",
            postgresql_where=text("state IN ('pending', 'sending')"),
            sqlite_where=text("state IN ('pending', 'sending')"),
        ),
        Index(  # where the claim's scan starts: the oldest unsent message, in one index step
            "ix_outbox_unsent_id",
            "id",
            postgresql_where=text("state IN ('pending', 'sending')"),
            sqlite_where=text("state IN ('pending', 'sending')"),
        ),
        Index(  # retention: finished messages by age (not every state: see migration 0014)
            "ix_outbox_finished_created",
            "created_at",
            postgresql_where=text("state IN ('sent', 'failed', 'dead')"),
            sqlite_where=text("state IN ('sent', 'failed', 'dead')"),
        ),
    )


class RateBucket(Base):
    """A token bucket shared by every process (per WhatsApp phone number)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)  # epoch seconds
