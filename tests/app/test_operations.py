"""Health, readiness and metrics."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient

from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.runtime import Runtime
from sevadwar.storage.migrate import alembic_config, upgrade
from support import drain, signed_post

USER = wp.WaUser(wa_id="919810012345", user_id="IN.1", name="Asha")


def test_liveness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_ready_when_the_database_answers_and_migrations_are_current(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["migrations"] == "current"


def test_not_ready_while_migrations_are_pending(client: TestClient, runtime: Runtime) -> None:
    command.downgrade(alembic_config(runtime.settings.database_url), "base")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
    finally:
        upgrade(runtime.settings.database_url)


def test_metrics_count_inbound_types_and_queue_depth(client: TestClient, runtime: Runtime) -> None:
    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "hi")))
    assert signed_post(client, body).status_code == 200
    before = client.get("/metrics").text
    assert "sevadwar_inbox_pending 1.0" in before
    drain(runtime)
    after = client.get("/metrics").text
    assert "sevadwar_inbox_pending 0.0" in after
    assert 'sevadwar_inbound_messages_total{channel="whatsapp",type="text"}' in after
    assert "sevadwar_outbox_unsent" in after


def test_logs_mask_phone_numbers_and_aadhaar() -> None:
    from sevadwar.logs import mask_pii

    line = mask_pii("from 919810012345 aadhaar 2345 6789 0124 user IN.13491208655302741918")
    assert "919810012345" not in line and "XXXXXXXX2345" in line
    assert "2345 6789 0124" not in line and "XXXXXXXX0124" in line
    assert "13491208655302741918" not in line and line.endswith("1918")
