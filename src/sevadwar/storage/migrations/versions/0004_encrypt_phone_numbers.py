"""Encrypt phone numbers at rest: conversations.wa_id and outbox_messages.recipient become text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing plain values stay readable (no "v1:" prefix) and are encrypted when next written.
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column(
            "wa_id", type_=sa.Text(), existing_type=sa.String(32), existing_nullable=True
        )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column(
            "recipient",
            type_=sa.Text(),
            existing_nullable=False,
            postgresql_using="recipient::text",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column(
            "recipient",
            type_=sa.JSON(),
            existing_nullable=False,
            postgresql_using="recipient::json",
        )
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column(
            "wa_id", type_=sa.String(32), existing_type=sa.Text(), existing_nullable=True
        )
