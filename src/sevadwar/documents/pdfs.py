"""Check an uploaded PDF with pikepdf (qpdf) without rendering or rewriting it.

A PDF is refused when it is encrypted, truncated, has too many pages, or carries *active
content* anywhere in its object graph. The graph is walked from the trailer, through direct and
indirect objects alike (a nested ``/AA << /O << /S /Launch >> >>`` is a direct dictionary that
``pdf.objects`` would miss), and names are compared after qpdf has decoded them, so
``/J#61vaScript`` is ``/JavaScript`` here (toolchain notes §6). Raw-byte grepping is never used.

Active content:

- the keys ``/JavaScript``, ``/JS``, ``/AA`` (additional actions), ``/EmbeddedFiles``, ``/EF``,
  ``/AF`` (associated files), ``/XFA``, ``/RichMedia…`` anywhere;
- any action dictionary (one with ``/S``) of a dangerous type: JavaScript, Launch, SubmitForm,
  ImportData, GoToR, GoToE, Rendition, Movie, Sound, RichMediaExecute;
- an ``/OpenAction`` *dictionary* that is anything but a plain ``/GoTo``. fpdf2 writes an
  *array* ``/OpenAction [page /FitH null]`` into every PDF: a destination, harmless, allowed.
- objects typed ``/EmbeddedFile``, ``/FileAttachment``, ``/RichMedia``.

Link annotations with ``/URI`` actions stay allowed: they need a click and viewers ask first.

Bombs: streams are never decoded through qpdf. Each ``/FlateDecode`` stream is inflated here in
1 MiB steps and thrown away, only to count, until the document's budget is spent; image
XObjects declaring absurd dimensions are refused from their dictionary.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf

from sevadwar.documents.results import RefusalReason

_ACTIVE_KEYS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/AA",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/AF",
        "/XFA",
        "/RichMedia",
        "/RichMediaContent",
        "/RichMediaSettings",
    }
)
_DANGEROUS_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/RichMediaExecute",
    }
)
_DANGEROUS_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia"})
_STEP = 1 << 20
# What qpdf/pikepdf raise on hostile input; none of it may escape and stop a worker.
_PARSE_ERRORS = (
    pikepdf.PdfError,
    ValueError,
    RuntimeError,
    RecursionError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    NotImplementedError,
    OverflowError,
    MemoryError,
)
_TAIL = 1024


@dataclass(frozen=True, slots=True)
class PdfLimits:
    max_pages: int = 50
    max_objects: int = 200_000  # objects visited in the walk
    max_inflated_bytes: int = 256 * 1024 * 1024  # all Flate streams together, decoded
    max_image_pixels: int = 150_000_000  # one image XObject (A3 at 600 dpi is ~70 MP)


@dataclass(frozen=True, slots=True)
class PdfInfo:
    page_count: int


@dataclass(frozen=True, slots=True)
class PdfProblem:
    reason: RefusalReason
    detail: str


class _Found(Exception):
    def __init__(self, reason: RefusalReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def check_pdf(data: bytes, limits: PdfLimits) -> PdfInfo | PdfProblem:
    """Open ``data`` (which starts with ``%PDF-``) and decide whether it may be stored as is."""
    if b"%%EOF" not in data[-_TAIL:]:
        return PdfProblem(RefusalReason.CORRUPT, "no %%EOF at the end: truncated")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return PdfProblem(RefusalReason.ENCRYPTED_PDF, "a password is needed to open it")
    except _PARSE_ERRORS as exc:
        return PdfProblem(RefusalReason.CORRUPT, f"qpdf could not open it: {exc}")
    try:
        with pdf:
            return _check_open(pdf, limits)
    except _Found as found:
        return PdfProblem(found.reason, found.detail)
    except _PARSE_ERRORS as exc:
        return PdfProblem(RefusalReason.CORRUPT, f"{type(exc).__name__}: {exc}")


def _check_open(pdf: pikepdf.Pdf, limits: PdfLimits) -> PdfInfo | PdfProblem:
    if pdf.is_encrypted:
        return PdfProblem(RefusalReason.ENCRYPTED_PDF, "encrypted (owner password)")
    pages = len(pdf.pages)
    if pages == 0:
        return PdfProblem(RefusalReason.CORRUPT, "no pages")
    if pages > limits.max_pages:
        return PdfProblem(RefusalReason.TOO_MANY_PAGES, f"{pages} pages")
    _walk(pdf, limits)
    return PdfInfo(page_count=pages)


def _walk(pdf: pikepdf.Pdf, limits: PdfLimits) -> None:
    """Visit every object reachable from the trailer once; raise :class:`_Found` on a problem."""
    stack: list[pikepdf.Object] = [pdf.trailer]
    seen: set[tuple[int, int]] = set()
    visited = 0
    inflate_budget = [limits.max_inflated_bytes]
    while stack:
        obj = stack.pop()
        if obj.is_indirect:
            objgen = obj.objgen
            if objgen in seen:
                continue
            seen.add(objgen)
        visited += 1
        if visited > limits.max_objects:
            raise _Found(
                RefusalReason.DECOMPRESSION_BOMB, f"more than {limits.max_objects} objects"
            )
        if isinstance(obj, pikepdf.Stream):
            _check_stream(obj, limits, inflate_budget)
            stack.extend(_check_dictionary(obj.stream_dict, limits))
        elif isinstance(obj, pikepdf.Dictionary):
            stack.extend(_check_dictionary(obj, limits))
        elif isinstance(obj, pikepdf.Array):
            stack.extend(item for item in obj if _is_container(item))


def _is_container(obj: pikepdf.Object) -> bool:
    return isinstance(obj, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream)


def _name(obj: pikepdf.Object | None) -> str | None:
    return str(obj) if isinstance(obj, pikepdf.Name) else None


def _check_dictionary(obj: pikepdf.Dictionary, limits: PdfLimits) -> Iterator[pikepdf.Object]:
    keys = set(obj.keys())
    active = keys & _ACTIVE_KEYS
    if active:
        raise _Found(RefusalReason.PDF_ACTIVE_CONTENT, f"key {sorted(active)[0]}")
    action = _name(obj.get("/S"))
    if action in _DANGEROUS_ACTIONS:
        raise _Found(RefusalReason.PDF_ACTIVE_CONTENT, f"action /S {action}")
    for key in ("/Type", "/Subtype"):
        kind = _name(obj.get(key))
        if kind in _DANGEROUS_TYPES:
            raise _Found(RefusalReason.PDF_ACTIVE_CONTENT, f"{key} {kind}")
    if "/OpenAction" in keys:
        opening = obj.get("/OpenAction")
        if isinstance(opening, pikepdf.Dictionary) and _name(opening.get("/S")) != "/GoTo":
            raise _Found(RefusalReason.PDF_ACTIVE_CONTENT, "/OpenAction runs an action")
    if _name(obj.get("/Subtype")) == "/Image":
        width, height = obj.get("/Width"), obj.get("/Height")
        if (
            isinstance(width, int)
            and isinstance(height, int)
            and width * height > limits.max_image_pixels
        ):
            raise _Found(RefusalReason.DECOMPRESSION_BOMB, f"image {width}x{height}")
    for key in keys:
        value = obj.get(key)
        if value is not None and _is_container(value):
            yield value


def _check_stream(stream: pikepdf.Stream, limits: PdfLimits, budget: list[int]) -> None:
    filters = stream.stream_dict.get("/Filter")
    first = filters[0] if isinstance(filters, pikepdf.Array) and len(filters) else filters
    if _name(first) != "/FlateDecode":
        return
    budget[0] -= _inflated_size(stream.read_raw_bytes(), budget[0])
    if budget[0] < 0:
        raise _Found(
            RefusalReason.DECOMPRESSION_BOMB,
            f"Flate streams inflate to more than {limits.max_inflated_bytes} bytes",
        )


def _inflated_size(raw: bytes, budget: int) -> int:
    """Bytes ``raw`` inflates to, counting at most ``budget + 1``; memory stays at one step."""
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # zlib-wrapped, then bare deflate
        inflater = zlib.decompressobj(wbits)
        total = 0
        pending = raw
        try:
            while total <= budget and not inflater.eof:
                chunk = inflater.decompress(pending, _STEP)
                if not chunk and inflater.unconsumed_tail == pending:
                    break  # no progress: input exhausted (or a truncated stream)
                pending = inflater.unconsumed_tail
                total += len(chunk)
            return total
        except zlib.error:
            if total:  # a valid start then garbage: a viewer inflates as far as this too
                return total
            continue
    return 0  # undecodable: viewers will not expand it either
