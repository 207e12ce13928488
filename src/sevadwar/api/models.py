"""Outbound webhook deliveries to departments' systems: one row per event and endpoint.

A row is written in the transaction of the change it reports (a transactional outbox), so an
event exists exactly when its change was committed. The endpoint is an API key that has a
webhook URL (``officers.models.ApiKey``): revoking the key stops its deliveries.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, JSONType, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class WebhookState(StrEnum):
    PENDING = "pending"  # waiting for its turn or its next try (``not_before``)
    SENDING = "sending"  # leased by a deliverer until ``lease_until``
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"  # gave up; holds back later events of its application until replayed
    DISCARDED = "discarded"  # an operator let a dead event go, so later ones may flow


# A row in one of these states holds back the later events of its endpoint and application.
BLOCKING_STATES = (WebhookState.PENDING, WebhookState.SENDING, WebhookState.DEAD)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40))  # the receiver's idempotency key
    event_type: Mapped[str] = mapped_column(String(48))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    reference: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)  # facts at the event: status, stage
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=WebhookState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's last HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("api_key_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        Index(
            "ix_webhook_deliveries_open",
            "api_key_id",
            "application_id",
            "id",
            postgresql_where=text("state IN ('pending', 'sending', 'dead')"),
            sqlite_where=text("state IN ('pending', 'sending', 'dead')"),
        ),
        Index("ix_webhook_deliveries_state", "state", "not_before"),
    )
