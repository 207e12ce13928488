"""Decode an uploaded photo safely and write a fresh copy with nothing but pixels.

Order matters (toolchain notes §6):

1. Open with Pillow, restricted to the format the bytes were sniffed as. Only the header is read;
   the dimensions are checked *before* any pixel is decoded, so a 30000×30000 "pixel flood" costs
   nothing. ``DecompressionBombWarning`` is made an error as a second line.
2. Large JPEGs are decoded at a reduced scale (``draft``), so memory follows the output size.
3. Shrink to ``max_output_side``, then ``ImageOps.exif_transpose`` (a sideways phone photo is
   turned upright before its EXIF goes), then paste into a brand-new image and encode that, so
   EXIF, GPS, XMP, ICC, comments and anything appended to the file are gone.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from sevadwar.catalogue.schema import FileType
from sevadwar.documents.results import RefusalReason
from sevadwar.documents.sniff import ContentKind

pillow_heif.register_heif_opener()

_PIL_FORMATS = {
    ContentKind.JPEG: "JPEG",
    ContentKind.PNG: "PNG",
    ContentKind.HEIF: "HEIF",
    ContentKind.WEBP: "WEBP",
}
_PNG_MODES = frozenset({"L", "LA", "RGB", "RGBA", "I;16"})
_JPEG_QUALITY = 85

# What Pillow and its plugins raise on hostile or broken input.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    ZeroDivisionError,
    MemoryError,
    RuntimeError,
)


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_pixels: int = 40_000_000
    max_side: int = 20_000
    min_side: int = 32
    max_output_side: int = 4096  # longer side of the stored image


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    file_type: FileType
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ImageProblem:
    reason: RefusalReason
    detail: str


def clean_image(
    data: bytes, kind: ContentKind, output: FileType, limits: ImageLimits
) -> CleanImage | ImageProblem:
    """Decode ``data`` (sniffed as ``kind``) and re-encode it as ``output`` (JPEG or PNG)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _clean(data, kind, output, limits)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return ImageProblem(RefusalReason.IMAGE_TOO_LARGE, str(exc))
    except _DECODE_ERRORS as exc:
        return ImageProblem(RefusalReason.CORRUPT, f"{type(exc).__name__}: {exc}")


def _clean(
    data: bytes, kind: ContentKind, output: FileType, limits: ImageLimits
) -> CleanImage | ImageProblem:
    with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]]) as source:
        width, height = source.size
        if width * height > limits.max_pixels or max(width, height) > limits.max_side:
            return ImageProblem(RefusalReason.IMAGE_TOO_LARGE, f"{width}x{height} from the header")
        if min(width, height) < limits.min_side:
            return ImageProblem(RefusalReason.IMAGE_TOO_SMALL, f"{width}x{height}")
        if kind == ContentKind.JPEG and max(width, height) > limits.max_output_side:
            scale = limits.max_output_side / max(width, height)
            source.draft(source.mode, (int(width * scale) + 1, int(height * scale) + 1))
        source.load()
        # ``thumbnail`` works in place and keeps ``info``, so the EXIF orientation survives it
        # and ``exif_transpose`` can turn the picture upright before the metadata is dropped.
        source.thumbnail(
            (limits.max_output_side, limits.max_output_side),
            Image.Resampling.LANCZOS,
            reducing_gap=2.0,  # box-reduce first: faster, and fewer full-size intermediates
        )
        ImageOps.exif_transpose(source, in_place=True)
        pixels = _fresh(_normalise_mode(source, output))
    buffer = io.BytesIO()
    if output == FileType.PNG:
        pixels.save(buffer, format="PNG")
    else:
        pixels.save(buffer, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
    return CleanImage(buffer.getvalue(), output, pixels.width, pixels.height)


def _normalise_mode(image: Image.Image, output: FileType) -> Image.Image:
    """A mode the output format stores faithfully; transparency goes onto white for JPEG."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if output == FileType.PNG:
        if image.mode in _PNG_MODES:
            return image
        if image.mode == "1":
            return image.convert("L")
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("I;16", "I"):  # 16-bit greyscale: keep the top 8 bits
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def _fresh(image: Image.Image) -> Image.Image:
    """The same pixels in a new image with empty ``info`` (no EXIF, XMP, ICC or comment)."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean
