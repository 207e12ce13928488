"""Department API keys: ``sdw_<8 hex>_<43 url-safe characters>``.

The secret part carries 256 random bits, so a plain SHA-256 of the whole key is a safe thing to
store (there is nothing to brute-force, unlike a password); the prefix ``sdw_<8 hex>`` is kept in
clear to find the row and to name the key in lists and audit rows. The key itself is shown once,
when it is made, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.officers.models import ApiKey

KEY_PREFIX = "sdw_"
_KEY = re.compile(r"^(sdw_[0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh ``(prefix, key)``."""
    prefix = KEY_PREFIX + secrets.token_hex(4)
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def key_prefix(key: str) -> str | None:
    match = _KEY.match(key)
    return match.group(1) if match else None


def authenticate(session: Session, presented: str) -> ApiKey | None:
    """The active key ``presented`` is, or ``None`` (malformed, unknown, wrong or revoked)."""
    prefix = key_prefix(presented.strip()) if len(presented) < 128 else None
    if prefix is None:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, hash_key(presented.strip())):
        return None
    return row
