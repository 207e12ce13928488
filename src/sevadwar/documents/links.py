"""Signed, expiring links to stored blobs (receipts now, certificates later).

A token names one blob, the file name and type to serve it under, and when the link stops
working. It is ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))`` where the key is
derived from the settings' secret key (never the secret key itself), so a token cannot be forged
or edited, and rotating the secret key retires every link. The payload is signed, not
encrypted: it holds no personal data, only a random blob key, a file name and a MIME type.

WhatsApp fetches a document from its link when the message is sent, so a link needs to live only
as long as the outbox may retry; the caller chooses ``expires_at``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_KEY_LABEL = b"sevadwar/file-links/v1"
_MAX_TOKEN = 1024
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


class InvalidFileToken(ValueError):
    """The token is malformed, forged, edited or expired."""


@dataclass(frozen=True, slots=True)
class FileLink:
    blob_key: str
    filename: str
    mime: str
    expires_at: datetime


def file_link_key(secret_key: bytes) -> bytes:
    """The HMAC key for file links, derived from the settings' secret key."""
    if not secret_key:
        raise ValueError("a secret key is needed to sign file links")
    return hmac.new(secret_key, _KEY_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret_key: bytes, payload: str) -> str:
    return _b64(
        hmac.new(file_link_key(secret_key), payload.encode("ascii"), hashlib.sha256).digest()
    )


def make_file_token(
    secret_key: bytes, blob_key: str, filename: str, mime: str, expires_at: datetime
) -> str:
    """A URL-safe token for ``GET /files/{token}``."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if not _MIME.match(mime):
        raise ValueError(f"not a MIME type: {mime!r}")
    if not blob_key or not filename:
        raise ValueError("blob_key and filename are required")
    body = {"b": blob_key, "f": filename, "m": mime, "e": int(expires_at.timestamp())}
    payload = _b64(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_signature(secret_key, payload)}"


def read_file_token(secret_key: bytes, token: str, *, now: datetime) -> FileLink:
    """The link ``token`` names; :class:`InvalidFileToken` if forged, edited or expired."""
    if len(token) > _MAX_TOKEN or token.count(".") != 1:
        raise InvalidFileToken("malformed token")
    payload, signature = token.split(".")
    try:
        expected = _signature(secret_key, payload)
    except UnicodeEncodeError:
        raise InvalidFileToken("malformed token") from None
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise InvalidFileToken("bad signature")
    try:
        body = json.loads(_unb64(payload))
        link = FileLink(
            blob_key=str(body["b"]),
            filename=str(body["f"]),
            mime=str(body["m"]),
            expires_at=datetime.fromtimestamp(int(body["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError, OSError):
        raise InvalidFileToken("malformed payload") from None
    if now >= link.expires_at:
        raise InvalidFileToken("expired")
    return link


def file_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/files/{token}"
