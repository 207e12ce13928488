"""Payment texts exist in English and Hindi and fill their placeholders."""

from __future__ import annotations

import re
import string

import pytest

from sevadwar.payments.messages import payment_text, texts

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
ENTRIES = [(section, key) for section, entries in texts().items() for key in entries]


@pytest.mark.parametrize(("section", "key"), ENTRIES)
def test_every_text_is_bilingual_with_the_same_placeholders(section: str, key: str) -> None:
    entry = texts()[section][key]
    assert set(entry) == {"en", "hi"}
    assert DEVANAGARI.search(entry["hi"])
    assert not DEVANAGARI.search(entry["en"])
    fields = {
        lang: {f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f}
        for lang in ("en", "hi")
    }
    assert fields["en"] == fields["hi"]


def test_placeholders_are_filled() -> None:
    text = payment_text("chat", "paid", "hi", amount="₹50", reference="DL-7KQM-X4R9")
    assert "₹50" in text
    assert "DL-7KQM-X4R9" in text
    assert "{" not in text
    assert payment_text("chat", "link_button", "pa") == "Pay fee"
