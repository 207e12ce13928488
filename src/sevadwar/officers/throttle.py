"""Login throttling: failed attempts counted by user name and by client address.

Five failures for one user name in 15 minutes lock that name for the rest of the window; fifty
from one address lock the address. Unknown user names are counted exactly like known ones, so
the answer never tells whether an account exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sevadwar.officers.models import LoginAttempt

WINDOW = timedelta(minutes=15)
PER_USERNAME = 5
PER_ADDRESS = 50


def normalise_username(username: str) -> str:
    return username.strip().lower()[:64]


def locked_until(
    session: Session, *, username: str, address: str, now: datetime
) -> datetime | None:
    """When the lock on this user name or address ends, or None if neither is locked."""
    since = now - WINDOW
    ends: list[datetime] = []
    for column, value, limit in (
        (LoginAttempt.username, username, PER_USERNAME),
        (LoginAttempt.address, address, PER_ADDRESS),
    ):
        recent = list(
            session.scalars(
                select(LoginAttempt.at)
                .where(column == value, LoginAttempt.at > since)
                .order_by(LoginAttempt.at.desc())
                .limit(limit)
            )
        )
        if len(recent) >= limit:  # locked until the oldest of the last `limit` failures ages out
            ends.append(min(recent) + WINDOW)
    return max(ends) if ends else None


def record_failure(session: Session, *, username: str, address: str, now: datetime) -> None:
    session.add(LoginAttempt(username=username, address=address[:64], at=now))
    session.flush()


def clear_failures(session: Session, *, username: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))


def purge_old(session: Session, *, now: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - WINDOW))
