"""Dialect-aware ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignore(
    session: Session, table: FromClause, rows: list[dict[str, Any]], key: str
) -> Insert:
    """An insert of ``rows`` that skips rows whose ``key`` already exists."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement: Insert = (
        module.insert(table).values(rows).on_conflict_do_nothing(index_elements=[key])
    )
    return statement
