"""The only writers of applications: each action is one audited state change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sevadwar.api.webhooks import DepartmentEvent, do_enqueue_department_event
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.reference import new_reference
from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.schema import Service
from sevadwar.dashboard.actions import record
from sevadwar.dashboard.metrics import Kind
from sevadwar.documents.models import Document
from sevadwar.officers.models import Office
from sevadwar.storage.base import utcnow


def _unused_reference(session: Session) -> str:
    while True:  # 30^7 references: a clash is rare, but never assumed away
        reference = new_reference()
        if (
            session.scalars(
                select(Application.id).where(Application.reference == reference)
            ).first()
            is None
        ):
            return reference


def do_submit_application(
    session: Session,
    service: Service,
    *,
    citizen_key: str,
    channel: str,
    language: str,
    answers: dict[str, Any],
    documents: dict[str, Any],
    fee_paise: int,
    now: datetime | None = None,
) -> Application:
    now = now or utcnow()
    first_stage = service.workflow.stages[0].id
    district = answers.get("district") if isinstance(answers.get("district"), str) else None
    office_id = (
        session.scalars(
            select(Office.id).where(
                Office.department == service.department, Office.district == district
            )
        ).first()
        if district
        else None
    )
    application = Application(
        reference=_unused_reference(session),
        service_id=service.id,
        department=service.department,
        citizen_key=citizen_key,
        channel=channel,
        language=language,
        status=ApplicationStatus.FEE_PENDING if fee_paise else ApplicationStatus.SUBMITTED,
        stage=first_stage,
        office_id=office_id,
        answers={"fields": answers, "documents": documents},
        fee_paise=fee_paise,
        submitted_at=now,
        due_at=now + timedelta(days=service.sla_days),
        stage_due_at=now + timedelta(days=service.workflow.stages[0].days),
        updated_at=now,
    )
    session.add(application)
    session.flush()
    document_ids = [  # a two-sided card's back is a file of its own
        int(side["document_id"])
        for d in documents.values()
        if isinstance(d, dict)
        for side in (d, d.get("back") or {})
        if isinstance(side, dict) and "document_id" in side
    ]
    if document_ids:
        session.execute(
            update(Document)
            .where(Document.id.in_(document_ids), Document.citizen_key == citizen_key)
            .values(application_id=application.id)
        )
    do_append_audit(
        session,
        actor=f"citizen:{citizen_key}",
        action="application.submitted",
        subject=f"application:{application.reference}",
        data={"service": service.id, "fee_paise": fee_paise, "stage": first_stage},
        at=now,
    )
    record(session, Kind.RECEIVED, application=application, at=now)
    do_enqueue_department_event(session, application, DepartmentEvent.SUBMITTED, at=now)
    return application
