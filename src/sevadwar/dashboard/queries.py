"""Reads for the dashboard: grouped counters, the event feed after a cursor, drill-down lists.

Every summary query reads ``dashboard_counters`` for the stocks, today and the days no roll-up
block covers yet, and ``dashboard_rollups`` for the rest of the period (``rollups.py``): a few
thousand rows a block, whatever the number of applications; only the drill-down lists touch ``applications``, through indexes and
a page limit.

The event feed is ordered without loss. On SQLite there is one writer at a time, so ids commit
in order. On PostgreSQL ids are taken before commit, so a smaller id can appear after a larger
one was read; each event therefore records its transaction id, and the feed returns only rows
whose transaction is older than every transaction still running (``pg_snapshot_xmin``), in
``(xid, id)`` order: nothing can later appear before the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select, text, tuple_, union_all
from sqlalchemy.orm import Session

from sevadwar.applications.access import visibility
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.conversation.context import IST
from sevadwar.dashboard.metrics import DISPOSED_STATUSES, STOCK, Delta
from sevadwar.dashboard.models import (
    OPEN_STATUS_ORDER,
    DashboardCounter,
    DashboardEvent,
    DashboardRollup,
)
from sevadwar.dashboard.rollups import built_blocks, plan
from sevadwar.dashboard.snapshot import (
    NOW,
    PERIOD,
    TODAY,
    CounterKey,
    FeedEvent,
    Period,
    Scope,
    Snapshot,
)
from sevadwar.storage.base import fixed_in

C = DashboardCounter
E = DashboardEvent
R = DashboardRollup
_XMIN = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a reader of the feed stands. ``skip``: events already counted in its snapshot."""

    id: int = 0
    xid: int = 0
    skip: frozenset[int] = frozenset()


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _days_and_blocks(
    session: Session,
    scope: Scope,
    first: date,
    last: date,
    *,
    label: Any,
    extra: Sequence[str] = (),
) -> Any:
    """``(bucket, metric, department, service, key, language, value)`` rows covering the days
    ``first``..``last`` once each: built roll-up blocks (``rollups.py``) and the days they leave,
    plus the days in ``extra``. ``label`` names each day row's bucket."""
    blocks, days = plan(first, last, built_blocks(session, first, last))
    from_days = select(label, C.metric, C.department, C.service, C.key, C.language, C.value)
    from_days = from_days.where(C.day.in_([*days, *extra]))
    parts = [from_days]
    if blocks:
        blocked = or_(*(and_(R.span == span, R.first_day == day) for span, day in blocks))
        parts.append(
            select(
                literal(PERIOD), R.metric, R.department, R.service, R.key, R.language, R.value
            ).where(blocked)
        )
    if scope.department is not None:
        wanted = (scope.department, "")
        parts = [
            part.where((C.department if part is from_days else R.department).in_(wanted))
            for part in parts
        ]
    return union_all(*parts).subquery()


def _summed(rows: Any) -> Select[Any]:
    columns = (rows.c.metric, rows.c.department, rows.c.service, rows.c.key, rows.c.language)
    return select(*columns, func.sum(rows.c.value)).group_by(*columns)


def grouped_counters(session: Session, scope: Scope, first: str, last: str) -> list[Delta]:
    """Counters summed over days ``first``..``last`` (``""``..``""``: the stocks)."""
    if first == last == STOCK:
        rows = select(literal(NOW), C.metric, C.department, C.service, C.key, C.language, C.value)
        rows = rows.where(C.day == STOCK)
        if scope.department is not None:
            rows = rows.where(C.department.in_((scope.department, "")))
        grouped = rows.subquery()
    else:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        grouped = _days_and_blocks(session, scope, start, end, label=literal(PERIOD))
    return [
        Delta(metric, "", department, service, key, language, int(total or 0))
        for metric, department, service, key, language, total in session.execute(_summed(grouped))
    ]


