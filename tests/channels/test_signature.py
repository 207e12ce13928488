"""X-Hub-Signature-256: HMAC-SHA256 over the raw body with the app secret (reference §1.3)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from sevadwar.channels.whatsapp.signature import SignatureCheck, sign, verify

SECRET = "app-secret-123"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_sign_matches_an_independent_hmac() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET) == f"sha256={expected}"


def test_valid_signature() -> None:
    assert verify(BODY, sign(BODY, SECRET), SECRET) is SignatureCheck.VALID


def test_uppercase_hex_is_accepted() -> None:
    header = "sha256=" + sign(BODY, SECRET).removeprefix("sha256=").upper()
    assert verify(BODY, header, SECRET) is SignatureCheck.VALID


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header: str | None) -> None:
    assert verify(BODY, header, SECRET) is SignatureCheck.MISSING


def test_wrong_secret_is_invalid() -> None:
    assert verify(BODY, sign(BODY, "other-secret"), SECRET) is SignatureCheck.INVALID


def test_one_tampered_byte_is_invalid() -> None:
    header = sign(BODY, SECRET)
    for position in (0, len(BODY) // 2, len(BODY) - 1):
        tampered = bytearray(BODY)
        tampered[position] ^= 0x01
        assert verify(bytes(tampered), header, SECRET) is SignatureCheck.INVALID


@pytest.mark.parametrize(
    "header",
    [
        "sha1=" + "0" * 40,  # the old X-Hub-Signature scheme
        "sha256=",
        "sha256=xyz",
        "sha256=" + "a" * 63,
        "sha256=" + "a" * 65,
        "sha256=" + "é" * 64,  # non-ASCII must not crash compare_digest
        "SHA256=" + "a" * 64,
        "garbage",
    ],
)
def test_malformed_header_is_invalid(header: str) -> None:
    assert verify(BODY, header, SECRET) is SignatureCheck.INVALID


def test_empty_secret_never_validates() -> None:
    assert verify(BODY, sign(BODY, ""), "") is SignatureCheck.INVALID


def test_hindi_and_emoji_body_is_signed_over_raw_bytes() -> None:
    body = json.dumps(
        {"text": {"body": "नमस्ते 🙏 आय प्रमाण पत्र"}}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    header = sign(body, SECRET)
    assert verify(body, header, SECRET) is SignatureCheck.VALID
    # The same document re-serialised with \u escapes is different bytes: never re-serialise.
    escaped = json.dumps(json.loads(body), separators=(",", ":")).encode("ascii")
    assert escaped != body
    assert verify(escaped, header, SECRET) is SignatureCheck.INVALID
