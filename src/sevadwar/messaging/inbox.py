"""Storing inbound events durably, and claiming them in per-citizen order.

``store_events`` runs inside the webhook request, before the 200: the provider's id is the
unique key, so a retried or re-batched delivery inserts nothing new. ``claim_next_event`` gives a
worker the oldest pending event of a citizen whose earlier events are all done, locking it
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so several processes can work at once while each
citizen's messages are still handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from prometheus_client import Counter, Histogram
from sqlalchemy import (
    Engine,
    Insert,
    Select,
    and_,
    bindparam,
    column,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session, aliased
from starlette.concurrency import run_in_threadpool

from sevadwar.messaging.models import InboxEvent, InboxKind, InboxState
from sevadwar.storage.base import fixed, utcnow
from sevadwar.storage.db import is_unavailable
from sevadwar.storage.upsert import insert_ignore

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class NewEvent:
    key: str
    kind: str
    citizen_key: str | None
    payload: dict[str, Any]


_KEY_LIMIT = 200  # inbox_events.event_key
_CITIZEN_LIMIT = 160  # inbox_events.citizen_key


# What JSON can carry but no database text can: NUL, and a lone half of a surrogate pair (JSON's
# "\ud800" escape; a whole pair arrives as one character). Found in a body by its escape.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _fit(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def safe_event(event: NewEvent, *, unstorable: bool) -> NewEvent:
    """An event every database accepts: PostgreSQL refuses NUL and lone surrogates in text
    (``unstorable``: the body had one's escape, ``UNSTORABLE_ESCAPE``; they become U+FFFD), and
    keys have a length limit. Hostile but signed payloads must be stored, not turned into a 500."""
    clean = _storable if unstorable else _as_is
    key = _fit(clean(event.key), _KEY_LIMIT) or event.key
    citizen = _fit(clean(event.citizen_key), _CITIZEN_LIMIT)
    if not unstorable and key == event.key and citizen == event.citizen_key:
        return event
    return NewEvent(key, event.kind, citizen, clean(event.payload))


def _as_is(value: Any) -> Any:
    return value


def store_events(
    session: Session, channel: str, events: Sequence[NewEvent], *, now: datetime | None = None
) -> int:
    """Insert events not seen before; returns how many were new (one ``INSERT … ON CONFLICT DO
    NOTHING … RETURNING id`` for all of them). The webhook route goes through ``InboxWriter``."""
    rows = _rows(channel, [(events, now or utcnow())])
    if not rows:
        return 0
    statement = _insert_events(session.get_bind().dialect.name, returning=True)
    return len(session.execute(statement, rows).all())


def _rows(
    channel: str, batch: Sequence[tuple[Sequence[NewEvent], datetime]]
) -> list[dict[str, Any]]:
    return [
        {
            "event_key": e.key,
            "channel": channel,
            "kind": e.kind,
            "citizen_key": e.citizen_key,
            "payload": e.payload,
            "state": InboxState.PENDING,
            "attempts": 0,
            "received_at": now,
        }
        for events, now in batch
        for e in events
    ]


@functools.cache
def _insert_events(dialect: str, *, returning: bool) -> Insert:
    """The insert statement, built once per dialect so its compiled form is reused."""
    module = postgresql if dialect == "postgresql" else sqlite
    statement: Insert = module.insert(InboxEvent.__table__).on_conflict_do_nothing(
        index_elements=["event_key"]
    )
    return statement.returning(InboxEvent.__table__.c.id) if returning else statement


class InboxWriter:
    """Group commit for webhook requests: deliveries that arrive together share one transaction.

    ``await store(events)`` returns once the events are committed (so the 200 still follows the
    commit) and raises what the database raised. At most ``max_inflight`` transactions run at a
    time; deliveries that arrive meanwhile wait and go together in the next one, so under load one
    commit carries many webhooks and at low load a webhook waits for at most one other commit. A
    batch that fails for any reason but an unreachable database is retried one delivery at a time,
    so one bad delivery cannot fail the others.

    Where the rows go is the ``sink``: ``PostgresSink`` (one statement from the event loop) or
    ``EngineSink`` (a Core transaction in a worker thread, SQLite). One writer serves one event
    loop.
    """

    def __init__(
        self,
        sink: InboxSink,
        channel: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        max_inflight: int = 1,
        max_batch: int = 500,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self._sink = sink
        self._channel = channel
        self._clock = clock
        self._max_inflight = max_inflight
        self._max_batch = max_batch
        self._pending: list[tuple[Sequence[NewEvent], datetime, asyncio.Future[None]]] = []
        self._inflight: set[asyncio.Task[None]] = set()

    async def store(self, events: Sequence[NewEvent]) -> None:
        future: asyncio.Future[None] = self.loop.create_future()
        self._pending.append((events, self._clock(), future))
        if len(self._inflight) < self._max_inflight:
            self._start_flush()
        await future

    async def aclose(self) -> None:
        """Close the sink's connection (at shutdown, from the writer's own loop)."""
        await self._sink.aclose()

    def abandon(self) -> None:
        """Let go of the sink's connection without the loop, which may be gone already."""
        self._sink.abandon()

    def _start_flush(self) -> None:
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        task = self.loop.create_task(self._flush(batch))
        self._inflight.add(task)
        task.add_done_callback(self._flushed)

    def _flushed(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if self._pending and len(self._inflight) < self._max_inflight:
            self._start_flush()

    async def _flush(
        self, batch: list[tuple[Sequence[NewEvent], datetime, asyncio.Future[None]]]
    ) -> None:
        try:
            await self._write([(events, now) for events, now, _ in batch])
        except Exception as exc:
            if len(batch) == 1 or is_unavailable(exc):
                for _, _, future in batch:
                    _settle(future, exc)
                return
            for events, now, future in batch:  # find the delivery that fails; store the others
                try:
                    await self._write([(events, now)])
                except Exception as single:
                    _settle(future, single)
                else:
                    _settle(future, None)
            return
        for _, _, future in batch:
            _settle(future, None)

    async def _write(self, batch: list[tuple[Sequence[NewEvent], datetime]]) -> None:
        rows = _rows(self._channel, batch)
        await self._sink.write(rows)
        GROUP_COMMITS.inc()
        GROUP_ROWS.observe(len(rows))


GROUP_COMMITS = Counter(
    "sevadwar_inbox_group_commits_total", "Transactions that stored webhook deliveries"
)
GROUP_ROWS = Histogram(
    "sevadwar_inbox_group_commit_events",
    "Inbox events stored per group commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)


class InboxSink(Protocol):
    async def write(self, rows: list[dict[str, Any]]) -> None: ...
    async def aclose(self) -> None: ...
    def abandon(self) -> None: ...


class EngineSink:
    """The rows in one Core transaction on ``engine()`` (read at every write) in a worker thread:
    SQLite, whose driver has no asynchronous interface. No ORM session: its set-up cost more than
    the insert itself (``bench/optimisations.md``)."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine

    async def write(self, rows: list[dict[str, Any]]) -> None:
        await run_in_threadpool(self._write, rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        engine = self._engine()
        statement = _insert_events(engine.dialect.name, returning=False)
        with engine.begin() as connection:
            connection.execute(statement, rows)

    async def aclose(self) -> None:
        return None

    def abandon(self) -> None:
        return None


class PostgresSink:
    """The rows in ONE statement, sent from the event loop on the writer's own connection.

    ``INSERT … SELECT … FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING`` in autocommit: the
    statement is its own transaction, and it returns once the commit is on disk, in one round
    trip, with one prepared plan whatever the number of rows. A worker thread running a
    BEGIN/INSERT/COMMIT exchange needed the GIL back after every round trip while the event loop
    held it parsing requests, which stretched every group commit to several milliseconds
    (``bench/optimisations.md``). A connection that failed is dropped; the next delivery
    reconnects.
    """

    def __init__(self, conninfo: str, *, connect_timeout: int = 5) -> None:
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        self._connection: psycopg.AsyncConnection[Any] | None = None

    async def write(self, rows: list[dict[str, Any]]) -> None:
        connection = await self._connect()
        document = json.dumps(rows, ensure_ascii=False, default=_json_default)
        try:
            await connection.execute(_recordset_insert(), (document,), prepare=True)
        except psycopg.Error:
            if connection.broken or connection.closed:
                self._connection = None
                await connection.close()
            raise

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, connect_timeout=self._connect_timeout
            )
        return self._connection

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    def abandon(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            connection.pgconn.finish()  # what close() does, without needing the loop


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@functools.cache
def _recordset_insert() -> str:
    """The PostgreSQL statement, derived from the table and compiled once."""
    table = InboxEvent.__table__
    names = [c.name for c in table.columns if c.name in _ROW_COLUMNS]  # in the table's order
    rows = (
        func.jsonb_to_recordset(bindparam("rows", type_=JSONB))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(name="r", with_types=True)
    )
    statement = (
        postgresql.insert(InboxEvent)
        .from_select(names, select(*(rows.c[name] for name in names)))
        .on_conflict_do_nothing(index_elements=["event_key"])
    )
    compiled = statement.compile(dialect=psycopg_dialect())  # type: ignore[no-untyped-call]
    return str(compiled).replace("%(rows)s", "%s")


_ROW_COLUMNS = frozenset(  # the keys of ``_rows``
    ("event_key", "channel", "kind", "citizen_key", "payload", "state", "attempts", "received_at")
)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # the request went away (client disconnected); the events are stored
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def store_quarantine(
    session: Session, channel: str, body: bytes, reason: str, *, now: datetime | None = None
) -> bool:
    """Keep a signed body we could not parse, once, for a person to look at.

    Never raises on bad data.
    """
    digest = hashlib.sha256(body).hexdigest()
    payload = {
        "raw": body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        "reason": reason[:500],
    }
    row = {
        "event_key": f"payload:{digest}",
        "channel": channel,
        "kind": InboxKind.PAYLOAD,
        "citizen_key": None,
        "payload": payload,
        "state": InboxState.QUARANTINED,
        "attempts": 0,
        "received_at": now or utcnow(),
    }
    result = session.execute(insert_ignore(session, InboxEvent.__table__, [row], "event_key"))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_next_event(
    session: Session, *, skip_citizens: frozenset[str] = frozenset()
) -> InboxEvent | None:
    """Lock and return the next event this worker may process, or None.

    An event is eligible when it is pending and no earlier event of the same citizen is still
    pending. Status events (no citizen) are always eligible: their effect is a monotonic merge.
    """
    dialect = session.get_bind().dialect.name
    statement = _claim_statement(dialect)
    if skip_citizens:
        statement = statement.where(
            (InboxEvent.citizen_key.is_(None)) | InboxEvent.citizen_key.not_in(skip_citizens)
        )
    return session.scalars(statement).first()


@functools.cache
def _claim_statement(dialect: str) -> Select[InboxEvent]:
    """The claim query, built once per dialect (building it costs more than running it)."""
    older = aliased(InboxEvent)
    blocked = exists().where(
        and_(
            older.citizen_key == InboxEvent.citizen_key,
            older.state == fixed(InboxState.PENDING),
            older.id < InboxEvent.id,
        )
    )
    # Start the scan at the oldest pending event (an index lookup): without this bound the
    # planner walks the primary key from the first event ever stored, skipping every done row.
    pending = aliased(InboxEvent)
    oldest_pending = (  # one step in ix_inbox_pending_id
        select(pending.id)
        .where(pending.state == fixed(InboxState.PENDING))
        .order_by(pending.id)
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(InboxEvent)
        .where(
            InboxEvent.id >= oldest_pending, InboxEvent.state == fixed(InboxState.PENDING), ~blocked
        )
        .order_by(InboxEvent.id)
        .limit(1)
    )
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=InboxEvent)
    return statement


def mark_done(session: Session, event: InboxEvent, *, now: datetime | None = None) -> None:
    event.state = InboxState.DONE
    event.processed_at = now or utcnow()
    event.attempts += 1


def record_failure(session: Session, event_id: int, error: str) -> str:
    """Count a failed attempt (in its own transaction); after MAX_ATTEMPTS the event is dead."""
    event = session.get(InboxEvent, event_id)
    if event is None:
        return "missing"
    event.attempts += 1
    event.last_error = error[:2000]
    if event.attempts >= MAX_ATTEMPTS:
        event.state = InboxState.DEAD
        event.processed_at = utcnow()
    return event.state


def replay_dead(session: Session, event_ids: Sequence[int]) -> int:
    """Put dead events back in the queue (an operator's decision; the caller audits it)."""
    result = session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(event_ids), InboxEvent.state == InboxState.DEAD)
        .values(state=InboxState.PENDING, attempts=0, last_error=None, processed_at=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def queue_depth(session: Session) -> tuple[int, datetime | None]:
    """Pending events and the time the oldest one arrived."""
    count, oldest = session.execute(
        select(func.count(), func.min(InboxEvent.received_at)).where(
            InboxEvent.state == fixed(InboxState.PENDING)
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), oldest
