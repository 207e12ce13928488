"""What a message asks for, from the phrases in ``data/intents.yaml``.

Phrases are matched on folded words (script, spelling and spacing folded), then on skeletons for
longer phrases (janm/janam). The words a phrase uses are reported so the service matcher can
ignore them: in "income certificate ke documents", "documents" is the question, not the service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sevadwar.nlu.lexicon import lexicon, load_data
from sevadwar.nlu.normalise import Token, tokens
from sevadwar.nlu.types import InfoTopic, Intent

_WHOLE = 1.0
_PHRASE_BASE = 0.6
_SKELETON_FACTOR = 0.9
_INFLECTED_FACTOR = 0.95
_MIN_STEM = 4  # phrase words this long also match their inflections
_MIN_STEM_IN_CONTEXT = 3  # in a phrase of two words or more: "jankari hata" → "jankari hataen"
_MAX_ENDING = 3
_MIN_SKELETON_LETTERS = 5  # a phrase matches by skeleton only when its skeletons are this long


@dataclass(frozen=True, slots=True)
class _Phrase:
    folds: tuple[str, ...]
    skels: tuple[str, ...]
    label: str  # an intent, a topic, "info_cue" or "apply_cue"


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """What the phrases found in one message."""

    scores: MappingProxyType[Intent, float]  # intent → strength (0..1)
    topics: tuple[InfoTopic, ...]  # in order of appearance
    info_cue: bool
    apply_cue: bool
    question: bool  # a question word
    used: frozenset[int]  # token positions the phrases used

    def best(self) -> tuple[Intent, float] | None:
        if not self.scores:
            return None
        intent = max(self.scores, key=lambda i: self.scores[i])
        return intent, self.scores[intent]


def _phrase(text: str, label: str) -> _Phrase | None:
    words = tokens(text)
    if not words:
        return None
    return _Phrase(tuple(w.fold for w in words), tuple(w.skel for w in words), label)


def _same(word: str, wanted: str, by_fold: bool, stem: int = _MIN_STEM) -> bool:
    """The message word says the phrase word: equal, or (folded words of ``stem`` letters or
    more) an inflection of it: hata → hataen, hatao; shikayat → shikayaten."""
    if word == wanted:
        return True
    return (
        by_fold
        and len(wanted) >= stem
        and word.startswith(wanted)
        and len(word) <= len(wanted) + _MAX_ENDING
    )


def _find(words: Sequence[str], start: int, phrase: _Phrase, by_fold: bool) -> list[int] | None:
    """Where ``phrase`` occurs from ``start``: its words in order, one other word allowed
    between two of them ("remove all my information"). None when it does not."""
    wanted = phrase.folds if by_fold else phrase.skels
    stem = _MIN_STEM if len(wanted) == 1 else _MIN_STEM_IN_CONTEXT
    if not _same(words[start], wanted[0], by_fold, stem):
        return None
    positions = [start]
    at = start + 1
    gap = len(wanted) > 1
    for word in wanted[1:]:
        if at < len(words) and _same(words[at], word, by_fold, stem):
            positions.append(at)
        elif gap and at + 1 < len(words) and _same(words[at + 1], word, by_fold, stem):
            positions.append(at + 1)
            gap = False
            at += 1
        else:
            return None
        at += 1
    return positions


class IntentMatcher:
    """Immutable; built once from ``data/intents.yaml``."""

    __slots__ = (
        "_by_first_fold",
        "_by_first_prefix",
        "_by_first_skel",
        "_fillers",
        "_priority",
        "_whole",
        "keeps_service",
        "vocabulary",
    )

    def __init__(self) -> None:
        data = load_data("intents.yaml")
        phrases: list[_Phrase] = []
        whole: dict[str, list[Intent]] = defaultdict(list)
        keeps: set[Intent] = set()
        priority: list[Intent] = []
        for name, spec in data["intents"].items():
            intent = Intent(name)
            priority.append(intent)
            if spec.get("keeps_service"):
                keeps.add(intent)
            for text in spec.get("phrases", []):
                found = _phrase(str(text), name)
                if found:
                    phrases.append(found)
            for text in spec.get("whole", []):
                found = _phrase(str(text), name)
                if found:
                    whole[" ".join(found.folds)].append(intent)
        for topic, texts in data["topics"].items():
            InfoTopic(topic)  # fail early on a misspelt topic
            phrases += [p for p in (_phrase(str(t), f"topic:{topic}") for t in texts) if p]
        for label in ("info_cues", "apply_cues", "question_cues"):
            phrases += [p for p in (_phrase(str(t), label) for t in data[label]) if p]
        by_fold: dict[str, list[_Phrase]] = defaultdict(list)
        by_skel: dict[str, list[_Phrase]] = defaultdict(list)
        by_prefix: dict[str, list[_Phrase]] = defaultdict(list)
        for found in phrases:
            by_fold[found.folds[0]].append(found)
            if len(found.folds[0]) >= _MIN_STEM_IN_CONTEXT:
                by_prefix[found.folds[0][:_MIN_STEM_IN_CONTEXT]].append(found)
            if sum(len(s) for s in found.skels) >= _MIN_SKELETON_LETTERS:
                by_skel[found.skels[0]].append(found)
        self._by_first_fold = MappingProxyType({k: tuple(v) for k, v in by_fold.items()})
        self._by_first_skel = MappingProxyType({k: tuple(v) for k, v in by_skel.items()})
        self._by_first_prefix = MappingProxyType({k: tuple(v) for k, v in by_prefix.items()})
        self._whole = MappingProxyType({k: tuple(v) for k, v in whole.items()})
        self._priority = tuple(priority)
        self._fillers = lexicon().fillers
        self.keeps_service = frozenset(keeps)
        self.vocabulary: frozenset[str] = frozenset(
            fold for p in phrases for fold in p.folds
        ) | frozenset(fold for key in whole for fold in key.split())

    def match(self, words: Sequence[Token]) -> IntentMatch:
        folds = [w.fold for w in words]
        skels = [w.skel for w in words]
        scores: dict[Intent, float] = {}
        topics: list[tuple[int, InfoTopic]] = []
        used: set[int] = set()
        info_cue = apply_cue = question = False
        meaningful = [i for i, f in enumerate(folds) if f not in self._fillers]
        for key in (" ".join(folds), " ".join(folds[i] for i in meaningful)):
            for intent in self._whole.get(key, ()):
                scores[intent] = _WHOLE
                used.update(range(len(folds)))
        size = max(len(meaningful), 1)
        for start in range(len(folds)):
            first = folds[start]
            candidates = [(p, 1.0, True) for p in self._by_first_fold.get(first, ())]
            candidates += [
                (p, _INFLECTED_FACTOR, True)
                for p in self._by_first_prefix.get(first[:_MIN_STEM_IN_CONTEXT], ())
                if p.folds[0] != first
            ]
            candidates += [
                (p, _SKELETON_FACTOR, False) for p in self._by_first_skel.get(skels[start], ())
            ]
            for phrase, factor, by_fold in candidates:
                positions = _find(folds if by_fold else skels, start, phrase, by_fold)
                if positions is None:
                    continue
                used.update(positions)
                label = phrase.label
                if label.startswith("topic:"):
                    topics.append((start, InfoTopic(label[6:])))
                elif label == "info_cues":
                    info_cue = True
                elif label == "apply_cues":
                    apply_cue = True
                elif label == "question_cues":
                    question = True
                else:
                    intent = Intent(label)
                    covered = len(phrase.folds) / size
                    strength = factor * (_PHRASE_BASE + (1 - _PHRASE_BASE) * min(covered, 1.0))
                    if strength > scores.get(intent, 0.0):
                        scores[intent] = strength
        ordered_topics = tuple(dict.fromkeys(t for _, t in sorted(topics, key=lambda x: x[0])))
        ranked = {i: scores[i] for i in self._priority if i in scores}
        return IntentMatch(
            MappingProxyType(ranked), ordered_topics, info_cue, apply_cue, question, frozenset(used)
        )

    def rank(self, scores: Iterable[tuple[Intent, float]]) -> list[tuple[Intent, float]]:
        """Intents by strength, ties broken by the order of ``intents.yaml``."""
        order = {intent: i for i, intent in enumerate(self._priority)}
        return sorted(scores, key=lambda item: (-item[1], order.get(item[0], len(order))))
