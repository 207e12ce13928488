"""Numbers and sums of money as citizens write them: 1,20,000, ४२, 2.5, 1.2 lakh, dedh lakh,
50 hazar, ₹500, Rs. 500, 500 rupaye, 2,500/-.

Re-exported by :mod:`sevadwar.nlu.entities`, where the engine finds every field reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sevadwar.nlu.dates import is_digits
from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import clean, folded_text, tokens

CURRENCY_BEFORE = re.compile(r"(?:₹|\brs\.?|\binr\b|\bरु\.?|\bरू\.?)\s*$", re.IGNORECASE)
CURRENCY_AFTER = re.compile(
    r"^\s*(?:/-|rs\b|inr\b|rupees?\b|rupay[ae]?\b|rupaiy[ae]\b|rupiy[ae]\b|रुपए|रुपये|रुपया|रु\b)",
    re.IGNORECASE,
)


_MAX_DIGITS = 24
_NUMBER_PIECE = re.compile(
    r"\d+(?:,\d+)*(?:\.\d+)?|\.\d+|(?:[^\W\d_]|[\u0900-\u0963\u0970-\u097f])+"
)


@dataclass(frozen=True, slots=True)
class NumberSpan:
    value: Decimal
    start: int
    end: int
    words_only: bool


def _to_decimal(text: str) -> Decimal | None:
    digits = text.replace(",", "")
    if len(digits) > _MAX_DIGITS:  # not a number a citizen means
        return None
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def number_spans(text: str) -> list[NumberSpan]:
    """Every number in ``text``: digits with Indian or Western grouping, Hindi and English
    number words, lakh/hazar/crore multipliers ("1.2 lakh", "dedh lakh", "saade 3 hazar")."""
    lex = lexicon()
    cleaned = clean(text)
    pieces: list[tuple[int, int, str, Decimal | None]] = []  # (start, end, folded word, digits)
    for match in _NUMBER_PIECE.finditer(cleaned):
        piece = match.group(0)
        if is_digits(piece[0]) or piece[0] == ".":
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
    out: list[NumberSpan] = []
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
            out.append(
                NumberSpan(value.normalize() if value else Decimal(0), start, end, only_words)
            )
            i = j
        else:
            i += 1
    return out


def plain(value: Decimal) -> Decimal:
    """2E+5 → 200000: a Decimal that prints as people write it."""
    try:
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
    except InvalidOperation:  # beyond the context's precision: keep it as it is
        return value


def parse_number(text: str) -> Decimal | None:
    """The first number in ``text``: "42", "४२", "1,20,000", "2.5", "2 lakh", "paanch", "ek sau".

    Number words count when the whole answer is number words, or inside a sentence when what
    follows is counted ("हम पाँच लोग हैं", "do bachche"): "do" in "I do not" or "de do" is not 2.
    """
    found = number_spans(text)
    if not found:
        return None
    first = found[0]
    if first.words_only:
        lex = lexicon()
        if any(
            t.fold not in lex.units
            and t.fold not in lex.fractions
            and t.fold not in lex.multipliers
            and t.fold not in lex.plus_half
            for t in tokens(text)
        ):
            following = tokens(clean(text)[first.end :])
            if not following or following[0].fold not in lex.counted:
                return None
    return plain(first.value)


def parse_amount(text: str) -> Decimal | None:
    """A sum of money in rupees: "₹1,20,000", "Rs. 500", "1.2 lakh", "50 hazar", "५०००",
    "500 rupaye", "2,500/-". A number next to a currency sign wins over other numbers."""
    found = number_spans(text)
    if not found:
        return None
    cleaned = clean(text)
    for number in found:
        if CURRENCY_BEFORE.search(cleaned[: number.start]) or CURRENCY_AFTER.match(
            cleaned[number.end :]
        ):
            return plain(number.value)
    return parse_number(text)


def amount_period(text: str) -> str | None:
    """What a sum is said to be counted over: "month" ("20 hazar mahina", "15000 pm"), "year"
    ("2.4 lakh salana"), or None when the text says neither, or both."""
    periods = lexicon().periods
    said = {periods[t.fold] for t in tokens(text) if t.fold in periods}
    return said.pop() if len(said) == 1 else None
