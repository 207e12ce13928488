"""Dashboard: time to decision as a log-scale histogram (5 % buckets) instead of 14 hour ranges.

The counters of metric ``decision_time`` (key: the upper edge of an hour range, or ``inf``) are
carried forward as ``decision_log`` (key: the index of a log-scale bucket of seconds, see
``dashboard.metrics.bucket_of``): each old range goes to the new bucket holding its geometric
middle, so decisions counted before the upgrade keep their old (coarser) resolution and sit near
the middle of their old range. On PostgreSQL the counters' write shards are then folded into
shard 0 (same sums, far fewer rows; the scheduler keeps doing it for finished days). No table
changes; works on SQLite and PostgreSQL.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen copies of what the two versions of dashboard.metrics said (migrations do not import
# application code that may change later).
OLD_EDGES_HOURS = (1, 4, 8, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440)
GROWTH = 1.05


COMPACT = """
WITH moved AS (
    DELETE FROM dashboard_counters WHERE shard > 0 OR value = 0
    RETURNING day, metric, department, service, key, language, value
)
INSERT INTO dashboard_counters (day, metric, department, service, key, language, shard, value)
SELECT day, metric, department, service, key, language, 0, sum(value)
FROM moved GROUP BY day, metric, department, service, key, language HAVING sum(value) <> 0
ON CONFLICT (day, metric, department, service, key, language, shard)
DO UPDATE SET value = dashboard_counters.value + excluded.value
"""


def _bucket(seconds: float) -> int:
    if seconds < GROWTH:
        return 0
    index = int(math.log(seconds) / math.log(GROWTH))
    while GROWTH ** (index + 1) <= seconds:
        index += 1
    while index > 1 and GROWTH**index > seconds:
        index -= 1
    return index


def _old_to_new() -> dict[str, int]:
    mapping: dict[str, int] = {}
    low = 0.0
    for edge in OLD_EDGES_HOURS:
        middle = math.sqrt(low * edge) if low else edge / 2
        mapping[str(edge)] = _bucket(middle * 3600)
        low = edge
    mapping["inf"] = _bucket(OLD_EDGES_HOURS[-1] * 1.5 * 3600)
    return mapping


def upgrade() -> None:
    mapping = _old_to_new()
    branches = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items())
    op.execute(
        sa.text(
            "UPDATE dashboard_counters SET metric = 'decision_log', "  # noqa: S608 - constants
            f"key = CASE key {branches} ELSE key END "
            "WHERE metric = 'decision_time'"
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(COMPACT))


def downgrade() -> None:
    # Each log bucket goes back to the hour range holding its lower bound (summed per range).
    conditions = []
    for edge in OLD_EDGES_HOURS:
        conditions.append(f"WHEN CAST(key AS INTEGER) < {_bucket(edge * 3600)} THEN '{edge}'")
    old_key = f"CASE {' '.join(conditions)} ELSE 'inf' END"
    op.execute(
        sa.text(
            "INSERT INTO dashboard_counters "  # noqa: S608 - constants only
            "(day, metric, department, service, key, language, shard, value) "
            f"SELECT day, 'decision_time', department, service, {old_key}, language, shard, "
            "SUM(value) FROM dashboard_counters WHERE metric = 'decision_log' "
            f"GROUP BY day, department, service, {old_key}, language, shard"
        )
    )
    op.execute(sa.text("DELETE FROM dashboard_counters WHERE metric = 'decision_log'"))
