"""Index only finished outbox messages by creation time (for retention), not every state.

The claim query reads unsent messages through the partial indexes bounded by the oldest unsent
id. With ``(state, created_at)`` on every row, PostgreSQL also AND-ed a bitmap of every
``sending`` and ``pending`` entry of that index into it — including the dead ones each send
leaves until vacuum, which bitmap scans never prune — so a claim grew with every message ever
sent (13 ms at a few thousand messages without autovacuum: ``bench/optimisations.md``).
Retention, the only reader by state and age, looks at finished messages alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_FINISHED = "state IN ('sent', 'failed', 'dead')"


def upgrade() -> None:
    op.drop_index("ix_outbox_state_created", table_name="outbox_messages")
    op.create_index(
        "ix_outbox_finished_created",
        "outbox_messages",
        ["created_at"],
        postgresql_where=sa.text(_FINISHED),
        sqlite_where=sa.text(_FINISHED),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_finished_created", table_name="outbox_messages")
    op.create_index("ix_outbox_state_created", "outbox_messages", ["state", "created_at"])
