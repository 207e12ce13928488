"""Funnel and message health follow today and the chosen period (counters kept per day by the
actions), and the funnel is split by service wherever a service is known."""

from __future__ import annotations

from dashboard_support import period_of, snapshot

from sevadwar.channels.base import DeliveryStatus, Text
from sevadwar.dashboard.actions import record
from sevadwar.dashboard.metrics import Kind
from sevadwar.dashboard.render import render_panels
from sevadwar.dashboard.view import Gauges, Texts, build_view
from sevadwar.messaging.outbox import Recipient, enqueue, mark_sent, merge_delivery_status
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction


def _funnel(runtime: Runtime, steps: dict[str, int], service_id: str | None) -> None:
    service = runtime.catalogue[service_id] if service_id else None
    with transaction(runtime.sessions) as session:
        for step, n in steps.items():
            for _ in range(n):
                record(
                    session,
                    Kind.FUNNEL,
                    step=step,
                    service=service,
                    language="hi",
                    at=runtime.clock(),
                )


def _messages(runtime: Runtime, sent: int, read: int, failed_code: int | None = None) -> None:
    with transaction(runtime.sessions) as session:
        rows = enqueue(session, Recipient("sim:p", "simulator"), [Text("x")] * sent)
        session.flush()
        for number, row in enumerate(rows):
            mark_sent(
                session,
                row.id,
                f"wamid.{runtime.clock().timestamp()}.{number}",
                now=runtime.clock(),
            )
            if number < read:
                merge_delivery_status(
                    session,
                    f"wamid.{runtime.clock().timestamp()}.{number}",
                    DeliveryStatus.READ,
                    errors=None,
                    at=runtime.clock(),
                )
        if failed_code is not None:
            record(session, Kind.MESSAGE_FAILED, error_code=failed_code, at=runtime.clock())


def test_funnel_and_messages_follow_today_and_the_period(runtime: Runtime) -> None:
    # Ten days ago (outside a 7-day period), three days ago (inside), and today.
    runtime.clock.advance(days=-10)  # type: ignore[attr-defined]
    _funnel(runtime, {"started": 50, "service_chosen": 40}, None)
    _messages(runtime, sent=9, read=9)
    runtime.clock.advance(days=7)  # type: ignore[attr-defined]
    _funnel(runtime, {"started": 10, "consented": 8}, None)
    _funnel(runtime, {"service_chosen": 6, "form_completed": 3, "submitted": 2}, "income")
    _messages(runtime, sent=4, read=1, failed_code=131026)
    runtime.clock.advance(days=3)  # type: ignore[attr-defined]
    _funnel(runtime, {"started": 2, "consented": 1}, None)
    _funnel(runtime, {"service_chosen": 1}, "income")
    _messages(runtime, sent=2, read=2)

    week = period_of(runtime, days=7)
    fresh, _ = snapshot(runtime, period=week)
    view = build_view(fresh, runtime.catalogue, Texts("en"), Gauges())
    funnel = {row["id"]: row for row in view["funnel"]}
    assert (funnel["started"]["today"], funnel["started"]["period"]) == (2, 12)
    assert (funnel["consented"]["today"], funnel["consented"]["period"]) == (1, 9)
    assert funnel["consented"]["period_drop"] == "25%"  # 12 -> 9
    assert funnel["consented"]["today_drop"] == "50%"  # 2 -> 1
    assert (funnel["service_chosen"]["today"], funnel["service_chosen"]["period"]) == (1, 7)
    assert not funnel["started"]["per_service"] and not funnel["consented"]["per_service"]
    assert funnel["service_chosen"]["per_service"]
    (income,) = view["funnel_services"]
    counts = [cell["count"] for cell in income["cells"]]
    assert counts == [7, 3, 0, 2, 0]  # chosen, form, documents, submitted, paid
    assert [cell["drop"] for cell in income["cells"][:2]] == ["", "57%"]  # 7 -> 3

    messages = {row["id"]: row for row in view["messages"]}
    assert (messages["sent"]["today"], messages["sent"]["count"]) == (2, 6)
    assert (messages["read"]["today"], messages["read"]["count"]) == (2, 3)
    assert (messages["send_failed"]["today"], messages["send_failed"]["count"]) == (0, 1)
    assert view["errors"] == [("131026", 0, 1)]
    hours = sum(h["messages"] for h in view["hours"])
    assert hours == 6

    # A period that reaches back ten days counts the older activity too.
    fortnight = period_of(runtime, days=14)
    older, _ = snapshot(runtime, period=fortnight)
    wide = build_view(older, runtime.catalogue, Texts("en"), Gauges())
    assert {r["id"]: r["period"] for r in wide["funnel"]}["started"] == 62
    assert {r["id"]: r["count"] for r in wide["messages"]}["sent"] == 15
    assert {r["id"]: r["today"] for r in wide["messages"]}["sent"] == 2

    panels = render_panels(fresh, runtime.catalogue, Texts("hi"), Gauges())
    assert 'id="funnel-today-started">2<' in panels["funnel"]
    assert 'id="msg-today-sent">2<' in panels["messages"]
    assert 'id="msg-sent">6<' in panels["messages"]
    assert "सेवा चुनने से पहले" in panels["funnel"]
