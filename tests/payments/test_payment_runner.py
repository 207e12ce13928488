"""The gateway runner: async gateways called from synchronous code, on one private loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sevadwar.payments.base import RetryableGatewayError
from sevadwar.payments.runner import GatewayRunner


async def loop_thread() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_coroutines_run_on_one_private_thread() -> None:
    runner = GatewayRunner(name="gw-test")
    try:
        assert not runner.started
        assert runner.run(loop_thread(), timeout=5) == "gw-test"
        assert runner.run(loop_thread(), timeout=5) == "gw-test"
        assert runner.started
    finally:
        runner.close()


def test_a_slow_gateway_is_a_retryable_error() -> None:
    runner = GatewayRunner()
    try:
        with pytest.raises(RetryableGatewayError, match="did not answer"):
            runner.run(asyncio.sleep(5), timeout=0.05)
    finally:
        runner.close()


def test_it_works_while_the_calling_thread_runs_an_event_loop() -> None:
    """Callers may sit inside someone else's loop (a test browser, an async route): blocking
    on the private loop still works, and closing does not need the caller's thread."""
    closed: list[bool] = []

    async def cleanup() -> None:
        closed.append(True)

    async def caller() -> str:
        used = GatewayRunner(name="used")
        name = used.run(loop_thread(), timeout=5)
        used.close(cleanup())
        GatewayRunner().close(cleanup())  # never started
        return name

    assert asyncio.run(caller()) == "used"
    assert closed == [True, True]


def test_a_closed_runner_refuses_work_without_leaking_the_coroutine() -> None:
    runner = GatewayRunner()
    runner.run(loop_thread(), timeout=5)
    runner.close()
    runner.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        runner.run(loop_thread(), timeout=5)  # no "never awaited" warning either
