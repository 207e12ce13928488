"""Signing outbound webhooks: ``X-Sevadwar-Signature: t=<unix seconds>,v1=<hex>``.

``v1`` is HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes), over
``"<t>." + raw body``. Signing the timestamp with the body lets a receiver refuse replays of an
old request (docs/department-webhooks.md shows the check, in Python).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Sevadwar-Signature"
EVENT_ID_HEADER = "X-Sevadwar-Event-Id"
EVENT_TYPE_HEADER = "X-Sevadwar-Event"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