def counter_rows(session: Session, scope: Scope, period: Period) -> dict[CounterKey, int]:
    """Stocks, today and the period summed in one grouped read (the period's closed days mostly
    from roll-up blocks). Today's rows count for ``today`` and, when it lies in the period, for
    it too. Read through the Core connection: the ORM's row machinery would cost more than the
    tens of thousands of rows themselves."""
    today = period.today.isoformat()
    label = case(
        (C.day == STOCK, literal(NOW)), (C.day == today, literal(TODAY)), else_=literal(PERIOD)
    )
    rows = _days_and_blocks(
        session, scope, period.start, period.end, label=label, extra=(STOCK, today)
    )
    columns = (rows.c.metric, rows.c.department, rows.c.service, rows.c.key, rows.c.language)
    bucket = rows.c[0]
    statement = select(bucket, *columns, func.sum(rows.c.value)).group_by(bucket, *columns)
    today_in_period = period.start <= period.today <= period.end
    counters: dict[CounterKey, int] = {}
    for name, metric, department, service, key, language, total in session.connection().execute(
        statement
    ):
        if not total:
            continue
        value = int(total)
        if name == TODAY and today_in_period:
            in_period = (PERIOD, metric, department, service, key, language)
            counters[in_period] = counters.get(in_period, 0) + value
        at = (name, metric, department, service, key, language)
        counters[at] = counters.get(at, 0) + value
    return {k: v for k, v in counters.items() if v}


def read_snapshot(session: Session, scope: Scope, period: Period) -> tuple[Snapshot, Cursor]:
    """A snapshot and the feed cursor that matches it exactly. On PostgreSQL call it in a
    REPEATABLE READ transaction (``storage.db`` sessions: see ``routes.read_consistent``)."""
    if _postgres(session):
        xmin = int(session.scalar(select(_XMIN)) or 0)
        last = session.execute(
            select(E.xid, E.id).where(E.xid < xmin).order_by(E.xid.desc(), E.id.desc()).limit(1)
        ).first()
        skip = frozenset(session.scalars(select(E.id).where(E.xid >= xmin)))
        cursor = Cursor(id=last[1] if last else 0, xid=(last[0] or 0) if last else 0, skip=skip)
    else:
        cursor = Cursor(id=int(session.scalar(select(func.max(E.id))) or 0))
    counters = MappingProxyType(counter_rows(session, scope, period))
    return Snapshot(scope, period, counters), cursor


def events_after(
    session: Session, cursor: Cursor, *, limit: int = 500
) -> tuple[list[FeedEvent], Cursor]:
    """Committed events after ``cursor`` that no in-flight transaction can precede, in order."""
    statement = select(E.id, E.kind, E.at, E.payload, E.xid)
    if _postgres(session):
        statement = statement.where(
            tuple_(E.xid, E.id) > tuple_(literal(cursor.xid), literal(cursor.id)), E.xid < _XMIN
        ).order_by(E.xid, E.id)
    else:
        statement = statement.where(E.id > cursor.id).order_by(E.id)
    rows = session.execute(statement.limit(limit)).all()
    events = [
        FeedEvent.from_row(r.id, r.kind, r.at, r.payload) for r in rows if r.id not in cursor.skip
    ]
    if not rows:
        return events, cursor
    tail = rows[-1]
    skip = frozenset(i for i in cursor.skip if i not in {r.id for r in rows})
    return events, Cursor(id=tail.id, xid=tail.xid or 0, skip=skip)


def held_back(session: Session, cursor: Cursor) -> bool:
    """PostgreSQL: committed events wait behind a long transaction elsewhere on the server."""
    if not _postgres(session):
        return False
    statement = select(E.id).where(
        tuple_(E.xid, E.id) > tuple_(literal(cursor.xid), literal(cursor.id))
    )
    if cursor.skip:
        statement = statement.where(E.id.not_in(sorted(cursor.skip)))
    return session.scalars(statement.limit(1)).first() is not None


