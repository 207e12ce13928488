"""Partial indexes on ``id`` of pending inbox events and unsent outbox messages.

The claim queries start their scan at the oldest pending/unsent row. Found through the
``(citizen_key, id)`` partial indexes, that lookup read every pending row (O(backlog) on every
claim); with these it is one index step.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PENDING = "state = 'pending'"
_UNSENT = "state IN ('pending', 'sending')"


def upgrade() -> None:
    op.create_index(
        "ix_inbox_pending_id",
        "inbox_events",
        ["id"],
        postgresql_where=sa.text(_PENDING),
        sqlite_where=sa.text(_PENDING),
    )
    op.create_index(
        "ix_outbox_unsent_id",
        "outbox_messages",
        ["id"],
        postgresql_where=sa.text(_UNSENT),
        sqlite_where=sa.text(_UNSENT),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent_id", table_name="outbox_messages")
    op.drop_index("ix_inbox_pending_id", table_name="inbox_events")
