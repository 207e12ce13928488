"""What a file *is*, decided from its bytes alone (never its name or declared MIME type).

:func:`sniff` reads the magic bytes at the start. :func:`find_polyglot` looks for a second
format hiding in the same bytes — a ZIP archive appended to a photo or a PDF, a PDF header inside
an image's first kilobyte (where PDF readers look for it), HTML or script markup near the start —
because a file that two programs read differently is how payloads slip past checks.

The checks are structural, not "does this byte string occur somewhere": a photo's compressed data
is random enough to contain any 4-byte pattern once in a while, so a ZIP counts only when its
end-of-central-directory record points at a real central directory, as ZIP readers require.
"""

from __future__ import annotations

import struct
from enum import StrEnum


class ContentKind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"
    HEIF = "heif"
    WEBP = "webp"
    GIF = "gif"
    BMP = "bmp"
    TIFF = "tiff"
    AVIF = "avif"
    VIDEO = "video"  # ISO media that is not HEIF/AVIF (mp4, 3gp, mov)
    ZIP = "zip"  # also docx/xlsx/apk/jar
    RAR = "rar"
    SEVEN_ZIP = "7z"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    OLE = "ole"  # legacy MS Office (doc, xls), msi
    ELF = "elf"
    PE = "pe"  # Windows exe/dll ("MZ")
    MACHO = "macho"
    SCRIPT = "script"  # "#!" shebang, PHP
    MARKUP = "markup"  # HTML, SVG, XML: may carry script
    UNKNOWN = "unknown"


IMAGE_KINDS = frozenset({ContentKind.JPEG, ContentKind.PNG, ContentKind.HEIF, ContentKind.WEBP})
EXECUTABLE_KINDS = frozenset(
    {ContentKind.ELF, ContentKind.PE, ContentKind.MACHO, ContentKind.SCRIPT, ContentKind.MARKUP}
)
ARCHIVE_KINDS = frozenset(
    {
        ContentKind.ZIP,
        ContentKind.RAR,
        ContentKind.SEVEN_ZIP,
        ContentKind.GZIP,
        ContentKind.BZIP2,
        ContentKind.XZ,
        ContentKind.OLE,
    }
)

_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

# (prefix, kind), checked in order at offset 0.
_PREFIXES: tuple[tuple[bytes, ContentKind], ...] = (
    (b"\xff\xd8\xff", ContentKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", ContentKind.PNG),
    (b"%PDF-", ContentKind.PDF),
    (b"GIF87a", ContentKind.GIF),
    (b"GIF89a", ContentKind.GIF),
    (b"II*\x00", ContentKind.TIFF),
    (b"MM\x00*", ContentKind.TIFF),
    (b"PK\x03\x04", ContentKind.ZIP),
    (b"PK\x05\x06", ContentKind.ZIP),
    (b"PK\x07\x08", ContentKind.ZIP),
    (b"Rar!\x1a\x07", ContentKind.RAR),
    (b"7z\xbc\xaf\x27\x1c", ContentKind.SEVEN_ZIP),
    (b"\x1f\x8b", ContentKind.GZIP),
    (b"BZh", ContentKind.BZIP2),
    (b"\xfd7zXZ\x00", ContentKind.XZ),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ContentKind.OLE),
    (b"\x7fELF", ContentKind.ELF),
    (b"MZ", ContentKind.PE),
    (b"\xfe\xed\xfa\xce", ContentKind.MACHO),
    (b"\xfe\xed\xfa\xcf", ContentKind.MACHO),
    (b"\xce\xfa\xed\xfe", ContentKind.MACHO),
    (b"\xcf\xfa\xed\xfe", ContentKind.MACHO),
    (b"\xca\xfe\xba\xbe", ContentKind.MACHO),  # also Java class files: refused either way
    (b"#!", ContentKind.SCRIPT),
    (b"BM", ContentKind.BMP),
)

_MARKUP_STARTS = (
    b"<?php",
    b"<script",
    b"<html",
    b"<!doctype",
    b"<svg",
    b"<?xml",
    b"<head",
    b"<body",
)
_MARKUP_INSIDE = (b"<script", b"<html", b"<?php", b"<svg", b"<iframe", b"javascript:")
_HEADER_WINDOW = 1024  # PDF readers accept "%PDF-" anywhere in the first kilobyte
_ZIP_EOCD = b"PK\x05\x06"
_ZIP_CDH = b"PK\x01\x02"
_ZIP_TAIL_WINDOW = 22 + 0xFFFF  # EOCD record plus the longest comment


def sniff(data: bytes) -> ContentKind:
    """The format named by the first bytes of ``data``."""
    for prefix, kind in _PREFIXES:
        if data.startswith(prefix):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ContentKind.WEBP
    iso = _iso_media_kind(data)
    if iso is not None:
        return iso
    head = data[:_HEADER_WINDOW].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_MARKUP_STARTS):
        return ContentKind.MARKUP
    return ContentKind.UNKNOWN


def _iso_media_kind(data: bytes) -> ContentKind | None:
    """HEIF, AVIF or video from an ISO base media ``ftyp`` box at offset 0."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    (size,) = struct.unpack(">I", data[:4])
    size = min(max(size, 16), len(data), 256)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, size - 3, 4)}
    if brands & _AVIF_BRANDS:
        return ContentKind.AVIF
    if brands & _HEIF_BRANDS:
        return ContentKind.HEIF
    return ContentKind.VIDEO


def find_polyglot(data: bytes, kind: ContentKind) -> str | None:
    """Why ``data`` (already sniffed as ``kind``) is also something else, or ``None``."""
    head = data[:_HEADER_WINDOW]
    if kind != ContentKind.PDF and b"%PDF-" in head:
        return "PDF header inside the first kilobyte"
    lowered = head.lower()
    for marker in _MARKUP_INSIDE:
        if marker in lowered:
            return f"markup {marker.decode()!r} inside the first kilobyte"
    if has_zip_directory(data):
        return "ZIP archive inside the file"
    for magic, name in ((b"Rar!\x1a\x07", "RAR"), (b"7z\xbc\xaf\x27\x1c", "7-Zip")):
        if data.find(magic, 1) != -1:
            return f"{name} archive signature inside the file"
    return None


def has_zip_directory(data: bytes) -> bool:
    """True when ``data`` ends with a ZIP end-of-central-directory record that a ZIP reader
    would accept: it sits in the last 64 KiB and the central directory it describes is there."""
    start = max(0, len(data) - _ZIP_TAIL_WINDOW)
    pos = data.rfind(_ZIP_EOCD, start)
    while pos != -1:
        if pos + 22 <= len(data):
            _, _, _, entries, cd_size, cd_offset, _ = struct.unpack(
                "<HHHHIIH", data[pos + 4 : pos + 22]
            )
            if entries and cd_size:
                # Directory just before the record (appended zip), or at its stated offset.
                for cd_start in (pos - cd_size, cd_offset):
                    if 0 <= cd_start < pos and data[cd_start : cd_start + 4] == _ZIP_CDH:
                        return True
        pos = data.rfind(_ZIP_EOCD, start, pos)
    return False
