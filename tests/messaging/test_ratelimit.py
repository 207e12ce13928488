"""The shared token bucket, kept in the database or in Redis: the same behaviour either way.

Redis tests run when ``SEVADWAR_TEST_REDIS_URL`` points at a server (CI sets it); each test uses
keys of its own and deletes them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, update

from sevadwar.channels.base import Text
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_api import run_fake_graph
from sevadwar.fakes.graph_state import FakeConfig
from sevadwar.messaging.models import OutboxMessage, OutboxState, RateBucket
from sevadwar.messaging.outbox import Recipient, enqueue
from sevadwar.messaging.ratelimit import RateLimiter, RedisRateLimiter, SharedRateLimiter
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import is_unavailable, transaction

REDIS_URL = os.environ.get("SEVADWAR_TEST_REDIS_URL")


class Seconds:
    """A clock in seconds that the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    if REDIS_URL is None:
        pytest.skip("Redis: set SEVADWAR_TEST_REDIS_URL (CI does)")
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


Make = Callable[..., RateLimiter]


@pytest.fixture(params=["database", "redis"])
def make(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[Make]:
    """Limiters on one shared bucket (one per sender process), kept where the param says."""
    key = f"sevadwar-test:{uuid.uuid4().hex}:whatsapp:1065"
    if request.param == "database":
        yield lambda clock, rate, burst=None: SharedRateLimiter(
            runtime.sessions, key, rate=rate, burst=burst, clock=clock
        )
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    yield lambda clock, rate, burst=None: RedisRateLimiter(
        client, key, rate=rate, burst=burst, clock=clock
    )
    client.delete(f"sevadwar:rate:{key}")


def take(runtime: Runtime, limiter: RateLimiter, wanted: int) -> tuple[int, float]:
    with transaction(runtime.sessions) as session:  # the sender's claim transaction
        return limiter.take(session, wanted)


def test_a_full_bucket_grants_its_burst_then_refills_at_the_rate(
    runtime: Runtime, make: Make
) -> None:
    clock = Seconds()
    limiter = make(clock, rate=2.0, burst=4.0)
    assert take(runtime, limiter, 6) == (4, 0.0)
    assert take(runtime, limiter, 1) == (0, pytest.approx(0.5))
    clock.now += 0.5
    assert take(runtime, limiter, 3) == (1, 0.0)
    clock.now += 60  # never more than the burst, however long it rested
    assert take(runtime, limiter, 10)[0] == 4


def test_every_process_draws_from_the_same_bucket(runtime: Runtime, make: Make) -> None:
    clock = Seconds()
    first, second = make(clock, rate=1.0, burst=3.0), make(clock, rate=1.0, burst=3.0)
    assert take(runtime, first, 2)[0] == 2
    assert take(runtime, second, 2)[0] == 1
    assert take(runtime, first, 1)[0] == 0


def test_throttling_stops_every_process_for_the_penalty(runtime: Runtime, make: Make) -> None:
    clock = Seconds()
    limiter, other = make(clock, rate=2.0), make(clock, rate=2.0)
    assert take(runtime, limiter, 1)[0] == 1
    limiter.penalise(3.0)
    granted, wait = take(runtime, other, 1)
    assert granted == 0 and wait == pytest.approx(3.5)  # 3 s of debt, then one token's time
    clock.now += 3.4
    assert take(runtime, other, 1)[0] == 0
    clock.now += 0.2
    assert take(runtime, other, 1)[0] == 1


def test_the_sender_uses_redis_when_configured(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """``SEVADWAR_REDIS_URL`` moves the bucket: a throttled send empties it in Redis, the
    database's bucket is never made, and the messages still go out in order."""
    config = FakeConfig(
        access_token="test-access-token",
        app_secret="test-app-secret",
        emit_statuses=False,
        check_phone_number_id=False,  # the run's own number (below)
    )
    with run_fake_graph(config=config) as (fake, url):
        runtime = build_runtime(
            settings.model_copy(
                update={
                    "whatsapp_api_base_url": f"{url}/v24.0",
                    "redis_url": REDIS_URL,
                    # a number of its own: its bucket is not shared with a parallel test run
                    "whatsapp_phone_number_id": str(uuid.uuid4().int)[:15],
                }
            )
        )
        try:
            sender = runtime.outbox_sender()
            limiter = sender.limiters["whatsapp"]
            assert isinstance(limiter, RedisRateLimiter)
            redis_client.delete(f"sevadwar:rate:{limiter.key}")
            user = wp.WaUser(wa_id="919810012345", user_id="IN.1349", name="Asha")
            to = Recipient("IN.1349", "whatsapp", user.wa_id, user.user_id)
            with transaction(runtime.sessions) as session:
                enqueue(session, to, [Text("first"), Text("second")])
            fake.throttle_next(1)
            assert sender.send_next()
            bucket = redis_client.hgetall(f"sevadwar:rate:{limiter.key}")
            assert float(bucket[b"tokens"]) < 0  # every process now waits on this number
            redis_client.hset(f"sevadwar:rate:{limiter.key}", "tokens", "100")
            with transaction(runtime.sessions) as session:  # the back-off is over
                session.execute(
                    update(OutboxMessage).values(not_before=utcnow() - timedelta(seconds=1))
                )
            while sender.send_next():
                pass
            with transaction(runtime.sessions) as session:
                states = session.scalars(select(OutboxMessage.state).order_by(OutboxMessage.id))
                assert list(states) == [OutboxState.SENT, OutboxState.SENT]
                assert session.scalars(select(RateBucket)).first() is None
            bodies = [m.body["text"]["body"] for m in fake.messages_to(user.wa_id or "")]
            assert bodies == ["first", "second"]
        finally:
            redis_client.delete(f"sevadwar:rate:{limiter.key}")
            runtime.close()


def test_an_unreachable_redis_is_unavailable_not_a_bug() -> None:
    limiter = RedisRateLimiter(
        redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1), "k", rate=1.0
    )
    with pytest.raises(redis.ConnectionError) as caught:
        limiter.take(None, 1)
    assert is_unavailable(caught.value)  # the sender loop waits and retries; nothing is lost
