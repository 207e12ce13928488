"""SQL statements on the hot paths, counted, so a slower path cannot slip in unnoticed.

Counted with SQLAlchemy's ``before_cursor_execute`` event on both backends (the webhook writer's
group commits on PostgreSQL, which bypass SQLAlchemy, by its own metrics). SQLite's
``BEGIN IMMEDIATE`` (one per transaction) and the dashboard's counters (another feature's hook,
asserted separately) are reported apart from the messaging path's own statements.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine, event, func, select

from sevadwar.channels.base import Text
from sevadwar.channels.whatsapp.payloads import split_events
from sevadwar.channels.whatsapp.routes import inbox_sink
from sevadwar.dashboard.metrics import Metric
from sevadwar.dashboard.models import DashboardCounter
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_api import run_fake_graph
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph
from sevadwar.messaging.inbox import InboxWriter, NewEvent, store_events
from sevadwar.messaging.models import InboxEvent, OutboxMessage, OutboxState
from sevadwar.messaging.outbox import Recipient, enqueue
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.db import transaction
from support import signed_post


@dataclass
class Statements:
    all: list[str] = field(default_factory=list)

    @property
    def own(self) -> list[str]:
        """The messaging path's statements: no transaction control, no dashboard counters."""
        return [s for s in self.all if not s.startswith("BEGIN") and "dashboard_" not in s]

    @property
    def dashboard(self) -> list[str]:
        return [s for s in self.all if "dashboard_" in s]

    def starting(self, prefix: str) -> list[str]:
        return [s for s in self.own if s.startswith(prefix)]


@contextmanager
def counted(engine: Engine) -> Iterator[Statements]:
    statements = Statements()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.all.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def user(n: int) -> wp.WaUser:
    return wp.WaUser(wa_id=f"9198100{n:05d}", user_id=f"IN.8800000000000{n:05d}", name="Asha")


def webhook(person: wp.WaUser, text: str) -> bytes:
    return wp.encode(wp.inbound_webhook(person, wp.text_message(person, text)))


def inbound(runtime: Runtime, person: wp.WaUser, message: dict[str, Any]) -> None:
    raw = split_events(wp.inbound_webhook(person, message))
    with transaction(runtime.sessions) as session:
        store_events(
            session, "whatsapp", [NewEvent(e.key, e.kind, e.citizen_key, e.data) for e in raw]
        )


def outbox_rows(runtime: Runtime) -> list[OutboxMessage]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --------------------------------------------------------------------------- ingest


def group_commits() -> tuple[float, float]:
    """(transactions, events) the webhook writer has committed so far in this process."""
    return (
        REGISTRY.get_sample_value("sevadwar_inbox_group_commits_total") or 0.0,
        REGISTRY.get_sample_value("sevadwar_inbox_group_commit_events_sum") or 0.0,
    )


def since(before: tuple[float, float]) -> tuple[float, float]:
    now = group_commits()
    return now[0] - before[0], now[1] - before[1]


def on_sqlite(runtime: Runtime) -> bool:
    return runtime.engine.dialect.name == "sqlite"


def test_one_webhook_post_is_one_insert(client: TestClient, runtime: Runtime) -> None:
    assert signed_post(client, webhook(user(0), "warm up")).status_code == 200
    before = group_commits()
    with counted(runtime.engine) as statements:
        response = signed_post(client, webhook(user(1), "hello"))
    assert response.status_code == 200
    assert since(before) == (1, 1)  # one transaction, one event
    if on_sqlite(runtime):
        assert len(statements.own) == 1, statements.all
        assert statements.own[0].startswith("INSERT INTO inbox_events")
        assert len(statements.all) <= 2  # plus SQLite's BEGIN IMMEDIATE
    else:  # one statement on the writer's own connection; nothing through the app's pool
        assert statements.all == []


def test_a_duplicate_webhook_costs_the_same_insert_and_stores_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    body = webhook(user(2), "hello")
    assert signed_post(client, body).status_code == 200
    before = group_commits()
    with counted(runtime.engine) as statements:
        assert signed_post(client, body).status_code == 200
    assert since(before) == (1, 1)
    assert len(statements.own) == (1 if on_sqlite(runtime) else 0)
    with transaction(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)) == 1


