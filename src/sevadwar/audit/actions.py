"""Appending to the audit log. Each row's hash covers its content and the previous row's hash.

Appends are serialised so the chain has no forks: on PostgreSQL with a transaction-scoped
advisory lock, on SQLite by its single writer. The entries of a transaction are linked when it
commits (``before_commit``), so the lock is held from then to the end of the commit rather than
for the rest of a citizen's turn: every transaction that audits used to queue behind it
(``bench/optimisations.md``). ``verify_chain`` names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
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


@dataclass(frozen=True, slots=True)
class _Pending:
    at: datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any]


_PENDING = "sevadwar.audit.pending"
_LISTENING = "sevadwar.audit.listening"


def do_append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Record an audit entry; it joins the chain when the transaction commits (rolled back
    with it otherwise)."""
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "before_commit", _link)
        event.listen(session, "after_rollback", _forget)
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    pending.append(_Pending(at or utcnow(), actor, action, subject, data or {}))


def do_link_audit(session: Session) -> None:
    """Join this transaction's entries to the chain now (commit does it otherwise): for a
    reader that shows the audit trail inside the transaction that wrote to it."""
    _link(session)


def _link(session: Session) -> None:
    pending: list[_Pending] = session.info.pop(_PENDING, None) or []
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    previous = session.scalars(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    prev_hash = previous or GENESIS
    for entry in pending:
        digest = _digest(prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.data)
        session.add(
            AuditEntry(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                data=entry.data,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    session.flush()  # inside the lock: ids follow the chain


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


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
