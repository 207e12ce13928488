"""Back-office sessions: a random token in a cookie, only its SHA-256 in ``officer_sessions``.

A session ends after ``IDLE`` without a request, after ``ABSOLUTE`` in any case, at logout, and
when the officer is deactivated. A session waiting for the second factor lives ``PENDING`` only
and opens nothing but the code page. Each session carries its own CSRF token (the synchroniser
pattern); the token is regenerated with the session at login and after the second factor.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sevadwar.officers.models import Officer, OfficerSession

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
PENDING = timedelta(minutes=5)
TOUCH_EVERY = timedelta(seconds=30)  # write last_seen_at at most this often


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # goes into the cookie; never stored
    row: OfficerSession


def start_session(
    session: Session, officer: Officer, *, now: datetime, second_factor_done: bool
) -> NewSession:
    token = secrets.token_urlsafe(32)
    row = OfficerSession(
        id=token_digest(token),
        officer_id=officer.id,
        csrf_token=secrets.token_urlsafe(32),
        second_factor_done=second_factor_done,
        created_at=now,
        last_seen_at=now,
        expires_at=now + (ABSOLUTE if second_factor_done else PENDING),
    )
    session.add(row)
    session.flush()
    return NewSession(token, row)


def load_session(
    session: Session, token: str | None, *, now: datetime
) -> tuple[OfficerSession, Officer] | None:
    """The live session for a cookie token, touched; None (and the row gone) when it has ended."""
    if not token or len(token) > 200:
        return None
    row = session.get(OfficerSession, token_digest(token))
    if row is None:
        return None
    officer = session.get(Officer, row.officer_id)
    if (
        officer is None
        or not officer.active
        or now >= row.expires_at
        or now - row.last_seen_at > IDLE
    ):
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row, officer


def end_session(session: Session, row: OfficerSession) -> None:
    session.delete(row)
    session.flush()


def end_all_sessions(session: Session, officer_id: int) -> None:
    session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer_id))


def purge_expired(session: Session, *, now: datetime) -> None:
    session.execute(
        delete(OfficerSession).where(
            (OfficerSession.expires_at <= now) | (OfficerSession.last_seen_at < now - IDLE)
        )
    )
