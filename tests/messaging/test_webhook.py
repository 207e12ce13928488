"""The WhatsApp webhook route: signatures, durable storage before the 200, duplicates, quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from sevadwar.channels.whatsapp.payloads import split_events
from sevadwar.channels.whatsapp.signature import sign
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.messaging.models import InboxEvent, InboxState
from sevadwar.runtime import Runtime
from sevadwar.storage.db import create_db_engine, libpq_conninfo, transaction
from support import APP_SECRET, drain, signed_post

FIXTURES = Path(__file__).parents[1] / "fixtures" / "whatsapp"
USER = wp.WaUser(wa_id="919810012345", user_id="IN.1349120865530274191", name="Asha")


def events(runtime: Runtime) -> list[InboxEvent]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def test_handshake_echoes_the_challenge(client: TestClient) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": "test-verify-token",
        "hub.challenge": "1158201444",
    }
    response = client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"


@pytest.mark.parametrize(
    ("mode", "token"),
    [("subscribe", "wrong-token"), ("unsubscribe", "test-verify-token"), ("subscribe", "")],
)
def test_handshake_refuses_a_wrong_token_or_mode(client: TestClient, mode: str, token: str) -> None:
    params = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "42"}
    response = client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 403
    assert "42" not in response.text


def test_missing_signature_is_401_and_nothing_is_stored(
    client: TestClient, runtime: Runtime
) -> None:
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "hi")))
    response = client.post(
        "/webhooks/whatsapp", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert events(runtime) == []


def test_wrong_signature_is_403_and_nothing_is_stored(client: TestClient, runtime: Runtime) -> None:
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "hi")))
    response = signed_post(client, body, secret="not-the-app-secret")
    assert response.status_code == 403
    assert events(runtime) == []


def test_one_tampered_byte_is_403(client: TestClient, runtime: Runtime) -> None:
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "hello")))
    signature = sign(body, APP_SECRET)
    tampered = body.replace(b"hello", b"hellp")
    response = client.post(
        "/webhooks/whatsapp",
        content=tampered,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )
    assert response.status_code == 403
    assert events(runtime) == []


def test_hindi_and_emoji_body_is_verified_over_the_raw_bytes(
    client: TestClient, runtime: Runtime
) -> None:
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "नमस्ते 🙏 जन्म प्रमाण पत्र चाहिए")))
    assert "नमस्ते".encode() in body  # raw UTF-8, not \\u escapes
    response = signed_post(client, body)
    assert response.status_code == 200
    stored = events(runtime)
    assert len(stored) == 1
    assert stored[0].payload["messages"][0]["text"]["body"] == "नमस्ते 🙏 जन्म प्रमाण पत्र चाहिए"


def test_event_is_stored_before_the_200_keyed_by_wamid(
    client: TestClient, runtime: Runtime
) -> None:
    message = wp.text_message(USER, "hi")
    response = signed_post(client, wp.encode(wp.inbound_webhook(USER, message)))
    assert response.status_code == 200
    [event] = events(runtime)
    assert event.event_key == f"msg:{message['id']}"
    assert event.citizen_key == USER.user_id  # the business-scoped user id is the identity
    assert event.state == InboxState.PENDING


def test_duplicates_and_rebatched_updates_have_no_second_effect(
    client: TestClient, runtime: Runtime
) -> None:
    first = wp.text_message(USER, "hi")
    second = wp.text_message(USER, "income certificate")
    body = wp.encode(wp.inbound_webhook(USER, first))
    assert signed_post(client, body).status_code == 200
    assert signed_post(client, body).status_code == 200  # Meta retries
    batch = wp.merge(wp.inbound_webhook(USER, first), wp.inbound_webhook(USER, second))
    assert signed_post(client, wp.encode(batch)).status_code == 200  # re-sent inside a batch
    assert [e.event_key for e in events(runtime)] == [f"msg:{first['id']}", f"msg:{second['id']}"]
    assert drain(runtime) == 2
    assert signed_post(client, body).status_code == 200  # after processing too
    assert drain(runtime) == 0


def test_unparseable_signed_payload_is_quarantined_and_acknowledged(
    client: TestClient, runtime: Runtime
) -> None:
    for raw in (b"{not json", json.dumps({"object": "page", "entry": "nope"}).encode()):
        response = signed_post(client, raw)
        assert response.status_code == 200
    stored = events(runtime)
    assert len(stored) == 2
    assert {e.state for e in stored} == {InboxState.QUARANTINED}
    assert signed_post(client, b"{not json").status_code == 200
    assert len(events(runtime)) == 2  # the same bad body is kept once


def test_database_down_answers_503_so_meta_retries(
    client: TestClient, runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = runtime.engine.url
    if url.get_backend_name() == "sqlite":
        broken = url.set(database=str(tmp_path))  # a directory: the database cannot be opened
        monkeypatch.setattr(
            runtime, "engine", create_db_engine(broken.render_as_string(hide_password=False))
        )
    else:
        broken = url.set(port=1)  # nothing listens there
        monkeypatch.setattr(runtime, "ingest_conninfo", libpq_conninfo(str(broken)))
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "hi")))
    assert signed_post(client, body).status_code == 503
    # The database is back (and the app's writer made afresh, as a restarted app would): the
    # same delivery is stored when Meta retries it.
    monkeypatch.undo()
    client.app.state.whatsapp_inbox_writer = None
    assert signed_post(client, body).status_code == 200
    assert [e.event_key for e in events(runtime)] == [e.key for e in split_events(json.loads(body))]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_dropped_writer_connection_fails_one_commit_and_the_next_reconnects(
    client: TestClient, runtime: Runtime
) -> None:
    """PostgreSQL restarts or a proxy cuts the webhook writer's connection between deliveries:
    the delivery that meets the dead connection is a 503 (Meta retries it), the next one
    reconnects, and the retry is stored once."""
    first = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "first")))
    assert signed_post(client, first).status_code == 200
    with runtime.engine.connect() as admin:
        killed = admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND query LIKE 'INSERT INTO inbox_events%'"
            )
        ).all()
    assert killed == [(True,)]  # the writer's own connection, idle after its last statement
    second = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "second")))
    assert signed_post(client, second).status_code == 503
    assert signed_post(client, second).status_code == 200
    assert signed_post(client, second).status_code == 200  # Meta's retry of the same delivery
    texts = [e.payload["messages"][0]["text"]["body"] for e in events(runtime)]
    assert texts == ["first", "second"]


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\uDFFF"])
def test_text_no_database_can_hold_is_stored_replaced_not_a_500(
    client: TestClient, runtime: Runtime, escape: str
) -> None:
    """JSON can carry NUL and a lone half of a surrogate pair; no database text column can. A
    signed body with them is stored with U+FFFD in their place (and processed), once."""
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "MARK")))
    body = body.replace(b"MARK", f"a{escape}b".encode())
    body = body.replace(b'"id":"wamid.', f'"id":"wamid.{escape}'.encode())  # the key, too
    assert body.count(escape.encode()) == 2
    assert signed_post(client, body).status_code == 200
    assert signed_post(client, body).status_code == 200  # Meta's retry: still one event
    stored = events(runtime)
    assert len(stored) == 1
    assert stored[0].payload["messages"][0]["text"]["body"] == "a\ufffdb"
    assert "\ufffd" in stored[0].event_key
    drain(runtime)
    assert events(runtime)[0].state == InboxState.DONE


def test_every_golden_payload_is_accepted_through_the_real_route(
    client: TestClient, runtime: Runtime
) -> None:
    files = sorted(FIXTURES.glob("*.json"))
    assert len(files) >= 20
    for path in files:
        response = signed_post(client, path.read_bytes())
        assert response.status_code == 200, path.name
    stored = events(runtime)
    assert not [e for e in stored if e.state == InboxState.QUARANTINED]
    drain(runtime)
    states = {e.event_key: e.state for e in events(runtime)}
    assert set(states.values()) == {InboxState.DONE}, states


def test_the_fast_path_keeps_the_routes_behaviour(client: TestClient, runtime: Runtime) -> None:
    """POST skips the router (WebhookFastPath); other methods and a proxy prefix still work."""
    assert client.put("/webhooks/whatsapp", content=b"{}").status_code == 405
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "behind a proxy")))
    prefixed = TestClient(client.app, root_path="/seva")
    response = prefixed.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    )
    assert response.status_code == 200
    assert [e.payload["messages"][0]["text"]["body"] for e in events(runtime)] == ["behind a proxy"]


def test_an_unexpected_error_on_the_fast_path_is_a_500_and_stores_nothing(
    client: TestClient,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sevadwar.channels.whatsapp import routes

    def broken(*_: object, **__: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(routes, "split_events", broken)
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "hi")))
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    )
    assert response.status_code == 500  # Meta retries; nothing half-stored
    assert events(runtime) == []
    assert "RuntimeError: a bug" in caplog.text  # logged with its traceback
