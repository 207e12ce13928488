"""Dates as citizens write them: 12/03/2024, 12-3-24, 2024-03-12, 12 March 2024, March 12 2024,
१२ मार्च २०२४, 12 farvari 2020, "aaj". Numeric dates are day first (Indian convention).

Re-exported by :mod:`sevadwar.nlu.entities`, where the engine finds every field reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import Token, clean, tokens

_MIN_YEAR = 1900
_MAX_YEAR = 2100
_ISO = re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")
_NUMERIC = re.compile(
    r"(?<![\d.])(\d{1,2})\s*[-/.\\]\s*(\d{1,2})\s*[-/.\\]\s*(\d{4}|\d{2})(?![\d])"
)
_COMPACT = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")


def is_digits(text: str) -> bool:
    """ASCII digits only ("²" and "٣" are digits to str.isdigit, not to int or to us)."""
    return text.isascii() and text.isdigit()


def today_or_now(today: date | None) -> date:
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
    if is_digits(text) and len(text) <= 2 and 1 <= int(text) <= 31:
        return int(text)
    return None


def _year_number(token: Token | None) -> tuple[int, int] | None:
    if token is None:
        return None
    text = token.raw.lstrip("'’")
    if is_digits(text) and len(text) in (2, 4):
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


def date_spans(text: str, today: date, prefer_future: bool) -> list[tuple[int, int, date]]:
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
        if days is None and (ago := _days_ago(words)) is not None:
            days = -ago
        if days is not None:
            hits.append((0, len(text), today + timedelta(days=days)))
    hits.sort(key=lambda hit: hit[0])
    return hits


def _days_ago(words: Sequence[Token]) -> int | None:
    """ "3 दिन पहले", "do din pehle", "5 days ago" → 3, 2, 5 (a whole answer, up to a year)."""
    lex = lexicon()
    if len(words) != 3 or words[1].fold not in lex.day_words or words[2].fold not in lex.ago_words:
        return None
    said = words[0]
    count = int(said.raw) if said.raw.isdecimal() else lex.units.get(said.fold)
    if count is None or count != int(count) or not 0 < count <= 366:
        return None
    return int(count)


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
    for _, _, found in date_spans(clean(text), today_or_now(today), prefer_future):
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
