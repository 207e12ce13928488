"""The NLU's word lists (``data/lexicon.yaml``), folded once and shared read-only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from sevadwar.nlu.normalise import folded_text

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data(name: str) -> dict[str, Any]:
    """A YAML file from ``sevadwar/nlu/data``."""
    source = resources.files("sevadwar.nlu").joinpath(f"data/{name}").read_text("utf-8")
    data = yaml.load(source, Loader=_LOADER)  # noqa: S506 - a safe loader
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top")
    return data


def data_texts() -> list[str]:
    """Every string in the NLU's data files (for :func:`.normalise.transliterations`)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for name in ("lexicon.yaml", "intents.yaml"):
        walk(load_data(name))
    return found


def _strings(values: Iterable[Any], where: str) -> list[str]:
    out = []
    for value in values:
        if not isinstance(value, str):  # an unquoted yes/no/on/off in YAML becomes a bool
            raise ValueError(f"lexicon {where}: {value!r} is not a string (quote it)")
        out.append(value)
    return out


def _folded_set(values: Iterable[Any], where: str) -> frozenset[str]:
    return frozenset(f for f in (folded_text(v) for v in _strings(values, where)) if f)


def _raw_set(values: Iterable[Any], where: str) -> frozenset[str]:
    return frozenset(v.lower() for v in _strings(values, where))


def _folded_numbers(table: dict[str, Any], where: str) -> MappingProxyType[str, float]:
    out = {}
    for word, value in table.items():
        if not isinstance(word, str) or not isinstance(value, int | float):
            raise ValueError(f"lexicon {where}: {word!r}: {value!r}")
        out[folded_text(word)] = float(value)
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True)
class Lexicon:
    hinglish_strong: frozenset[str]  # folded
    hinglish_words: frozenset[str]
    hinglish_weak: frozenset[str]
    hinglish_strong_raw: frozenset[str]  # as written in the lexicon, lower case
    hinglish_words_raw: frozenset[str]
    hinglish_weak_raw: frozenset[str]
    hinglish_suffixes: tuple[str, ...]
    english: frozenset[str]  # common English words, as written (lower case)
    stopwords: frozenset[str]
    fillers: frozenset[str]
    months: MappingProxyType[str, int]
    affirmative: frozenset[str]  # folded phrases
    negative: frozenset[str]
    affirmative_symbols: frozenset[str]  # emoji and signs, as written
    negative_symbols: frozenset[str]
    units: MappingProxyType[str, float]
    fractions: MappingProxyType[str, float]
    multipliers: MappingProxyType[str, float]
    plus_half: frozenset[str]
    counted: frozenset[str]  # nouns a number word may stand before inside a sentence
    periods: MappingProxyType[str, str]  # folded word → "month" or "year"
    since_birth: frozenset[str]  # folded phrases: "जन्म से" for a number of years
    decisive: frozenset[str]  # folded: "haan", "नहीं" — may open a longer yes or no
    contrast: frozenset[str]  # folded: "lekin", "but" — a longer reply with one is neither
    name_markers: frozenset[str]  # folded: "नाम", "name" — the name follows
    name_links: frozenset[str]  # "is", "है" between the marker and the name
    name_self: frozenset[str]  # folded phrases: "i am" before one's own name
    name_self_hindi: frozenset[str]  # "मैं": before one's name when it ends in "हूँ"
    name_first_person: frozenset[str]  # "हूँ", "hoon"
    name_relations: frozenset[str]  # "पापा", "mother" — before a dash or a colon
    name_tail: frozenset[str]  # "है", "ji" after the name
    address_markers: frozenset[str]  # folded: "पता", "address" — the address follows
    address_links: frozenset[str]
    ordinals: MappingProxyType[str, int]
    relative_days: MappingProxyType[str, int]
    day_words: frozenset[str]  # folded: "din", "days" in "3 din pehle"
    ago_words: frozenset[str]  # folded: "pehle", "ago"


def _numbered(table: dict[Any, Any], where: str) -> MappingProxyType[str, int]:
    """{number: [names]} → {folded name: number}."""
    out: dict[str, int] = {}
    for number, names in table.items():
        for name in _strings(names, where):
            out[folded_text(name)] = int(number)
    return MappingProxyType(out)


def _symbols(values: list[str]) -> frozenset[str]:
    return frozenset(v.strip() for v in values if v.strip() and not folded_text(v))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = load_data("lexicon.yaml")
    hinglish = data["hinglish"]
    months = _numbered(data["months"], "months")
    numbers = data["numbers"]
    affirmative = _strings(data["affirmative"], "affirmative")
    negative = _strings(data["negative"], "negative")
    return Lexicon(
        hinglish_strong=_folded_set(hinglish["strong"], "hinglish.strong"),
        hinglish_words=_folded_set(hinglish["words"], "hinglish.words"),
        hinglish_weak=_folded_set(hinglish["weak"], "hinglish.weak"),
        hinglish_strong_raw=_raw_set(hinglish["strong"], "hinglish.strong"),
        hinglish_words_raw=_raw_set(hinglish["words"], "hinglish.words"),
        hinglish_weak_raw=_raw_set(hinglish["weak"], "hinglish.weak"),
        hinglish_suffixes=tuple(_raw_set(hinglish["suffixes"], "hinglish.suffixes")),
        english=_raw_set(data["english"], "english"),
        stopwords=_folded_set(data["stopwords"], "stopwords"),
        fillers=_folded_set(data["fillers"], "fillers"),
        months=months,
        affirmative=_folded_set(affirmative, "affirmative"),
        negative=_folded_set(negative, "negative"),
        affirmative_symbols=_symbols(affirmative),
        negative_symbols=_symbols(negative),
        units=_folded_numbers(numbers["units"], "numbers.units"),
        fractions=_folded_numbers(numbers["fractions"], "numbers.fractions"),
        multipliers=_folded_numbers(numbers["multipliers"], "numbers.multipliers"),
        plus_half=_folded_set(numbers["plus_half"], "numbers.plus_half"),
        counted=_folded_set(numbers["counted"], "numbers.counted"),
        periods=MappingProxyType(
            {
                word: period
                for period, words in data["periods"].items()
                for word in _folded_set(words, f"periods.{period}")
            }
        ),
        since_birth=_folded_set(data["since_birth"], "since_birth"),
        decisive=_folded_set(data["decisive"], "decisive"),
        contrast=_folded_set(data["contrast"], "contrast"),
        name_markers=_folded_set(data["names"]["markers"], "names.markers"),
        name_links=_folded_set(data["names"]["links"], "names.links"),
        name_self=_folded_set(data["names"]["self"], "names.self"),
        name_self_hindi=_folded_set(data["names"]["self_hindi"], "names.self_hindi"),
        name_first_person=_folded_set(data["names"]["first_person"], "names.first_person"),
        name_relations=_folded_set(data["names"]["relations"], "names.relations"),
        name_tail=_folded_set(data["names"]["tail"], "names.tail"),
        address_markers=_folded_set(data["addresses"]["markers"], "addresses.markers"),
        address_links=_folded_set(data["addresses"]["links"], "addresses.links"),
        ordinals=_numbered(data["ordinals"], "ordinals"),
        relative_days=_numbered(data["relative_days"], "relative_days"),
        day_words=_folded_set(data["days_ago"]["days"], "days_ago.days"),
        ago_words=_folded_set(data["days_ago"]["ago"], "days_ago.ago"),
    )
