"""The only writers of the certificates register: each action writes its audit row.

The register (number, service, holder's name, dates, the PDF's SHA-256) is kept when a citizen's
data is erased: it is what the public verification page answers from. What erasure removes is
the stored copy of the PDF (:func:`do_erase_certificate_copies`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.api.webhooks import DepartmentEvent, do_enqueue_department_event
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.audit.actions import do_append_audit
from sevadwar.certificates.models import Certificate
from sevadwar.documents.base import BlobStore


def do_record_certificate(
    session: Session,
    application: Application,
    *,
    number: str,
    holder_name: str,
    blob_key: str,
    sha256: str,
    valid_until: datetime | None,
    actor: Actor,
    now: datetime,
) -> Certificate:
    certificate = Certificate(
        number=number,
        application_id=application.id,
        service_id=application.service_id,
        department=application.department,
        holder_name=holder_name[:200],
        blob_key=blob_key,
        sha256=sha256,
        issued_by=actor.id if actor.kind == "officer" else None,
        issued_at=now,
        valid_until=valid_until,
    )
    session.add(certificate)
    session.flush()
    do_append_audit(
        session,
        actor=actor.label,
        action="certificate.issued",
        subject=f"application:{application.reference}",
        data={"certificate": number, "sha256": sha256},
        at=now,
    )
    return certificate


def do_revoke_certificate(
    session: Session, certificate: Certificate, *, reason: str, actor: Actor, now: datetime
) -> bool:
    """Cancel ``certificate``; ``False`` (and nothing written) when it already was."""
    if certificate.revoked_at is not None:
        return False
    reason = reason.strip()
    if not reason:
        raise ValueError("say why the certificate is cancelled")
    certificate.revoked_at = now
    certificate.revoked_reason = reason[:500]
    application = session.get(Application, certificate.application_id)
    subject = (
        f"application:{application.reference}"
        if application
        else f"certificate:{certificate.number}"
    )
    do_append_audit(
        session,
        actor=actor.label,
        action="certificate.revoked",
        subject=subject,
        data={"certificate": certificate.number, "reason": certificate.revoked_reason},
        at=now,
    )
    if application is not None:
        do_enqueue_department_event(
            session,
            application,
            DepartmentEvent.CERTIFICATE_REVOKED,
            at=now,
            data={"certificate": certificate.number},
        )
    return True


def do_erase_certificate_copies(
    session: Session, *, citizen_key: str, store: BlobStore | None
) -> int:
    """Delete the stored PDFs of a citizen's certificates, keeping the register rows.

    Call it from the citizen's erasure (``privacy.actions.do_erase_citizen``). Returns how many
    copies were removed.
    """
    statement = (
        select(Certificate)
        .join(Application, Application.id == Certificate.application_id)
        .where(Application.citizen_key == citizen_key, Certificate.blob_key.is_not(None))
    )
    count = 0
    for certificate in session.scalars(statement):
        if store is not None and certificate.blob_key:
            store.delete(certificate.blob_key)
        certificate.blob_key = None
        count += 1
    if count:
        do_append_audit(
            session,
            actor=f"citizen:{citizen_key}",
            action="certificate.copies_erased",
            subject=f"citizen:{citizen_key}",
            data={"certificates": count},
        )
    return count
