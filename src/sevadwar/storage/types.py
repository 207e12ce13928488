"""Column types shared by every feature's models."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer

# 64-bit keys on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