def test_webhooks_arriving_together_share_one_insert_and_one_commit(runtime: Runtime) -> None:
    bodies = [
        split_events(wp.inbound_webhook(user(n), wp.text_message(user(n), "hi"))) for n in range(20)
    ]
    deliveries = [[NewEvent(e.key, e.kind, e.citizen_key, e.data) for e in raw] for raw in bodies]

    async def deliver_all() -> None:
        writer = InboxWriter(inbox_sink(runtime), "whatsapp", max_inflight=1)
        try:
            await asyncio.gather(*(writer.store(events) for events in deliveries))
        finally:
            await writer.aclose()

    before = group_commits()
    with counted(runtime.engine) as statements:
        asyncio.run(deliver_all())
    # The first delivery goes alone; the 19 that queued behind it go in one statement.
    assert since(before) == (2, 20)
    if on_sqlite(runtime):
        assert len(statements.starting("INSERT INTO inbox_events")) == 2, statements.all
        assert len(statements.own) == 2
    with transaction(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)) == 20


# --------------------------------------------------------------------------- one turn


def test_a_conversation_turn_reads_and_writes_a_bounded_number_of_rows(runtime: Runtime) -> None:
    asha = user(3)
    worker = runtime.inbox_worker()
    inbound(runtime, asha, wp.text_message(asha, "hello"))
    with counted(runtime.engine) as first:
        assert worker.process_next()
    replies = outbox_rows(runtime)
    # claim, load the conversation, create it (with its new state), mark the event done ...
    assert len(first.own) - len(first.starting("INSERT INTO outbox_messages")) == 4, first.own
    assert len(first.starting("SELECT")) == 2
    # ... and the replies: one multi-row INSERT, or one per row where the backend needs it
    assert 1 <= len(first.starting("INSERT INTO outbox_messages")) <= len(replies)
    assert len(first.dashboard) <= 2

    language = next(m for m in replies if m.payload.get("kind") == "buttons")
    english = next(b for b in language.payload["buttons"] if b["title"] == "English")
    inbound(runtime, asha, wp.button_reply_message(asha, english["id"], "English"))
    with counted(runtime.engine) as second:
        assert worker.process_next()
    new = len(outbox_rows(runtime)) - len(replies)
    # claim, load the conversation, save it, mark the event done, then the replies
    assert len(second.own) - len(second.starting("INSERT INTO outbox_messages")) == 4, second.own
    assert 1 <= len(second.starting("INSERT INTO outbox_messages")) <= new
    assert len(second.dashboard) <= 2
    assert not worker.process_next()


# --------------------------------------------------------------------------- sending


@pytest.fixture
def graph() -> Iterator[tuple[FakeGraph, str]]:
    config = FakeConfig(
        access_token="test-access-token", app_secret="test-app-secret", emit_statuses=False
    )
    with run_fake_graph(config=config) as running:
        yield running


@pytest.fixture
def live(settings: Settings, graph: tuple[FakeGraph, str]) -> Iterator[Runtime]:
    _, url = graph
    rt = build_runtime(settings.model_copy(update={"whatsapp_api_base_url": f"{url}/v24.0"}))
    yield rt
    rt.close()


def test_one_batch_claims_once_and_marks_each_message_once(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    people = [user(10 + n) for n in range(5)]
    with transaction(live.sessions) as session:
        for person in people:
            to = Recipient(person.key, "whatsapp", person.wa_id, person.user_id)
            enqueue(session, to, [Text(f"{person.key} {i}") for i in range(3)])
    sender = live.outbox_sender()
    with counted(live.bookkeeping or live.engine) as statements:  # the sender's own engine
        assert sender.send_batch()
    sent = 15
    assert len(fake.sent) == sent  # every citizen's whole queue in one claim
    # One claim: the heads, the messages queued behind them, the rate-limit bucket (create if
    # missing, lock, update) and the leases; then one UPDATE per message sent.
    marks = [s for s in statements.starting("UPDATE outbox_messages") if "sent_at" in s]
    assert len(marks) == sent
    assert len(statements.own) - len(marks) <= 8, statements.own
    assert len(statements.dashboard) == 2  # the dashboard counts the whole batch at once ...
    with transaction(live.sessions) as session:  # ... and misses none of it
        counted_sent = session.scalar(
            select(func.sum(DashboardCounter.value)).where(
                DashboardCounter.metric == Metric.MESSAGES, DashboardCounter.key == "sent"
            )
        )
    assert counted_sent == sent
    with transaction(live.sessions) as session:
        states = session.scalars(select(OutboxMessage.state)).all()
    assert set(states) == {OutboxState.SENT}
    for person in people:
        bodies = [m.body["text"]["body"] for m in fake.messages_to(person.wa_id or "")]
        assert bodies == [f"{person.key} {i}" for i in range(3)]  # each once, in order
    assert not sender.send_batch()
