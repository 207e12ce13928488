"""Reading for the back office: the queue, the officers of a department, an application's timeline.

Every application query is filtered by :func:`sevadwar.applications.access.visibility`, so
an officer never lists, counts or opens what their department may not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sevadwar.applications.access import visibility
from sevadwar.applications.models import OPEN_STATUSES, Application, ApplicationStatus
from sevadwar.applications.reference import parse_reference
from sevadwar.applications.workflow import Actor
from sevadwar.audit.actions import do_link_audit
from sevadwar.audit.models import AuditEntry
from sevadwar.catalogue.schema import Role
from sevadwar.documents.models import Document, DocumentStatus
from sevadwar.officers.models import Office, Officer
from sevadwar.storage.base import fixed_in

PAGE_SIZE = 50
DUE_SOON = timedelta(days=2)
DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.ISSUED)


class StatusFilter(StrEnum):
    OPEN = "open"
    INFO_REQUESTED = "info_requested"
    DECIDED = "decided"
    ALL = "all"


class SlaFilter(StrEnum):
    ANY = ""
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class QueueFilters:
    service: str = ""
    stage: str = ""
    sla: SlaFilter = SlaFilter.ANY
    status: StatusFilter = StatusFilter.OPEN
    reference: str = ""
    mine: bool = False
    page: int = 1


@dataclass(frozen=True, slots=True)
class QueuePage:
    applications: list[Application]
    total: int
    page: int
    pages: int


_SEARCHABLE = re.compile(r"[^A-Z0-9]")


def queue(
    session: Session, actor: Actor, filters: QueueFilters, *, office_id: int | None, now: datetime
) -> QueuePage:
    statement = select(Application).where(visibility(actor, office_id=office_id))
    if filters.status is StatusFilter.OPEN:
        statement = statement.where(fixed_in(Application.status, sorted(OPEN_STATUSES)))
    elif filters.status is StatusFilter.INFO_REQUESTED:
        statement = statement.where(Application.status == ApplicationStatus.INFO_REQUESTED)
    elif filters.status is StatusFilter.DECIDED:
        statement = statement.where(Application.status.in_([s.value for s in DECIDED]))
    if filters.service:
        statement = statement.where(Application.service_id == filters.service)
    if filters.stage:
        statement = statement.where(Application.stage == filters.stage)
    if filters.mine and actor.id is not None:
        statement = statement.where(Application.assigned_to == actor.id)
    if filters.sla is not SlaFilter.ANY:
        statement = statement.where(fixed_in(Application.status, sorted(OPEN_STATUSES)))
        has_stage_due = Application.stage_due_at.is_not(None)
        overdue = or_(Application.due_at < now, and_(has_stage_due, Application.stage_due_at < now))
        if filters.sla is SlaFilter.OVERDUE:
            statement = statement.where(overdue)
        else:
            soon = now + DUE_SOON
            statement = statement.where(
                ~overdue,
                or_(
                    Application.due_at <= soon,
                    and_(has_stage_due, Application.stage_due_at <= soon),
                ),
            )
    wanted = filters.reference.strip()
    if wanted:
        exact = parse_reference(wanted)
        if exact:
            statement = statement.where(Application.reference == exact)
        else:
            fragment = _SEARCHABLE.sub("", wanted.upper())[:12]
            statement = statement.where(
                Application.reference.contains(fragment) if fragment else Application.id.is_(None)
            )
    total = int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    rows = session.scalars(
        statement.order_by(Application.due_at, Application.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return QueuePage(list(rows), total, page, pages)


def department_officers(
    session: Session, department: str, *, roles: frozenset[Role] | None = None
) -> list[Officer]:
    statement = select(Officer).where(Officer.department == department, Officer.active.is_(True))
    if roles is not None:
        statement = statement.where(Officer.role.in_([r.value for r in roles]))
    return list(session.scalars(statement.order_by(Officer.full_name, Officer.username)))


def officers_by_id(session: Session, ids: set[int]) -> dict[int, Officer]:
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Officer).where(Officer.id.in_(ids)))}


def office_of(session: Session, office_id: int | None) -> Office | None:
    return session.get(Office, office_id) if office_id is not None else None


def application_documents(session: Session, application: Application) -> list[Document]:
    statement = (
        select(Document)
        .where(Document.application_id == application.id, Document.status == DocumentStatus.ACTIVE)
        .order_by(Document.id)
    )
    return list(session.scalars(statement))


def timeline(session: Session, subject: str, *, limit: int = 200) -> list[AuditEntry]:
    """The audit rows about ``application:<reference>`` or ``ticket:<id>``, oldest first."""
    do_link_audit(session)  # including what this transaction has just done
    statement = (
        select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id).limit(limit)
    )
    return list(session.scalars(statement))
