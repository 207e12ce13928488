"""What the dashboard counts: event kinds, counter metrics and the deltas each event adds (pure).

A counter is keyed by ``(metric, day, department, service, key, language)``. ``day`` is the IST
date of the change (``YYYY-MM-DD``) for flows (received, disposed…) and ``""`` for stocks that
are kept current (open applications by stage, open breaches, fees pending). ``key`` is the
metric's own sub-dimension (a status, a stage, a funnel step, an hour, an error code…).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sevadwar.applications.sla import compensation_rupees
from sevadwar.conversation.context import IST


class Kind(StrEnum):
    RECEIVED = "received"
    MOVED = "moved"
    DECIDED = "decided"
    ESCALATED = "escalated"
    FUNNEL = "funnel"
    FEE_PAID = "fee_paid"
    MESSAGE_SENT = "message_sent"
    MESSAGE_STATUS = "message_status"
    MESSAGE_FAILED = "message_failed"
    MESSAGE_RETRY = "message_retry"
    CANCELLED = "cancelled"
    TICKET_OPENED = "ticket_opened"
    TICKET_CLOSED = "ticket_closed"
    TICKET_WITHDRAWN = "ticket_withdrawn"  # the citizen's data erased while it was open


class Metric(StrEnum):
    RECEIVED = "received"  # key "" · by language
    RECEIVED_HOUR = "received_hour"  # key HH (IST)
    DISPOSED = "disposed"  # key approved | rejected | issued
    DECISION_TIME = "decision_log"  # key log-scale bucket index of seconds (see bucket_of)
    REJECTION = "rejection"  # key reason code
    COMPENSATION = "compensation"  # rupees owed on applications decided late
    BREACHES = "breaches"  # key stage: escalations on that day
    FUNNEL = "funnel"  # key step
    FEE_COLLECTED = "fee_collected"  # paise
    MESSAGES = (
        "messages"  # key sent | delivered | read | failed | send_failed | throttled | retried
    )
    MESSAGE_ERROR = "message_error"  # key WhatsApp error code
    MESSAGE_HOUR = "message_hour"  # key HH (IST)
    TICKETS = "tickets"  # key opened:<kind> | closed:<kind> | closed_late:<kind> | withdrawn:<kind>
    # stocks (day "")
    OPEN_STATUS = "open_status"  # key status
    OPEN_STAGE = "open_stage"  # key stage
    OPEN_DUE = "open_due"  # key due date (IST): drives the compensation accruing now
    OPEN_BREACHED = "open_breached"  # key stage: open applications past their stage limit
    FEE_PENDING = "fee_pending"  # paise
    OPEN_TICKETS = "open_tickets"  # key <kind>:<due date (IST)>: overdue ones are read off it


STOCK = ""
# Time to decision is kept as a log-scale histogram of seconds (HDR-style): bucket ``i`` >= 1
# holds [GROWTH**i, GROWTH**(i+1)) seconds, bucket 0 holds [0, GROWTH). Any value inside a
# bucket is within RESOLUTION (5 %) of any other, so a percentile interpolated within its bucket
# is within 5 % of the exact one (or 1.05 s in bucket 0). A year is bucket 354.
GROWTH = 1.05
RESOLUTION = GROWTH - 1
_LOG_GROWTH = math.log(GROWTH)
THROTTLE_CODES = frozenset({130429, 131056, 80007})
DISPOSED_STATUSES = ("approved", "rejected", "issued")


@dataclass(frozen=True, slots=True)
class Delta:
    metric: str
    day: str
    department: str
    service: str
    key: str
    language: str
    value: int

    @property
    def dims(self) -> tuple[str, str, str, str, str, str]:
        return (self.metric, self.day, self.department, self.service, self.key, self.language)

    def as_list(self) -> list[str | int]:
        return [*self.dims, self.value]

    @classmethod
    def from_list(cls, row: list[str | int]) -> Delta:
        metric, day, department, service, key, language, value = row
        return cls(
            str(metric),
            str(day),
            str(department),
            str(service),
            str(key),
            str(language),
            int(value),
        )


@dataclass(frozen=True, slots=True)
class AppState:
    """What the dashboard needs of an application, before or after a change."""

    department: str
    service: str
    language: str
    status: str
    stage: str
    escalated: bool
    due_day: str
    fee_paise: int
    submitted_at: datetime


def ist_day(at: datetime) -> str:
    return at.astimezone(IST).date().isoformat()


def ist_hour(at: datetime) -> str:
    return f"{at.astimezone(IST).hour:02d}"


def bucket_of(seconds: float) -> int:
    """The log-scale bucket holding ``seconds`` (see ``GROWTH``)."""
    if seconds < GROWTH:
        return 0
    index = int(math.log(seconds) / _LOG_GROWTH)
    while GROWTH ** (index + 1) <= seconds:  # floating-point edges: settle exactly
        index += 1
    while index > 1 and GROWTH**index > seconds:
        index -= 1
    return index


def bucket_bounds(index: int) -> tuple[float, float]:
    """``[low, high)`` seconds of a bucket."""
    return (0.0 if index <= 0 else GROWTH**index, GROWTH ** (max(index, 0) + 1))


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of a bucketed histogram, interpolated linearly within
    its bucket: within ``RESOLUTION`` of the exact value (bucket 0: within 1.05 s)."""
    total = sum(n for n in histogram.values() if n > 0)
    if total <= 0:
        return None
    target = max(q * total, 1e-9)
    running = 0
    for index in sorted(histogram):
        count = histogram[index]
        if count <= 0:
            continue
        if running + count >= target:
            low, high = bucket_bounds(index)
            return low + (high - low) * (target - running) / count
        running += count
    return bucket_bounds(max(histogram))[1]


