"""Which service a message names, learned from the catalogue's names, synonyms and examples.

Each service is described by its phrases (names in every language, ``recognition.synonyms``,
``recognition.examples``), normalised like the message. Every content word of the message counts
by its rarity across services (idf), and matches a phrase word by its folded form (1.0) or, less
surely, by its skeleton (janam/janm, 0.85). Typos and run-together words ("incme",
"pramanpatra") are repaired before, against the index's vocabulary (:mod:`.spelling`).

A service's score blends two views, half each:

- **best phrase**: the F-measure of the message against the service's best single phrase (how
  much of the message the phrase explains, and how much of the phrase the message says);
- **bag of words**: how much of the message any of the service's phrases explain (coverage),
  times how much of its best *name or synonym* the message says (precision, squared, from a
  floor). "birth certificate" says all of the birth certificate service's name, but half of "add
  name in birth certificate", so the two do not tie; "caste certificate", a synonym of three
  services, ties them, and the NLU asks which one.

Adding a service with examples needs no code change: the index is rebuilt from the catalogue.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sevadwar.nlu.normalise import Token, tokens

_SKELETON_MATCH = 0.85
_STEM_MATCH = 0.7  # the same first letters: verify/verification, registered/registration
_STEM = 6
_SHORT_SKELETON = 3  # shorter skeletons collide more (dete/death: "dt") and count less
_SHORT_SKELETON_MATCH = 0.5
_UNKNOWN_WORD_IDF_SHARE = 0.6  # a word no service uses counts as a fairly rare one
_PRECISION_FLOOR = 0.45
_PRECISION_POWER = 2.0
_PHRASE_SHARE = 0.5
_CANDIDATES = 8


@dataclass(frozen=True, slots=True)
class Scored:
    service: str
    score: float  # 0..1
    coverage: float  # share of the message the service explains
    precision: float  # share of its best name the message says


def stem(fold: str) -> str | None:
    """The first letters of a long word, for matching its other forms."""
    return fold[:_STEM] if len(fold) >= _STEM and not fold.isdigit() else None


def content_words(text: str, stopwords: frozenset[str]) -> tuple[Token, ...]:
    return tuple(t for t in tokens(text) if t.fold not in stopwords)


class ServiceIndex:
    """Immutable after construction; :meth:`score` is safe to call from many threads."""

    __slots__ = (
        "_by_fold",
        "_by_skel",
        "_by_stem",
        "_default_idf",
        "_idf_fold",
        "_idf_skel",
        "_phrase_fold",
        "_phrase_owner",
        "_phrase_skel",
        "_phrase_stem",
        "_phrase_total",
        "_phrase_weight",
        "services",
        "vocabulary",
    )

    def __init__(
        self,
        services: Iterable[tuple[str, Sequence[tuple[str, float]]]],
        stopwords: frozenset[str],
    ) -> None:
        ids: list[str] = []
        phrases: list[list[tuple[tuple[Token, ...], float]]] = []
        by_fold: dict[str, dict[int, float]] = defaultdict(dict)
        by_skel: dict[str, dict[int, float]] = defaultdict(dict)
        by_stem: dict[str, dict[int, float]] = defaultdict(dict)
        for index, (service_id, texts) in enumerate(services):
            ids.append(service_id)
            own = []
            for text, weight in texts:
                words = content_words(text, stopwords)
                if not words:
                    continue
                own.append((words, weight))
                for word in words:
                    by_fold[word.fold][index] = max(by_fold[word.fold].get(index, 0.0), weight)
                    if len(word.skel) >= 2:
                        skel_weight = by_skel[word.skel].get(index, 0.0)
                        by_skel[word.skel][index] = max(skel_weight, weight)
                    root = stem(word.fold)
                    if root:
                        by_stem[root][index] = max(by_stem[root].get(index, 0.0), weight)
            phrases.append(own)
        count = max(len(ids), 1)
        self.services: tuple[str, ...] = tuple(ids)
        self.vocabulary: frozenset[str] = frozenset(by_fold)
        self._by_fold = _freeze(by_fold)
        self._by_skel = _freeze(by_skel)
        self._by_stem = _freeze(by_stem)
        self._idf_fold = MappingProxyType(
            {w: math.log(1 + count / len(s)) for w, s in by_fold.items()}
        )
        self._idf_skel = MappingProxyType(
            {w: math.log(1 + count / len(s)) for w, s in by_skel.items()}
        )
        self._default_idf = math.log(1 + count) * _UNKNOWN_WORD_IDF_SHARE

        owner: list[int] = []
        totals: list[float] = []
        weights: list[float] = []
        phrase_fold: dict[str, list[int]] = defaultdict(list)
        phrase_skel: dict[str, list[int]] = defaultdict(list)
        phrase_stem: dict[str, list[int]] = defaultdict(list)
        for index, own_phrases in enumerate(phrases):
            for words, weight in own_phrases:
                pid = len(owner)
                owner.append(index)
                weights.append(weight)
                total = sum(self.idf(w) for w in words)
                totals.append(total)
                for fold in dict.fromkeys(w.fold for w in words):
                    phrase_fold[fold].append(pid)
                for skel in dict.fromkeys(w.skel for w in words):
                    if len(skel) >= 2:
                        phrase_skel[skel].append(pid)
                for root in dict.fromkeys(stem(w.fold) for w in words):
                    if root:
                        phrase_stem[root].append(pid)
        self._phrase_owner = tuple(owner)
        self._phrase_total = tuple(totals)
        self._phrase_weight = tuple(weights)
        self._phrase_fold = MappingProxyType({k: tuple(v) for k, v in phrase_fold.items()})
        self._phrase_skel = MappingProxyType({k: tuple(v) for k, v in phrase_skel.items()})
        self._phrase_stem = MappingProxyType({k: tuple(v) for k, v in phrase_stem.items()})

    def knows(self, token: Token) -> bool:
        return token.fold in self._by_fold or token.skel in self._by_skel

    def idf(self, token: Token) -> float:
        found = self._idf_fold.get(token.fold)
        if found is None:
            found = self._idf_skel.get(token.skel, self._default_idf)
        return found

    def score(self, words: Sequence[Token], only: Iterable[str] | None = None) -> list[Scored]:
        """Services ranked for the content ``words`` of a message, best first (score > 0).

        ``only`` limits the answer to those services (the candidates of a clarifying question).
        """
        if not words:
            return []
        allowed = None if only is None else {i for i, s in enumerate(self.services) if s in only}
        coverage: dict[int, float] = defaultdict(float)
        said: dict[int, float] = defaultdict(float)  # per phrase: weight of its words said
        total = 0.0
        for word in words:
            weight = self.idf(word)
            total += weight
            root = stem(word.fold)
            hits = dict.fromkeys(self._phrase_stem.get(root, ()) if root else (), _STEM_MATCH)
            skeleton_match = _skeleton_match(word.skel)
            hits.update(dict.fromkeys(self._phrase_skel.get(word.skel, ()), skeleton_match))
            for pid in self._phrase_fold.get(word.fold, ()):
                hits[pid] = 1.0
            for pid, value in hits.items():
                said[pid] += weight * value
            best = dict(self._by_fold.get(word.fold, {}))
            others = [(self._by_skel.get(word.skel, {}), skeleton_match)]
            if root:
                others.append((self._by_stem.get(root, {}), _STEM_MATCH))
            for table, factor in others:
                for index, value in table.items():
                    value *= factor
                    if value > best.get(index, 0.0):
                        best[index] = value
            for index, value in best.items():
                coverage[index] += weight * value
        if total <= 0:
            return []
        best_phrase: dict[int, float] = defaultdict(float)  # per service: best F-measure
        best_name: dict[int, float] = defaultdict(float)  # per service: best name precision
        for pid, value in said.items():
            recall = value / total
            precision = min(1.0, value / self._phrase_total[pid])
            weight = self._phrase_weight[pid]
            index = self._phrase_owner[pid]
            f_score = 2 * recall * precision / (recall + precision) * weight
            if f_score > best_phrase[index]:
                best_phrase[index] = f_score
            if weight >= 1.0 and precision > best_name[index]:
                best_name[index] = precision
        ranked = sorted(  # ties go to the first service in id order, every time
            (
                (value / total, index)
                for index, value in coverage.items()
                if allowed is None or index in allowed
            ),
            key=lambda item: (-item[0], item[1]),
        )[:_CANDIDATES]
        out = []
        for share, index in ranked:
            precision = best_name[index]
            bag = (
                share * (_PRECISION_FLOOR + (1 - _PRECISION_FLOOR) * precision) ** _PRECISION_POWER
            )
            final = _PHRASE_SHARE * best_phrase[index] + (1 - _PHRASE_SHARE) * bag
            out.append(Scored(self.services[index], min(final, 1.0), share, precision))
        out.sort(key=lambda s: -s.score)  # stable: equal scores keep the order above
        return out


def _skeleton_match(skel: str) -> float:
    return _SKELETON_MATCH if len(skel) >= _SHORT_SKELETON else _SHORT_SKELETON_MATCH


def _freeze(table: dict[str, dict[int, float]]) -> Mapping[str, Mapping[int, float]]:
    return MappingProxyType({k: MappingProxyType(v) for k, v in table.items()})
