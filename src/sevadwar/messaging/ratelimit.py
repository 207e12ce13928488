"""A token bucket shared by every process through the database.

Meta's throughput limit is per business phone number, so every sender process must draw from the
same bucket. Each acquisition is one short transaction on the ``rate_buckets`` row (row-locked on
PostgreSQL; SQLite serialises writers anyway). When Meta answers "throttled", ``penalise`` empties
the bucket for a while so all processes slow down together.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.messaging.models import RateBucket
from sevadwar.storage.db import SessionFactory, transaction
from sevadwar.storage.upsert import insert_ignore


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
        return granted, 0.0 if granted else (1 - tokens) / self.rate

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