def compensation_for_due_day(due_day: str, today: date) -> int:
    """₹ owed now on one open application due on ``due_day`` (IST dates; day granularity)."""
    due = date.fromisoformat(due_day)
    return compensation_rupees(
        datetime(due.year, due.month, due.day, tzinfo=IST),
        datetime(today.year, today.month, today.day, tzinfo=IST),
    )


def _d(
    metric: Metric, day: str, a: AppState, key: str = "", value: int = 1, language: str = ""
) -> Delta:
    return Delta(metric.value, day, a.department, a.service, key, language, value)


def _leave_open(a: AppState) -> list[Delta]:
    out = [
        _d(Metric.OPEN_STATUS, STOCK, a, a.status, -1),
        _d(Metric.OPEN_STAGE, STOCK, a, a.stage, -1),
        _d(Metric.OPEN_DUE, STOCK, a, a.due_day, -1),
    ]
    if a.escalated:
        out.append(_d(Metric.OPEN_BREACHED, STOCK, a, a.stage, -1))
    return out


def _enter_open(a: AppState) -> list[Delta]:
    out = [
        _d(Metric.OPEN_STATUS, STOCK, a, a.status),
        _d(Metric.OPEN_STAGE, STOCK, a, a.stage),
        _d(Metric.OPEN_DUE, STOCK, a, a.due_day),
    ]
    if a.escalated:
        out.append(_d(Metric.OPEN_BREACHED, STOCK, a, a.stage))
    return out


def received(a: AppState, at: datetime) -> list[Delta]:
    day = ist_day(at)
    out = [
        _d(Metric.RECEIVED, day, a, language=a.language),
        Delta(Metric.RECEIVED_HOUR, day, a.department, "", ist_hour(at), "", 1),
        *_enter_open(a),
    ]
    if a.fee_paise:
        out.append(_d(Metric.FEE_PENDING, STOCK, a, value=a.fee_paise))
    return out


def moved(before: AppState, after: AppState) -> list[Delta]:
    return _leave_open(before) + _enter_open(after)


