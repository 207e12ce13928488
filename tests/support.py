"""Helpers shared by tests (import with ``from support import ...``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from sevadwar.channels.whatsapp.signature import sign
from sevadwar.runtime import Runtime

APP_SECRET = "test-app-secret"


def signed_post(
    client: TestClient, body: bytes | dict[str, Any], *, secret: str = APP_SECRET
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(
        "/webhooks/whatsapp",
        content=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret)},
    )


def drain(runtime: Runtime, *, limit: int = 1000) -> int:
    """Run the inbox worker until nothing is pending; returns the events processed."""
    worker = runtime.inbox_worker()
    count = 0
    while count < limit and worker.process_next():
        count += 1
    return count


def in_fresh_thread(body: Callable[[], None]) -> None:
    """Run ``body`` in a new thread and re-raise what it raised.

    Playwright's sync API refuses to start where an asyncio loop runs, and pytest-playwright
    leaves one in the worker once its fixtures were used; a fresh thread has none.
    """
    failure: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="playwright-sync")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


class Clock:
    """An injectable clock that tests move by hand (the ``clock`` fixture's type)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
