"""Signed, expiring file links: tokens that cannot be forged or edited, and ``GET /files/{token}``
serving the decrypted blob as a safe attachment."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from sevadwar.documents.links import (
    InvalidFileToken,
    file_link_key,
    make_file_token,
    read_file_token,
)
from sevadwar.runtime import Runtime


class Clock(Protocol):
    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> None: ...


SECRET = b"test-secret-key-for-sevadwar-tests"
NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
BLOB = "A" * 32


def test_a_token_round_trips() -> None:
    token = make_file_token(SECRET, BLOB, "रसीद receipt.pdf", "application/pdf", LATER)
    link = read_file_token(SECRET, token, now=NOW)
    assert (link.blob_key, link.filename, link.mime) == (
        BLOB,
        "रसीद receipt.pdf",
        "application/pdf",
    )
    assert link.expires_at == LATER
    assert all(c.isalnum() or c in "-_." for c in token)  # safe in a URL path


def test_the_key_is_derived_not_the_secret_itself() -> None:
    assert file_link_key(SECRET) != SECRET
    assert len(file_link_key(SECRET)) == 32


def test_an_expired_token_is_refused() -> None:
    token = make_file_token(SECRET, BLOB, "r.pdf", "application/pdf", LATER)
    with pytest.raises(InvalidFileToken, match="expired"):
        read_file_token(SECRET, token, now=LATER)


def test_another_secret_or_an_edited_payload_is_refused() -> None:
    token = make_file_token(SECRET, BLOB, "r.pdf", "application/pdf", LATER)
    with pytest.raises(InvalidFileToken):
        read_file_token(b"another-secret", token, now=NOW)
    payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["e"] += 86400 * 365  # try to live longer
    edited = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidFileToken, match="signature"):
        read_file_token(SECRET, f"{edited}.{signature}", now=NOW)


@given(st.text(max_size=300))
def test_any_garbage_is_refused_cleanly(garbage: str) -> None:
    with pytest.raises(InvalidFileToken):
        read_file_token(SECRET, garbage, now=NOW)


def test_naive_expiry_and_odd_types_are_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="timezone"):
        make_file_token(SECRET, BLOB, "r.pdf", "application/pdf", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="MIME"):
        make_file_token(SECRET, BLOB, "r.pdf", "text/html\r\nX-Evil: 1", LATER)


def test_files_route_serves_the_decrypted_blob_as_an_attachment(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    assert runtime.blobs is not None
    key = runtime.blobs.put(b"%PDF-1.7 hello")
    secret = runtime.settings.resolved_secret_key()
    token = make_file_token(
        secret, key, "रसीद.pdf", "application/pdf", clock() + timedelta(hours=1)
    )
    response = client.get(f"/files/{token}")
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 hello"
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E0%A4%B0" in disposition  # the Hindi name, percent-encoded
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]

    clock.advance(hours=2)
    assert client.get(f"/files/{token}").status_code == 404


def test_files_route_answers_404_for_forged_tokens_and_missing_blobs(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    secret = runtime.settings.resolved_secret_key()
    later = clock() + timedelta(hours=1)
    forged = make_file_token(b"not-the-key", "B" * 32, "x.pdf", "application/pdf", later)
    gone = make_file_token(secret, "C" * 32, "x.pdf", "application/pdf", later)
    traversal = make_file_token(secret, "../../keys/documents.key", "k", "text/plain", later)
    for token in (forged, gone, traversal, "nonsense", "a.b"):
        response = client.get(f"/files/{token}")
        assert response.status_code == 404, token
        assert response.text == "Not found"
