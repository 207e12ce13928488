"""The only writers of API keys: each change writes its audit row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.api.keys import hash_key, new_key
from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.schema import DEPARTMENTS
from sevadwar.officers.models import ApiKey


def do_create_api_key(
    session: Session, *, department: str, actor: str, now: datetime
) -> tuple[ApiKey, str]:
    """A new key for ``department``'s system: the row and the key (shown once, never stored)."""
    if department not in DEPARTMENTS:
        raise ValueError(f"unknown department {department!r} (one of: {', '.join(DEPARTMENTS)})")
    while True:
        prefix, key = new_key()
        if session.scalars(select(ApiKey.id).where(ApiKey.prefix == prefix)).first() is None:
            break
    row = ApiKey(department=department, prefix=prefix, key_hash=hash_key(key), created_at=now)
    session.add(row)
    session.flush()
    do_append_audit(
        session,
        actor=actor,
        action="apikey.created",
        subject=f"apikey:{prefix}",
        data={"department": department},
        at=now,
    )
    return row, key


def do_revoke_api_key(session: Session, *, prefix: str, actor: str, now: datetime) -> bool:
    """Revoke the key with ``prefix``; ``False`` if there is none or it already was."""
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    do_append_audit(
        session,
        actor=actor,
        action="apikey.revoked",
        subject=f"apikey:{prefix}",
        data={"department": row.department},
        at=now,
    )
    return True
