"""The claim queries stay on their partial indexes in PostgreSQL's generic plans.

After a statement has run a few times the driver prepares it, and PostgreSQL may then plan it
once for any parameters. A state bound as a parameter cannot be matched against a partial
index's predicate in such a plan, so the claim fell back to walking the whole table: its cost
grew with every message ever sent. The states are written into the SQL text instead
(``storage.base.fixed``); these tests plan each claim generically over a table of mostly finished
rows and look at what it reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import sql
from sqlalchemy import Select, text
from sqlalchemy.dialects.postgresql import asyncpg

from sevadwar.messaging.inbox import _claim_statement
from sevadwar.messaging.outbox import _claimable_statement, _queued_statement
from sevadwar.runtime import Runtime


def _generic_plan(runtime: Runtime, statement: Select[Any], values: dict[str, Any]) -> str:
    compiled = statement.compile(dialect=asyncpg.dialect())
    expanded = compiled.construct_expanded_state(values)
    arguments = sql.SQL(", ").join(sql.Literal(v) for v in expanded.positional_parameters)
    with runtime.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.execute(f"PREPARE claim AS {expanded.statement}")
            cursor.execute(sql.SQL("EXPLAIN EXECUTE claim({})").format(arguments))
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("DEALLOCATE claim")
        raw.rollback()
    return plan


# Generic plans and partial-index matching are PostgreSQL's: no SQLite variant.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def finished_rows(runtime: Runtime) -> Runtime:
    with runtime.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox_messages (citizen_key, channel, recipient, payload, state,"
                " attempts, not_before, cause, created_at)"
                " SELECT 'sim:c' || (n % 500), 'whatsapp', '{}', '{}',"
                " CASE WHEN n > 19950 THEN 'pending' ELSE 'sent' END, 0, now(), 'test', now()"
                " FROM generate_series(1, 20000) AS n"
            )
        )
        connection.execute(
            text(
                "INSERT INTO inbox_events (event_key, channel, kind, citizen_key, payload, state,"
                " attempts, received_at)"
                " SELECT 'k' || n, 'whatsapp', 'message', 'sim:c' || (n % 500), '{}',"
                " CASE WHEN n > 19950 THEN 'pending' ELSE 'done' END, 0, now()"
                " FROM generate_series(1, 20000) AS n"
            )
        )
        connection.execute(text("ANALYZE outbox_messages"))
        connection.execute(text("ANALYZE inbox_events"))
    return runtime


def test_the_outbox_claim_reads_only_unsent_rows(finished_rows: Runtime) -> None:
    now = datetime.now(UTC)
    plan = _generic_plan(
        finished_rows,
        _claimable_statement("postgresql", 20),
        {"channels": ["whatsapp"], "now": now},
    )
    assert "Seq Scan" not in plan, plan
    assert "ix_outbox_unsent_id" in plan, plan
    assert "pk_outbox_messages" not in plan, plan  # no walk from the first message ever
    queued = _generic_plan(
        finished_rows,
        _queued_statement("postgresql"),
        {"keys": ["sim:c1"], "after": 0, "channels": ["whatsapp"], "rows": 20},
    )
    assert "Seq Scan" not in queued, queued


def test_the_inbox_claim_reads_only_pending_rows(finished_rows: Runtime) -> None:
    plan = _generic_plan(finished_rows, _claim_statement("postgresql"), {})
    assert "Seq Scan" not in plan, plan
    assert "ix_inbox_pending_id" in plan, plan
    assert "pk_inbox_events" not in plan, plan
