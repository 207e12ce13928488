"""``record(session, kind, …)``: the one-line hook every action calls to keep the dashboard current.

It runs in the caller's transaction and costs one multi-row upsert into ``dashboard_counters``
plus one insert into ``dashboard_events``; it never reads other rows. The live page picks the
event up after the commit (``queries.events_after``).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, insert, literal_column, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sevadwar.applications.models import Application
from sevadwar.catalogue.schema import Service
from sevadwar.dashboard import metrics
from sevadwar.dashboard.metrics import AppState, Delta, Kind, Metric
from sevadwar.dashboard.models import DashboardCounter, DashboardEvent
from sevadwar.storage.base import utcnow

PG_SHARDS = 8  # hot counter rows are spread over this many rows on PostgreSQL
# Counters keyed finely enough that two transactions rarely meet on one row: never sharded
# (a decision-time bucket of one service on one day takes a handful of increments).
UNSHARDED = frozenset(
    {Metric.DECISION_TIME.value, Metric.REJECTION.value, Metric.COMPENSATION.value}
)
_KEY = ["day", "metric", "department", "service", "key", "language", "shard"]


def state_of(application: Application) -> AppState:
    """The application as the dashboard counts it (take it before a change: ``before``)."""
    return AppState(
        department=application.department,
        service=application.service_id,
        language=application.language,
        status=str(application.status),
        stage=application.stage or "",
        escalated=application.escalated_at is not None,
        due_day=metrics.ist_day(application.due_at),
        fee_paise=application.fee_paise or 0,
        submitted_at=_aware(application.submitted_at),
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_TICKET_KINDS = (Kind.TICKET_OPENED, Kind.TICKET_CLOSED, Kind.TICKET_WITHDRAWN)


def deltas_for(kind: Kind, *, at: datetime, **dims: Any) -> list[Delta]:
    """The counter changes for one event (pure: no database)."""
    application: Application | None = dims.get("application")
    before: AppState | None = dims.get("before")
    if kind is Kind.RECEIVED and application is not None:
        return metrics.received(state_of(application), at)
    if kind is Kind.MOVED and application is not None and before is not None:
        return metrics.moved(before, state_of(application))
    if kind is Kind.DECIDED and application is not None and before is not None:
        return metrics.decided(
            before,
            state_of(application),
            at,
            reason=str(dims.get("reason") or ""),
            due_at=_aware(application.due_at),
        )
    if kind is Kind.CANCELLED and before is not None:
        return metrics.cancelled(before)
    if kind is Kind.ESCALATED and application is not None:
        return metrics.escalated(state_of(application), at)
    if kind is Kind.FEE_PAID and application is not None and before is not None:
        return metrics.fee_paid(
            before, state_of(application), int(dims.get("amount_paise") or 0), at
        )
    if kind is Kind.FUNNEL:
        service: Service | None = dims.get("service")
        return metrics.funnel(
            str(dims["step"]),
            service.department if service else "",
            service.id if service else "",
            str(dims.get("language") or ""),
            at,
        )
    if kind is Kind.MESSAGE_SENT:
        return metrics.message("sent", at)
    if kind is Kind.MESSAGE_STATUS:
        status = str(dims["status"])
        return metrics.message(status, at, dims.get("error_code") if status == "failed" else None)
    if kind is Kind.MESSAGE_FAILED:
        return metrics.message("send_failed", at, dims.get("error_code"))
    if kind is Kind.MESSAGE_RETRY:
        code = dims.get("error_code")
        if dims.get("dead"):
            return metrics.message("send_failed", at, code)
        return metrics.message("throttled" if code in metrics.THROTTLE_CODES else "retried", at)
    ticket, due = dims.get("ticket"), dims.get("due")
    if kind in _TICKET_KINDS and ticket is not None and due:
        due = _aware(due)
        department, due_day = ticket.department or "", metrics.ist_day(due)
        if kind is Kind.TICKET_OPENED:
            return metrics.ticket_opened(department, ticket.kind, due_day, at)
        if kind is Kind.TICKET_WITHDRAWN:
            return metrics.ticket_withdrawn(department, ticket.kind, due_day, at)
        return metrics.ticket_closed(department, ticket.kind, due_day, at, late=at > due)
    raise ValueError(f"dashboard event {kind} is missing its dimensions")


@cache
def _upsert(dialect: str) -> Any:
    """The counter upsert, built once per dialect and executed with bound rows (compiled once)."""
    table = DashboardCounter.__table__
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table)
    return statement.on_conflict_do_update(
        index_elements=_KEY, set_={"value": table.c.value + statement.excluded.value}
    )


@cache
def _event_insert(postgres: bool) -> Any:
    """The event insert, built once; on PostgreSQL it stamps the transaction id, which the live
    page uses to read events in commit order."""
    statement = insert(cast(Table, DashboardEvent.__table__))
    if postgres:
        statement = statement.values(xid=literal_column("pg_current_xact_id()::text::bigint"))
    return statement


def record(session: Session, kind: Kind, *, at: datetime | None = None, **dims: Any) -> None:
    """Count ``kind`` in the caller's transaction: one upsert, one event row."""
    at = _aware(at) if at else utcnow()
    deltas = metrics.merge(deltas_for(kind, at=at, **dims))
    if not deltas:
        return
    count = int(dims.get("count", 1))  # several of the same event at once (a send batch)
    if count != 1:
        deltas = [replace(d, value=d.value * count) for d in deltas]
    postgres = session.get_bind().dialect.name == "postgresql"
    shard = random.randrange(PG_SHARDS) if postgres else 0  # noqa: S311 - spreading, not secrecy
    rows = [
        {
            "day": d.day,
            "metric": d.metric,
            "department": d.department,
            "service": d.service,
            "key": d.key,
            "language": d.language,
            "shard": 0 if d.metric in UNSHARDED else shard,
            "value": d.value,
        }
        for d in deltas
    ]
    session.connection().execute(_upsert("postgresql" if postgres else "sqlite"), rows)
    application: Application | None = dims.get("application")
    service: Service | None = dims.get("service")
    payload = {
        "deltas": [d.as_list() for d in deltas],
        "department": application.department
        if application
        else (service.department if service else ""),
        "service": application.service_id if application else (service.id if service else ""),
        "reference": application.reference if application else "",
    }
    connection = session.connection()  # Core statements: the ORM's bulk machinery costs more
    connection.execute(_event_insert(postgres), {"kind": kind.value, "payload": payload, "at": at})


