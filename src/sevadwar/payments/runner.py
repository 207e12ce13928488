"""Running a gateway's coroutines from synchronous code.

Gateways are async (they take an ``httpx.AsyncClient``), while their callers are worker threads
holding a database transaction (the conversation, the reconciliation loop). An
``httpx.AsyncClient`` belongs to the event loop it first ran on, so every call goes to one private
loop on one daemon thread, started on first use: callers block on the result with a timeout, and
a timeout is a :class:`~sevadwar.payments.base.RetryableGatewayError` like any network failure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from sevadwar.payments.base import RetryableGatewayError

T = TypeVar("T")


class GatewayRunner:
    def __init__(self, name: str = "payments-gateway") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def started(self) -> bool:
        return self._loop is not None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("the gateway runner is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: float) -> T:
        """Run ``coro`` on the private loop and wait for it at most ``timeout`` seconds."""
        try:
            loop = self._ensure_loop()
        except RuntimeError:
            coro.close()
            raise
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coro.close()
            raise RuntimeError("GatewayRunner.run called from its own loop (would deadlock)")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise RetryableGatewayError(
                f"the gateway did not answer within {timeout:g} s"
            ) from None

    def close(
        self, cleanup: Coroutine[Any, Any, Any] | None = None, *, timeout: float = 5.0
    ) -> None:
        """Run ``cleanup`` (e.g. closing the HTTP client) and stop the loop. Idempotent."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._closed = True
        if loop is None or thread is None:
            if cleanup is not None:  # never used: close on a thread of its own, whatever loop
                closer = threading.Thread(target=asyncio.run, args=(cleanup,), name=self._name)
                closer.start()
                closer.join(timeout)
            return
        if cleanup is not None:
            with contextlib.suppress(concurrent.futures.TimeoutError):
                asyncio.run_coroutine_threadsafe(cleanup, loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()
        with self._lock:
            self._loop, self._thread = None, None
