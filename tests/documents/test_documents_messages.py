"""Every refusal has a bilingual message that names what to send instead."""

from __future__ import annotations

import re

import pytest

from sevadwar.catalogue.schema import FileType
from sevadwar.documents.messages import _texts, allowed_phrase, refusal_message
from sevadwar.documents.results import RefusalReason, Refused

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.mark.parametrize("reason", list(RefusalReason))
def test_each_reason_has_english_and_hindi(reason: RefusalReason) -> None:
    entry = _texts()["refusal"][reason.value]
    assert set(entry) == {"en", "hi"}
    refused = Refused(reason, accept=frozenset(FileType), max_bytes=5_000_000, max_pages=50)
    english, hindi = refusal_message(refused, "en"), refusal_message(refused, "hi")
    assert "{" not in english
    assert "{" not in hindi
    assert not DEVANAGARI.search(english)
    assert len(DEVANAGARI.findall(hindi)) > 10


def test_messages_name_the_limits() -> None:
    too_large = Refused(RefusalReason.TOO_LARGE, accept=frozenset(FileType), max_bytes=5_000_000)
    assert "5 MB" in too_large.message("en")
    assert "5 MB" in too_large.message("hi")
    mib = Refused(RefusalReason.TOO_LARGE, accept=frozenset(FileType), max_bytes=10 * 1024 * 1024)
    assert "10 MB" in mib.message("en")
    pages = Refused(RefusalReason.TOO_MANY_PAGES, max_pages=50)
    assert "50" in pages.message("hi")


def test_allowed_phrase_follows_the_accept_set() -> None:
    assert allowed_phrase(frozenset({FileType.PDF}), "en") == "a PDF"
    assert allowed_phrase(frozenset({FileType.JPEG, FileType.PNG}), "hi") == "फ़ोटो (JPEG या PNG)"
    assert allowed_phrase(frozenset(FileType), "hi") == "फ़ोटो या PDF"
    message = Refused(RefusalReason.UNSUPPORTED_TYPE, accept=frozenset({FileType.PDF})).message(
        "en"
    )
    assert message.endswith("Please send a PDF.")


def test_unknown_language_falls_back_to_english() -> None:
    refused = Refused(RefusalReason.EMPTY, accept=frozenset(FileType))
    assert refused.message("pa") == refused.message("en")