def cursor_at(session: Session, event_id: int) -> Cursor | None:
    """The cursor just after event ``event_id`` (a reconnecting reader's Last-Event-ID)."""
    row = session.execute(select(E.xid, E.id).where(E.id == event_id)).first()
    if row is None:
        return None
    return Cursor(id=row.id, xid=row.xid or 0)


def events_between(
    session: Session, after: Cursor, upto: Cursor, *, limit: int = 1000
) -> list[FeedEvent]:
    """Events a reconnecting reader missed: after ``after`` and covered by ``upto``."""
    statement = select(E.id, E.kind, E.at, E.payload)
    if _postgres(session):
        ahead = tuple_(E.xid, E.id) > tuple_(literal(after.xid), literal(after.id))
        covered = tuple_(E.xid, E.id) <= tuple_(literal(upto.xid), literal(upto.id))
        if upto.skip:
            covered = or_(covered, E.id.in_(sorted(upto.skip)))
        statement = statement.where(ahead, covered).order_by(E.xid, E.id)
    else:
        statement = statement.where(E.id > after.id, E.id <= upto.id).order_by(E.id)
    return [
        FeedEvent.from_row(r.id, r.kind, r.at, r.payload)
        for r in session.execute(statement.limit(limit))
    ]


# ------------------------------------------------------------------------------ drill-down


@dataclass(frozen=True, slots=True)
class Drill:
    """Which applications stand behind a tile."""

    tile: str  # received | open | disposed | breached | rejected
    start: datetime  # UTC bounds of the days in range (for flows)
    end: datetime
    department: str = ""
    service: str = ""
    stage: str = ""
    status: str = ""


# The open statuses in the order of the partial indexes' predicate (models.py).
OPEN_LIST = OPEN_STATUS_ORDER
TILES = ("received", "open", "disposed", "breached", "rejected")


def day_bounds(first: Any, last: Any) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``first`` and the end of ``last`` (IST dates)."""
    return (
        datetime.combine(first, time(0), tzinfo=IST),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=IST),
    )


def drill_statement(
    actor: Actor, drill: Drill, *, office_id: int | None = None
) -> Select[Application]:
    statement = select(Application).where(visibility(actor, office_id=office_id))
    if drill.department:
        statement = statement.where(Application.department == drill.department)
    if drill.service:
        statement = statement.where(Application.service_id == drill.service)
    if drill.stage:
        statement = statement.where(Application.stage == drill.stage)
    open_ = fixed_in(Application.status, OPEN_LIST)  # the partial indexes' predicate
    if drill.tile == "received":
        statement = statement.where(
            Application.submitted_at >= drill.start, Application.submitted_at < drill.end
        )
        return statement.order_by(Application.submitted_at.desc(), Application.id.desc())
    if drill.tile == "open":
        statement = statement.where(open_)
        if drill.status:
            statement = statement.where(Application.status == drill.status)
        return statement.order_by(Application.due_at, Application.id)
    if drill.tile == "breached":
        return statement.where(open_, Application.escalated_at.is_not(None)).order_by(
            Application.due_at, Application.id
        )
    statuses: Sequence[str] = ("rejected",) if drill.tile == "rejected" else DISPOSED_STATUSES
    if drill.status and drill.status in statuses:
        statuses = (drill.status,)
    return statement.where(
        Application.status.in_(statuses),
        Application.decided_at >= drill.start,
        Application.decided_at < drill.end,
    ).order_by(Application.decided_at.desc(), Application.id.desc())


def drill_page(
    session: Session,
    actor: Actor,
    drill: Drill,
    *,
    limit: int,
    offset: int = 0,
    office_id: int | None = None,
) -> list[Application]:
    return list(
        session.scalars(
            drill_statement(actor, drill, office_id=office_id).limit(limit).offset(offset)
        )
    )
