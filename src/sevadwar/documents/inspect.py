"""Decide whether an uploaded file may be stored, and in what form.

:func:`inspect_upload` is pure (no I/O besides reading the given stream) and CPU-bound: call it in
a worker thread, ideally a separate process with resource limits for defence in depth
(security-compliance §2.7). The type is decided by content, never by name or declared MIME type:

=================  ===================================================================
arrives as         result
=================  ===================================================================
JPEG, PNG          decoded and re-encoded (metadata stripped, orientation applied)
HEIC/HEIF, WebP    converted to JPEG
PDF                kept byte for byte after the checks in :mod:`sevadwar.documents.pdfs`
anything else      :class:`Refused` with a :class:`RefusalReason`
=================  ===================================================================

An image type the document does not accept is converted to one it does (PNG → JPEG), so only a
photo sent where a PDF is required, or a PDF sent where a photo is required, is refused as
``type_not_allowed``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import BinaryIO

from sevadwar.catalogue.schema import FileType
from sevadwar.documents.images import CleanImage, ImageLimits, clean_image
from sevadwar.documents.pdfs import PdfInfo, PdfLimits, check_pdf
from sevadwar.documents.results import MIME_TYPES, Accepted, RefusalReason, Refused
from sevadwar.documents.sniff import (
    ARCHIVE_KINDS,
    EXECUTABLE_KINDS,
    IMAGE_KINDS,
    ContentKind,
    find_polyglot,
    sniff,
)

_NATURAL_OUTPUT = {
    ContentKind.JPEG: FileType.JPEG,
    ContentKind.PNG: FileType.PNG,
    ContentKind.HEIF: FileType.JPEG,
    ContentKind.WEBP: FileType.JPEG,
}
_MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
}
_READ_STEP = 1 << 20


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Everything :func:`inspect_upload` bounds besides the byte size."""

    image: ImageLimits = field(default_factory=ImageLimits)
    pdf: PdfLimits = field(default_factory=PdfLimits)


def inspect_upload(
    data: bytes | BinaryIO,
    *,
    declared_mime: str | None,
    accept: Collection[FileType],
    max_bytes: int,
    limits: UploadLimits | None = None,
) -> Accepted | Refused:
    """Accept ``data`` in its final form or refuse it with a reason.

    ``data`` may be a binary stream; at most ``max_bytes + 1`` bytes are read from it.
    ``declared_mime`` (from WhatsApp or the browser) is only compared, never trusted.
    """
    limits = limits or UploadLimits()
    allowed = frozenset(accept)

    def refuse(
        reason: RefusalReason, detail: str = "", source: ContentKind | None = None
    ) -> Refused:
        return Refused(
            reason=reason,
            detail=detail,
            source=source,
            accept=allowed,
            max_bytes=max_bytes,
            max_pages=limits.pdf.max_pages,
        )

    content = _read_bounded(data, max_bytes)
    if len(content) > max_bytes:
        return refuse(RefusalReason.TOO_LARGE, f"more than {max_bytes} bytes")
    if not content:
        return refuse(RefusalReason.EMPTY)

    kind = sniff(content)
    if kind in EXECUTABLE_KINDS:
        return refuse(RefusalReason.EXECUTABLE, f"content is {kind}", kind)
    if kind in ARCHIVE_KINDS:
        return refuse(RefusalReason.ARCHIVE, f"content is {kind}", kind)
    if kind not in IMAGE_KINDS and kind != ContentKind.PDF:
        return refuse(RefusalReason.UNSUPPORTED_TYPE, f"content is {kind}", kind)
    hidden = find_polyglot(content, kind)
    if hidden:
        return refuse(RefusalReason.POLYGLOT, hidden, kind)

    if kind == ContentKind.PDF:
        if FileType.PDF not in allowed:
            return refuse(
                RefusalReason.TYPE_NOT_ALLOWED, "a PDF where only images are accepted", kind
            )
        checked = check_pdf(content, limits.pdf)
        if not isinstance(checked, PdfInfo):
            return refuse(checked.reason, checked.detail, kind)
        return _accepted(content, FileType.PDF, kind, declared_mime, page_count=checked.page_count)

    output = _image_output(kind, allowed)
    if output is None:
        return refuse(RefusalReason.TYPE_NOT_ALLOWED, f"{kind} where only PDF is accepted", kind)
    cleaned = clean_image(content, kind, output, limits.image)
    if not isinstance(cleaned, CleanImage):
        return refuse(cleaned.reason, cleaned.detail, kind)
    return _accepted(
        cleaned.data, output, kind, declared_mime, width=cleaned.width, height=cleaned.height
    )


def _read_bounded(data: bytes | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[: max_bytes + 1])
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = data.read(min(_READ_STEP, remaining))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _image_output(kind: ContentKind, allowed: frozenset[FileType]) -> FileType | None:
    natural = _NATURAL_OUTPUT[kind]
    if natural in allowed:
        return natural
    for other in (FileType.JPEG, FileType.PNG):
        if other in allowed:
            return other
    return None


def _accepted(
    data: bytes,
    file_type: FileType,
    source: ContentKind,
    declared_mime: str | None,
    *,
    width: int | None = None,
    height: int | None = None,
    page_count: int | None = None,
) -> Accepted:
    return Accepted(
        data=data,
        file_type=file_type,
        mime_type=MIME_TYPES[file_type],
        sha256=hashlib.sha256(data).hexdigest(),
        source=source,
        width=width,
        height=height,
        page_count=page_count,
        declared_mime_matches=_declared_matches(declared_mime, source),
    )


def _declared_matches(declared_mime: str | None, source: ContentKind) -> bool:
    if not declared_mime:
        return True
    mime = declared_mime.split(";", 1)[0].strip().lower()
    mime = _MIME_ALIASES.get(mime, mime)
    expected = {
        ContentKind.JPEG: {"image/jpeg"},
        ContentKind.PNG: {"image/png"},
        ContentKind.PDF: {"application/pdf"},
        ContentKind.HEIF: {
            "image/heic",
            "image/heif",
            "image/heic-sequence",
            "image/heif-sequence",
        },
        ContentKind.WEBP: {"image/webp"},
    }
    return mime in expected.get(source, set()) or mime == "application/octet-stream"