# Shards only spread concurrent writers; once a day is over nobody writes to it, so its shards
# are folded into shard 0 (the sums do not change, so neither does any snapshot). Stocks are
# folded too, and counters that came back to zero are dropped. PostgreSQL only: SQLite writes
# shard 0 alone.
_COMPACT = text(
    """
    WITH moved AS (
        DELETE FROM dashboard_counters
        WHERE (shard > 0 OR value = 0) AND (day = '' OR (day >= :since AND day < :today))
        RETURNING day, metric, department, service, key, language, value
    )
    INSERT INTO dashboard_counters (day, metric, department, service, key, language, shard, value)
    SELECT day, metric, department, service, key, language, 0, sum(value)
    FROM moved GROUP BY day, metric, department, service, key, language HAVING sum(value) <> 0
    ON CONFLICT (day, metric, department, service, key, language, shard)
    DO UPDATE SET value = dashboard_counters.value + excluded.value
    """
)
COMPACT_DAYS = 3  # past days looked at on each run (a few, in case runs were missed)


def do_compact_counters(session: Session, *, now: datetime) -> int:
    """Fold the shards of the stocks and of the last few finished days into shard 0; returns
    the rows removed. Called by the scheduler's retention job."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    today = metrics.ist_day(now)
    since = metrics.ist_day(now - timedelta(days=COMPACT_DAYS))
    result = session.execute(_COMPACT, {"today": today, "since": since})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
