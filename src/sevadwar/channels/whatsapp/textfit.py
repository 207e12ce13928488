"""Fit text into WhatsApp's length limits without losing words: split, take a tail, clip.

Limits are counted in UTF-16 code units, the stricter of the two plausible ways Meta counts (an
emoji is one character but two units), so a chunk that fits here fits there. Cuts prefer, in
order, a paragraph break, a line break, the end of a sentence (``.``, ``!``, ``?``, the Devanagari
danda ``।``/``॥``) and a space; a hard cut is the last resort and never splits a combining mark,
a conjunct (virama) or a ZWJ emoji sequence. Only whitespace at a cut is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?।॥][\"'”’)\]]*$")
_VIRAMA_OR_JOINER = frozenset({"\u094d", "\u200d"})


def units(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fit_prefix(text: str, limit: int) -> int:
    """The largest index ``i`` with ``units(text[:i]) <= limit``."""
    i = min(len(text), limit)
    while i > 0 and (excess := units(text[:i]) - limit) > 0:
        i -= max(1, excess // 2)
    return max(i, 0)


def _fit_suffix(text: str, limit: int) -> int:
    """The smallest index ``i`` with ``units(text[i:]) <= limit``."""
    i = max(0, len(text) - limit)
    while i < len(text) and (excess := units(text[i:]) - limit) > 0:
        i += max(1, excess // 2)
    return min(i, len(text))


@dataclass(frozen=True, slots=True)
class _Cut:
    before: int  # where the text before the cut ends (whitespace excluded)
    after: int  # where the text after the cut starts
    level: int  # 0 paragraph, 1 line, 2 sentence, 3 word


def _cuts(text: str, lo: int = 0, hi: int | None = None) -> list[_Cut]:
    """Every whitespace run starting in ``text[lo:hi]`` (runs are followed to their real end)."""
    cuts = []
    for match in _WHITESPACE.finditer(text, lo, len(text) if hi is None else hi):
        start = match.start()
        run = _WHITESPACE.match(text, start)
        assert run is not None
        end = run.end()
        if start == 0 or end == len(text):
            continue
        newlines = run.group().count("\n")
        if newlines >= 2:
            level = 0
        elif newlines == 1:
            level = 1
        elif _SENTENCE_END.search(text, max(0, start - 4), start):
            level = 2
        else:
            level = 3
        cuts.append(_Cut(start, end, level))
    return cuts


def _joins_previous(text: str, i: int) -> bool:
    """True when a cut at ``i`` would split a grapheme cluster or a conjunct."""
    if i <= 0 or i >= len(text):
        return False
    char = text[i]
    if text[i - 1] in _VIRAMA_OR_JOINER or char in "\u200c\u200d\ufe0f":
        return True
    if 0x1F3FB <= ord(char) <= 0x1F3FF:  # skin tone modifiers
        return True
    return unicodedata.category(char) in ("Mn", "Mc", "Me")


def _hard_cut_back(text: str, i: int) -> int:
    j = i
    while j > 0 and _joins_previous(text, j):
        j -= 1
    return j if j > 0 else i


def _hard_cut_forward(text: str, i: int) -> int:
    j = i
    while j < len(text) and _joins_previous(text, j):
        j += 1
    return j if j < len(text) else i


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into chunks of at most ``limit`` UTF-16 units, at the best boundaries.

    Chunks are stripped; whitespace-only input gives ``[]``. Joining the chunks gives back every
    non-whitespace character in order.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if units(rest) <= limit:
            chunks.append(rest)
            break
        end = _fit_prefix(rest, limit)
        candidates = [cut for cut in _cuts(rest, 0, end + 1) if cut.before <= end]
        chosen = _prefer(candidates, key=_before, at_least=end // 2)
        if chosen is not None:
            before, after = chosen.before, chosen.after
        else:
            before = after = _hard_cut_back(rest, end)
        chunks.append(rest[:before].rstrip())
        rest = rest[after:].lstrip()
    return chunks


def split_tail(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` into ``(head, tail)``: the tail fits ``limit`` and is as long as it can be.

    Used when an interactive message's body is too long: the head goes out first as plain text and
    the tail stays with the buttons. ``head`` is ``""`` when everything fits.
    """
    text = text.strip()
    if units(text) <= limit:
        return "", text
    start = _fit_suffix(text, limit)
    candidates = [cut for cut in _cuts(text, max(0, start - 1)) if cut.after >= start]
    tail_room = len(text) - start
    # The longest tail wins, so the key is minus the tail's start.
    chosen = _prefer(candidates, key=_minus_after, at_least=-(len(text) - tail_room // 2))
    if chosen is not None:
        before, after = chosen.before, chosen.after
    else:
        before = after = _hard_cut_forward(text, start)
    return text[:before].rstrip(), text[after:].lstrip()


def _before(cut: _Cut) -> int:
    return cut.before


def _minus_after(cut: _Cut) -> int:
    return -cut.after


def _prefer(candidates: list[_Cut], *, key: Callable[[_Cut], int], at_least: int) -> _Cut | None:
    """The cut of the highest level whose ``key`` reaches ``at_least``, maximising ``key``.

    When no cut reaches it (the chunk would be less than half full), the cut with the largest key.
    """
    for level in range(4):
        fitting = [c for c in candidates if c.level == level and key(c) >= at_least]
        if fitting:
            return max(fitting, key=key)
    return max(candidates, key=key) if candidates else None


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` units; longer text ends with an ellipsis at a word boundary."""
    line = " ".join(text.split())
    if units(line) <= limit:
        return line
    end = _fit_prefix(line, limit - units(ELLIPSIS))
    space = line.rfind(" ", 0, end + 1)
    cut = space if space >= end * 0.6 else _hard_cut_back(line, end)
    return line[:cut].rstrip() + ELLIPSIS
