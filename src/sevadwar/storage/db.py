"""Database engines and sessions. No business logic lives here.

SQLite runs in WAL mode with a busy timeout so the web process and its worker threads share one
file safely; PostgreSQL gets a connection pool sized for a few worker threads per process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Take the write lock at BEGIN, so two writers queue on busy_timeout instead of failing
    # with "database is locked" when one upgrades a read transaction.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(url: str, *, pool_size: int = 10, durable_commits: bool = True) -> Engine:
    """An engine with its pool. ``durable_commits=False`` (PostgreSQL only) returns from COMMIT
    before the WAL reaches the disk: for bookkeeping whose loss in a *database* crash is harmless
    (see :func:`bookkeeping_engine`). SQLite already syncs WAL commits lazily (``NORMAL``).
    On PostgreSQL only durable engines test each connection on checkout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10, "isolation_level": None},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # The web process pings on checkout so a restarted database is a 503, not a 500; the
        # sender's loop retries any error and the pool drops a dead connection, so it skips it.
        pool_pre_ping=durable_commits,
        pool_recycle=1800,
        connect_args={} if durable_commits else {"options": "-c synchronous_commit=off"},
    )


def bookkeeping_engine(url: str, *, pool_size: int) -> Engine | None:
    """The outbox sender's engine on PostgreSQL: commits that do not wait for the WAL flush.

    Everything the sender writes is bookkeeping about messages already committed durably: a
    lease, "sent" after Meta accepted, a retry time. If PostgreSQL itself crashes, the last
    fraction of a second of these may be lost, which resends a message Meta already accepted —
    the duplicate window the sender has anyway (docs/operations.md). An application crash loses
    nothing: the server has the commit. Waiting for the flush on every sent message made each
    one cost a disk sync. No ping on checkout either (a round trip per message): the sender's
    loop retries after an error. None on SQLite (one writer; its commits are already lazy).
    """
    if make_url(url).get_backend_name() == "sqlite":
        return None
    return create_db_engine(url, pool_size=pool_size, durable_commits=False)


def libpq_conninfo(url: str) -> str | None:
    """The libpq connection string for a PostgreSQL URL (for psycopg used without SQLAlchemy,
    as the webhook writer does), or None for SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for a statement that is its own transaction. On PostgreSQL it runs in
    autocommit: one round trip instead of BEGIN, the statement and COMMIT, with the same
    atomicity (use it for ONE statement only). On SQLite a transaction (its BEGIN IMMEDIATE)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
    else:
        with engine.begin() as connection:
            yield connection


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database (or Redis, for the shared rate limit) cannot be
    reached: not a bug in a query."""
    if isinstance(
        exc,
        OperationalError | psycopg.OperationalError | redis.ConnectionError | redis.TimeoutError,
    ):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
