"""Issued certificates: the register kept even after a citizen's data is erased."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    service_id: Mapped[str] = mapped_column(String(48))
    department: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[str] = mapped_column(String(200))  # shown on the public verification page
    blob_key: Mapped[str | None] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
