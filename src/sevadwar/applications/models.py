"""Applications: what a citizen submitted, where it stands, and when it is due."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, JSONType, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    FEE_PENDING = "fee_pending"
    IN_PROGRESS = "in_progress"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    ISSUED = "issued"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.FEE_PENDING,
        ApplicationStatus.IN_PROGRESS,
        ApplicationStatus.INFO_REQUESTED,
    }
)


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    service_id: Mapped[str] = mapped_column(String(48))
    department: Mapped[str] = mapped_column(String(32))
    citizen_key: Mapped[str] = mapped_column(String(160))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    stage: Mapped[str | None] = mapped_column(String(48))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)  # sensitive values encrypted
    fee_paise: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    stage_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id")
    )  # maker of maker-checker
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))  # field verification
    assigned_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    info_request: Mapped[str | None] = mapped_column(Text)  # what the officer asked the citizen for

    __table_args__ = (
        Index("ix_applications_citizen", "citizen_key", "submitted_at"),
        Index("ix_applications_department_status", "department", "status", "due_at"),
    )
