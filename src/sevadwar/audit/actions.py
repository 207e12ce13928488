"""Appending to the audit log. Each row's hash covers its content and the previous row's hash.

Appends are serialised so the chain has no forks: on PostgreSQL with a transaction-scoped
advisory lock, on SQLite by its single writer. ``verify_chain`` names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sevadwar.audit.models import AuditEntry
from sevadwar.storage.base import utcnow

GENESIS = "0" * 64
_LOCK_ID = 0x5E7AD  # advisory lock key for the audit chain


def _digest(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, data: dict[str, Any]
) -> str:
    body = json.dumps(
        [prev_hash, at.isoformat(), actor, action, subject, data],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def do_append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    previous = session.scalars(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    prev_hash = previous or GENESIS
    at = at or utcnow()
    payload = data or {}
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=payload,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor, action, subject, payload),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    first_broken: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify_chain(session: Session) -> ChainReport:
    prev_hash = GENESIS
    count = 0
    for entry in _entries(session):
        count += 1
        if entry.prev_hash != prev_hash:
            return ChainReport(count, entry.id, "prev_hash does not match the previous row")
        expected = _digest(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.data
        )
        if entry.hash != expected:
            return ChainReport(count, entry.id, "content does not match its hash")
        prev_hash = entry.hash
    return ChainReport(count, None)
