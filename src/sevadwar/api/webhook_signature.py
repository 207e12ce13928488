"""Signing outbound webhooks: ``X-Sevadwar-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``.

``v1`` is HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes), over
``"<t>." + raw body``. Signing the timestamp with the body lets a receiver refuse replays of an
old request. While a replaced secret is still valid there is one ``v1`` per secret, the new one
first; a receiver accepts the request if any of them matches its secret
(docs/department-webhooks.md shows the check, in Python).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Sevadwar-Signature"
EVENT_ID_HEADER = "X-Sevadwar-Event-Id"
EVENT_TYPE_HEADER = "X-Sevadwar-Event"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The header for ``body`` signed with each of ``secrets`` (the current one first)."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])
