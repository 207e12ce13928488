"""Repairing words the NLU does not know: run-together words and typos.

A word that is neither in the vocabulary (catalogue, intents, lexicon) nor has a known skeleton
is split into known words when it is several run together ("janmpramanpatra" → janm praman
patr), else replaced by the closest known word (rapidfuzz ratio ≥ 85: "incme" → income), else
by a known word with the same beginning ("disabled" → disability). All
steps are cached per word and pure, so a :class:`Speller` is safe to share between threads.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from sevadwar.nlu.normalise import Token, fold_word, romanise_word, skeleton

_TYPO_CUTOFF = 85.0
_MIN_PIECE = 3
_MIN_LENGTH = 4
_MIN_STEM = 5
_MIN_SKELETON = 3
_STEM_SHARE = 0.6


class Speller:
    __slots__ = ("_known", "_repair", "_skeletons")

    def __init__(self, vocabulary: Iterable[str]) -> None:
        known = frozenset(w for w in vocabulary if w)
        self._known = known
        self._skeletons = frozenset(skeleton(w) for w in known)
        choices = tuple(sorted(w for w in known if len(w) >= _MIN_PIECE and not w.isdigit()))
        pieces = frozenset(w for w in choices if len(w) >= _MIN_PIECE)

        @lru_cache(maxsize=16384)
        def repair(fold: str, roman: str) -> tuple[str, ...]:
            split = _split(roman, pieces)
            if split:
                return split
            found = process.extractOne(fold, choices, scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF)
            if found:
                return (str(found[0]),)
            stem = _same_stem(fold, choices)
            return (stem,) if stem else (fold,)

        self._repair = repair

    def knows(self, token: Token) -> bool:
        """Known as written, or by a skeleton long enough to be telling (janam → jnm)."""
        return token.fold in self._known or (
            len(token.skel) >= _MIN_SKELETON and token.skel in self._skeletons
        )

    def fix(self, token: Token) -> tuple[Token, ...]:
        """The token as it is when known (or Devanagari, or short, or a number), else repaired."""
        if len(token.fold) < _MIN_LENGTH or token.fold.isdigit() or self.knows(token):
            return (token,)
        repaired = self._repair(token.fold, romanise_word(token.raw.lower()))
        if repaired == (token.fold,):
            return (token,)
        return tuple(Token(token.raw, fold, skeleton(fold)) for fold in repaired)


def _same_stem(word: str, choices: tuple[str, ...]) -> str | None:
    """The known word sharing the longest beginning with ``word`` (at least 5 letters and most
    of the shorter word: disabled → disability, registered → registration), else None."""
    at = bisect.bisect_left(choices, word)
    best, best_length = None, 0
    for candidate in choices[max(0, at - 3) : at + 3]:
        length = 0
        for a, b in zip(word, candidate, strict=False):
            if a != b:
                break
            length += 1
        shorter = min(len(word), len(candidate))
        if length >= _MIN_STEM and length >= _STEM_SHARE * shorter and length > best_length:
            best, best_length = candidate, length
    return best


def _split(roman: str, pieces: frozenset[str]) -> tuple[str, ...] | None:
    """A run-together word (in Roman letters, before folding) as the fewest known pieces (two or
    three, each folded), else None. Folding each piece, not the whole, keeps "janmpramanpatra"
    from becoming "janpramanpatr" (m before p folds to n)."""
    best: list[tuple[str, ...] | None] = [()] + [None] * len(roman)
    for end in range(_MIN_PIECE, len(roman) + 1):
        for start in range(0, end - _MIN_PIECE + 1):
            head = best[start]
            if head is None:
                continue
            piece = fold_word(roman[start:end])
            if piece not in pieces:
                continue
            candidate = (*head, piece)
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[-1]
    return found if found is not None and 2 <= len(found) <= 3 else None
