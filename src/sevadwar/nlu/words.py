"""What the NLU reads of a service: its id and kind, and the texts that name it.

:class:`ServiceWords` is a narrow, plain view of a catalogue :class:`Service`; it is all
:class:`~sevadwar.nlu.understanding.Understanding` learns from, and small enough to cache as
JSON (``sevadwar nlu parse`` does, so a command starts fast on an unchanged catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sevadwar.catalogue.schema import Kind, Service

EXAMPLE_WEIGHT = 0.9  # examples count a little less than names and synonyms


@dataclass(frozen=True, slots=True)
class ServiceWords:
    id: str
    kind: Kind
    phrases: tuple[tuple[str, float], ...]  # names, synonyms (1.0) and examples (0.9)
    english: tuple[str, ...]  # English texts: name, description, labels, English examples
    hinglish: tuple[str, ...]  # the Hinglish examples

    @classmethod
    def of(cls, service: Service) -> ServiceWords:
        phrases: list[tuple[str, float]] = []
        names = [service.name.en, *(service.name.model_extra or {}).values()]
        for value in dict.fromkeys(names):
            if isinstance(value, str):
                phrases.append((value, 1.0))
                if "(" in value:  # "Domicile (residence) certificate", also without it
                    phrases.append((value.split("(")[0] + value.split(")")[-1], 1.0))
        phrases += [(s, 1.0) for s in service.recognition.synonyms]
        for examples in service.recognition.examples.values():
            phrases += [(e, EXAMPLE_WEIGHT) for e in examples]
        english = [service.name.en, service.description.en]
        english += [f.label.en for f in service.fields]
        english += [o.label.en for f in service.fields for o in f.options]
        english += [d.label.en for d in service.documents]
        english += service.recognition.examples.get("en", [])
        return cls(
            id=service.id,
            kind=service.kind,
            phrases=tuple(phrases),
            english=tuple(english),
            hinglish=tuple(service.recognition.examples.get("hinglish", [])),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "phrases": [[text, weight] for text, weight in self.phrases],
            "english": list(self.english),
            "hinglish": list(self.hinglish),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceWords:
        """Raises ``ValueError``/``KeyError``/``TypeError`` on a malformed entry."""
        phrases = tuple((str(text), float(weight)) for text, weight in data["phrases"])
        return cls(
            id=str(data["id"]),
            kind=Kind(data["kind"]),
            phrases=phrases,
            english=tuple(str(t) for t in data["english"]),
            hinglish=tuple(str(t) for t in data["hinglish"]),
        )
