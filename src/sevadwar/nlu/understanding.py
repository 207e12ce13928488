"""The NLU as the engine and the CLI use it: language, intent, service and entities of a message.

Build one :class:`Understanding` per process from the catalogue
(``Understanding.from_services(catalogue)``) and share it: it is immutable, so any number of
threads may call :meth:`Understanding.parse` at once. Nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from sevadwar.catalogue.schema import Kind, Service
from sevadwar.nlu.entities import scan
from sevadwar.nlu.index import Scored, ServiceIndex
from sevadwar.nlu.intents import IntentMatch, IntentMatcher
from sevadwar.nlu.language import LanguageDetector
from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import skeleton, tokens
from sevadwar.nlu.spelling import Speller
from sevadwar.nlu.types import Entities, InfoTopic, Intent, Language, Parse, ParseContext
from sevadwar.nlu.words import ServiceWords

# Thresholds on the service score (0..1).
ACCEPT = 0.42  # at or above: the service is named
CONSIDER = 0.22  # between CONSIDER and ACCEPT: a guess, to be confirmed
AMBIGUOUS_RATIO = 0.9  # runner-up within 90% of the best: a family ("pension"), ask which
HALF = 0.5  # a guess below ACCEPT must explain at least half of the message
STRONG_INTENT = 0.6
_ALTERNATIVES = 3


@dataclass(frozen=True, slots=True)
class _ServiceDecision:
    service: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    ambiguous: bool


class Understanding:
    """Immutable and thread-safe once built."""

    __slots__ = ("_detector", "_index", "_kinds", "_matcher", "_speller", "_stopwords")
    _index: ServiceIndex
    _matcher: IntentMatcher
    _detector: LanguageDetector
    _kinds: MappingProxyType[str, Kind]
    _stopwords: frozenset[str]
    _speller: Speller

    def __init__(
        self,
        index: ServiceIndex,
        matcher: IntentMatcher,
        detector: LanguageDetector,
        kinds: Mapping[str, Kind],
    ) -> None:
        lex = lexicon()
        speller = Speller(
            index.vocabulary
            | matcher.vocabulary
            | lex.stopwords
            | lex.hinglish_strong
            | lex.hinglish_words
        )
        for name, value in (
            ("_index", index),
            ("_matcher", matcher),
            ("_detector", detector),
            ("_kinds", MappingProxyType(dict(kinds))),
            ("_stopwords", lex.stopwords),
            ("_speller", speller),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("an Understanding cannot be changed after it is built")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("an Understanding cannot be changed after it is built")

    @classmethod
    def from_services(cls, services: Iterable[Service]) -> Understanding:
        """Learn every service's names, synonyms and examples. No code per service."""
        return cls.from_words(ServiceWords.of(s) for s in services)

    @classmethod
    def from_words(cls, services: Iterable[ServiceWords]) -> Understanding:
        """The same, from the NLU's view of each service (:class:`ServiceWords`)."""
        listed = sorted(services, key=lambda s: s.id)
        index = ServiceIndex(((s.id, s.phrases) for s in listed), lexicon().stopwords)
        return cls(
            index,
            IntentMatcher(),
            LanguageDetector.build(*_vocabularies(listed)),
            {s.id: s.kind for s in listed},
        )

    @property
    def services(self) -> tuple[str, ...]:
        return self._index.services

    def parse(self, text: str, *, context: ParseContext | None = None) -> Parse:
        """Understand one message. Never raises on any text."""
        context = context or ParseContext()
        today = context.today or datetime.now(UTC).date()
        entities, words_text = scan(text, today)
        words = tokens(words_text)
        language = self._detector.detect(words)
        words = tuple(fixed for w in words for fixed in self._speller.fix(w))
        found = self._matcher.match(words)
        content = tuple(
            w
            for i, w in enumerate(words)
            if i not in found.used and w.fold not in self._stopwords and not w.fold.isdigit()
        )
        only = [s for s in context.candidates if s in self._kinds] or None
        ranked = self._index.score(content, only) if content else []
        decision = _decide_service(ranked)
        return self._decide(text, language, entities, found, decision, context)

    def _decide(
        self,
        text: str,
        language: Language,
        entities: Entities,
        found: IntentMatch,
        decision: _ServiceDecision,
        context: ParseContext,
    ) -> Parse:
        best = found.best()
        intent, strength = best if best else (None, 0.0)
        topic = found.topics[0] if found.topics else None

        def make(
            chosen: Intent,
            confidence: float,
            *,
            service: str | None = None,
            info: InfoTopic | None = None,
            unsure: bool = False,
        ) -> Parse:
            alternatives = (
                decision.alternatives
                if service or chosen in (Intent.APPLY, Intent.INFO, Intent.UNKNOWN)
                else ()
            )
            return Parse(
                text=text,
                language=language,
                intent=chosen,
                service=service,
                confidence=max(0.0, min(1.0, confidence)),
                alternatives=alternatives,
                info_topic=info,
                entities=entities,
                needs_clarification=unsure,
            )

        named = decision.service is not None and decision.confidence >= ACCEPT
        if entities.references and not (
            intent in (Intent.PAY, Intent.CANCEL, Intent.GRIEVANCE, Intent.HUMAN, Intent.ERASE)
            and strength >= STRONG_INTENT
        ):
            return make(Intent.STATUS, 0.95, service=decision.service if named else None)
        question = found.question or "?" in text
        asks_about = topic is not None and question and intent in (Intent.PAY, Intent.STATUS)
        if decision.service is not None:
            unsure = decision.ambiguous or not named
            if (
                intent in self._matcher.keeps_service
                and strength >= STRONG_INTENT
                and (named or strength >= decision.confidence)
                and not asks_about  # "do I have to pay for it?" is about the fee
            ):
                if intent == Intent.PAY and self._kinds.get(decision.service) == Kind.PAYMENT:
                    return make(
                        Intent.APPLY, decision.confidence, service=decision.service, unsure=unsure
                    )
                service = decision.service if named else None
                return make(intent, min(strength, 0.95), service=service)
            if topic is not None:
                return make(
                    Intent.INFO,
                    decision.confidence,
                    service=decision.service,
                    info=topic,
                    unsure=unsure,
                )
            if found.info_cue and not found.apply_cue:
                return make(
                    Intent.INFO, decision.confidence, service=decision.service, unsure=unsure
                )
            # a named service wins over "help", "hello" or "hindi me": they ask for the service
            if named or intent in (None, Intent.APPLY) or strength < STRONG_INTENT:
                return make(
                    Intent.APPLY, decision.confidence, service=decision.service, unsure=unsure
                )
        if (
            context.service
            and (topic is not None or found.info_cue)
            and intent in (None, Intent.HELP)
        ):
            return make(Intent.INFO, 0.8, service=context.service, info=topic)
        if intent is not None:
            return make(intent, strength)
        if topic is not None:
            return make(Intent.INFO, 0.5, info=topic, unsure=True)
        if found.apply_cue:
            return make(Intent.APPLY, 0.4, unsure=True)
        return make(Intent.UNKNOWN, 0.0 if not decision.alternatives else 0.2, unsure=True)


