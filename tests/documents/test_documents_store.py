"""LocalBlobStore: random keys, encrypted at rest, atomic, rotatable."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path

import pytest

from sevadwar.documents.store import (
    BlobNotFound,
    BlobUnreadable,
    LocalBlobStore,
    key_id,
    load_or_create_key,
)

PLAINTEXT = b"%PDF-1.7 Aadhaar 2345 6789 0124 " * 100


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def store(tmp_path: Path, key: bytes) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", key)


def test_round_trip_under_a_random_two_level_key(store: LocalBlobStore, tmp_path: Path) -> None:
    blob = store.put(PLAINTEXT)
    assert len(blob) == 32
    assert blob != store.put(PLAINTEXT)
    path = tmp_path / "blobs" / blob[:2] / blob[2:4] / blob
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.get(blob) == PLAINTEXT
    assert store.exists(blob)


def test_nothing_readable_on_disk(store: LocalBlobStore, tmp_path: Path) -> None:
    blob = store.put(PLAINTEXT)
    raw = (tmp_path / "blobs" / blob[:2] / blob[2:4] / blob).read_bytes()
    assert b"Aadhaar" not in raw
    assert b"%PDF" not in raw
    assert raw.startswith(b"SVB1")
    # the same plaintext twice gives different ciphertext (fresh nonce per blob)
    other = store.put(PLAINTEXT)
    assert raw[12:] != (tmp_path / "blobs" / other[:2] / other[2:4] / other).read_bytes()[12:]


def test_no_temporary_files_are_left(store: LocalBlobStore, tmp_path: Path) -> None:
    for _ in range(5):
        store.put(b"x")
    leftovers = [p for p in (tmp_path / "blobs").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert sorted(store.keys()) == sorted(p.name for p in (tmp_path / "blobs").glob("*/*/*"))


def test_tampered_blob_is_unreadable(store: LocalBlobStore, tmp_path: Path) -> None:
    blob = store.put(PLAINTEXT)
    path = tmp_path / "blobs" / blob[:2] / blob[2:4] / blob
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(BlobUnreadable):
        store.get(blob)


def test_blob_moved_under_another_key_is_unreadable(store: LocalBlobStore, tmp_path: Path) -> None:
    first, second = store.put(b"citizen A"), store.put(b"citizen B")
    root = tmp_path / "blobs"
    shutil.copy(root / first[:2] / first[2:4] / first, root / second[:2] / second[2:4] / second)
    with pytest.raises(BlobUnreadable):
        store.get(second)


def test_keys_rotate(tmp_path: Path, key: bytes) -> None:
    old_store = LocalBlobStore(tmp_path, key)
    blob = old_store.put(PLAINTEXT)
    new_key = secrets.token_bytes(32)
    rotated = LocalBlobStore(tmp_path, new_key, previous_keys=[key])
    assert rotated.get(blob) == PLAINTEXT
    assert rotated.sealed_with(blob) == key_id(key).hex() != rotated.current_key_id
    assert rotated.reseal(blob) is True
    assert rotated.reseal(blob) is False
    assert rotated.sealed_with(blob) == rotated.current_key_id
    only_new = LocalBlobStore(tmp_path, new_key)
    assert only_new.get(blob) == PLAINTEXT
    with pytest.raises(BlobUnreadable, match="not loaded"):
        LocalBlobStore(tmp_path, key).get(blob)


def test_delete_is_idempotent(store: LocalBlobStore) -> None:
    blob = store.put(b"x")
    store.delete(blob)
    store.delete(blob)
    assert not store.exists(blob)
    with pytest.raises(BlobNotFound):
        store.get(blob)


@pytest.mark.parametrize("bad", ["../../../etc/passwd", "", "a" * 31, "a/" * 16, "A" * 32])
def test_malformed_or_unknown_keys_are_not_found(store: LocalBlobStore, bad: str) -> None:
    assert not store.exists(bad)
    with pytest.raises(BlobNotFound):
        store.get(bad)
    store.delete(bad)  # no error, no effect


def test_keys_must_be_256_bit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        LocalBlobStore(tmp_path, b"short")


def test_load_or_create_key_persists_a_private_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "documents.key"
    first = load_or_create_key(path)
    assert len(first) == 32
    assert load_or_create_key(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
