"""The live feed behind ``/dashboard/stream``: a snapshot, then ordered events, resumable.

The generator keeps the viewer's snapshot, applies each new event with ``apply_event`` and sends
the panels whose HTML changed. SSE ids are ``dashboard_events`` ids: after a reconnect the
browser sends ``Last-Event-ID`` and receives a fresh snapshot plus every event it missed (for
the activity list), so nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.conversation.context import IST
from sevadwar.dashboard.queries import (
    Cursor,
    cursor_at,
    events_after,
    events_between,
    held_back,
    read_snapshot,
)
from sevadwar.dashboard.render import render_panels
from sevadwar.dashboard.snapshot import FeedEvent, Period, Scope, Snapshot, apply_event
from sevadwar.dashboard.view import Gauges, Texts
from sevadwar.messaging.outbox import outbox_depth
from sevadwar.storage.db import SessionFactory

POLL_SECONDS = 0.5
GAUGE_EVERY = 10  # polls between outbox-depth readings (and checks for a held-back feed)


@dataclass(frozen=True)
class Viewer:
    scope: Scope
    period: Period
    texts: Texts


def consistent_snapshot(
    sessions: SessionFactory, viewer: Viewer, now: datetime
) -> tuple[Snapshot, Cursor, Gauges]:
    """Counters and the feed cursor from one database snapshot (REPEATABLE READ on PostgreSQL)."""
    session: Session = sessions()
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot, cursor = read_snapshot(session, viewer.scope, viewer.period)
        depth, age = outbox_depth(session, now)
        session.commit()
        return snapshot, cursor, Gauges(depth, age)
    finally:
        session.close()


def _read(sessions: SessionFactory, work: Callable[[Session], Any]) -> Any:
    with sessions() as session:
        return work(session)


def _poll(session: Session, *, cursor: Cursor) -> tuple[list[FeedEvent], Cursor]:
    return events_after(session, cursor)


def activity(event: FeedEvent, catalogue: Catalogue, texts: Texts) -> str:
    service = catalogue.get(event.service)
    return json.dumps(
        {
            "kind": event.kind,
            "at": event.at.astimezone(IST).strftime("%H:%M:%S"),
            "service": service.name.get(texts.language) if service else event.service,
        },
        ensure_ascii=False,
    )


async def stream(
    *,
    sessions: SessionFactory,
    catalogue: Catalogue,
    viewer: Viewer,
    clock: Callable[[], datetime],
    last_event_id: str | None,
    disconnected: Callable[[], Any],
) -> AsyncIterator[dict[str, Any]]:
    snapshot, cursor, gauges = await run_in_threadpool(
        consistent_snapshot, sessions, viewer, clock()
    )
    panels = render_panels(snapshot, catalogue, viewer.texts, gauges)
    yield {
        "event": "snapshot",
        "id": str(cursor.id),
        "data": json.dumps({"panels": panels}, ensure_ascii=False),
    }
    if last_event_id and last_event_id.isdigit():
        since = await run_in_threadpool(_read, sessions, lambda s: cursor_at(s, int(last_event_id)))
        if since is not None:
            missed = await run_in_threadpool(
                _read, sessions, lambda s: events_between(s, since, cursor)
            )
            for event in missed:
                if event.visible_to(viewer.scope):
                    yield {
                        "event": "change",
                        "id": str(event.id),
                        "data": activity(event, catalogue, viewer.texts),
                    }
    polls = held = 0
    while not await disconnected():
        await asyncio.sleep(POLL_SECONDS)
        polls += 1
        events, cursor = await run_in_threadpool(_read, sessions, partial(_poll, cursor=cursor))
        changed = False
        for event in events:
            snapshot = apply_event(snapshot, event)
            if event.visible_to(viewer.scope):
                changed = True
                yield {
                    "event": "change",
                    "id": str(event.id),
                    "data": activity(event, catalogue, viewer.texts),
                }
        if polls % GAUGE_EVERY == 0 and not events:
            # A long write transaction anywhere on the PostgreSQL server holds the feed back (never
            # out of order); after two checks in a row, re-read a consistent snapshot instead.
            stuck = await run_in_threadpool(_read, sessions, partial(held_back, cursor=cursor))
            held = held + 1 if stuck else 0
            if held >= 2:
                snapshot, cursor, gauges = await run_in_threadpool(
                    consistent_snapshot, sessions, viewer, clock()
                )
                held, changed = 0, True
        if polls % GAUGE_EVERY == 0:
            depth, age = await run_in_threadpool(
                _read, sessions, lambda s: outbox_depth(s, clock())
            )
            if (depth, round(age)) != (gauges.outbox_depth, round(gauges.outbox_age_seconds)):
                gauges, changed = Gauges(depth, age), True
        if changed:
            fresh = render_panels(snapshot, catalogue, viewer.texts, gauges)
            update = {k: html for k, html in fresh.items() if panels.get(k) != html}
            panels = fresh
            if update:
                yield {"event": "view", "data": json.dumps({"panels": update}, ensure_ascii=False)}
