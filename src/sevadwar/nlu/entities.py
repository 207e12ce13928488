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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz
from stdnum.in_ import aadhaar as stdnum_aadhaar

from sevadwar.applications.reference import find_references
from sevadwar.catalogue.schema import Option
from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import Token, clean, folded_text, tokens
from sevadwar.nlu.types import Entities

__all__ = [
    "Pincode",
    "extract_entities",
    "find_dates",
    "is_delhi_pincode",
    "mask_aadhaar",
    "match_option",
    "parse_aadhaar",
    "parse_amount",
    "parse_date",
    "parse_email",
    "parse_number",
    "parse_phone",
    "parse_pincode",
    "parse_yes_no",
    "redact",
]

# ---------------------------------------------------------------------------------------------
# Dates

_MIN_YEAR = 1900
_MAX_YEAR = 2100
_ISO = re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")
_NUMERIC = re.compile(
    r"(?<![\d.])(\d{1,2})\s*[-/.\\]\s*(\d{1,2})\s*[-/.\\]\s*(\d{4}|\d{2})(?![\d])"
)
_COMPACT = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")


def _today(today: date | None) -> date:
    return today if today is not None else datetime.now(UTC).date()


def _year(value: int, digits: int, today: date, prefer_future: bool) -> int:
    """A two-digit year in this century, or the last one when that would be in the future."""
    if digits > 2:
        return value
    year = 2000 + value
    if prefer_future:
        return year
    return year if year <= today.year else year - 100


def _make_date(year: int, month: int, day: int) -> date | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric_date(
    first: str, second: str, year_text: str, today: date, prefer_future: bool
) -> date | None:
    day, month = int(first), int(second)
    if month > 12 >= day:  # 03/25/2024 can only be month first
        day, month = month, day
    year = _year(int(year_text), len(year_text), today, prefer_future)
    found = _make_date(year, month, day)
    if found and len(year_text) == 2 and not prefer_future and found > today:
        found = _make_date(year - 100, month, day)
    return found


def _day_number(token: Token) -> int | None:
    text = token.raw.lower()
    match = _ORDINAL.match(text)
    if match:
        text = match.group(1)
    if text.isdigit() and len(text) <= 2 and 1 <= int(text) <= 31:
        return int(text)
    return None


def _year_number(token: Token | None) -> tuple[int, int] | None:
    if token is None:
        return None
    text = token.raw.lstrip("'’")
    if text.isdigit() and len(text) in (2, 4):
        return int(text), len(text)
    return None


def _text_dates(
    words: Sequence[Token], today: date, prefer_future: bool
) -> list[tuple[int, int, date]]:
    """Dates with a month name: 12 March 2024, March 12 2024, 12 mar 24, १२ मार्च २०२४.

    Returns (first token, last token, date) for each.
    """
    months = lexicon().months
    found: list[tuple[int, int, date]] = []
    for i, token in enumerate(words):
        month = months.get(token.fold)
        if month is None:
            continue
        before = words[i - 1] if i > 0 else None
        after = words[i + 1] if i + 1 < len(words) else None
        after2 = words[i + 2] if i + 2 < len(words) else None
        day = _day_number(before) if before else None
        first = i - 1
        year_token, year_index = after, i + 1
        if day is None and after is not None and _day_number(after) is not None:
            day = _day_number(after)
            first = i
            year_token, year_index = after2, i + 2
        if day is None and before is not None and before.fold in {"of", "ki", "ka"} and i > 1:
            day = _day_number(words[i - 2])  # 12th of March
            first = i - 2
        if day is None:
            continue
        year_info = _year_number(year_token)
        if year_info is None:
            last = year_index - 1
            candidate = _make_date(today.year, month, day)
            if candidate and prefer_future and candidate < today:
                candidate = _make_date(today.year + 1, month, day)
        else:
            last = year_index
            year = _year(year_info[0], year_info[1], today, prefer_future)
            candidate = _make_date(year, month, day)
            if candidate and year_info[1] == 2 and not prefer_future and candidate > today:
                candidate = _make_date(year - 100, month, day)
        if candidate:
            found.append((first, last, candidate))
    return found


def _date_hits(text: str, today: date, prefer_future: bool) -> list[tuple[int, int, date]]:
    """(start, end, date) for every date in ``text`` (already cleaned), in order."""
    hits: list[tuple[int, int, date]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int) -> bool:
        return not any(a <= start < b for a, b in taken)

    for match in _ISO.finditer(text):
        found = _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        taken.append(match.span())
        if found:
            hits.append((*match.span(), found))
    for match in _NUMERIC.finditer(text):
        if not free(match.start()):
            continue
        taken.append(match.span())
        found = _numeric_date(match.group(1), match.group(2), match.group(3), today, prefer_future)
        if found:
            hits.append((*match.span(), found))
    for match in _COMPACT.finditer(text):
        digits = match.group(1)
        found = _make_date(int(digits[4:]), int(digits[2:4]), int(digits[:2])) or _make_date(
            int(digits[:4]), int(digits[4:6]), int(digits[6:])
        )
        if found:
            hits.append((*match.span(), found))
    words = tokens(text)
    spans = _token_spans(text, words)
    for first, last, found in _text_dates(words, today, prefer_future):
        if free(spans[first][0]):
            hits.append((spans[first][0], spans[last][1], found))
    if not hits:
        phrase = " ".join(t.fold for t in words)
        days = lexicon().relative_days.get(phrase)
        if days is not None:
            hits.append((0, len(text), today + timedelta(days=days)))
    hits.sort(key=lambda hit: hit[0])
    return hits


