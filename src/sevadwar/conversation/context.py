"""What a conversation step may read: the catalogue, the NLU, the words, the time. No I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from sevadwar.catalogue.schema import Service, Text
from sevadwar.conversation.prompts import Commands, Prompts

IST = timezone(timedelta(hours=5, minutes=30), "IST")
NOTICE_VERSION = "2026-11"


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    name: Text
    service_ids: tuple[str, ...]


class Understander(Protocol):
    def parse(self, text: str) -> Any: ...


class FeeQuoter(Protocol):
    def __call__(self, service: Service, answers: dict[str, Any], today: date) -> Any: ...


@dataclass(frozen=True)
class Context:
    services: Mapping[str, Service]
    departments: Sequence[Department]
    understanding: Understander
    prompts: Prompts
    commands: Commands
    now: datetime
    encrypt: Callable[[str], str]
    quote_fee: FeeQuoter
    notice_version: str = NOTICE_VERSION
    draft_ttl_days: int = 30
    upload: Any = None  # for a document sent in this message: Stored, Refused or Unavailable

    @property
    def today(self) -> date:
        """Dates citizens type are Delhi dates."""
        return self.now.astimezone(IST).date()

    def t(self, language: str | None, key: str, **values: Any) -> str:
        return self.prompts.text(language, key, **values)
