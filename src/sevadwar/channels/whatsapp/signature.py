"""``X-Hub-Signature-256``: HMAC-SHA256 of the raw request body, keyed with the Meta app secret.

Meta signs every webhook POST (and every Flows data-endpoint request) with
``X-Hub-Signature-256: sha256=<lowercase hex>``. The message is the *raw* body bytes, never a
re-serialised JSON document. See
https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint
and ``reference/whatsapp-cloud-api.md`` §1.3.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


class SignatureCheck(StrEnum):
    MISSING = "missing"  # no header (or an empty one): answer 401
    INVALID = "invalid"  # malformed header or wrong digest: answer 403
    VALID = "valid"


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for ``body``: ``"sha256=<hex>"``."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(body: bytes, header: str | None, app_secret: str) -> SignatureCheck:
    """Check ``header`` against ``body`` in constant time.

    A header that is not ``sha256=`` followed by 64 hex digits is INVALID, not MISSING: someone
    sent something, and it is wrong. An empty app secret never validates anything.
    """
    if header is None or not header.strip():
        return SignatureCheck.MISSING
    value = header.strip()
    if not value.startswith(PREFIX):
        return SignatureCheck.INVALID
    given = value[len(PREFIX) :]
    if not app_secret or _HEX_DIGEST.fullmatch(given) is None:
        return SignatureCheck.INVALID
    expected = sign(body, app_secret)[len(PREFIX) :]
    if hmac.compare_digest(expected.encode("ascii"), given.lower().encode("ascii")):
        return SignatureCheck.VALID
    return SignatureCheck.INVALID
