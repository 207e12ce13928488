"""``GET /files/{token}``: a stored blob, decrypted, behind a signed and expiring link.

The token (see :mod:`sevadwar.documents.links`) names the blob, the file name and the type; a
forged, edited or expired token, or a blob that is gone, answers 404 without saying which. The
file is always an attachment, never sniffed, never scripted (``CSP: sandbox``) and never cached by
shared caches. The blob store decrypts a whole blob at once (AES-GCM authenticates the whole), so
the answer is sent from memory; blobs here are receipts and certificates of a few hundred KB.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from sevadwar.documents.base import BlobError
from sevadwar.documents.links import InvalidFileToken, read_file_token
from sevadwar.runtime import Runtime

log = logging.getLogger(__name__)

router = APIRouter(tags=["files"])

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Referrer-Policy": "no-referrer",
}


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987)."""
    fallback = _UNSAFE.sub("_", filename).strip("._") or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=HEADERS)


@router.get("/files/{token}", include_in_schema=False)
def download_file(token: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    if runtime.blobs is None:
        return _not_found()
    try:
        link = read_file_token(runtime.settings.resolved_secret_key(), token, now=runtime.clock())
        data = runtime.blobs.get(link.blob_key)
    except InvalidFileToken as exc:
        log.info("file link refused: %s", exc)
        return _not_found()
    except BlobError as exc:
        log.warning("file link to a missing or unreadable blob: %s", type(exc).__name__)
        return _not_found()
    headers = {**HEADERS, "Content-Disposition": content_disposition(link.filename)}
    return Response(content=data, media_type=link.mime, headers=headers)
