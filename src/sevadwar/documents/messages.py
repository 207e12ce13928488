"""Bilingual refusal texts from ``documents/messages.yaml``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from sevadwar.catalogue.schema import FileType

if TYPE_CHECKING:
    from sevadwar.documents.results import Refused

LANGUAGES = ("en", "hi")
_IMAGES = frozenset({FileType.JPEG, FileType.PNG})


@cache
def _texts() -> dict[str, Any]:
    raw = resources.files("sevadwar.documents").joinpath("messages.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError("documents/messages.yaml: expected a mapping")
    return data


def _pick(entry: dict[str, str], language: str) -> str:
    return entry.get(language) or entry["en"]


def allowed_phrase(accept: frozenset[FileType], language: str) -> str:
    """How to name what a document may be: "a photo or a PDF", "a PDF", "a photo"."""
    key = "photo_or_pdf"
    if accept and FileType.PDF not in accept:
        key = "photo"
    elif accept and not accept & _IMAGES:
        key = "pdf"
    return _pick(_texts()["allowed"][key], language)


def _megabytes(max_bytes: int | None) -> str:
    if not max_bytes:
        return "?"
    for unit in (1_000_000, 1_048_576):  # limits are written in MB or MiB; name them as written
        if max_bytes % unit == 0:
            return str(max_bytes // unit)
    mb = max_bytes / 1_000_000
    return f"{mb:.0f}" if mb >= 10 else f"{mb:.1f}"


def refusal_message(refused: Refused, language: str) -> str:
    """The citizen-facing text for ``refused`` in ``language`` (English when unknown)."""
    entry = _texts()["refusal"][refused.reason.value]
    return _pick(entry, language).format(
        allowed=allowed_phrase(refused.accept, language),
        max_mb=_megabytes(refused.max_bytes),
        max_pages=refused.max_pages if refused.max_pages is not None else "?",
    )
