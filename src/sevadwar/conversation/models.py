"""Persisted conversation state, one row per citizen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, JSONType, UTCDateTime, utcnow
from sevadwar.storage.encrypted import EncryptedText


class Conversation(Base):
    __tablename__ = "conversations"

    citizen_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    wa_id: Mapped[str | None] = mapped_column(EncryptedText)  # the phone number, encrypted at rest
    user_id: Mapped[str | None] = mapped_column(String(160))
    language: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state_version: Mapped[int] = mapped_column(Integer, default=1)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
