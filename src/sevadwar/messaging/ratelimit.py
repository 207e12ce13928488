"""A token bucket shared by every process: through the database, or Redis when configured.

Meta's throughput limit is per business phone number, so every sender process must draw from the
same bucket. ``SharedRateLimiter`` keeps it in the ``rate_buckets`` row, taken in the sender's
claim transaction (row-locked on PostgreSQL; SQLite serialises writers anyway).
``RedisRateLimiter`` (``SEVADWAR_REDIS_URL``) keeps it in a Redis hash updated by one Lua script,
so senders do not queue on a row lock; a token taken for a claim that then rolls back is simply
not used. When Meta answers "throttled", ``penalise`` empties the bucket for a while so all
processes slow down together.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.messaging.models import RateBucket
from sevadwar.storage.db import SessionFactory, transaction
from sevadwar.storage.upsert import insert_ignore


class RateLimiter(Protocol):
    key: str
    rate: float

    def take(self, session: Session, wanted: int) -> tuple[int, float]: ...
    def penalise(self, seconds: float) -> None: ...


def _wait(granted: int, left: float, rate: float) -> float:
    """Seconds until the next token, when none was granted (``left`` may be a debt)."""
    return 0.0 if granted else (1 - left) / rate


class SharedRateLimiter:
    def __init__(
        self,
        sessions: SessionFactory,
        key: str,
        *,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self.key = key
        self.rate = rate
        self.burst = burst if burst is not None else max(rate, 1.0)
        self._clock = clock

    def _bucket(self, session: Session) -> RateBucket:
        session.execute(
            insert_ignore(
                session,
                RateBucket.__table__,
                [{"key": self.key, "tokens": self.burst, "updated": self._clock()}],
                "key",
            )
        )
        statement = select(RateBucket).where(RateBucket.key == self.key)
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        return session.scalars(statement).one()

    def try_acquire(self) -> float:
        """Take one token if available: returns 0, else the seconds to wait before trying again."""
        with transaction(self._sessions) as session:
            granted, wait = self.take(session, 1)
            return 0.0 if granted else wait

    def take(self, session: Session, wanted: int) -> tuple[int, float]:
        """Take up to ``wanted`` tokens in the caller's transaction (the bucket row stays locked
        until it commits). Returns how many were granted and, when none, the seconds to wait.
        """
        bucket = self._bucket(session)
        now = self._clock()
        tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        granted = max(0, min(wanted, int(tokens)))
        bucket.tokens, bucket.updated = tokens - granted, now
        return granted, _wait(granted, tokens, self.rate)

    def acquire(
        self, *, sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0
    ) -> bool:
        """Block until a token is taken (True) or ``timeout`` passes (False)."""
        deadline = self._clock() + timeout
        while True:
            wait = self.try_acquire()
            if wait == 0:
                return True
            if self._clock() + wait > deadline:
                return False
            sleep(wait)

    def penalise(self, seconds: float) -> None:
        """Meta said "slow down": no process sends on this number for about ``seconds``."""
        with transaction(self._sessions) as session:
            bucket = self._bucket(session)
            bucket.tokens = min(bucket.tokens, -seconds * self.rate)
            bucket.updated = self._clock()


# KEYS[1]: the bucket. ARGV: now, rate, burst, wanted (0 with a penalty), penalty seconds.
# Returns the tokens granted and the tokens left (as text: Redis turns Lua numbers into integers).
_BUCKET_SCRIPT = """
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wanted, penalty = tonumber(ARGV[4]), tonumber(ARGV[5])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(saved[1]) or burst
local updated = tonumber(saved[2]) or now
local granted = 0
if penalty > 0 then
  tokens = math.min(tokens, -penalty * rate)
else
  tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
  granted = math.max(0, math.min(wanted, math.floor(tokens)))
  tokens = tokens - granted
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], 86400)
return {granted, tostring(tokens)}
"""


class RedisRateLimiter:
    """The same bucket in Redis (``SEVADWAR_REDIS_URL``): one script call per claim, atomic in
    Redis, outside the database transaction. ``take`` ignores the session it is given."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        *,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.time,
        prefix: str = "sevadwar:rate:",
    ) -> None:
        self.key = key
        self.rate = rate
        self.burst = burst if burst is not None else max(rate, 1.0)
        self._clock = clock
        self._redis_key = prefix + key
        self._script = client.register_script(_BUCKET_SCRIPT)

    def _run(self, wanted: int, penalty: float = 0.0) -> tuple[int, float]:
        granted, tokens = self._script(
            keys=[self._redis_key],
            args=[repr(self._clock()), repr(self.rate), repr(self.burst), wanted, repr(penalty)],
        )
        return int(granted), float(tokens)

    def take(self, session: Session | None, wanted: int) -> tuple[int, float]:
        """Take up to ``wanted`` tokens; how many were granted and, when none, the wait."""
        granted, left = self._run(wanted)
        return granted, _wait(granted, left, self.rate)

    def penalise(self, seconds: float) -> None:
        """Meta said "slow down": no process sends on this number for about ``seconds``."""
        self._run(0, penalty=max(seconds, 1e-9))
