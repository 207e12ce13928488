"""The only writers of API keys: each change writes its audit row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.api.keys import hash_key, new_key
from sevadwar.api.webhooks import SECRET_OVERLAP, check_webhook_url, new_webhook_secret
from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.schema import DEPARTMENTS
from sevadwar.officers.models import ApiKey


def do_create_api_key(
    session: Session,
    *,
    department: str,
    actor: str,
    now: datetime,
    name: str | None = None,
    webhook_url: str | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``department``'s system: the row and the key (shown once, never stored).

    With ``webhook_url`` the system is also sent the department's events there, signed with a
    new secret: ``row.webhook_secret``, to show once (stored encrypted, as it must be used).
    """
    if department not in DEPARTMENTS:
        raise ValueError(f"unknown department {department!r} (one of: {', '.join(DEPARTMENTS)})")
    url = check_webhook_url(webhook_url) if webhook_url is not None else None
    while True:
        prefix, key = new_key()
        if session.scalars(select(ApiKey.id).where(ApiKey.prefix == prefix)).first() is None:
            break
    row = ApiKey(
        department=department,
        prefix=prefix,
        key_hash=hash_key(key),
        created_at=now,
        name=(name or "").strip()[:64] or None,
        webhook_url=url,
        webhook_secret=new_webhook_secret() if url else None,
    )
    session.add(row)
    session.flush()
    do_append_audit(
        session,
        actor=actor,
        action="apikey.created",
        subject=f"apikey:{prefix}",
        data={"department": department, "name": row.name, "webhook": url is not None},
        at=now,
    )
    return row, key


def do_set_webhook(
    session: Session, *, prefix: str, webhook_url: str | None, actor: str, now: datetime
) -> ApiKey | None:
    """Point an active key's webhook at ``webhook_url`` with a NEW secret, or remove it (None).

    Returns the key (its ``webhook_secret`` to show once), or None if there is no active key.
    Events already queued go to the new URL, signed with the new secret and, for
    ``SECRET_OVERLAP``, with the one it replaces too, so the receiver can switch without
    refusing anything meanwhile.
    """
    url = check_webhook_url(webhook_url) if webhook_url is not None else None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    replaced = row.webhook_secret if url else None
    row.webhook_url = url
    row.webhook_secret = new_webhook_secret() if url else None
    row.previous_webhook_secret = replaced
    row.previous_secret_until = now + SECRET_OVERLAP if replaced else None
    do_append_audit(
        session,
        actor=actor,
        action="apikey.webhook_set" if url else "apikey.webhook_removed",
        subject=f"apikey:{prefix}",
        data={"department": row.department},
        at=now,
    )
    return row


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
