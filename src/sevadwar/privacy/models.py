"""Consent records under the DPDP Act 2023: when, in which language, to which notice version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    citizen_key: Mapped[str] = mapped_column(String(160))
    notice_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_consents_citizen", "citizen_key", "granted_at"),)
