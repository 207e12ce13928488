"""Roll-ups of closed days, so that a period is read as a few blocks rather than day by day.

Every action counts on the IST day it happens, so a day's counters stop changing once the day
is over. The scheduler sums closed days into blocks of ``SPANS`` days, each aligned on the
proleptic day number (a block of span ``s`` starts on a day whose ordinal is a multiple of
``s``). Any period then splits into at most about ``2·log2(days)`` blocks plus the days no
block covers yet (``plan``): a 30-day period reads four to eight blocks instead of thirty days,
and a block holds barely more rows than one day because the same keys recur day after day.

A block's rows and its marker row in ``dashboard_rollup_blocks`` are written in one
transaction, so a reader sees a block whole or not at all and then reads smaller blocks or the
days themselves: sums never depend on whether the scheduler has run. Only days that ended more
than a day ago are rolled up (``CLOSED_AFTER``), so a transaction that straddles midnight still
counts in a day row no block has summed yet.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Insert, SmallInteger, String, and_, cast, func, insert, literal, select
from sqlalchemy.orm import Session

from sevadwar.conversation.context import IST
from sevadwar.dashboard.metrics import STOCK
from sevadwar.dashboard.models import DashboardCounter, DashboardRollup, DashboardRollupBlock

SPANS = (2, 4, 8, 16, 32, 64, 128, 256)  # ascending: each block is built from two halves
CLOSED_AFTER = 2  # a day is rolled up once it lies this many days before today

Block = tuple[int, str]  # span, first day (ISO)
C, R = DashboardCounter, DashboardRollup


def _sums_into_block(span: int, first: str, source: Any, where: Any) -> Insert:
    """``INSERT INTO dashboard_rollups … SELECT`` the sums of ``source`` rows matching ``where``."""
    dims = (source.metric, source.department, source.service, source.key, source.language)
    total = func.sum(source.value)
    summed = (
        select(cast(literal(span), SmallInteger), cast(literal(first), String(10)), *dims, total)
        .where(where)
        .group_by(*dims)
        .having(total != 0)
    )
    names = ["span", "first_day", "metric", "department", "service", "key", "language", "value"]
    return insert(DashboardRollup).from_select(names, summed)


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def plan(first: date, last: date, built: Collection[Block]) -> tuple[list[Block], list[str]]:
    """Split ``first``..``last`` into the largest built blocks, left to right, and the days
    left over (ISO dates). Reading those blocks and days sums every day exactly once."""
    blocks: list[Block] = []
    days: list[str] = []
    day, end = first.toordinal(), last.toordinal()
    while day <= end:
        for span in reversed(SPANS):
            if day % span == 0 and day + span - 1 <= end and (span, _iso(day)) in built:
                blocks.append((span, _iso(day)))
                day += span
                break
        else:
            days.append(_iso(day))
            day += 1
    return blocks, days


def built_blocks(session: Session, first: date, last: date) -> set[Block]:
    """The blocks built that start inside ``first``..``last``."""
    B = DashboardRollupBlock
    statement = select(B.span, B.first_day).where(
        B.first_day.between(first.isoformat(), last.isoformat())
    )
    return {(int(span), str(day)) for span, day in session.execute(statement)}


def build_rollups(session: Session, *, now: datetime) -> int:
    """Build every missing block of closed days, smallest spans first (each from its two halves
    when both are built, else from the days); returns how many blocks were built. Called by
    the scheduler's retention job, which holds its lock: one builder at a time."""
    today = now.astimezone(IST).date()
    last_closed = (today - timedelta(days=CLOSED_AFTER)).toordinal()
    earliest = session.scalar(select(func.min(C.day)).where(C.day != STOCK))
    if not earliest or date.fromisoformat(earliest).toordinal() > last_closed:
        return 0
    start = date.fromisoformat(earliest).toordinal()
    B = DashboardRollupBlock
    built = {(int(s), str(d)) for s, d in session.execute(select(B.span, B.first_day))}
    made: list[dict[str, object]] = []
    for span in SPANS:
        half = span // 2
        first = start - start % span
        while first + span - 1 <= last_closed:
            block = (span, _iso(first))
            if block not in built:
                day, second = _iso(first), _iso(first + half)
                if half in SPANS and {(half, day), (half, second)} <= built:
                    where = and_(R.span == half, R.first_day.in_((day, second)))
                    session.execute(_sums_into_block(span, day, R, where))
                else:
                    where = C.day.between(day, _iso(first + span - 1))
                    session.execute(_sums_into_block(span, day, C, where))
                built.add(block)
                made.append({"span": span, "first_day": _iso(first), "built_at": now})
            first += span
    if made:
        session.execute(insert(B), made)
    return len(made)
