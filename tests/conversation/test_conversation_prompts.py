"""The bot's words: every text in Hindi and English with the same blanks; commands in both."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
import yaml

from sevadwar.conversation.prompts import COMMANDS_FILE, PROMPTS_DIR, Commands, Prompts, fold

DEVANAGARI = re.compile(r"[\u0900-\u097f]")
LATIN = re.compile(r"[A-Za-z]")


def _load(language: str) -> dict[str, Any]:
    with (PROMPTS_DIR / f"{language}.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict)
    return data


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        assert isinstance(key, str), f"key {key!r} is not a string (quote yes/no/on/off keys)"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            assert isinstance(value, str), f"{prefix}{key} is {value!r}, not text"
            flat[f"{prefix}{key}"] = value
    return flat


EN = _flatten(_load("en"))
HI = _flatten(_load("hi"))


def _blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_hindi_and_english_have_the_same_keys() -> None:
    assert sorted(set(EN) - set(HI)) == []
    assert sorted(set(HI) - set(EN)) == []


@pytest.mark.parametrize("key", sorted(EN))
def test_same_placeholders_in_both_languages(key: str) -> None:
    assert _blanks(EN[key]) == _blanks(HI[key]), key


# Texts with English words; the others ("₹{amount}", "({number}/{total})") suit any language.
WORDED = sorted(k for k, v in EN.items() if LATIN.search(re.sub(r"\{[^}]*\}", "", v)))


def test_only_symbol_texts_are_language_neutral() -> None:
    assert sorted(set(EN) - set(WORDED)) == [
        "fee_amount",
        "not_given",
        "question_progress",
        "reaction_ignored",
    ]


@pytest.mark.parametrize("key", WORDED)
def test_hindi_text_is_written_in_devanagari(key: str) -> None:
    assert DEVANAGARI.search(HI[key]), f"{key}: {HI[key]!r}"


@pytest.mark.parametrize("key", sorted(EN))
def test_every_text_formats_with_its_blanks(key: str) -> None:
    for table in (EN, HI):
        values = dict.fromkeys(_blanks(table[key]), "X")
        table[key].format(**values)  # no stray braces


def test_both_languages_are_complete_and_offered_hindi_first() -> None:
    prompts = Prompts.load()
    assert prompts.languages == ("hi", "en")
    assert prompts.language_name("hi") == "हिन्दी"
    assert prompts.language_name("en") == "English"


def test_a_language_missing_a_text_is_not_offered() -> None:
    en, hi = _load("en"), _load("hi")
    del hi["welcome"]
    prompts = Prompts({"en": en, "hi": hi})
    assert prompts.languages == ("en",)
    assert prompts.text("hi", "welcome") == en["welcome"]  # falls back to English, never fails


def test_unknown_language_reads_english() -> None:
    prompts = Prompts.load()
    assert prompts.text("fr", "help") == EN["help"]
    assert prompts.text(None, "help") == EN["help"]


# ---------------------------------------------------------------------------------- commands


def _raw_commands() -> dict[str, Any]:
    with COMMANDS_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict)
    return data


COMMAND_NAMES = ["menu", "help", "back", "cancel", "language", "status", "human", "skip", "agree"]


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_has_english_and_hindi_words(name: str) -> None:
    words = [str(w) for w in _raw_commands()[name]]
    assert any(LATIN.search(w) for w in words), name
    assert any(DEVANAGARI.search(w) for w in words), name


def test_no_word_means_two_commands() -> None:
    data = _raw_commands()
    languages = data.pop("languages")
    data.pop("lacking")  # phrases inside a reply, not commands
    seen: dict[str, str] = {}
    for command, words in data.items():
        for word in words:
            key = fold(str(word))
            assert seen.setdefault(key, command) == command, f"{word!r}: {seen[key]} and {command}"
    for words in languages.values():
        for word in words:
            assert seen.get(fold(str(word)), "language") == "language", word


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("Menu", "menu"),
        ("  MENU!! ", "menu"),
        ("मेनू", "menu"),
        ("help", "help"),
        ("मदद", "help"),
        ("?", "help"),
        ("back", "back"),
        ("पीछे", "back"),
        ("wapas", "back"),
        ("cancel", "cancel"),
        ("रद्द", "cancel"),
        ("रद्द करें", "cancel"),
        ("language", "language"),
        ("भाषा", "language"),
        ("hindi", "language"),
        ("status", "status"),
        ("स्थिति", "status"),
        ("officer", "human"),
        ("अधिकारी", "human"),
        ("skip", "skip"),
        ("छोड़ें", "skip"),
        ("I agree", "agree"),
        ("सहमत", "agree"),
        ("ramesh", None),
        ("menu card dikhao bhai " * 3, None),  # a sentence is not a command
        ("", None),
    ],
)
def test_command_words(typed: str, command: str | None) -> None:
    assert Commands.load().command(typed) == command


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("hindi", "hi"),
        ("हिंदी", "hi"),
        ("हिन्दी", "hi"),
        ("English", "en"),
        ("अंग्रेज़ी", "en"),
        ("bhasha", None),
    ],
)
def test_language_names(typed: str, language: str | None) -> None:
    assert Commands.load().language(typed) == language
