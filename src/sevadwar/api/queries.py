"""Reading applications for the department API (no writes here).

Every query is limited by :func:`sevadwar.applications.access.visibility`, so a key
sees its own department's applications and nothing else.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sevadwar.api import schemas
from sevadwar.applications.access import visibility
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.sla import compensation_rupees, days_late
from sevadwar.applications.workflow import Actor
from sevadwar.audit.actions import do_link_audit
from sevadwar.audit.models import AuditEntry
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.schema import FieldType, Service
from sevadwar.certificates.issuer import CertificateIssuer
from sevadwar.certificates.models import Certificate
from sevadwar.certificates.queries import certificate_of_application, certificates_of_applications
from sevadwar.certificates.schemas import LocalizedText

MAX_PAGE = 100
PDF_LINK_LIFETIME = timedelta(hours=1)
_ACTOR_KINDS = ("citizen", "officer", "api", "system")
_DETAIL_KEYS = (
    "from",
    "to",
    "stage",
    "reason",
    "accepted",
    "document",
    "certificate",
    "due",
    "fee_paise",
)


class InvalidCursor(ValueError):
    pass


def encode_cursor(application: Application) -> str:
    raw = f"{application.updated_at.isoformat()}|{application.id}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        at, identifier = raw.split("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, int(identifier)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor(cursor) from None


def list_applications(
    session: Session,
    actor: Actor,
    *,
    statuses: Sequence[ApplicationStatus] = (),
    service: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Application], str | None]:
    """A page of visible applications, oldest change first (a changes feed), and the next cursor."""
    statement = select(Application).where(visibility(actor))
    if statuses:
        statement = statement.where(Application.status.in_([s.value for s in statuses]))
    if service:
        statement = statement.where(Application.service_id == service)
    if since is not None:
        statement = statement.where(Application.updated_at >= since)
    if cursor:
        at, identifier = decode_cursor(cursor)
        statement = statement.where(
            or_(
                Application.updated_at > at,
                and_(Application.updated_at == at, Application.id > identifier),
            )
        )
    limit = max(1, min(limit, MAX_PAGE))
    rows = list(
        session.scalars(statement.order_by(Application.updated_at, Application.id).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


def summaries(session: Session, rows: list[Application]) -> list[schemas.ApplicationSummary]:
    certificates = certificates_of_applications(session, [a.id for a in rows])
    return [
        schemas.ApplicationSummary(
            reference=a.reference,
            service=a.service_id,
            department=a.department,
            status=ApplicationStatus(a.status),
            stage=a.stage,
            submitted_at=a.submitted_at,
            due_at=a.due_at,
            updated_at=a.updated_at,
            decided_at=a.decided_at,
            certificate_number=certificates[a.id].number if a.id in certificates else None,
        )
        for a in rows
    ]


def timeline(session: Session, reference: str) -> list[schemas.TimelineEvent]:
    do_link_audit(session)  # this request's own decision included
    statement = (
        select(AuditEntry)
        .where(AuditEntry.subject == f"application:{reference}")
        .order_by(AuditEntry.id)
    )
    events = []
    for entry in session.scalars(statement):
        kind = entry.actor.split(":", 1)[0]
        data = entry.data or {}
        events.append(
            schemas.TimelineEvent(
                at=entry.at,
                event=entry.action.removeprefix("application."),
                actor=kind if kind in _ACTOR_KINDS else "system",
                details={k: _detail(data[k]) for k in _DETAIL_KEYS if k in data},
            )
        )
    return events


def _detail(value: Any) -> schemas.Detail:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def public_answers(service: Service | None, application: Application) -> dict[str, Any]:
    """The form's answers as stored, with every Aadhaar shown only masked."""
    fields = application.answers.get("fields") if isinstance(application.answers, dict) else None
    if not isinstance(fields, dict):
        return {}
    aadhaar = {f.id for f in service.fields if f.type is FieldType.AADHAAR} if service else set()
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dict) and ("enc" in value or "masked" in value):
            out[key] = value.get("masked", "XXXX-XXXX-XXXX")
        elif key in aadhaar:
            out[key] = "XXXX-XXXX-XXXX"
        else:
            out[key] = value
    return out


def _text(text: Any) -> LocalizedText:
    return LocalizedText(en=text.en, hi=text.get("hi"))


def application_detail(
    session: Session,
    catalogue: Catalogue,
    application: Application,
    *,
    public_base: str,
    issuer: object,
    now: datetime,
) -> schemas.Application:
    service = catalogue.get(application.service_id)
    stage = None
    if application.stage:
        found = (
            next((s for s in service.workflow.stages if s.id == application.stage), None)
            if service
            else None
        )
        stage = schemas.StageRef(
            id=application.stage,
            name=_text(found.name)
            if found
            else LocalizedText(en=application.stage, hi=application.stage),
        )
    certificate = certificate_of_application(session, application.id)
    return schemas.Application(
        reference=application.reference,
        service=schemas.ServiceRef(
            id=application.service_id,
            name=_text(service.name)
            if service
            else LocalizedText(en=application.service_id, hi=application.service_id),
        ),
        department=application.department,
        status=ApplicationStatus(application.status),
        stage=stage,
        language=application.language,
        fee_paise=application.fee_paise,
        submitted_at=application.submitted_at,
        due_at=application.due_at,
        stage_due_at=application.stage_due_at,
        updated_at=application.updated_at,
        decided_at=application.decided_at,
        decision_reason=application.decision_reason,
        sla=_sla(application, now),
        answers=public_answers(service, application),
        timeline=timeline(session, application.reference),
        certificate=_certificate(
            certificate, application, public_base=public_base, issuer=issuer, now=now
        ),
    )


def _sla(application: Application, now: datetime) -> schemas.Sla:
    end = application.decided_at or now
    return schemas.Sla(
        due_at=application.due_at,
        days_late=days_late(application.due_at, end),
        compensation_rupees=compensation_rupees(application.due_at, end),
    )


def _certificate(
    certificate: Certificate | None,
    application: Application,
    *,
    public_base: str,
    issuer: object,
    now: datetime,
) -> schemas.CertificateRef | None:
    if certificate is None:
        return None
    pdf_url = None
    if isinstance(issuer, CertificateIssuer):
        pdf_url = issuer.download_url(
            certificate, application.service_id, now, lifetime=PDF_LINK_LIFETIME
        )
    return schemas.CertificateRef(
        number=certificate.number,
        url=f"{public_base}/verify/{certificate.number}",
        pdf_url=pdf_url,
        issued_at=certificate.issued_at,
        valid_until=certificate.valid_until,
        revoked_at=certificate.revoked_at,
    )
