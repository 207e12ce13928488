"""Language of a message: Devanagari Hindi, English, Hinglish (Romanised Hindi or mixed)."""

from __future__ import annotations

import pytest

from sevadwar.nlu.types import Language
from sevadwar.nlu.understanding import Understanding


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("मुझे आय प्रमाण पत्र चाहिए", "hi"),
        ("हाँ", "hi"),
        ("१२ मार्च २०२४", "hi"),
        ("I need an income certificate", "en"),
        ("hello", "en"),
        ("ladli scheme", "en"),
        ("hindu marriage registration", "en"),
        ("lal dora certificate for my house", "en"),
        ("transfer RC of my car", "en"),
        ("very bad service", "en"),
        ("birth certificate", "en"),
        ("birthcertificate", "en"),
        ("12345", "en"),
        ("👍", "en"),
        ("", "en"),
        ("mujhe income certificate chahiye", "hinglish"),
        ("bijli ka bill", "hinglish"),
        ("vivah panjikaran", "hinglish"),
        ("pichda varg praman patra", "hinglish"),
        ("nirman shramik panjikaran", "hinglish"),
        ("haan ji", "hinglish"),
        ("rehne do", "hinglish"),
        ("income certificate ke documents", "hinglish"),
        ("मृत्यु praman patra chahiye", "hinglish"),
        ("मुझे OBC certificate चाहिए", "hinglish"),
    ],
)
def test_language(understanding: Understanding, text: str, language: str) -> None:
    assert understanding.parse(text).language == Language(language)


def test_a_reference_number_does_not_make_hindi_mixed(understanding: Understanding) -> None:
    from sevadwar.applications.reference import new_reference

    assert understanding.parse(f"{new_reference()} का क्या हुआ").language == Language.HINDI
