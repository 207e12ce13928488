"""Fee payments and the gateway events behind them (unique per provider event id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, JSONType, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # our order reference
    provider: Mapped[str] = mapped_column(String(16))
    link_id: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))
    amount_paise: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    state: Mapped[str] = mapped_column(String(16))  # awaiting, paid, failed, expired, cancelled
    gateway_payment_id: Mapped[str | None] = mapped_column(String(120))
    refund_due: Mapped[bool] = mapped_column(default=False)
    flag: Mapped[str | None] = mapped_column(String(200))  # why a person should look at it
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    receipt_blob: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("provider", "link_id", name="uq_payments_provider_link"),
        Index("ix_payments_state_created", "state", "created_at"),
    )


class PaymentEventRecord(Base):
    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(160))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    kind: Mapped[str] = mapped_column(String(16))
    link_id: Mapped[str | None] = mapped_column(String(120))
    amount_paise: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    decision: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_payment_events_provider_event"),
    )
