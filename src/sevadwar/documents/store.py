"""Blobs as encrypted files on the local disk (the default store, under ``DATA_DIR``).

Layout: ``root/<k0k1>/<k2k3>/<key>`` where ``key`` is 32 URL-safe characters from
:func:`secrets.token_urlsafe` (192 bits). Every file is sealed with AES-256-GCM:

    b"SVB1" | key id (8 bytes) | nonce (12 bytes) | ciphertext + tag

The associated data is the header plus the blob key, so a file copied under another key, or a
header edited to name another key, fails to open. The key id is a fingerprint of the key itself,
so rotating is: construct the store with the new key and the old ones in ``previous_keys``;
blobs sealed under an old key still open, and :meth:`LocalBlobStore.reseal` moves one to the
current key (a background job can walk :meth:`LocalBlobStore.keys`).

Writes are atomic: a temporary file in the target directory, ``fsync``, ``os.replace``, then an
``fsync`` of the directory, so a crash leaves either no blob or the whole blob.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sevadwar.documents.base import BlobNotFound, BlobStore, BlobUnreadable

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "BlobUnreadable",
    "LocalBlobStore",
    "key_id",
    "load_or_create_key",
]

_MAGIC = b"SVB1"
_KEY_ID_BYTES = 8
_NONCE_BYTES = 12
_HEADER = len(_MAGIC) + _KEY_ID_BYTES
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def key_id(key: bytes) -> bytes:
    """A stable, non-secret fingerprint naming ``key`` in blob headers."""
    return hashlib.sha256(b"sevadwar/blob-key-id\x00" + key).digest()[:_KEY_ID_BYTES]


def load_or_create_key(path: Path) -> bytes:
    """The 32-byte key in ``path``, created (mode 0600) with a random key if missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race; read theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(fresh)
                handle.flush()
                os.fsync(handle.fileno())
    key = path.read_bytes()
    if len(key) != 32:
        raise ValueError(f"{path}: expected a 32-byte key")
    return key


class LocalBlobStore(BlobStore):
    def __init__(self, root: Path, key: bytes, *, previous_keys: Sequence[bytes] = ()) -> None:
        for candidate in (key, *previous_keys):
            if len(candidate) != 32:
                raise ValueError("AES-256-GCM keys are 32 bytes")
        self.root = root
        self._current = key_id(key)
        self._keys = {key_id(k): AESGCM(k) for k in (*previous_keys, key)}

    # -- BlobStore ---------------------------------------------------------------------------

    def put(self, data: bytes) -> str:
        while True:
            key = secrets.token_urlsafe(24)
            path = self._path(key)
            if not path.exists():
                break
        self._write(path, self._seal(key, data))
        return key

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        return self._open(key, sealed)

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except (FileNotFoundError, BlobNotFound):
            return

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except BlobNotFound:
            return False

    # -- rotation ----------------------------------------------------------------------------

    def sealed_with(self, key: str) -> str:
        """Hex id of the key the blob is sealed with (compare with :attr:`current_key_id`)."""
        try:
            header = self._path(key).read_bytes()[:_HEADER]
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        return header[len(_MAGIC) :].hex()

    @property
    def current_key_id(self) -> str:
        return self._current.hex()

    def reseal(self, key: str) -> bool:
        """Re-encrypt the blob under the current key; ``True`` when it was under an old one."""
        path = self._path(key)
        sealed = path.read_bytes() if path.exists() else None
        if sealed is None:
            raise BlobNotFound(key)
        if sealed[len(_MAGIC) : _HEADER] == self._current:
            return False
        self._write(path, self._seal(key, self._open(key, sealed)))
        return True

    def keys(self) -> Iterator[str]:
        """Every stored blob key (for rotation and retention jobs)."""
        for path in self.root.glob("*/*/*"):
            if _KEY_RE.match(path.name) and path.is_file():
                yield path.name

    # -- internals ---------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise BlobNotFound(key)
        return self.root / key[:2] / key[2:4] / key

    def _seal(self, key: str, data: bytes) -> bytes:
        header = _MAGIC + self._current
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return (
            header + nonce + self._keys[self._current].encrypt(nonce, data, header + key.encode())
        )

    def _open(self, key: str, sealed: bytes) -> bytes:
        if len(sealed) < _HEADER + _NONCE_BYTES + 16 or not sealed.startswith(_MAGIC):
            raise BlobUnreadable(f"{key}: not a sealed blob")
        header = sealed[:_HEADER]
        aead = self._keys.get(header[len(_MAGIC) :])
        if aead is None:
            raise BlobUnreadable(
                f"{key}: sealed with key {header[len(_MAGIC) :].hex()}, not loaded"
            )
        nonce = sealed[_HEADER : _HEADER + _NONCE_BYTES]
        try:
            return aead.decrypt(nonce, sealed[_HEADER + _NONCE_BYTES :], header + key.encode())
        except InvalidTag:
            raise BlobUnreadable(f"{key}: authentication failed (tampered or moved)") from None

    def _write(self, path: Path, payload: bytes) -> None:
        directory = path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = directory / f".{path.name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
