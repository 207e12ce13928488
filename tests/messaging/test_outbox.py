"""The outbox sender against the fake Graph API: order, throttling, back-off, 24-hour fallback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from sevadwar.app import create_app
from sevadwar.audit.models import AuditEntry
from sevadwar.channels.base import Button, Buttons, Text
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_api import run_fake_graph
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph
from sevadwar.messaging.commands import replay_dead_items
from sevadwar.messaging.models import OutboxMessage, OutboxState, RateBucket
from sevadwar.messaging.notices import notice
from sevadwar.messaging.outbox import MAX_ATTEMPTS, Recipient, enqueue
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import transaction
from support import drain, signed_post

USER = wp.WaUser(wa_id="919810012345", user_id="IN.13491208655302741918", name="Asha")
TO = Recipient(
    citizen_key=USER.user_id or "", channel="whatsapp", wa_id=USER.wa_id, user_id=USER.user_id
)


@pytest.fixture
def graph() -> Iterator[tuple[FakeGraph, str]]:
    config = FakeConfig(
        access_token="test-access-token", app_secret="test-app-secret", emit_statuses=False
    )
    with run_fake_graph(config=config) as running:
        yield running


@pytest.fixture
def live(settings: Settings, graph: tuple[FakeGraph, str], clock: object) -> Iterator[Runtime]:
    _, url = graph
    rt = build_runtime(settings.model_copy(update={"whatsapp_api_base_url": f"{url}/v24.0"}))
    yield rt
    rt.close()


def queue(runtime: Runtime, *bodies: str) -> None:
    with transaction(runtime.sessions) as session:
        enqueue(session, TO, [Text(b) for b in bodies])


def rows(runtime: Runtime) -> list[OutboxMessage]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def make_due(runtime: Runtime) -> None:
    """Time passes: every message waiting for a retry is due now."""
    with transaction(runtime.sessions) as session:
        session.execute(update(OutboxMessage).values(not_before=utcnow() - timedelta(seconds=1)))
        session.execute(update(RateBucket).values(tokens=100.0))


def send_all(runtime: Runtime, limit: int = 50) -> int:
    sender = runtime.outbox_sender()
    count = 0
    while count < limit and sender.send_next():
        count += 1
    return count


def test_messages_reach_meta_in_order_with_the_addressing_meta_documents(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    queue(live, "one", "two", "three")
    with transaction(live.sessions) as session:
        enqueue(session, TO, [Buttons("pick", (Button("a", "A"), Button("b", "B")))])
    assert send_all(live) == 4
    sent = fake.messages_to(USER.wa_id or "")
    assert [m.body.get("text", {}).get("body") for m in sent[:3]] == ["one", "two", "three"]
    assert sent[3].body["interactive"]["type"] == "button"
    assert all(m.body["to"] == USER.wa_id for m in sent)
    stored = rows(live)
    assert {r.state for r in stored} == {OutboxState.SENT}
    assert [r.provider_message_id for r in stored] == [m.wamid for m in sent]


def test_citizen_known_only_by_business_scoped_id_is_addressed_by_recipient(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    username_user = Recipient(
        citizen_key="IN.999", channel="whatsapp", wa_id=None, user_id="IN.999"
    )
    with transaction(live.sessions) as session:
        enqueue(session, username_user, [Text("hello")])
    assert send_all(live) == 1
    assert fake.sent[-1].body["recipient"] == "IN.999"
    assert "to" not in fake.sent[-1].body


def test_throttling_backs_off_slows_every_sender_and_then_delivers(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    fake.throttle_next(1)
    queue(live, "first", "second")
    assert send_all(live) == 1  # the first send is throttled; the second waits behind it
    first, second = rows(live)
    assert first.state == OutboxState.PENDING and first.error_code == 130429
    assert first.not_before > utcnow()
    assert second.state == OutboxState.PENDING and second.attempts == 0  # order is kept
    with transaction(live.sessions) as session:
        bucket = session.scalars(select(RateBucket)).one()
        assert bucket.tokens < 0  # every process now waits before sending on this number
    make_due(live)
    assert send_all(live) == 2
    assert [m.body["text"]["body"] for m in fake.messages_to(USER.wa_id or "")] == [
        "first",
        "second",
    ]


def test_transient_errors_retry_with_growing_back_off_then_park_as_dead(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    fake.inject_error(131000, count=MAX_ATTEMPTS)
    queue(live, "hello")
    for _ in range(MAX_ATTEMPTS):
        make_due(live)
        send_all(live, limit=1)
    [row] = rows(live)
    assert row.state == OutboxState.DEAD
    assert row.attempts == MAX_ATTEMPTS
    assert row.error_code == 131000
    assert fake.messages_to(USER.wa_id or "") == []


def test_outside_the_24_hour_window_falls_back_to_the_approved_template(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    fake.configure(enforce_window=True)
    queue(live, "Your application DL-7KQM-X4R9 was approved.")
    send_all(live)
    [row] = rows(live)
    assert row.state == OutboxState.SENT
    assert row.payload["kind"] == "template"
    [sent] = fake.messages_to(USER.wa_id or "")
    assert sent.body["type"] == "template"
    assert sent.body["template"]["name"] == live.settings.whatsapp_fallback_template
    assert "DL-7KQM-X4R9" in str(sent.body["template"])


def test_a_notice_falls_back_to_its_own_template_with_parameters(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    fake.configure(enforce_window=True)  # the window closed while the message waited
    values = {"reference": "DL-7KQM-X4R9", "service": "आय प्रमाण पत्र"}
    with transaction(live.sessions) as session:
        enqueue(session, TO, [notice("approved", "hi", "🎉 स्वीकृत हो गया", values)])
    send_all(live)
    [row] = rows(live)
    assert row.state == OutboxState.SENT
    [sent] = fake.messages_to(USER.wa_id or "")
    assert sent.body["template"]["name"] == "application_approved"
    assert sent.body["template"]["language"] == {"code": "hi"}
    [body] = sent.body["template"]["components"]
    assert [p["text"] for p in body["parameters"]] == ["DL-7KQM-X4R9", "आय प्रमाण पत्र"]


def test_permanent_errors_are_recorded_not_retried(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    fake.inject_error(131026)
    queue(live, "hello", "after")
    send_all(live)
    first, second = rows(live)
    assert first.state == OutboxState.FAILED and first.error_code == 131026
    assert second.state == OutboxState.SENT  # a dead end for one message does not block the next
    with TestClient(create_app(runtime=live, start_workers=False)) as metrics_client:
        metrics = metrics_client.get("/metrics").text
    assert 'sevadwar_send_errors_total{channel="whatsapp",code="131026"}' in metrics


def test_delivery_statuses_merge_monotonically(client: TestClient, runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        [row] = enqueue(session, TO, [Text("hi")])
        row.state, row.provider_message_id = OutboxState.SENT, "wamid.ABC"
    read = wp.status_object("wamid.ABC", "read", USER)
    late_sent = wp.status_object("wamid.ABC", "sent", USER)
    for status in (read, late_sent):
        assert signed_post(client, wp.encode(wp.status_webhook(USER, [status]))).status_code == 200
    drain(runtime)
    assert rows(runtime)[0].delivery_status == "read"


def test_a_failed_status_keeps_metas_error(client: TestClient, runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        [row] = enqueue(session, TO, [Text("hi")])
        row.state, row.provider_message_id = OutboxState.SENT, "wamid.XYZ"
    failed = wp.status_object(
        "wamid.XYZ", "failed", USER, errors=[wp.error_object(131026, "Message undeliverable")]
    )
    assert signed_post(client, wp.encode(wp.status_webhook(USER, [failed]))).status_code == 200
    drain(runtime)
    [stored] = rows(runtime)
    assert stored.delivery_status == "failed"
    assert stored.delivery_errors and stored.delivery_errors[0]["code"] == 131026


def test_meta_down_for_a_while_then_everything_is_delivered_and_dead_letters_replay(
    live: Runtime, graph: tuple[FakeGraph, str]
) -> None:
    fake, _ = graph
    fake.configure(down="unavailable")
    queue(live, "one", "two")
    for _ in range(3):  # the outage: every try fails and backs off; nothing is lost
        make_due(live)
        send_all(live, limit=1)
    assert fake.messages_to(USER.wa_id or "") == []
    assert {r.state for r in rows(live)} == {OutboxState.PENDING}
    fake.configure(down="off")  # Meta is back
    make_due(live)
    assert send_all(live) == 2
    assert [m.body["text"]["body"] for m in fake.messages_to(USER.wa_id or "")] == ["one", "two"]

    fake.inject_error(131000, count=MAX_ATTEMPTS)
    queue(live, "three")
    for _ in range(MAX_ATTEMPTS):
        make_due(live)
        send_all(live, limit=1)
    dead = [r for r in rows(live) if r.state == OutboxState.DEAD]
    assert len(dead) == 1
    with transaction(live.sessions) as session:
        assert replay_dead_items(session, inbox=[], outbox=[dead[0].id], operator="it.admin") == 1
    with transaction(live.sessions) as session:  # audited when the replay committed
        assert session.scalars(
            select(AuditEntry).where(AuditEntry.action == "deadletters.replayed")
        ).one()
    make_due(live)
    assert send_all(live) == 1
    assert fake.messages_to(USER.wa_id or "")[-1].body["text"]["body"] == "three"


def test_only_the_senders_bookkeeping_skips_the_wal_flush(runtime: Runtime) -> None:
    """Turns and acknowledged webhooks commit durably; the sender's marks need not wait."""
    if runtime.settings.is_sqlite:
        assert runtime.sender_sessions is runtime.sessions
        return
    show = text("SHOW synchronous_commit")
    with transaction(runtime.sessions) as session:
        assert session.execute(show).scalar_one() == "on"
    with transaction(runtime.sender_sessions) as session:
        assert session.execute(show).scalar_one() == "off"
    assert runtime.outbox_sender().sessions is runtime.sender_sessions
