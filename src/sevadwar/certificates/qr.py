"""The signed compact payload carried in a certificate's QR code, verifiable offline.

The QR code holds one URL: ``{PUBLIC_URL}/verify/{number}#{token}``. A phone camera opens the
verification page (the fragment never reaches the server); a verifier's app that holds the
deployment's Ed25519 public key (``/verify/keys.json``) checks the token with no network at all.

``token = base64url(payload) "." base64url(Ed25519 signature over b"sevadwar-qr/1\\n" + payload)``
where ``payload`` is UTF-8 ``1|kid|number|service|issued YYYY-MM-DD|valid until or -|holder``.
The key id (first 8 hex of the public key's SHA-256) lets the key rotate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

VERSION = "1"
_CONTEXT = b"sevadwar-qr/1\n"
_MAX_TOKEN = 2048


class InvalidQrPayload(ValueError):
    """Malformed, forged, edited, or signed by a key we do not hold."""


@dataclass(frozen=True, slots=True)
class QrPayload:
    number: str
    service_id: str
    issued_on: date  # in IST, as printed
    valid_until: date | None
    holder_name: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_bytes(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: ed25519.Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:8]


def sign_payload(key: ed25519.Ed25519PrivateKey, payload: QrPayload) -> str:
    fields = [
        VERSION,
        key_id(key.public_key()),
        payload.number,
        payload.service_id,
        payload.issued_on.isoformat(),
        payload.valid_until.isoformat() if payload.valid_until else "-",
        payload.holder_name.replace("|", "/"),
    ]
    body = "|".join(fields).encode("utf-8")
    return f"{_b64(body)}.{_b64(key.sign(_CONTEXT + body))}"


def verify_payload(token: str, keys: list[ed25519.Ed25519PublicKey]) -> QrPayload:
    """The payload if ``token`` is signed by one of ``keys``; :class:`InvalidQrPayload` if not."""
    token = token.strip().lstrip("#")
    if len(token) > _MAX_TOKEN or token.count(".") != 1:
        raise InvalidQrPayload("malformed token")
    encoded, signature = token.split(".")
    try:
        body, sig = _unb64(encoded), _unb64(signature)
        fields = body.decode("utf-8").split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidQrPayload("malformed token") from None
    if len(fields) != 7 or fields[0] != VERSION:
        raise InvalidQrPayload("unknown payload version")
    by_id = {key_id(k): k for k in keys}
    key = by_id.get(fields[1])
    if key is None:
        raise InvalidQrPayload("signed by an unknown key")
    try:
        key.verify(sig, _CONTEXT + body)
    except InvalidSignature:
        raise InvalidQrPayload("bad signature") from None
    try:
        return QrPayload(
            number=fields[2],
            service_id=fields[3],
            issued_on=date.fromisoformat(fields[4]),
            valid_until=None if fields[5] == "-" else date.fromisoformat(fields[5]),
            holder_name=fields[6],
        )
    except ValueError:
        raise InvalidQrPayload("malformed date") from None


def qr_url(public_base: str, number: str, token: str) -> str:
    return f"{public_base.rstrip('/')}/verify/{number}#{token}"
