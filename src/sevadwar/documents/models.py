"""Documents a citizen uploaded: stored encrypted under a random key, described here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class DocumentStatus(StrEnum):
    ACTIVE = "active"
    REPLACED = "replaced"  # the citizen sent another one before submitting
    ERASED = "erased"  # the bytes are gone (erasure or retention)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    citizen_key: Mapped[str] = mapped_column(String(160))
    service_id: Mapped[str] = mapped_column(String(48))
    spec_id: Mapped[str] = mapped_column(String(48))  # which document of the service it is
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    blob_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_type: Mapped[str] = mapped_column(String(8))
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    source_format: Mapped[str] = mapped_column(String(16))
    provider_media_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.ACTIVE)
    verified: Mapped[str | None] = mapped_column(String(16))  # accepted / rejected by an officer
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_documents_citizen", "citizen_key", "status"),)
