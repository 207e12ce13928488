"""The blob store interface: opaque bytes under random keys (documents, certificates).

Keys are chosen by the store, never derived from a file name or any citizen input, so a hostile
file name cannot reach a path. Implementations: :class:`sevadwar.documents.store.LocalBlobStore`
(encrypted files under ``DATA_DIR``). An S3-compatible store is left for later.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class BlobError(Exception):
    """Base class for blob store failures."""


class BlobNotFound(BlobError, KeyError):
    """No blob under this key (never stored, deleted, or the key is malformed)."""


class BlobUnreadable(BlobError):
    """The blob exists but cannot be decrypted: tampered, swapped, or its key is not loaded."""


class BlobStore(ABC):
    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store ``data`` durably and return its new random key."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; :class:`BlobNotFound` or :class:`BlobUnreadable`."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error (erasure is idempotent)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
