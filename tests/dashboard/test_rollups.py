"""Roll-up blocks of closed days: a period read through them sums exactly what its days hold."""

from __future__ import annotations

import math
from datetime import date, timedelta

from dashboard_support import SYSTEM, ist_today, load, snapshot, submit
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from sevadwar.dashboard.metrics import Metric
from sevadwar.dashboard.models import DashboardRollup, DashboardRollupBlock
from sevadwar.dashboard.queries import grouped_counters
from sevadwar.dashboard.rollups import CLOSED_AFTER, SPANS, build_rollups, plan
from sevadwar.dashboard.snapshot import PERIOD, TODAY, Period, Scope
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

ORIGIN = date(2026, 1, 1).toordinal()


def _aligned_blocks(first: int, last: int) -> list[tuple[int, str]]:
    return [
        (span, date.fromordinal(day).isoformat())
        for span in SPANS
        for day in range(first - first % span, last + 1, span)
    ]


@given(
    start=st.integers(0, 400),
    length=st.integers(1, 400),
    keep=st.lists(st.booleans(), min_size=1, max_size=64),
)
def test_a_plan_reads_every_day_once_from_built_blocks(
    start: int, length: int, keep: list[bool]
) -> None:
    first, last = ORIGIN + start, ORIGIN + start + length - 1
    candidates = _aligned_blocks(first, last)
    built = {b for i, b in enumerate(candidates) if keep[i % len(keep)]}
    blocks, days = plan(date.fromordinal(first), date.fromordinal(last), built)
    covered = [date.fromisoformat(d).toordinal() for d in days]
    for span, day in blocks:
        assert (span, day) in built
        assert date.fromisoformat(day).toordinal() % span == 0
        start_of = date.fromisoformat(day).toordinal()
        covered.extend(range(start_of, start_of + span))
    assert sorted(covered) == list(range(first, last + 1))


@given(start=st.integers(0, 400), length=st.integers(1, 366))
def test_with_every_block_built_a_period_is_a_few_reads(start: int, length: int) -> None:
    first, last = ORIGIN + start, ORIGIN + start + length - 1
    blocks, days = plan(
        date.fromordinal(first), date.fromordinal(last), set(_aligned_blocks(first, last))
    )
    assert len(days) <= 2  # only where a span-2 block would stick out of the period
    largest = max(SPANS)
    assert len(blocks) + len(days) <= 2 * math.ceil(math.log2(min(length, largest) + 1)) + (
        length // largest
    )


def _blocks(runtime: Runtime) -> set[tuple[int, str]]:
    with runtime.sessions() as session:
        B = DashboardRollupBlock
        return {(s, d) for s, d in session.execute(select(B.span, B.first_day))}


def _build(runtime: Runtime) -> int:
    with transaction(runtime.sessions) as session:
        return build_rollups(session, now=runtime.clock())


def test_snapshots_are_unchanged_by_rolling_up_and_read_fewer_rows(runtime: Runtime) -> None:
    """Forty days of activity: every period's snapshot is the same before and after the blocks
    are built; only closed days are rolled up; a second run builds nothing."""
    runtime.clock.advance(days=-40)  # type: ignore[attr-defined]
    decided: list[str] = []
    for day in range(41):
        for n in range(1 + day % 3):
            reference = submit(
                runtime, ("income", "caste-sc-st")[n % 2], language=("hi", "en")[day % 2]
            )
            decided.append(reference)
        if day % 4 == 1:
            with transaction(runtime.sessions) as session:
                runtime.workflow.approve(session, load(session, decided.pop(0)), actor=SYSTEM)
                runtime.workflow.reject(
                    session,
                    load(session, decided.pop(0)),
                    reason_code="documents_mismatch",
                    actor=SYSTEM,
                )
        if day < 40:
            runtime.clock.advance(days=1)  # type: ignore[attr-defined]
    today = ist_today(runtime)
    periods = [Period(today, today - timedelta(days=n - 1), today) for n in (1, 7, 30, 41)] + [
        Period(today, today - timedelta(days=33), today - timedelta(days=9)),  # all closed
        Period(today, today - timedelta(days=2), today - timedelta(days=1)),  # not yet closed
    ]
    scopes = [Scope(), Scope("revenue"), Scope("no-such-department")]
    before = {(p, s): snapshot(runtime, s, p)[0].counters for p in periods for s in scopes}

    assert _build(runtime) > 0
    blocks = _blocks(runtime)
    last_closed = (today - timedelta(days=CLOSED_AFTER)).isoformat()
    for span, first in blocks:
        end = date.fromisoformat(first) + timedelta(days=span - 1)
        assert end.isoformat() <= last_closed  # yesterday and today stay as days
    assert _build(runtime) == 0  # nothing left to build
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DashboardRollup)) > 0

    for (period, scope), counters in before.items():
        after, _ = snapshot(runtime, scope, period)
        assert after.counters == counters, (period, scope)
    month = periods[2]
    fresh, _ = snapshot(runtime, Scope(), month)
    assert fresh.get(PERIOD, Metric.RECEIVED) == sum(1 + d % 3 for d in range(11, 41))
    assert fresh.get(TODAY, Metric.RECEIVED) == 1 + 40 % 3
    blocks_read, days_read = plan(month.start, month.end, blocks)
    assert len(blocks_read) >= 3
    assert len(days_read) <= 5  # the open days, and where no block fits


def test_a_late_count_on_yesterday_still_shows_after_the_roll_up(runtime: Runtime) -> None:
    """A transaction that began before midnight counts on yesterday: never rolled up yet."""
    runtime.clock.advance(days=-10)  # type: ignore[attr-defined]
    submit(runtime)
    runtime.clock.advance(days=9)  # type: ignore[attr-defined]
    yesterday_submission = runtime.clock()
    runtime.clock.advance(days=1)  # type: ignore[attr-defined]
    assert _build(runtime) > 0
    runtime.clock.now = yesterday_submission  # type: ignore[attr-defined]
    submit(runtime)  # counted on yesterday, after the blocks were built
    runtime.clock.advance(days=1)  # type: ignore[attr-defined]
    today = ist_today(runtime)
    period = Period(today, today - timedelta(days=10), today)
    fresh, _ = snapshot(runtime, Scope(), period)
    assert fresh.get(PERIOD, Metric.RECEIVED) == 2
    with runtime.sessions() as session:
        totals = grouped_counters(
            session, Scope(), period.start.isoformat(), period.end.isoformat()
        )
    assert sum(d.value for d in totals if d.metric == Metric.RECEIVED) == 2


def test_the_scheduler_builds_the_blocks(runtime: Runtime) -> None:
    runtime.clock.advance(days=-6)  # type: ignore[attr-defined]
    submit(runtime)
    runtime.clock.advance(days=6)  # type: ignore[attr-defined]
    runtime.scheduler().enforce_retention()
    assert _blocks(runtime)
