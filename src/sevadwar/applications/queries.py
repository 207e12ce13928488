"""Reading applications (no writes here)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sevadwar.applications.models import Application


def applications_of(session: Session, citizen_key: str, *, limit: int = 10) -> list[Application]:
    statement = (
        select(Application)
        .where(Application.citizen_key == citizen_key)
        .order_by(Application.submitted_at.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def application_of(session: Session, citizen_key: str, reference: str) -> Application | None:
    statement = select(Application).where(
        Application.reference == reference, Application.citizen_key == citizen_key
    )
    return session.scalars(statement).first()


def count_applications_of(session: Session, citizen_key: str) -> int:
    return int(
        session.scalar(select(func.count()).where(Application.citizen_key == citizen_key)) or 0
    )
