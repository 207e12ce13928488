"""Which language a message is in: Devanagari Hindi, English, or Hinglish (Romanised or mixed).

Devanagari only → ``hi``; Devanagari and Latin words together → ``hinglish``; Latin only →
``hinglish`` when Hindi words carry it (one unmistakable Hindi word such as "hai", "ka",
"chahiye", or more Hindi than English words), else ``en``. Digits, reference numbers and signs
do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import Token, has_devanagari, has_latin
from sevadwar.nlu.types import Language

_WEAK = 0.3


@dataclass(frozen=True, slots=True)
class LanguageDetector:
    """Hindi words are looked up as written and as folded; a folded match does not count when
    the word as written is English ("car" folds to "kar", a Hindi verb)."""

    strong: frozenset[str]
    words: frozenset[str]
    weak: frozenset[str]
    strong_raw: frozenset[str]
    words_raw: frozenset[str]
    weak_raw: frozenset[str]
    english: frozenset[str]  # lower case, as written
    suffixes: tuple[str, ...]  # endings of Hindi verb forms

    @classmethod
    def build(
        cls, hindi_words: Iterable[str] = (), english_words: Iterable[str] = ()
    ) -> LanguageDetector:
        """The lexicon's Hinglish words, plus ``hindi_words`` (folded) and ``english_words`` (as
        written) learned from the catalogue."""
        lex = lexicon()
        extra = frozenset(hindi_words) - lex.hinglish_weak - lex.hinglish_strong
        return cls(
            lex.hinglish_strong,
            lex.hinglish_words | extra,
            lex.hinglish_weak,
            lex.hinglish_strong_raw,
            lex.hinglish_words_raw,
            lex.hinglish_weak_raw,
            frozenset(english_words) | lex.english,
            lex.hinglish_suffixes,
        )

    def _kind(self, raw: str, fold: str) -> str:
        """'strong', 'word', 'weak' (Hindi) or 'english'."""
        if raw in self.strong_raw:
            return "strong"
        if raw in self.words_raw:
            return "word"
        if raw in self.weak_raw:
            return "weak"
        if raw in self.english or len(fold) < 4:  # short folded forms collide (baad/bad)
            return "english"
        if fold in self.strong:
            return "strong"
        if fold in self.words:
            return "word"
        if fold in self.weak:
            return "weak"
        if len(raw) >= 5 and raw.endswith(self.suffixes):
            return "word"
        return "english"

    def detect(self, words: Iterable[Token]) -> Language:
        devanagari = latin = 0
        hindi = 0.0
        roman: list[Token] = []
        for token in words:
            if any(c.isdigit() for c in token.raw):
                continue
            if has_devanagari(token.raw):
                devanagari += 1
            elif has_latin(token.raw):
                latin += 1
                roman.append(token)
        if devanagari:
            return Language.HINGLISH if latin else Language.HINDI
        if not roman:
            return Language.ENGLISH
        english = 0.0
        for token in roman:
            kind = self._kind(token.raw.lower(), token.fold)
            if kind == "strong":
                return Language.HINGLISH
            if kind == "word":
                hindi += 1
            elif kind == "weak":
                hindi += _WEAK
            else:
                english += 1
        return Language.HINGLISH if hindi >= 1 and hindi >= english else Language.ENGLISH
