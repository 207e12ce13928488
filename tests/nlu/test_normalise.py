"""One folded form for the same words in Devanagari, Hinglish spellings, and run together."""

from __future__ import annotations

import pytest

from sevadwar.nlu.normalise import clean, delete_schwa, fold_word, folded_text, skeleton, tokens


def skeletons(text: str) -> list[str]:
    return [t.skel for t in tokens(text)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("जन्म प्रमाण पत्र", "janam praman patra"),
        ("जन्म प्रमाण पत्र", "janm praman patr"),
        ("बच्चे का बर्थ सर्टिफिकेट", "bache ka birth certificate"),
        ("बिजली का बिल", "bijli ka bill"),
        ("बिजली का बिल", "bijlee ka bil"),
        ("आमदनी", "aamdani"),
        ("संपत्ति", "sampatti"),
        ("सम्पत्ति", "sampati"),
        ("ज़मीन", "zameen"),
        ("जमीन", "jamin"),
        ("विवाह", "vivaah"),
        ("विवाह", "vivah"),
        ("शादी", "shaadi"),
        ("किरायेदार", "kirayedar"),
        ("मृत्यु", "mrityu"),
        ("हाँ", "haan"),
        ("हां", "han"),
        ("दाखिल खारिज", "dakhil kharij"),
        ("नौकरी", "naukri"),
        ("पिछड़ा", "pichda"),
        ("सड़क", "sadak"),
        ("ओबीसी", "obc"),
        ("ईडब्ल्यूएस", "EWS"),
        ("आरसी", "RC"),
        ("एसडीएम", "sdm"),
        ("licence", "license"),
        ("लाइसेंस", "license"),
        ("फ़रवरी", "farvari"),
        ("सुधार", "sudhaar"),
        ("ऑफिस", "office"),
    ],
)
def test_scripts_and_spellings_meet(first: str, second: str) -> None:
    assert skeletons(first) == skeletons(second)


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("janam", "janam"),
        ("patra", "patr"),
        ("pramaan", "praman"),
        ("bachche", "bache"),
        ("photo", "foto"),
        ("water", "vater"),
        ("zila", "jil"),
        ("verify", "verifi"),
        ("ka", "ka"),  # short words keep their vowel
        ("जन्म", "janm"),
        ("बिजली", "bijli"),
        ("करना", "karn"),  # a final "a" goes in long words, in both scripts
        ("सरकार", "sarkar"),
        ("पंजीकरण", "panjikran"),
    ],
)
def test_fold_word(word: str, folded: str) -> None:
    assert fold_word(word) == folded


def test_skeleton_keeps_the_first_letter_and_drops_vowels_and_aspiration() -> None:
    assert skeleton("janam") == "jnm"
    assert skeleton("bhugtan") == "bgtn"
    assert skeleton("vivah") == "vh"
    assert skeleton("aay") == "a"
    assert skeleton("2024") == "2024"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("जन्म", "जन्म्"),
        ("बिजली", "बिज्ली"),
        ("करना", "कर्ना"),
        ("का", "का"),
        ("न", "न"),
        ("राम", "राम्"),
    ],
)
def test_schwa_deletion(word: str, expected: str) -> None:
    assert delete_schwa(word) == expected


def test_clean_folds_digits_nukta_and_candra_vowels() -> None:
    assert clean("१२३४५६७८९०") == "1234567890"
    assert clean("ज़मीन") == clean("जमीन")
    assert clean("फ़ीस") == clean("फीस")
    assert clean("हाँ") == clean("हां")
    assert clean("ऑफ़िस") == clean("ओफिस")


def test_tokens_drop_punctuation_and_possessives() -> None:
    assert folded_text("Father's death-certificate!!") == "father death sertifikate"
    assert folded_text("मेरा आवेदन।") == folded_text("mera aavedan")
    assert folded_text("") == ""
    assert tokens("  ,.;  ") == ()