def _token_spans(text: str, words: Sequence[Token]) -> list[tuple[int, int]]:
    spans = []
    position = 0
    for token in words:
        index = text.find(token.raw, position)
        if index < 0:
            index = position
        spans.append((index, index + len(token.raw)))
        position = index + len(token.raw)
    return spans


def find_dates(text: str, today: date | None = None, *, prefer_future: bool = False) -> list[date]:
    """Every date written in ``text``, in order of appearance.

    Numeric dates are read day first (Indian convention: 03/04/2024 is 3 April), unless only the
    other reading is possible (03/25/2024). Two-digit years fall in this century, or the last one
    when that would be in the future (``prefer_future`` keeps them in this century, for dates
    such as a booking). Impossible dates (31/02/2024) are skipped.
    """
    out: list[date] = []
    for _, _, found in _date_hits(clean(text), _today(today), prefer_future):
        if found not in out:
            out.append(found)
    return out


def parse_date(text: str, today: date | None = None, *, prefer_future: bool = False) -> date | None:
    """The first date in ``text`` (see :func:`find_dates`), or None.

    Accepts 12/03/2024, 12-3-24, 12.03.2024, 2024-03-12, 12032024, 12 March 2024, 12th mar 24,
    March 12 2024, १२ मार्च २०२४, 12 मार्च 2024, 12 farvari 2020, "today"/"aaj". A month name
    without a year means this year.
    """
    found = find_dates(text, today, prefer_future=prefer_future)
    return found[0] if found else None


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
        i += size
    decided = strong or weak
    if len(decided) != 1 or other > 2:
        return None
    return decided.pop()


# ---------------------------------------------------------------------------------------------
# Numbers and money

_DIGITS = re.compile(r"\d+(?:,\d+)*(?:\.\d+)?|\.\d+")
_CURRENCY_BEFORE = re.compile(r"(?:₹|\brs\.?|\binr\b|\bरु\.?|\bरू\.?)\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:/-|rs\b|inr\b|rupees?\b|rupay[ae]?\b|rupaiy[ae]\b|rupiy[ae]\b|रुपए|रुपये|रुपया|रु\b)",
    re.IGNORECASE,
)


_NUMBER_PIECE = re.compile(
    r"\d+(?:,\d+)*(?:\.\d+)?|\.\d+|(?:[^\W\d_]|[\u0900-\u0963\u0970-\u097f])+"
)


@dataclass(frozen=True, slots=True)
class _Number:
    value: Decimal
    start: int
    end: int
    words_only: bool


def _to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _numbers(text: str) -> list[_Number]:
    """Every number in ``text``: digits with Indian or Western grouping, Hindi and English
    number words, lakh/hazar/crore multipliers ("1.2 lakh", "dedh lakh", "saade 3 hazar")."""
    lex = lexicon()
    cleaned = clean(text)
    pieces: list[tuple[int, int, str, Decimal | None]] = []  # (start, end, folded word, digits)
    for match in _NUMBER_PIECE.finditer(cleaned):
        piece = match.group(0)
        if piece[0].isdigit() or piece[0] == ".":
            pieces.append((match.start(), match.end(), "", _to_decimal(piece)))
        else:
            pieces.append((match.start(), match.end(), folded_text(piece), None))
    # Digits glued to letters are codes (7KQM, 2B), not numbers; "2lakh" and "5th" are fine.
    glued = set()
    for k, (start, end, _, digits) in enumerate(pieces):
        if digits is None:
            continue
        previous = pieces[k - 1] if k else None
        following = pieces[k + 1] if k + 1 < len(pieces) else None
        if previous is not None and previous[1] == start and previous[3] is None:
            glued.add(k)
        if (
            following is not None
            and following[0] == end
            and following[3] is None
            and following[2] not in lex.multipliers
        ):
            glued.add(k)
    out: list[_Number] = []
    i = 0
    while i < len(pieces):
        if i in glued:
            i += 1
            continue
        total = Decimal(0)
        current = Decimal(0)
        start = pieces[i][0]
        end = start
        used = 0
        words_only = True
        half = Decimal(0)
        saw_multiplier = False
        j = i
        while j < len(pieces):
            _, piece_end, word, digits = pieces[j]
            if j in glued:
                break
            if digits is not None:
                if used and not saw_multiplier and current:
                    break  # two numbers in a row ("2 3") stay separate
                current += digits + half
                half = Decimal(0)
                words_only = False
            elif word in lex.plus_half and j + 1 < len(pieces):
                half = Decimal("0.5")
            elif word in lex.units or word in lex.fractions:
                value = Decimal(str(lex.units.get(word, lex.fractions.get(word, 0))))
                current += value + half
                half = Decimal(0)
            elif word in lex.multipliers and used:
                multiplier = Decimal(str(lex.multipliers[word]))
                saw_multiplier = True
                if current == 0:
                    current = Decimal(1)
                if multiplier >= 1000:
                    total += current * multiplier
                    current = Decimal(0)
                else:
                    current *= multiplier
            else:
                break
            used += 1
            end = piece_end
            j += 1
        if used:
            value = total + current
            only_words = words_only and not saw_multiplier
            out.append(_Number(value.normalize() if value else Decimal(0), start, end, only_words))
            i = j
        else:
            i += 1
    return out


