"""Small but valid files for citizens played by the fake (when a test gives no bytes)."""

from __future__ import annotations

import io

from PIL import Image


def _pdf() -> bytes:
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 153, 51)).save(buffer, kind)
    return buffer.getvalue()


def placeholder(mime_type: str) -> bytes:
    """Bytes that really are a ``mime_type`` file where it matters (PDF, JPEG, PNG, WebP)."""
    base = mime_type.split(";")[0].strip().lower()
    if base == "application/pdf":
        return _pdf()
    if base == "image/jpeg":
        return _image("JPEG")
    if base == "image/png":
        return _image("PNG")
    if base == "image/webp":
        return _image("WEBP")
    return b"placeholder media for " + base.encode("ascii", "replace")