def _decide_service(ranked: list[Scored]) -> _ServiceDecision:
    weak = ranked and ranked[0].score < ACCEPT and ranked[0].coverage < HALF
    if not ranked or ranked[0].score < CONSIDER or weak:
        alternatives = tuple((s.service, round(s.score, 4)) for s in ranked[:_ALTERNATIVES])
        return _ServiceDecision(None, 0.0, alternatives, False)
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    ratio = runner_up / top.score if top.score else 0.0
    ambiguous = ratio >= AMBIGUOUS_RATIO
    close = [s for s in ranked if s.score >= top.score * AMBIGUOUS_RATIO]
    shown = close if ambiguous else ranked
    alternatives = tuple((s.service, round(s.score, 4)) for s in shown[:_ALTERNATIVES])
    confidence = top.score * (1.0 - 0.5 * max(0.0, ratio - 0.6) / 0.4)
    return _ServiceDecision(top.service, confidence, alternatives, ambiguous)


def _vocabularies(services: Iterable[ServiceWords]) -> tuple[set[str], set[str]]:
    """(Hindi words, English words) learned from the catalogue.

    Hindi: folded words of the Hinglish examples that the English texts never use, nor a
    spelling of one ("certificat" shares the skeleton of "certificate": a typo, not Hindi), nor
    run together ("birthcertificate"). English: every word of the English texts, as written.
    """
    english_raw: set[str] = set()
    english: set[str] = set()
    hinglish: set[str] = set()
    for service in services:
        for text in service.english:
            for token in tokens(text):
                english.add(token.fold)
                english_raw.add(token.raw.lower())
        for example in service.hinglish:
            hinglish.update(t.fold for t in tokens(example))
    english_skeletons = {skeleton(w) for w in english}
    long_english = {w for w in english if len(w) >= 5}
    hindi = {
        w
        for w in hinglish - english
        if len(w) >= 4
        and not w.isdigit()
        and skeleton(w) not in english_skeletons
        and not any(
            w[i : i + n] in long_english
            for n in range(5, len(w) + 1)
            for i in range(len(w) - n + 1)
        )
    }
    return hindi, {w for w in english_raw if not any(c.isdigit() for c in w)}


__all__ = ["Understanding"]
