"""Dashboard aggregates: counters kept current by the actions, the ordered event feed, and the
indexes behind the drill-down lists.

Revision ID: 0009
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dashboard_counters",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("metric", sa.String(24), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("service", sa.String(48), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "metric",
            "department",
            "service",
            "key",
            "language",
            "shard",
            name="pk_dashboard_counters",
        ),
    )
    op.create_table(
        "dashboard_events",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dashboard_events"),
    )
    op.create_index("ix_dashboard_events_xid", "dashboard_events", ["xid", "id"])
    op.create_index("ix_dashboard_events_at", "dashboard_events", ["at"])
    op.create_index("ix_applications_submitted_at", "applications", ["submitted_at"])
    op.create_index("ix_applications_decided_at", "applications", ["decided_at"])
    op.create_index(
        "ix_applications_department_submitted", "applications", ["department", "submitted_at"]
    )
    op.create_index(
        "ix_applications_department_decided", "applications", ["department", "decided_at"]
    )
    open_ = sa.text("status IN ('submitted', 'fee_pending', 'in_progress', 'info_requested')")
    op.create_index(
        "ix_applications_open_due",
        "applications",
        ["due_at"],
        postgresql_where=open_,
        sqlite_where=open_,
    )
    op.create_index(
        "ix_applications_open_department_due",
        "applications",
        ["department", "due_at"],
        postgresql_where=open_,
        sqlite_where=open_,
    )


def downgrade() -> None:
    for name in (
        "ix_applications_open_department_due",
        "ix_applications_open_due",
        "ix_applications_department_decided",
        "ix_applications_department_submitted",
        "ix_applications_decided_at",
        "ix_applications_submitted_at",
    ):
        op.drop_index(name, table_name="applications")
    op.drop_table("dashboard_events")
    op.drop_table("dashboard_counters")
