"""Dashboard roll-ups: closed days summed into aligned blocks of 2 … 256 days.

``dashboard_rollups`` holds the summed counters of each block; ``dashboard_rollup_blocks``
marks the blocks built (written in the same transaction, so a reader sees a block whole or
falls back to its days). The tables start empty: the scheduler's retention job builds every
missing block of closed days on its next run (``dashboard.rollups.build_rollups``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_rollups",
        sa.Column("span", sa.SmallInteger(), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("metric", sa.String(24), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("service", sa.String(48), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span",
            "first_day",
            "metric",
            "department",
            "service",
            "key",
            "language",
            name="pk_dashboard_rollups",
        ),
    )
    op.create_table(
        "dashboard_rollup_blocks",
        sa.Column("span", sa.SmallInteger(), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("span", "first_day", name="pk_dashboard_rollup_blocks"),
    )


def downgrade() -> None:
    op.drop_table("dashboard_rollup_blocks")
    op.drop_table("dashboard_rollups")