def decided(
    before: AppState, after: AppState, at: datetime, *, reason: str, due_at: datetime
) -> list[Delta]:
    day = ist_day(at)
    seconds = max((at - before.submitted_at).total_seconds(), 0)
    out = [
        *_leave_open(before),
        _d(Metric.DISPOSED, day, after, after.status),
        _d(Metric.DECISION_TIME, day, after, str(bucket_of(seconds))),
    ]
    if after.status == "rejected":
        out.append(_d(Metric.REJECTION, day, after, reason or "other"))
    owed = compensation_rupees(due_at, at)
    if owed:
        out.append(_d(Metric.COMPENSATION, day, after, value=owed))
    return out


def cancelled(before: AppState) -> list[Delta]:
    """An open application withdrawn (the citizen's data erased): it leaves the open stocks."""
    out = _leave_open(before)
    if before.status == "fee_pending" and before.fee_paise:
        out.append(_d(Metric.FEE_PENDING, STOCK, before, value=-before.fee_paise))
    return out


def escalated(a: AppState, at: datetime) -> list[Delta]:
    return [
        _d(Metric.BREACHES, ist_day(at), a, a.stage),
        _d(Metric.OPEN_BREACHED, STOCK, a, a.stage),
    ]


def fee_paid(before: AppState, after: AppState, amount_paise: int, at: datetime) -> list[Delta]:
    return [
        *moved(before, after),
        _d(Metric.FEE_PENDING, STOCK, before, value=-before.fee_paise),
        _d(Metric.FEE_COLLECTED, ist_day(at), before, value=amount_paise),
        _d(Metric.FUNNEL, ist_day(at), before, "paid", language=before.language),
    ]


def funnel(step: str, department: str, service: str, language: str, at: datetime) -> list[Delta]:
    return [Delta(Metric.FUNNEL, ist_day(at), department, service, step, language, 1)]


def message(key: str, at: datetime, error_code: int | None = None) -> list[Delta]:
    day = ist_day(at)
    out = [Delta(Metric.MESSAGES, day, "", "", key, "", 1)]
    if key == "sent":
        out.append(Delta(Metric.MESSAGE_HOUR, day, "", "", ist_hour(at), "", 1))
    if error_code is not None:
        out.append(Delta(Metric.MESSAGE_ERROR, day, "", "", str(error_code), "", 1))
    return out


def ticket_opened(department: str, kind: str, due_day: str, at: datetime) -> list[Delta]:
    """A request for a person or a grievance opened (``department`` "": the helpdesk pool)."""
    return [
        Delta(Metric.TICKETS, ist_day(at), department, "", f"opened:{kind}", "", 1),
        Delta(Metric.OPEN_TICKETS, STOCK, department, "", f"{kind}:{due_day}", "", 1),
    ]


def ticket_closed(
    department: str, kind: str, due_day: str, at: datetime, *, late: bool
) -> list[Delta]:
    day = ist_day(at)
    out = [
        Delta(Metric.TICKETS, day, department, "", f"closed:{kind}", "", 1),
        Delta(Metric.OPEN_TICKETS, STOCK, department, "", f"{kind}:{due_day}", "", -1),
    ]
    if late:
        out.append(Delta(Metric.TICKETS, day, department, "", f"closed_late:{kind}", "", 1))
    return out


def ticket_withdrawn(department: str, kind: str, due_day: str, at: datetime) -> list[Delta]:
    """Open no more, but not answered either: neither closed nor late for the helpdesk."""
    return [
        Delta(Metric.TICKETS, ist_day(at), department, "", f"withdrawn:{kind}", "", 1),
        Delta(Metric.OPEN_TICKETS, STOCK, department, "", f"{kind}:{due_day}", "", -1),
    ]


def merge(deltas: list[Delta]) -> list[Delta]:
    """One delta per key (a multi-row upsert may touch a row once), zeros dropped, sorted (no
    deadlocks between transactions taking the same rows)."""
    sums: dict[tuple[str, str, str, str, str, str], int] = {}
    for delta in deltas:
        sums[delta.dims] = sums.get(delta.dims, 0) + delta.value
    return [Delta(*dims, value) for dims, value in sorted(sums.items()) if value]