def _plain(value: Decimal) -> Decimal:
    """2E+5 → 200000: a Decimal that prints as people write it."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def parse_number(text: str) -> Decimal | None:
    """The first number in ``text``: "42", "४२", "1,20,000", "2.5", "2 lakh", "paanch", "ek sau".

    Number words alone count only when the whole answer is number words ("do" in "I do not"
    is not 2).
    """
    found = _numbers(text)
    if not found:
        return None
    first = found[0]
    if first.words_only:
        words = tokens(text)
        lex = lexicon()
        if any(
            t.fold not in lex.units
            and t.fold not in lex.fractions
            and t.fold not in lex.multipliers
            and t.fold not in lex.plus_half
            for t in words
        ):
            return None
    return _plain(first.value)


def parse_amount(text: str) -> Decimal | None:
    """A sum of money in rupees: "₹1,20,000", "Rs. 500", "1.2 lakh", "50 hazar", "५०००",
    "500 rupaye", "2,500/-". A number next to a currency sign wins over other numbers."""
    found = _numbers(text)
    if not found:
        return None
    cleaned = clean(text)
    for number in found:
        if _CURRENCY_BEFORE.search(cleaned[: number.start]) or _CURRENCY_AFTER.match(
            cleaned[number.end :]
        ):
            return _plain(number.value)
    return parse_number(text)


# ---------------------------------------------------------------------------------------------
# Phone, PIN, Aadhaar, e-mail

_PHONE = re.compile(r"(?<![\d+])(?:\+?\s*91[\s\-]*|0)?([6-9](?:[\s\-]?\d){9})(?!\d)")
_TWELVE = re.compile(r"(?<!\d)(\d(?:[\s\-]?\d){11})(?!\d)")
_PINCODE = re.compile(r"(?<!\d)([1-9]\d{2})\s?(\d{3})(?!\d)")
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])"
)
_DELHI_PINS = range(110001, 110100)
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
    return code.isdigit() and len(code) == 6 and int(code) in _DELHI_PINS


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


def parse_email(text: str) -> str | None:
    """The first e-mail address, domain in lower case."""
    match = _EMAIL.search(clean(text).strip())
    if not match:
        return None
    return f"{match.group(1)}@{match.group(2).lower()}"


def redact(text: str) -> str:
    """``text`` with Aadhaar-like numbers, phone numbers and e-mail addresses replaced by
    [AADHAAR], [PHONE] and [EMAIL], for prompts and logs."""
    cleaned = clean(text)
    parts = []
    last = 0
    for start, end in _aadhaar_spans(cleaned):
        parts.append(cleaned[last:start])
        parts.append("[AADHAAR]")
        last = end
    parts.append(cleaned[last:])
    out = "".join(parts)
    out = _PHONE.sub("[PHONE]", out)
    return _EMAIL.sub("[EMAIL]", out)


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
    number = int(word) if word.isdigit() else lex.ordinals.get(word)
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
    date_hits = _date_hits(rest, _today(today), False)
    dates = list(dict.fromkeys(found for _, _, found in date_hits))
    words_text = rest
    for start, end, _ in date_hits:
        if any(c.isdigit() for c in rest[start:end]):
            rest = _blank(rest, start, end)
    pincodes = [m.group(1) + m.group(2) for m in _PINCODE.finditer(rest)]
    amounts: list[Decimal] = []
    numbers: list[Decimal] = []
    for number in _numbers(rest):
        if number.words_only:
            continue
        digits = _digits_only(rest[number.start : number.end])
        if len(digits) == 6 and digits in pincodes:
            continue
        before = rest[: number.start]
        after = rest[number.end :]
        is_money = bool(_CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.match(after))
        (amounts if is_money else numbers).append(_plain(number.value))
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
