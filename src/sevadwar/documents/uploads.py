"""Receiving a document in the chat: fetch the bytes, inspect them, store them encrypted.

The conversation shell calls :meth:`UploadService.receive` before the engine's step when a citizen
sends a photo or file while a document is being asked for; the engine then only decides what to
say. Nothing is stored for a refused file.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session

from sevadwar.catalogue.schema import DocumentSpec
from sevadwar.channels.base import Channel, InboundMessage
from sevadwar.documents.inspect import inspect_upload
from sevadwar.documents.media import MediaError, MediaTooLarge, download_media
from sevadwar.documents.models import Document, DocumentStatus
from sevadwar.documents.results import RefusalReason, Refused
from sevadwar.documents.store import BlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stored:
    document_id: int
    sha256: str
    file_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The file could not be fetched right now (the provider is down): ask to send it again."""

    detail: str


UploadResult = Stored | Refused | Unavailable


@dataclass
class UploadService:
    store: BlobStore
    simulator_media: Path
    graph_base_url: str | None = None
    graph_token: str | None = None
    transport: httpx.AsyncBaseTransport | None = None

    def receive(
        self,
        session: Session,
        message: InboundMessage,
        service_id: str,
        spec: DocumentSpec,
        *,
        replace: bool = True,
    ) -> UploadResult:
        """Fetch, inspect and keep one file. ``replace``: a new file for the same document of a
        draft replaces the one sent before (False: files add up, as in a helpdesk chat)."""
        media = message.media
        assert media is not None
        max_bytes = int(spec.max_mb * 1024 * 1024)
        try:
            data = self.fetch(message, max_bytes)
        except MediaTooLarge:
            return Refused(
                RefusalReason.TOO_LARGE, accept=frozenset(spec.accept), max_bytes=max_bytes
            )
        except (MediaError, OSError, httpx.HTTPError) as exc:
            log.warning("could not fetch media %s: %s", media.media_id, exc)
            return Unavailable(str(exc))
        result = inspect_upload(
            data, declared_mime=media.mime_type or None, accept=spec.accept, max_bytes=max_bytes
        )
        if isinstance(result, Refused):
            log.info(
                "refused upload for %s/%s: %s (%s)",
                service_id,
                spec.id,
                result.reason,
                result.detail,
            )
            return result
        key = self.store.put(result.data)
        citizen = message.citizen.key
        if replace:
            session.execute(
                update(Document)
                .where(
                    Document.citizen_key == citizen,
                    Document.service_id == service_id,
                    Document.spec_id == spec.id,
                    Document.application_id.is_(None),
                    Document.status == DocumentStatus.ACTIVE,
                )
                .values(status=DocumentStatus.REPLACED)
            )
        document = Document(
            citizen_key=citizen,
            service_id=service_id,
            spec_id=spec.id,
            blob_key=key,
            sha256=result.sha256,
            file_type=result.file_type.value,
            mime_type=result.mime_type,
            size=result.size,
            source_format=result.source.value,
            provider_media_id=media.media_id,
        )
        session.add(document)
        session.flush()
        return Stored(document.id, result.sha256, result.file_type.value, result.size)

    def fetch(self, message: InboundMessage, max_bytes: int) -> bytes:
        """The bytes of the media in ``message`` (simulator file or Graph API download)."""
        media = message.media
        assert media is not None
        if message.citizen.channel == Channel.SIMULATOR:
            path = self.simulator_media / media.media_id
            if not path.is_file() or path.parent != self.simulator_media:
                raise MediaError(f"no uploaded file {media.media_id}")
            if path.stat().st_size > max_bytes:
                raise MediaTooLarge(f"{path.stat().st_size} bytes")
            return path.read_bytes()
        if not (self.graph_base_url and self.graph_token):
            raise MediaError("WhatsApp is not configured")
        return asyncio.run(self._download(media.media_id, media.sha256, max_bytes))

    async def _download(self, media_id: str, sha256: str | None, max_bytes: int) -> bytes:
        assert self.graph_base_url
        assert self.graph_token
        timeout = httpx.Timeout(20.0, connect=5.0)
        async with httpx.AsyncClient(transport=self.transport, timeout=timeout) as client:
            return await download_media(
                client,
                self.graph_base_url,
                self.graph_token,
                media_id,
                max_bytes,
                expected_sha256=sha256,
            )
