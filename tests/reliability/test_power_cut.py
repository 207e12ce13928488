"""Power cuts: SIGKILL the server at random moments under load, restart it on the same data.

Proves: every acknowledged inbound message is processed exactly once (one read receipt per
message, no message left pending), every committed reply is delivered, and Meta saw at most one
duplicate per reply, only for replies in flight at a kill.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from sevadwar.channels.base import outbound_from_dict
from sevadwar.channels.whatsapp.render import Recipient, render
from sevadwar.channels.whatsapp.signature import sign
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_api import run_fake_graph
from sevadwar.fakes.graph_state import FakeConfig
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage, OutboxState
from sevadwar.security.crypto import FieldCipher
from sevadwar.storage.encrypted import use_field_cipher

KILLS = 10  # per backend: 20 across SQLite and PostgreSQL
SECRET = "power-cut-secret-key"
APP_SECRET = "power-cut-app-secret"
TOKEN = "power-cut-token"
CITIZENS = 8
MAX_MESSAGES = 240  # bounded load: the point is the kills, not the volume


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sevadwar.cli", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.mark.slow
def test_sigkill_under_load_loses_nothing_and_doubles_nothing(
    database_url: str, tmp_path: Path, backend: str
) -> None:
    config = FakeConfig(access_token=TOKEN, app_secret=APP_SECRET, emit_statuses=False)
    with run_fake_graph(config=config) as (fake, fake_url):
        port = free_port()
        env = {
            **os.environ,
            "SEVADWAR_DATABASE_URL": database_url,
            "SEVADWAR_DATA_DIR": str(tmp_path / "data"),
            "SEVADWAR_SECRET_KEY": SECRET,
            "SEVADWAR_WHATSAPP_ACCESS_TOKEN": TOKEN,
            "SEVADWAR_WHATSAPP_PHONE_NUMBER_ID": config.number.phone_number_id,
            "SEVADWAR_WHATSAPP_APP_SECRET": APP_SECRET,
            "SEVADWAR_WHATSAPP_VERIFY_TOKEN": "verify",
            "SEVADWAR_WHATSAPP_API_BASE_URL": f"{fake_url}/v24.0",
            "SEVADWAR_LOG_JSON": "false",
            "SEVADWAR_LOG_LEVEL": "WARNING",
        }
        server = Server(env, port, tmp_path / "server.log")
        server.start()
        users = [
            wp.WaUser(wa_id=f"9197000{i:05d}", user_id=f"IN.6600000000000000{i:04d}")
            for i in range(CITIZENS)
        ]
        texts = ["hi", "1", "menu", "help", "income certificate", "status", "menu"]
        acknowledged: list[str] = []
        stop = threading.Event()

        def load() -> None:  # citizens keep writing; Meta retries whatever was not acknowledged
            pending: list[tuple[str, bytes]] = []
            n = 0
            with httpx.Client(timeout=5) as client:
                while not stop.is_set() or pending:
                    if not pending and not stop.is_set() and n < MAX_MESSAGES:
                        user = users[n % CITIZENS]
                        message = wp.text_message(user, texts[(n // CITIZENS) % len(texts)])
                        pending.append(
                            (f"msg:{message['id']}", wp.encode(wp.inbound_webhook(user, message)))
                        )
                        n += 1
                    if not pending:
                        time.sleep(0.05)
                        continue
                    key, body = pending[0]
                    try:
                        response = client.post(
                            f"http://127.0.0.1:{port}/webhooks/whatsapp",
                            content=body,
                            headers={
                                "Content-Type": "application/json",
                                "X-Hub-Signature-256": sign(body, APP_SECRET),
                            },
                        )
                    except httpx.HTTPError:
                        time.sleep(0.05)  # server down: retry the same delivery, as Meta does
                        continue
                    if response.status_code == 200:
                        acknowledged.append(key)
                        pending.pop(0)
                    else:
                        time.sleep(0.05)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        rng = random.Random(7)
        try:
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.2, 0.8))
                server.kill()
                server.start()
            stop.set()
            loader.join(timeout=60)
            assert not loader.is_alive()
            deadline = time.monotonic() + 60
            engine = create_engine(database_url)
            use_field_cipher(FieldCipher(SECRET.encode()))
            while time.monotonic() < deadline:  # let the restarted server finish the work
                with Session(engine) as session:
                    busy = (
                        session.scalars(
                            select(InboxEvent.id)
                            .where(InboxEvent.state == InboxState.PENDING)
                            .limit(1)
                        ).first()
                        or session.scalars(
                            select(OutboxMessage.id)
                            .where(OutboxMessage.state.in_(("pending", "sending")))
                            .limit(1)
                        ).first()
                    )
                if busy is None:
                    break
                time.sleep(0.3)
        finally:
            server.stop()

        with Session(engine) as session:
            events = {e.event_key: e for e in session.scalars(select(InboxEvent))}
            replies = list(session.scalars(select(OutboxMessage)))
        engine.dispose()
        assert len(acknowledged) > 40, "the load did not get going"
        # every acknowledged message is stored and processed
        missing = [k for k in acknowledged if k not in events]
        assert missing == []
        assert {events[k].state for k in acknowledged} == {InboxState.DONE}
        # exactly once: each processed message has exactly one read receipt in the outbox
        receipts = Counter(r.cause for r in replies if r.payload.get("kind") == "read")
        assert all(receipts[k] == 1 for k in acknowledged), [
            k for k in acknowledged if receipts[k] != 1
        ]
        # every committed reply was delivered
        assert {r.state for r in replies} == {OutboxState.SENT}
        delivered = Counter(m.wamid for m in fake.sent)
        stored_ids = {r.provider_message_id for r in replies if r.payload.get("kind") != "read"}
        assert stored_ids <= set(delivered)
        # Meta saw a reply twice only when a kill fell between its acceptance and our commit:
        # those sends carry a wamid we never recorded. At most one per in-flight reply per kill.
        expected = sum(
            len(
                render(
                    outbound_from_dict(r.payload),
                    Recipient(wa_id=r.recipient.get("wa_id"), user_id=r.recipient.get("user_id")),
                )
            )
            for r in replies
            if r.payload.get("kind") != "read"
        )
        duplicates = len(fake.sent) - expected
        assert 0 <= duplicates <= KILLS * 2  # two sender threads may each have one reply in flight
