"""Keep a department webhook's previous secret for a while after it is replaced.

Events are signed with both secrets until ``previous_secret_until``, so the department's system
can switch to the new secret without refusing what arrives meanwhile.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sevadwar.storage.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC_DATETIME = sevadwar.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("previous_webhook_secret", sa.Text(), nullable=True)
        )  # encrypted
        batch.add_column(sa.Column("previous_secret_until", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_webhook_secret")
