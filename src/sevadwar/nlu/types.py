"""What the NLU returns: frozen, typed, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Language(StrEnum):
    HINDI = "hi"
    ENGLISH = "en"
    HINGLISH = "hinglish"


class Intent(StrEnum):
    GREETING = "greeting"  # hello, thanks
    SERVICES = "services"  # list or browse the services
    APPLY = "apply"  # start a service
    INFO = "info"  # a question about a service: documents, fee, time, eligibility
    STATUS = "status"  # where is my application
    PAY = "pay"
    HELP = "help"
    LANGUAGE = "language"  # change the reply language
    HUMAN = "human"  # talk to a person
    CANCEL = "cancel"
    ERASE = "erase"  # delete my data
    GRIEVANCE = "grievance"  # complaint
    UNKNOWN = "unknown"


class InfoTopic(StrEnum):
    DOCUMENTS = "documents"
    FEE = "fee"
    TIME = "time"
    ELIGIBILITY = "eligibility"


@dataclass(frozen=True, slots=True)
class Entities:
    """Things mentioned in a message. Aadhaar numbers are only flagged, never kept."""

    references: tuple[str, ...] = ()  # canonical DL-XXXX-XXXX, valid check character
    dates: tuple[date, ...] = ()
    numbers: tuple[Decimal, ...] = ()  # plain numbers (not phones, PINs, Aadhaar or amounts)
    amounts: tuple[Decimal, ...] = ()  # money: ₹/rs/rupaye, lakh, hazar
    phones: tuple[str, ...] = ()  # +91XXXXXXXXXX
    pincodes: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    aadhaar_present: bool = False  # something that looks like an Aadhaar number was typed

    def to_json(self) -> dict[str, Any]:
        return {
            "references": list(self.references),
            "dates": [d.isoformat() for d in self.dates],
            "numbers": [_number_json(n) for n in self.numbers],
            "amounts": [_number_json(n) for n in self.amounts],
            "phones": list(self.phones),
            "pincodes": list(self.pincodes),
            "emails": list(self.emails),
            "aadhaar_present": self.aadhaar_present,
        }


def _number_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What the conversation knows when the message arrives.

    ``service``: the service being talked about, so "kitni fees?" is an info question about it.
    ``candidates``: the services the bot just offered (a clarifying question); a reply naming one
    of them is read in their favour. ``today``: for dates ("12-3-24", "aaj"); defaults to the UTC
    date.
    """

    service: str | None = None
    candidates: tuple[str, ...] = ()
    today: date | None = None


@dataclass(frozen=True, slots=True)
class Parse:
    """One message understood.

    ``alternatives`` ranks the likeliest services, best first (the chosen ``service``, when there
    is one, comes first); a clarifying question offers them as buttons. ``needs_clarification`` is
    set when the NLU is unsure (low confidence) or the words name a family of services ("caste
    certificate", "pension") rather than one.
    """

    text: str
    language: Language
    intent: Intent
    service: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    info_topic: InfoTopic | None = None
    entities: Entities = field(default_factory=Entities)
    needs_clarification: bool = False

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's shape, then the extra keys."""
        return {
            "text": self.text,
            "language": str(self.language),
            "intent": str(self.intent),
            "service": self.service,
            "confidence": round(self.confidence, 4),
            "alternatives": [
                {"service": service, "score": round(score, 4)}
                for service, score in self.alternatives
            ],
            "info_topic": str(self.info_topic) if self.info_topic else None,
            "needs_clarification": self.needs_clarification,
            "entities": self.entities.to_json(),
        }
