"""The dashboard's state for one viewer, and how an event changes it (pure functions).

A snapshot holds the summed counters in scope (all departments, or one department plus the
global rows such as message health) for three buckets: ``now`` (stocks), ``today`` and
``period`` (every day from ``start`` to ``end``). A fresh snapshot read from the counters equals
a stale snapshot with the events since applied: ``apply_event`` adds an event's deltas exactly
as the counters received them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sevadwar.dashboard.metrics import STOCK, Delta

CounterKey = tuple[
    str, str, str, str, str, str
]  # bucket, metric, department, service, key, language
NOW, TODAY, PERIOD = "now", "today", "period"


@dataclass(frozen=True, slots=True)
class Scope:
    department: str | None = None  # None: every department (IT administrators)

    def covers(self, department: str) -> bool:
        return self.department is None or department in ("", self.department)


@dataclass(frozen=True, slots=True)
class Period:
    today: date
    start: date
    end: date

    def buckets(self, day: str) -> tuple[str, ...]:
        if day == STOCK:
            return (NOW,)
        on = date.fromisoformat(day)
        found = []
        if on == self.today:
            found.append(TODAY)
        if self.start <= on <= self.end:
            found.append(PERIOD)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    id: int
    kind: str
    at: datetime
    deltas: tuple[Delta, ...]
    department: str = ""
    service: str = ""
    reference: str = ""

    @classmethod
    def from_row(cls, id: int, kind: str, at: datetime, payload: Mapping[str, Any]) -> FeedEvent:
        return cls(
            id=id,
            kind=kind,
            at=at,
            deltas=tuple(Delta.from_list(row) for row in payload.get("deltas", [])),
            department=str(payload.get("department") or ""),
            service=str(payload.get("service") or ""),
            reference=str(payload.get("reference") or ""),
        )

    def visible_to(self, scope: Scope) -> bool:
        return any(scope.covers(d.department) for d in self.deltas)


@dataclass(frozen=True, slots=True)
class Snapshot:
    scope: Scope
    period: Period
    counters: Mapping[CounterKey, int] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, bucket: str, metric: str, **match: str) -> int:
        return sum(v for k, v in self.items(bucket, metric, **match))

    def items(self, bucket: str, metric: str, **match: str) -> Iterable[tuple[CounterKey, int]]:
        names = ("department", "service", "key", "language")
        for key, value in self.counters.items():
            if key[0] != bucket or key[1] != metric:
                continue
            if all(key[2 + names.index(name)] == wanted for name, wanted in match.items()):
                yield key, value


def apply_event(snapshot: Snapshot, event: FeedEvent) -> Snapshot:
    """The snapshot after ``event`` (a new snapshot; the old one is unchanged)."""
    counters = dict(snapshot.counters)
    for d in event.deltas:
        if not snapshot.scope.covers(d.department):
            continue
        for bucket in snapshot.period.buckets(d.day):
            key = (bucket, d.metric, d.department, d.service, d.key, d.language)
            value = counters.get(key, 0) + d.value
            if value:
                counters[key] = value
            else:
                counters.pop(key, None)
    return replace(snapshot, counters=MappingProxyType(counters))
