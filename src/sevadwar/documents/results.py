"""What :func:`sevadwar.documents.inspect.inspect_upload` answers: :class:`Accepted` or
:class:`Refused`, both frozen. A refusal carries a :class:`RefusalReason` whose bilingual text
(what went wrong and what to send instead) lives in ``documents/messages.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sevadwar.catalogue.schema import FileType
from sevadwar.documents.messages import refusal_message
from sevadwar.documents.sniff import ContentKind

MIME_TYPES = {
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.PDF: "application/pdf",
}
EXTENSIONS = {FileType.JPEG: "jpg", FileType.PNG: "png", FileType.PDF: "pdf"}


class RefusalReason(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"  # more bytes than allowed
    UNSUPPORTED_TYPE = "unsupported_type"  # not a format we take (GIF, Word, text, video…)
    EXECUTABLE = "executable"  # programs, scripts, HTML/SVG
    ARCHIVE = "archive"  # ZIP, RAR, 7z, gzip, legacy Office containers
    POLYGLOT = "polyglot"  # a second format hidden in the same bytes
    TYPE_NOT_ALLOWED = "type_not_allowed"  # a good file, but this document wants another type
    CORRUPT = "corrupt"  # truncated or undecodable
    IMAGE_TOO_LARGE = "image_too_large"  # absurd dimensions (pixel flood)
    IMAGE_TOO_SMALL = "image_too_small"  # too small to read
    ENCRYPTED_PDF = "encrypted_pdf"
    PDF_ACTIVE_CONTENT = "pdf_active_content"  # JavaScript, launch, embedded files, XFA…
    TOO_MANY_PAGES = "too_many_pages"
    DECOMPRESSION_BOMB = "decompression_bomb"  # expands far beyond its size, or too complex


@dataclass(frozen=True, slots=True)
class Accepted:
    """A file that passed, in its final form: ``data`` is what gets stored.

    Images are always re-encoded (metadata gone, orientation applied); PDFs are kept byte for
    byte so a digital signature inside them stays verifiable. ``sha256`` is the hex digest of
    ``data``. ``source`` is what arrived (e.g. HEIF converted to JPEG).
    """

    data: bytes = field(repr=False)
    file_type: FileType
    mime_type: str
    sha256: str
    source: ContentKind
    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    declared_mime_matches: bool = True

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.file_type]

    @property
    def converted(self) -> bool:
        return self.source.value != self.file_type.value


@dataclass(frozen=True, slots=True)
class Refused:
    """Not accepted. ``detail`` is for logs and officers, never shown to citizens; the citizen
    sees :meth:`message`. The limits are carried so the message can name them."""

    reason: RefusalReason
    detail: str = ""
    source: ContentKind | None = None
    accept: frozenset[FileType] = field(default_factory=frozenset)
    max_bytes: int | None = None
    max_pages: int | None = None

    def message(self, language: str) -> str:
        return refusal_message(self, language)
