"""Dashboard aggregates, written by the actions in their own transactions (never by scanning).

``dashboard_counters`` holds one integer per dimension key; hot keys are spread over a few
``shard`` rows so concurrent transactions rarely wait on the same row (reads sum the shards).
``dashboard_events`` is the ordered feed of those changes for the live page: on PostgreSQL each
row also records its transaction id, so a reader can tell which rows can no longer be preceded
by a commit still in flight (see ``queries.py``). ``dashboard_rollups`` sums closed days into
aligned blocks so that a period is read as a few blocks rather than day by day (``rollups.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.applications.models import Application
from sevadwar.storage.base import Base, JSONType, UTCDateTime, utcnow
from sevadwar.storage.types import BigIntPK


class DashboardCounter(Base):
    __tablename__ = "dashboard_counters"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # IST date, "" for stocks
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(48), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class DashboardRollup(Base):
    """The counters of ``span`` closed days from ``first_day``, summed over days and shards."""

    __tablename__ = "dashboard_rollups"

    span: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(48), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class DashboardRollupBlock(Base):
    """A block built (in the same transaction as its rows): readers use only these."""

    __tablename__ = "dashboard_rollup_blocks"

    span: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardEvent(Base):
    __tablename__ = "dashboard_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    xid: Mapped[int | None] = mapped_column(BigInteger)  # PostgreSQL transaction id

    __table_args__ = (
        Index("ix_dashboard_events_xid", "xid", "id"),
        Index("ix_dashboard_events_at", "at"),
    )


# Drill-down lists read applications by these (department-scoped queries use the existing
# department/status index).
Index("ix_applications_submitted_at", Application.submitted_at)
Index("ix_applications_decided_at", Application.decided_at)
Index("ix_applications_department_submitted", Application.department, Application.submitted_at)
Index("ix_applications_department_decided", Application.department, Application.decided_at)

# Open applications, most overdue first (pendency and breach lists): partial, so small.
OPEN_STATUS_ORDER = ("submitted", "fee_pending", "in_progress", "info_requested")
_OPEN = text("status IN ('submitted', 'fee_pending', 'in_progress', 'info_requested')")
Index("ix_applications_open_due", Application.due_at, postgresql_where=_OPEN, sqlite_where=_OPEN)
Index(
    "ix_applications_open_department_due",
    Application.department,
    Application.due_at,
    postgresql_where=_OPEN,
    sqlite_where=_OPEN,
)
