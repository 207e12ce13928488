"""A stale snapshot with the events since applied equals a fresh snapshot (every kind of event)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from dashboard_support import SYSTEM, ist_today, load, snapshot, submit
from sqlalchemy import func, select

from sevadwar.channels.base import DeliveryStatus, Text
from sevadwar.dashboard.actions import do_compact_counters, record
from sevadwar.dashboard.metrics import Kind, Metric
from sevadwar.dashboard.models import DashboardCounter, DashboardEvent
from sevadwar.dashboard.queries import events_after
from sevadwar.dashboard.snapshot import NOW, PERIOD, TODAY, Period, Scope, apply_event
from sevadwar.messaging.outbox import (
    Recipient,
    enqueue,
    mark_failed,
    mark_sent,
    merge_delivery_status,
)
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction


def _activity(runtime: Runtime) -> None:
    """Every hook at least once: received, moved, decided, escalated, funnel, messages."""
    workflow = runtime.workflow
    first, second, third = (
        submit(runtime),
        submit(runtime, language="en"),
        submit(runtime, "community-hall-booking"),  # no certificate: no signing,
    )
    with transaction(runtime.sessions) as session:
        workflow.forward(session, load(session, first), actor=SYSTEM)
        workflow.request_info(
            session, load(session, second), request="Send the ration card", actor=SYSTEM
        )
        workflow.approve(session, load(session, third), actor=SYSTEM)
    runtime.clock.advance(days=30)  # type: ignore[attr-defined]
    assert runtime.scheduler().escalate_breaches() >= 1
    with transaction(runtime.sessions) as session:
        workflow.reject(
            session, load(session, first), reason_code="documents_mismatch", actor=SYSTEM
        )
        record(
            session, Kind.FUNNEL, step="started", service=None, language="hi", at=runtime.clock()
        )
        record(
            session,
            Kind.FUNNEL,
            step="service_chosen",
            service=runtime.catalogue["income"],
            language="hi",
            at=runtime.clock(),
        )
        rows = enqueue(session, Recipient("sim:x", "simulator"), [Text("namaste"), Text("again")])
        session.flush()
        mark_sent(session, rows[0].id, "wamid.one", now=runtime.clock())
        merge_delivery_status(
            session, "wamid.one", DeliveryStatus.READ, errors=None, at=runtime.clock()
        )
        mark_failed(session, rows[1].id, error_code=131026, detail="undeliverable")


@pytest.mark.parametrize("scope", [Scope(), Scope("revenue"), Scope("mcd")])
def test_stale_snapshot_plus_events_equals_fresh(runtime: Runtime, scope: Scope) -> None:
    submit(runtime)  # something before the stale snapshot
    stale, cursor = snapshot(runtime, scope)
    _activity(runtime)
    fresh, _ = snapshot(runtime, scope, stale.period)
    # The feed holds events back while an older transaction anywhere on the server could still
    # commit (other test workers share the PostgreSQL server): poll as a live client does.
    deadline = time.monotonic() + 15
    while True:
        with runtime.sessions() as session:
            events, after = events_after(session, cursor)
        caught_up = stale
        for event in events:
            caught_up = apply_event(caught_up, event)
        if caught_up == fresh or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert events
    assert after.id > cursor.id
    assert caught_up == fresh
    assert fresh != stale


def test_counters_follow_the_workflow(runtime: Runtime) -> None:
    _activity(runtime)
    fresh, _ = snapshot(runtime)
    assert fresh.get(TODAY, Metric.RECEIVED) == 0  # the clock moved 30 days on
    assert fresh.get(NOW, Metric.OPEN_STATUS) == 1  # only the second is still open
    assert fresh.get(NOW, Metric.OPEN_STATUS, key="info_requested") == 1
    assert fresh.get(PERIOD, Metric.DISPOSED, key="rejected") == 1
    assert fresh.get(PERIOD, Metric.REJECTION, key="documents_mismatch") == 1
    assert fresh.get(PERIOD, Metric.BREACHES) >= 1
    assert fresh.get(NOW, Metric.OPEN_BREACHED) == 1  # the rejected one left the open breaches
    assert fresh.get(PERIOD, Metric.COMPENSATION) > 0  # rejected long after its due date
    assert fresh.get(PERIOD, Metric.MESSAGES, key="sent") == 1
    assert fresh.get(PERIOD, Metric.MESSAGES, key="read") == 1
    with (
        runtime.sessions() as session
    ):  # mark_failed has no clock argument: counted at the real time
        failed = session.scalars(
            select(DashboardEvent).where(DashboardEvent.kind == "message_failed")
        ).one()
    assert [
        "message_error",
        failed.payload["deltas"][0][1],
        "",
        "",
        "131026",
        "",
        1,
    ] in failed.payload["deltas"]
    assert fresh.get(PERIOD, Metric.FUNNEL, key="service_chosen", department="revenue") == 1


def test_department_scope_hides_other_departments(runtime: Runtime) -> None:
    submit(runtime, "income")  # revenue
    mcd_service = next(s.id for s in runtime.catalogue if s.department == "mcd")
    submit(runtime, mcd_service)
    revenue, _ = snapshot(runtime, Scope("revenue"))
    everyone, _ = snapshot(runtime, Scope())
    assert everyone.get(TODAY, Metric.RECEIVED) == 2
    assert revenue.get(TODAY, Metric.RECEIVED) == 1
    assert {key[2] for key in revenue.counters} <= {"revenue", ""}


def test_compacting_shards_keeps_every_sum(runtime: Runtime) -> None:
    """The scheduler folds the write shards of finished days (and the stocks) into shard 0: the
    snapshot is unchanged, today is left alone, and on PostgreSQL the rows shrink."""
    runtime.clock.advance(days=-2)  # type: ignore[attr-defined]
    for _ in range(12):
        submit(runtime)
    runtime.clock.advance(days=2)  # type: ignore[attr-defined]
    for _ in range(12):
        submit(runtime, language="en")
    today = ist_today(runtime)
    period = Period(today, today - timedelta(days=5), today)

    def rows(where: Any = True) -> int:
        with runtime.sessions() as session:
            return int(
                session.scalar(select(func.count()).select_from(DashboardCounter).where(where)) or 0
            )

    before, _ = snapshot(runtime, period=period)
    today_rows = rows(DashboardCounter.day == today.isoformat())
    total = rows()
    with transaction(runtime.sessions) as session:
        removed = do_compact_counters(session, now=runtime.clock())
    after, _ = snapshot(runtime, period=period)
    assert after.counters == before.counters
    assert before.get(PERIOD, Metric.RECEIVED) == 24
    assert rows(DashboardCounter.day == today.isoformat()) == today_rows  # today untouched
    with runtime.sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        assert removed > 0
        assert rows() < total
        assert rows((DashboardCounter.shard > 0) & (DashboardCounter.day < today.isoformat())) == 0
    else:
        assert removed == 0
        assert rows() == total
