"""Normalisation: make the same words meet whatever the script, spelling or spacing.

Every text the NLU compares (a citizen's message, a catalogue synonym, an intent phrase) goes
through the same steps, so one folded spelling per word is enough in the data files:

1. Unicode NFC, zero-width characters removed, Devanagari digits to ASCII.
2. Devanagari folded: nukta dropped (ज़ → ज, फ़ → फ), chandrabindu → anusvara, the English
   "candra" vowels (ऑ, ॉ) → ओ/ो, visarga dropped. Then Hindi schwa deletion (जन्म → janm, बिजली
   → bijli, सरकार → sarkar) and transliteration to Roman with ``indic_transliteration.sanscript``.
3. Roman folded: casual Hinglish spellings meet (aa → a, ee → i, oo → u, w → v, ph → f, z → j,
   c → k/s, sh → s, doubled letters, a trailing 'a' dropped: janam/janm, patra/patr).
4. A *skeleton* of each folded word (first letter, then consonants without aspiration) catches the
   rest: janam/janm/जन्म → jnm, certificate/सर्टिफिकेट → srtfkt.

All functions are pure and cached per word, so they are thread-safe and cheap on repeated words.
The transliteration library is imported on first use; a table of words already transliterated
(:func:`transliterations`, :func:`preload_transliterations`) lets a process that starts from a
cache skip it until a new Devanagari word comes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from types import ModuleType
from typing import NamedTuple

import yaml

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_DEVANAGARI_FOLD = str.maketrans(
    {
        "\u093c": None,  # nukta
        "\u0901": "\u0902",  # chandrabindu → anusvara
        "\u0903": None,  # visarga
        "\u0949": "\u094b",  # candra o sign → o sign
        "\u0911": "\u0913",  # candra o → o
        "\u0945": "\u0947",  # candra e sign → e sign
        "\u090d": "\u090f",  # candra e → e
        "\u0972": "\u0911",  # candra a (rare)
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u00ad": None,  # soft hyphen
        "\u0964": " ",  # danda
        "\u0965": " ",  # double danda
    }
)

_CONSONANT = re.compile(r"[\u0915-\u0939\u0958-\u095f\u0978-\u097f]")
_VIRAMA = "\u094d"
_ANUSVARA = "\u0902"
_MATRAS = frozenset(chr(c) for c in range(0x093E, 0x094D)) | {"\u0955", "\u0956", "\u0957"}

# A word: Latin letters and digits, or Devanagari letters with their signs (not the dandas).
TOKEN = re.compile(r"(?:[^\W_]|[\u0900-\u0963\u0966-\u097f])+")
_DEVANAGARI_CHAR = re.compile(r"[\u0900-\u097f]")
_LATIN_CHAR = re.compile(r"[A-Za-z\u00c0-\u024f]")
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)


def has_devanagari(text: str) -> bool:
    return _DEVANAGARI_CHAR.search(text) is not None


def has_latin(text: str) -> bool:
    return _LATIN_CHAR.search(text) is not None


def clean(text: str) -> str:
    """NFC, Devanagari digits as ASCII, Devanagari variants folded. Case is kept."""
    return (
        unicodedata.normalize("NFC", text).translate(_DEVANAGARI_DIGITS).translate(_DEVANAGARI_FOLD)
    )


def _syllables(word: str) -> list[list[str]]:
    """Split a Devanagari word into units: [consonant cluster or vowel, vowel sign, modifiers]."""
    units: list[list[str]] = []
    i = 0
    while i < len(word):
        char = word[i]
        if _CONSONANT.match(char):
            cluster = char
            i += 1
            while i + 1 < len(word) and word[i] == _VIRAMA and _CONSONANT.match(word[i + 1]):
                cluster += word[i : i + 2]
                i += 2
            sign = ""
            if i < len(word) and (word[i] in _MATRAS or word[i] == _VIRAMA):
                sign = word[i]
                i += 1
            units.append([cluster, sign, ""])
        else:
            if char == _ANUSVARA and units:
                units[-1][2] += char
            else:
                units.append([char, "", ""])
            i += 1
    return units


def _has_schwa(unit: list[str]) -> bool:
    return bool(_CONSONANT.match(unit[0])) and unit[1] == "" and unit[2] == ""


def _is_syllabic(unit: list[str]) -> bool:
    """Does the unit carry a vowel (inherent, a sign, or an independent vowel)?"""
    if _CONSONANT.match(unit[0]):
        return unit[1] != _VIRAMA
    return "\u0904" <= unit[0][0] <= "\u0914" or unit[0][0] in "\u0960\u0961"


def delete_schwa(word: str) -> str:
    """Hindi schwa deletion on a Devanagari word: जन्म → जन्म्, बिजली → बिज्ली, करना → कर्ना.

    The final inherent vowel of a word of two or more syllables goes; a medial one goes between a
    vowel-bearing syllable and a consonant that carries a vowel (scanning right to left, the
    usual Ohala rule). Words the rule misjudges still meet their spellings through the skeleton.
    """
    units = _syllables(word)
    if len(units) < 2:
        return word
    deleted = [False] * len(units)
    last = len(units) - 1
    if _has_schwa(units[last]) and _is_syllabic(units[last - 1]):
        deleted[last] = True
    for k in range(last - 1, 0, -1):
        if not _has_schwa(units[k]):
            continue
        before = units[k - 1]
        after = units[k + 1]
        if (
            _is_syllabic(before)
            and not deleted[k - 1]
            and _CONSONANT.match(after[0])
            and _is_syllabic(after)
            and not deleted[k + 1]
            and "\u094d" not in units[k][0]
        ):
            deleted[k] = True
    return "".join(
        unit[0] + (_VIRAMA if gone else unit[1]) + unit[2]
        for unit, gone in zip(units, deleted, strict=True)
    )


_ITRANS_FOLD = (
    ("j~n", "gy"),
    ("~n", "n"),
    ("~N", "n"),
    (".N", "n"),
    (".a", ""),
    ("RRI", "ri"),
    ("RRi", "ri"),
    ("LLi", "li"),
    ("kSh", "ksh"),
    ("Sh", "sh"),
    ("M", "n"),
    ("H", ""),
    (".D", "d"),
    (".n", "n"),
    ("^", ""),
)


_PRELOADED: dict[str, str] = {}  # Devanagari word → transliteration, filled from a cache


@lru_cache(maxsize=1)
def _sanscript() -> ModuleType:
    from indic_transliteration import sanscript  # slow to import: loads every scheme

    module: ModuleType = sanscript
    return module


@lru_cache(maxsize=65536)
def _transliterate(word: str) -> str:
    """A Devanagari word (cleaned) in lower-case ITRANS-like letters, after schwa deletion."""
    known = _PRELOADED.get(word)
    if known is not None:
        return known
    sanscript = _sanscript()
    itrans: str = sanscript.transliterate(
        delete_schwa(word), sanscript.DEVANAGARI, sanscript.ITRANS
    )
    for old, new in _ITRANS_FOLD:
        itrans = itrans.replace(old, new)
    # Anything the scheme left in Devanagari (rare signs) is dropped.
    return _DEVANAGARI_CHAR.sub("", itrans.lower())


def transliterations(texts: Iterable[str]) -> dict[str, str]:
    """The transliteration of every Devanagari word in ``texts``, to save with a cache."""
    table: dict[str, str] = {}
    for text in texts:
        for raw in TOKEN.findall(_POSSESSIVE.sub("", clean(text))):
            word = raw.lower()
            if has_devanagari(word) and word not in table:
                table[word] = _transliterate(word)
    return table


def preload_transliterations(table: Mapping[str, str]) -> None:
    """Use ``table`` (from :func:`transliterations`) before the library. Call at start-up,
    before parsing; the entries must come from :func:`transliterations` of this version."""
    _PRELOADED.update(table)


@lru_cache(maxsize=1)
def _letter_names() -> dict[str, str]:
    """Romanised Hindi spellings of English letter names (बी → 'bi' → 'b'), from the lexicon."""
    source = resources.files("sevadwar.nlu").joinpath("data/lexicon.yaml").read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    letters: dict[str, list[str]] = yaml.load(source, Loader=loader)["letters"]  # noqa: S506
    names: dict[str, str] = {}
    for letter, spellings in letters.items():
        for spelling in spellings:
            roman = _transliterate(clean(spelling))
            names[roman] = letter
            # Inside a longer word the schwa of a name may go too: डब्ल्यू in ईडब्ल्यूएस.
            names[re.sub(r"(?<=.)a(?=[^aeiou])", "", roman)] = letter
    return names


def _as_letters(roman: str) -> str | None:
    """'obisi' → 'obc' when the whole word is a run of two or more letter names, else None."""
    names = _letter_names()
    longest = max(len(n) for n in names)
    best: list[str | None] = [""] + [None] * len(roman)  # best[i]: letters spelling roman[:i]
    for end in range(1, len(roman) + 1):
        for start in range(max(0, end - longest), end):
            head = best[start]
            letter = names.get(roman[start:end])
            if head is not None and letter is not None:
                best[end] = head + letter
                break
    spelled = best[-1]
    return spelled if spelled is not None and len(spelled) >= 2 else None


@lru_cache(maxsize=65536)
def romanise_word(word: str) -> str:
    """A word in casual Roman letters (lower case, before folding).

    Devanagari is transliterated; an acronym spelled out in Hindi letters becomes the Latin
    letters (ओबीसी → obc, आरसी → rc).
    """
    if not has_devanagari(word):
        return word.lower()
    roman = _transliterate(word)
    return _as_letters(roman) or roman


_ROMAN_RULES = (
    (re.compile(r"[àáâãäå]"), "a"),
    (re.compile(r"[èéêë]"), "e"),
    (re.compile(r"[ìíîï]"), "i"),
    (re.compile(r"[òóôõö]"), "o"),
    (re.compile(r"[ùúûü]"), "u"),
    (re.compile(r"ṃ|ṁ|ñ|ṅ|ṇ"), "n"),
    (re.compile(r"cch|chch"), "ch"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"ch"), "\x01"),  # protect च before c is folded
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"\x01"), "ch"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "j"),
    (re.compile(r"q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"ee|ii"), "i"),
    (re.compile(r"oo|uu"), "u"),
    (re.compile(r"aa"), "a"),
    (re.compile(r"m(?=[bp])"), "n"),
    (re.compile(r"([a-z])\1+"), r"\1"),
    (re.compile(r"(?<=[bcdfghjklmnpqrstvwxz])y$"), "i"),  # verify/verifi-cation, city/siti
)
_TRAILING_A = re.compile(r"(?<=[bcdfghjklmnpqrstvwxyz])a$")
_ROMAN_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """The folded form of one word (any script): ``जन्म`` and ``janam`` → ``janm``/``janam``."""
    roman = romanise_word(word)
    if roman.isdigit():
        return roman
    for pattern, replacement in _ROMAN_RULES:
        roman = pattern.sub(replacement, roman)
    if len(roman) > 3:  # keep 'ka', 'na', 'bha': too short to lose a vowel
        roman = _TRAILING_A.sub("", roman)
    return roman


@lru_cache(maxsize=65536)
def skeleton(folded: str) -> str:
    """First letter, then consonants only, aspiration dropped: ``janam`` → ``jnm``."""
    if not folded or folded.isdigit():
        return folded
    out = [folded[0]]
    previous = folded[0]
    for char in folded[1:]:
        aspiration = char == "h" and previous not in _ROMAN_VOWELS
        previous = char
        if char in _ROMAN_VOWELS or aspiration:
            continue
        if char != out[-1]:
            out.append(char)
    return "".join(out)


class Token(NamedTuple):
    """One word of a text: as written, folded, and its skeleton. (A named tuple: cheap to make,
    and many are made.)"""

    raw: str
    fold: str
    skel: str


def tokens(text: str) -> tuple[Token, ...]:
    """The words of ``text`` (any script) in order, folded."""
    cleaned = _POSSESSIVE.sub("", clean(text))
    out = []
    for raw in TOKEN.findall(cleaned):
        folded = fold_word(raw.lower())
        if folded:
            out.append(Token(raw, folded, skeleton(folded)))
    return tuple(out)


def folded_text(text: str) -> str:
    """The folded words of ``text`` joined by single spaces."""
    return " ".join(t.fold for t in tokens(text))
