"""The declarative base every model shares, and the column helpers used across features."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, DateTime, MetaData, String, literal
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere, stored as JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite and PostgreSQL (naive values are refused)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


def fixed(value: str) -> ColumnElement[str]:
    """A constant (a state, a status) written into the SQL text instead of bound.

    PostgreSQL uses a partial index only when it can prove the query implies the index's
    predicate (``state = 'pending'``). With the value bound, the driver's prepared statement soon
    runs a generic plan, where the value is unknown: the partial indexes drop out and a claim
    walks the whole table (found in ``bench/e2e.py``: 12 ms a claim after a few thousand sends).
    The SQL text stays the same on every execution, so it is still prepared once.
    """
    return literal(value, String(), literal_execute=True)


def fixed_in(column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN ('a', 'b')`` with the values written into the SQL text (see ``fixed``)."""
    result: ColumnElement[bool] = column.in_([fixed(str(v)) for v in values])
    return result
