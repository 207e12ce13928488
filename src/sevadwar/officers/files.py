"""Serving a citizen's stored file (a form's document, or a photo sent to the helpdesk) to an
officer who may see it: decrypted, inline, never cached, in a sandbox of its own."""

from __future__ import annotations

from fastapi.responses import Response

from sevadwar.applications.access import NotVisible
from sevadwar.documents.base import BlobError
from sevadwar.documents.models import Document
from sevadwar.officers.security import DOCUMENT_CSP
from sevadwar.runtime import Runtime

SHOWN_INLINE = frozenset({"application/pdf", "image/jpeg", "image/png"})


def file_response(runtime: Runtime, document: Document) -> Response:
    """The file's bytes (read after the caller's transaction has ended is fine: it only needs
    the row's values). A missing or unreadable blob is "not found", like an unknown id."""
    uploads = runtime.conversations.uploads
    try:
        data = uploads.store.get(document.blob_key) if uploads and document.blob_key else None
    except BlobError:
        data = None
    if data is None:
        raise NotVisible(str(document.id))
    mime = document.mime_type if document.mime_type in SHOWN_INLINE else "application/octet-stream"
    headers = {
        "Content-Disposition": f'inline; filename="document-{document.id}.{document.file_type}"',
        "Content-Security-Policy": DOCUMENT_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "private, no-store",
    }
    return Response(content=data, media_type=mime, headers=headers)
