"""Per-citizen order holds with several worker processes on one PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage
from sevadwar.runtime import Runtime
from sevadwar.settings import Settings
from sevadwar.storage.db import transaction
from support import signed_post

CITIZENS = 6
MESSAGES = 8


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite runs workers in-process
def test_two_worker_processes_keep_each_citizens_order(
    backend: str, client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    users = [
        wp.WaUser(wa_id=f"9198100{i:05d}", user_id=f"IN.7700000000000000{i:04d}")
        for i in range(CITIZENS)
    ]
    texts = ["hi", "2", "menu", "income certificate", "status", "help", "menu", "thanks"]
    # interleave citizens; each batch POST carries one message of every citizen
    for n in range(MESSAGES):
        batch = wp.merge(*(wp.inbound_webhook(u, wp.text_message(u, texts[n])) for u in users))
        assert signed_post(client, wp.encode(batch)).status_code == 200

    env = {
        **os.environ,
        "SEVADWAR_DATABASE_URL": settings.database_url,
        "SEVADWAR_DATA_DIR": str(settings.data_dir),
        "SEVADWAR_SECRET_KEY": "test-secret-key-for-sevadwar-tests",
        "SEVADWAR_WORKERS": "2",
        "SEVADWAR_SENDERS": "0",
        "SEVADWAR_LOG_JSON": "false",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "sevadwar.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with transaction(runtime.sessions) as session:
                pending = session.scalar(
                    select(func.count()).where(InboxEvent.state == InboxState.PENDING)
                )
            if pending == 0:
                break
            time.sleep(0.2)
        assert pending == 0
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)

    with transaction(runtime.sessions) as session:
        events = {e.event_key: e.id for e in session.scalars(select(InboxEvent))}
        assert {e.state for e in session.scalars(select(InboxEvent))} == {InboxState.DONE}
        by_citizen: dict[str, list[int]] = defaultdict(list)
        for reply in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            event_id = events[reply.cause]
            if not by_citizen[reply.citizen_key] or by_citizen[reply.citizen_key][-1] != event_id:
                by_citizen[reply.citizen_key].append(event_id)
    assert len(by_citizen) == CITIZENS
    for citizen, order in by_citizen.items():
        assert order == sorted(order), citizen  # replies were produced in arrival order
        assert len(order) == MESSAGES  # every message answered exactly once
