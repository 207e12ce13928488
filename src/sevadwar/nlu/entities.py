"""Reading field answers and the things a message mentions: dates, numbers, money, phones, PINs,
Aadhaar numbers, e-mail addresses, yes/no, and a choice among options.

Every function takes the citizen's text as typed (any script, Devanagari digits, extra words
such as "ji" or "please") and returns a typed value, or ``None`` when it cannot read one. None of
them raises on bad input. Aadhaar numbers are returned only by :func:`parse_aadhaar`; everything
else treats them as something to hide (:func:`redact`, ``Entities.aadhaar_present``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rapidfuzz import fuzz
from stdnum.in_ import aadhaar as stdnum_aadhaar

from sevadwar.applications.reference import find_references
from sevadwar.catalogue.schema import Option
from sevadwar.nlu.dates import date_spans, find_dates, is_digits, parse_date, today_or_now
from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import clean, folded_text, tokens
from sevadwar.nlu.numbers import (
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    amount_period,
    number_spans,
    parse_amount,
    parse_number,
    plain,
)
from sevadwar.nlu.types import Entities

__all__ = [
    "Pincode",
    "amount_period",
    "extract_entities",
    "find_dates",
    "find_patterned",
    "is_delhi_pincode",
    "mask_aadhaar",
    "mask_aadhaar_in",
    "match_option",
    "option_named_in",
    "parse_aadhaar",
    "parse_amount",
    "parse_date",
    "parse_email",
    "parse_number",
    "parse_phone",
    "parse_pincode",
    "parse_yes_no",
    "redact",
    "says_since_birth",
]

# ---------------------------------------------------------------------------------------------
# Yes / no


def parse_yes_no(text: str) -> bool | None:
    """True for yes (हाँ, haan, ji, ok, sahi, theek hai, 👍), False for no (नहीं, nahi, galat, ❌),
    None when the text is neither or both ("haan nahi", "not sure")."""
    lex = lexicon()
    stripped = clean(text).strip()
    if any(s in stripped for s in lex.negative_symbols):
        return False if not any(s in stripped for s in lex.affirmative_symbols) else None
    words = [t.fold for t in tokens(stripped)]
    if not words:
        return True if any(s in stripped for s in lex.affirmative_symbols) else None
    phrase = " ".join(words)
    if phrase in lex.negative:
        return False
    if phrase in lex.affirmative:
        return True
    strong: set[bool] = set()
    weak: set[bool] = set()
    other = 0
    first: bool | None = None  # the polarity of the opening word ("nahi, koi pension nahi milti")
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            chunk = " ".join(words[i : i + size])
            if size > 1 and i + size > len(words):
                continue
            polarity = (
                False if chunk in lex.negative else True if chunk in lex.affirmative else None
            )
            if polarity is not None or size == 1:
                break
        if polarity is None:
            if chunk not in lex.fillers:
                other += 1
        elif size == 1 and chunk in lex.fillers:
            weak.add(polarity)
        else:
            strong.add(polarity)
            first = polarity if i == 0 and chunk in lex.decisive else first
        i += size
    decided = strong or weak
    if len(decided) != 1:
        return None
    if other > 2 and (
        first is None or decided != {first} or other > 8 or any(w in lex.contrast for w in words)
    ):
        return None  # a long message is a yes or a no only when it opens with one, plainly
    return decided.pop()


# ---------------------------------------------------------------------------------------------
# Phone, PIN, Aadhaar, e-mail

_PHONE = re.compile(r"(?<![\d+])(?:\+?\s*91[\s\-]*|0)?([6-9](?:[\s\-]?\d){9})(?!\d)")
_TWELVE = re.compile(r"(?<!\d)(\d(?:[\s\-]?\d){11})(?!\d)")
_PINCODE = re.compile(r"(?<!\d)([1-9]\d{2})\s?(\d{3})(?!\d)")
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])"
)
_DELHI_PINS = range(110001, 110100)
_ASCII_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_REFERENCE_SPAN = re.compile(
    r"(?<![A-Za-z0-9])D\s*L[\s\-/]*(?:[2-9A-Za-z][\s\-]?){7}[2-9A-Za-z](?![A-Za-z0-9])",
    re.IGNORECASE,
)


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def _aadhaar_spans(cleaned: str) -> list[tuple[int, int]]:
    """Where 12-digit numbers that look like Aadhaar numbers are (first digit 2–9)."""
    spans = []
    for match in _TWELVE.finditer(cleaned):
        digits = _digits_only(match.group(1))
        if digits[0] in "01":
            continue
        phone_like = digits.startswith("91") and digits[2] in "6789"
        if phone_like and not stdnum_aadhaar.is_valid(digits):
            continue
        spans.append(match.span())
    return spans


def parse_phone(text: str) -> str | None:
    """An Indian mobile number as +91XXXXXXXXXX: "98765 43210", "+91-98765-43210",
    "09876543210", "९८७६५४३२१०". Landlines and other countries → None."""
    cleaned = clean(text)
    for match in _PHONE.finditer(cleaned):
        if any(a <= match.start() < b for a, b in _aadhaar_spans(cleaned)):
            continue
        return "+91" + _digits_only(match.group(1))
    return None


@dataclass(frozen=True, slots=True)
class Pincode:
    code: str
    in_delhi: bool


def is_delhi_pincode(code: str) -> bool:
    return is_digits(code) and len(code) == 6 and int(code) in _DELHI_PINS


def parse_pincode(text: str) -> Pincode | None:
    """A six-digit Indian PIN code ("110001", "110 001", "११०००१") and whether it is in Delhi
    (110001–110099). None when there is no PIN-shaped number."""
    for match in _PINCODE.finditer(clean(text)):
        code = match.group(1) + match.group(2)
        return Pincode(code, is_delhi_pincode(code))
    return None


def parse_aadhaar(text: str) -> str | None:
    """The 12 digits of a valid Aadhaar number (Verhoeff check) written with or without spaces
    or dashes, else None. Keep the result out of logs; show it with :func:`mask_aadhaar`."""
    cleaned = clean(text)
    for match in _TWELVE.finditer(cleaned):
        digits = _digits_only(match.group(1))
        if stdnum_aadhaar.is_valid(digits):
            return digits
    compact = _digits_only(cleaned)
    if len(compact) == 12 and stdnum_aadhaar.is_valid(compact):
        return compact
    return None


def mask_aadhaar(digits: str) -> str:
    """XXXX-XXXX-1234."""
    only = _digits_only(digits)
    return f"XXXX-XXXX-{only[-4:]}" if len(only) >= 4 else "XXXX-XXXX-XXXX"


def find_patterned(pattern: str, text: str) -> str | None:
    """The answer matching ``pattern`` (a catalogue field's, anchored): the whole text, or the one
    part of it that matches ("my KNO is 3124561234"); Devanagari digits read as ASCII. None when
    nothing matches, or several different parts do."""
    plain = " ".join(text.translate(_ASCII_DIGITS).split())
    if re.fullmatch(pattern, plain):
        return plain
    core = pattern.removeprefix("^").removesuffix("$")
    try:
        parts = re.finditer(rf"(?<!\w)(?:{core})(?!\w)", plain)
        found = {m.group(0).strip() for m in parts}
    except re.error:
        return None
    found = {part for part in found if re.fullmatch(pattern, part)}
    return found.pop() if len(found) == 1 else None


def mask_aadhaar_in(text: str) -> str:
    """``text`` with every Aadhaar-like number masked as XXXX-XXXX-1234 (what a citizen writes
    to an officer is kept; an Aadhaar number never in clear)."""
    digits = text.translate(_ASCII_DIGITS)  # same length, so spans carry over
    out = text
    for start, end in sorted(_aadhaar_spans(digits), reverse=True):
        out = out[:start] + mask_aadhaar(digits[start:end]) + out[end:]
    return out


def parse_email(text: str) -> str | None:
    """The first e-mail address, domain in lower case."""
    match = _EMAIL.search(clean(text).strip())
    if not match:
        return None
    return f"{match.group(1)}@{match.group(2).lower()}"


def redact(text: str) -> str:
    """``text`` with Aadhaar-like numbers, phone numbers and e-mail addresses replaced by
    [AADHAAR], [PHONE] and [EMAIL], for prompts and logs. Everything else is left as written."""
    digits = text.translate(_ASCII_DIGITS)  # same length, so spans carry over
    spans = [(start, end, "[EMAIL]") for start, end in (m.span() for m in _EMAIL.finditer(digits))]
    found = [(start, end, "[AADHAAR]") for start, end in _aadhaar_spans(digits)]
    found += [(m.start(), m.end(), "[PHONE]") for m in _PHONE.finditer(digits)]
    for start, end, label in found:
        if not any(a < end and start < b for a, b, _ in spans):
            spans.append((start, end, label))
    out = text
    for start, end, label in sorted(spans, reverse=True):
        out = out[:start] + label + out[end:]
    return out


# ---------------------------------------------------------------------------------------------
# Choices


def _option_phrases(option: Option) -> list[str]:
    texts = [option.id.replace("_", " ").replace("-", " ")]
    extra = option.label.model_extra or {}
    texts.append(option.label.en)
    texts += [v for v in extra.values() if isinstance(v, str)]
    texts += option.synonyms
    phrases = []
    for text in texts:
        phrases.append(folded_text(text))
        inner = re.findall(r"\(([^)]*)\)", text)  # "Male (boy)": also "male" and "boy"
        if inner:
            phrases.append(folded_text(re.sub(r"\([^)]*\)", " ", text)))
            phrases += [folded_text(i) for i in inner]
    return [p for p in phrases if p]


def says_since_birth(text: str) -> bool:
    """ "जन्म से", "janam se hi", "since birth" — in answer to "for how many years…?"."""
    said = folded_text(text)
    return any(_contains(said, phrase) for phrase in lexicon().since_birth)


def option_named_in(text: str, options: Sequence[Option]) -> str | None:
    """The one option whose label or synonym ``text`` contains ("B-42, Sector 7, Rohini" names
    North West), by words only: no numbers, no close spellings. None for none or several."""
    said = folded_text(text)
    named = {
        option.id
        for option in options
        if any(len(p) > 2 and _contains(said, p) for p in _option_phrases(option))
    }
    return named.pop() if len(named) == 1 else None


def _contains(haystack: str, needle: str) -> bool:
    return f" {needle} " in f" {haystack} "


def match_option(text: str, options: Sequence[Option], language: str = "en") -> str | None:
    """The id of the option ``text`` picks, else None.

    By number ("2", "२", "2.", "option 2", "doosra"), by label in any language, by synonym, by
    a label or synonym inside a longer reply ("ladka hai"), then by a close spelling. None when
    two options fit equally. ``language`` breaks a tie in favour of that language's label.
    """
    if not options:
        return None
    lex = lexicon()
    words = [t.fold for t in tokens(text) if t.fold not in lex.fillers]
    if not words:
        words = [t.fold for t in tokens(text)]
    phrase = " ".join(words)
    if not phrase:
        return None
    by_number = _option_number(words, len(options))
    if by_number is not None:
        return options[by_number - 1].id
    phrases = [_option_phrases(o) for o in options]
    exact = [i for i, p in enumerate(phrases) if phrase in p]
    if len(exact) == 1:
        return options[exact[0]].id
    if len(exact) > 1:
        return _prefer_language(text, [options[i] for i in exact], language)
    contained: list[tuple[int, int]] = []  # (length of the matched phrase, option index)
    for i, option_phrases in enumerate(phrases):
        lengths = [len(p) for p in option_phrases if _contains(phrase, p)]
        if lengths:
            contained.append((max(lengths), i))
    if contained:
        contained.sort(reverse=True)
        if len(contained) == 1 or contained[0][0] > contained[1][0]:
            return options[contained[0][1]].id
        return None
    scores = sorted(
        (
            (max(fuzz.ratio(phrase, p) for p in option_phrases), i)
            for i, option_phrases in enumerate(phrases)
        ),
        reverse=True,
    )
    best, index = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best >= 80 and best - runner_up >= 8:
        return options[index].id
    return None


def _option_number(words: Sequence[str], count: int) -> int | None:
    lex = lexicon()
    rest = [
        w
        for w in words
        if w
        not in {"option", "opshan", "number", "no", "nanbar", "vala", "vali", "nan", "nanbr", "nu"}
    ]
    if len(rest) != 1:
        return None
    word = rest[0]
    number = int(word) if is_digits(word) else lex.ordinals.get(word)
    if number is None and word in lex.units and len(words) == 1:
        number = int(lex.units[word])
    if number is not None and 1 <= number <= count:
        return number
    return None


def _prefer_language(text: str, options: Sequence[Option], language: str) -> str | None:
    wanted = folded_text(text)
    for option in options:
        if folded_text(option.label.get(language)) == wanted:
            return option.id
    return None


# ---------------------------------------------------------------------------------------------
# Everything in a message


def extract_entities(text: str, today: date | None = None) -> Entities:
    """References, dates, numbers, amounts, phones, PINs and e-mails mentioned in ``text``.

    Aadhaar-like numbers are flagged (``aadhaar_present``) and not read as anything else.
    """
    return scan(text, today)[0]


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def scan(text: str, today: date | None = None) -> tuple[Entities, str]:
    """The entities of ``text``, and the cleaned text with them blanked out (for the words)."""
    cleaned = clean(text)
    aadhaar = _aadhaar_spans(cleaned)
    rest = cleaned
    for start, end in aadhaar:
        rest = _blank(rest, start, end)
    references = tuple(find_references(rest))
    for match in _REFERENCE_SPAN.finditer(rest):
        if find_references(match.group(0)):
            rest = _blank(rest, *match.span())
    emails = [f"{m.group(1)}@{m.group(2).lower()}" for m in _EMAIL.finditer(rest)]
    rest = _EMAIL.sub(lambda m: " " * len(m.group(0)), rest)
    phones = ["+91" + _digits_only(m.group(1)) for m in _PHONE.finditer(rest)]
    rest = _PHONE.sub(lambda m: " " * len(m.group(0)), rest)
    date_hits = date_spans(rest, today_or_now(today), False)
    dates = list(dict.fromkeys(found for _, _, found in date_hits))
    words_text = rest
    for start, end, _ in date_hits:
        if any(c.isdigit() for c in rest[start:end]):
            rest = _blank(rest, start, end)
    pincodes = [m.group(1) + m.group(2) for m in _PINCODE.finditer(rest)]
    amounts: list[Decimal] = []
    numbers: list[Decimal] = []
    for number in number_spans(rest):
        if number.words_only:
            continue
        digits = _digits_only(rest[number.start : number.end])
        if len(digits) == 6 and digits in pincodes:
            continue
        before = rest[: number.start]
        after = rest[number.end :]
        is_money = bool(CURRENCY_BEFORE.search(before) or CURRENCY_AFTER.match(after))
        (amounts if is_money else numbers).append(plain(number.value))
    entities = Entities(
        references=references,
        dates=tuple(dates),
        numbers=tuple(numbers),
        amounts=tuple(amounts),
        phones=tuple(dict.fromkeys(phones)),
        pincodes=tuple(dict.fromkeys(pincodes)),
        emails=tuple(dict.fromkeys(emails)),
        aadhaar_present=bool(aadhaar),
    )
    return entities, words_text
