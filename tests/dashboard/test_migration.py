"""0011 carries the old hour-range histogram of decision times into the log-scale buckets."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from sevadwar.dashboard.metrics import bucket_bounds
from sevadwar.runtime import Runtime
from sevadwar.storage.migrate import alembic_config, upgrade

OLD = {"1": 3, "24": 5, "48": 7, "720": 2, "inf": 1}  # old key (upper edge, hours) -> count
EDGES = (0, 1, 4, 8, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440)


def _rows(url: str, metric: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT key, value FROM dashboard_counters WHERE metric = :m"), {"m": metric}
        ).all()
    engine.dispose()
    return {str(k): int(v) for k, v in rows}


def test_old_decision_counters_move_to_log_buckets_and_back(runtime: Runtime) -> None:
    url = runtime.settings.database_url
    config = alembic_config(url)
    command.downgrade(config, "0010")
    try:
        engine = create_engine(url)
        with engine.begin() as connection:
            for key, value in OLD.items():
                connection.execute(
                    text(
                        "INSERT INTO dashboard_counters (day, metric, department, service, key,"
                        " language, shard, value) VALUES ('2026-11-01', 'decision_time',"
                        " 'revenue', 'income', :k, '', 0, :v)"
                    ),
                    {"k": key, "v": value},
                )
        engine.dispose()
        upgrade(url)
        assert _rows(url, "decision_time") == {}
        moved = _rows(url, "decision_log")
        assert sorted(moved.values()) == sorted(OLD.values())
        for old, count in OLD.items():
            # the new bucket lies inside the old hour range
            new = next(int(k) for k, v in moved.items() if v == count)
            low, high = bucket_bounds(new)
            if old == "inf":
                assert low >= 1440 * 3600
            else:
                upper = int(old) * 3600
                lower = EDGES[EDGES.index(int(old)) - 1] * 3600
                assert lower <= low and high <= upper, (old, low, high)
        command.downgrade(config, "0010")
        assert _rows(url, "decision_time") == OLD
        assert _rows(url, "decision_log") == {}
    finally:
        upgrade(url)
