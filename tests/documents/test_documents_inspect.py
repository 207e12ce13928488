"""inspect_upload against the corpus: every hostile file refused for the right reason, every good
file accepted in the right final form, and memory bounded for bombs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from sevadwar.catalogue.schema import FileType
from sevadwar.documents.inspect import inspect_upload
from sevadwar.documents.results import Accepted, RefusalReason, Refused
from sevadwar.documents.sniff import ContentKind, find_polyglot, has_zip_directory, sniff

from .conftest import CORPUS_NAMES, Corpus

ALL = {FileType.JPEG, FileType.PNG, FileType.PDF}
MAX_BYTES = 5_000_000


def inspect(data: bytes, **overrides: object) -> Accepted | Refused:
    options: dict[str, object] = {"declared_mime": None, "accept": ALL, "max_bytes": MAX_BYTES}
    options.update(overrides)
    return inspect_upload(data, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_file_gets_the_expected_answer(corpus: Corpus, name: str) -> None:
    sample = corpus[name]
    result = inspect(sample.data)
    if sample.expect == "accepted":
        assert isinstance(result, Accepted), f"{name}: {result}"
        assert result.file_type == FileType(sample.output)
    else:
        assert isinstance(result, Refused), f"{name} was accepted"
        assert result.reason == RefusalReason(sample.expect), f"{name}: {result.detail}"


def test_every_refusal_reason_is_exercised_by_the_corpus(corpus: Corpus) -> None:
    expected = {corpus[name].expect for name in CORPUS_NAMES}
    missing = {reason.value for reason in RefusalReason} - expected - {"type_not_allowed"}
    assert not missing


def test_gps_photo_comes_out_clean_and_upright(corpus: Corpus) -> None:
    original = corpus["gps-exif.jpg"].data
    assert b"PhoneMaker" in original
    assert b"home address" in original
    result = inspect(original)
    assert isinstance(result, Accepted)
    stored = Image.open(io.BytesIO(result.data))
    assert dict(stored.getexif()) == {}
    assert set(stored.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    for secret in (b"PhoneMaker", b"home address", b"xmpmeta", b"Exif"):
        assert secret not in result.data
    # Orientation 6 was applied before the EXIF went: 640x480 landscape becomes portrait.
    assert (result.width, result.height) == (480, 640) == stored.size
    assert result.sha256 != __import__("hashlib").sha256(original).hexdigest()


@pytest.mark.parametrize(
    ("name", "source"), [("iphone.heic", ContentKind.HEIF), ("sticker.webp", ContentKind.WEBP)]
)
def test_heic_and_webp_are_converted_to_jpeg(
    corpus: Corpus, name: str, source: ContentKind
) -> None:
    result = inspect(
        corpus[name].data,
        declared_mime="image/heic" if source == ContentKind.HEIF else "image/webp",
    )
    assert isinstance(result, Accepted)
    assert result.source == source
    assert result.converted
    assert (result.file_type, result.mime_type, result.extension) == (
        FileType.JPEG,
        "image/jpeg",
        "jpg",
    )
    assert result.data.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(result.data)).size == (640, 480)
    assert result.declared_mime_matches


def test_pdf_is_kept_byte_for_byte_with_its_page_count(corpus: Corpus) -> None:
    original = corpus["fpdf2-letter.pdf"].data
    result = inspect(original)
    assert isinstance(result, Accepted)
    assert result.data == original
    assert result.page_count == 1
    assert result.width is None


def test_sha256_is_of_the_stored_bytes(corpus: Corpus) -> None:
    import hashlib

    result = inspect(corpus["screenshot.png"].data)
    assert isinstance(result, Accepted)
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.size == len(result.data)


def test_type_is_decided_by_content_not_declared_mime(corpus: Corpus) -> None:
    result = inspect(corpus["gps-exif.jpg"].data, declared_mime="application/pdf")
    assert isinstance(result, Accepted)
    assert result.file_type == FileType.JPEG
    assert not result.declared_mime_matches
    refused = inspect(corpus["renamed-executable.jpg"].data, declared_mime="image/jpeg")
    assert isinstance(refused, Refused)
    assert refused.reason == RefusalReason.EXECUTABLE


def test_pdf_where_only_photos_are_accepted(corpus: Corpus) -> None:
    result = inspect(corpus["fpdf2-letter.pdf"].data, accept={FileType.JPEG, FileType.PNG})
    assert isinstance(result, Refused)
    assert result.reason == RefusalReason.TYPE_NOT_ALLOWED
    assert "photo" in result.message("en")


def test_photo_where_only_pdf_is_accepted(corpus: Corpus) -> None:
    result = inspect(corpus["gps-exif.jpg"].data, accept={FileType.PDF})
    assert isinstance(result, Refused)
    assert result.reason == RefusalReason.TYPE_NOT_ALLOWED
    assert "PDF" in result.message("hi")


def test_png_is_converted_when_only_jpeg_is_accepted(corpus: Corpus) -> None:
    result = inspect(corpus["screenshot.png"].data, accept={FileType.JPEG})
    assert isinstance(result, Accepted)
    assert result.file_type == FileType.JPEG


def test_transparent_png_to_jpeg_goes_onto_white() -> None:
    image = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = inspect(buffer.getvalue(), accept={FileType.JPEG})
    assert isinstance(result, Accepted)
    pixel = Image.open(io.BytesIO(result.data)).convert("RGB").getpixel((32, 32))
    assert isinstance(pixel, tuple)
    assert min(pixel) > 240


def test_large_photo_is_scaled_down_for_storage() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (6000, 4000), (10, 20, 30)).save(buffer, "JPEG", quality=70)
    result = inspect(buffer.getvalue(), max_bytes=20_000_000)
    assert isinstance(result, Accepted)
    assert (result.width, result.height) == (4096, 2731)


def test_stream_input_reads_at_most_max_bytes_plus_one() -> None:
    class Counting(io.BytesIO):
        read_total = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_total += len(chunk)
            return chunk

    stream = Counting(b"\xff\xd8\xff" + bytes(50_000_000))
    result = inspect(stream, max_bytes=1_000_000)
    assert isinstance(result, Refused)
    assert result.reason == RefusalReason.TOO_LARGE
    assert Counting.read_total == 1_000_001


def test_stream_input_accepted(corpus: Corpus) -> None:
    result = inspect(io.BytesIO(corpus["fpdf2-letter.pdf"].data))
    assert isinstance(result, Accepted)
    assert result.page_count == 1


def test_page_limit_is_configurable(corpus: Corpus) -> None:
    from sevadwar.documents.inspect import UploadLimits
    from sevadwar.documents.pdfs import PdfLimits

    result = inspect(
        corpus["too-many-pages.pdf"].data, limits=UploadLimits(pdf=PdfLimits(max_pages=60))
    )
    assert isinstance(result, Accepted)
    assert result.page_count == 51


def test_fpdf2_array_open_action_is_not_flagged(corpus: Corpus) -> None:
    with pikepdf.open(io.BytesIO(corpus["fpdf2-letter.pdf"].data)) as pdf:
        assert isinstance(pdf.Root.OpenAction, pikepdf.Array)  # the premise
    assert isinstance(inspect(corpus["fpdf2-letter.pdf"].data), Accepted)


def test_refusal_detail_names_what_was_found(corpus: Corpus) -> None:
    nested = inspect(corpus["launch-action-nested.pdf"].data)
    assert isinstance(nested, Refused)
    assert "/AA" in nested.detail
    obfuscated = inspect(corpus["javascript-names-obfuscated.pdf"].data)
    assert isinstance(obfuscated, Refused)
    assert "/JavaScript" in obfuscated.detail


# -- sniffing ----------------------------------------------------------------------------------


def test_sniff_names_formats_from_magic_bytes(corpus: Corpus) -> None:
    assert sniff(corpus["iphone.heic"].data) == ContentKind.HEIF
    assert sniff(corpus["sticker.webp"].data) == ContentKind.WEBP
    assert sniff(b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1") == ContentKind.AVIF
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2") == ContentKind.VIDEO
    assert sniff(b"\xef\xbb\xbf  <HTML><body>") == ContentKind.MARKUP
    assert sniff(b"hello") == ContentKind.UNKNOWN


def test_zip_detection_needs_a_real_central_directory(corpus: Corpus) -> None:
    jpeg = corpus["gps-exif.jpg"].data
    assert not has_zip_directory(jpeg + b"PK\x05\x06" + bytes(18))  # a stray signature
    assert has_zip_directory(corpus["polyglot-jpeg-zip.jpg"].data)
    assert find_polyglot(jpeg, ContentKind.JPEG) is None


# -- memory ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["huge-dimensions.png", "huge-header.jpg", "deflate-bomb.pdf"])
def test_bombs_are_refused_within_bounded_python_memory(corpus: Corpus, name: str) -> None:
    data = corpus[name].data
    tracemalloc.start()
    try:
        result = inspect(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, Refused)
    assert peak < 16 * 1024 * 1024, f"{name}: peak {peak} bytes"


_RSS_PROBE = """
import json, resource, sys
from sevadwar.catalogue.schema import FileType
from sevadwar.documents.inspect import inspect_upload
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = inspect_upload(data, declared_mime=None, accept=set(FileType), max_bytes=5_000_000)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"reason": getattr(result, "reason", None), "grew_kib": after - before}))
"""


@pytest.mark.parametrize("name", ["huge-dimensions.png", "deflate-bomb.pdf"])
def test_bombs_do_not_grow_the_process(corpus: Corpus, name: str, tmp_path: Path) -> None:
    """Pillow and qpdf allocate outside tracemalloc's view, so measure the real peak (RSS) in a
    fresh interpreter: a 30000x30000 image would need 900 MB; the bomb PDF inflates to 288 MiB."""
    path = tmp_path / name
    path.write_bytes(corpus[name].data)
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(out.stdout)
    assert report["reason"] in ("image_too_large", "decompression_bomb")
    assert report["grew_kib"] < 64 * 1024, report


def test_signed_pdf_is_kept_intact(corpus: Corpus) -> None:
    original = corpus["digitally-signed.pdf"].data
    with pikepdf.open(io.BytesIO(original)) as pdf:
        assert "/AcroForm" in pdf.Root  # the premise: a signature field is there
    result = inspect(original)
    assert isinstance(result, Accepted)
    assert result.data == original


@pytest.mark.parametrize(
    ("mode", "fmt", "expected_type"),
    [
        ("1", "PNG", FileType.PNG),
        ("L", "PNG", FileType.PNG),
        ("LA", "PNG", FileType.PNG),
        ("P", "PNG", FileType.PNG),
        ("RGBA", "PNG", FileType.PNG),
        ("I;16", "PNG", FileType.PNG),
        ("CMYK", "JPEG", FileType.JPEG),
        ("L", "JPEG", FileType.JPEG),
        ("RGBA", "WEBP", FileType.JPEG),
    ],
)
def test_every_common_pixel_mode_survives(mode: str, fmt: str, expected_type: FileType) -> None:
    buffer = io.BytesIO()
    Image.new(mode, (80, 60)).save(buffer, fmt)
    result = inspect(buffer.getvalue())
    assert isinstance(result, Accepted), result
    assert result.file_type == expected_type
    stored = Image.open(io.BytesIO(result.data))
    stored.load()
    assert stored.size == (80, 60)
    assert stored.mode in {"L", "LA", "RGB", "RGBA", "I;16", "I"}
