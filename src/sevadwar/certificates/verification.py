"""What the public verification page answers about a certificate number.

Only minimal facts leave the register: the certificate's title, the holder's name, the date of
issue, validity and the issuing office; never an address, an Aadhaar or an application number.
A number that is malformed, has a wrong check character or is simply not in the register gets
the same ``unknown`` answer, so the page says nothing about how close a guess came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from sevadwar.applications.models import Application
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.certificates.numbers import parse_number
from sevadwar.certificates.queries import certificate_by_number, certificate_title, issuing_office
from sevadwar.certificates.templates import Bilingual


class VerificationStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Verified:
    """A certificate found in the register, with what may be shown about it."""

    number: str
    service_id: str
    title: Bilingual
    holder_name: str
    issued_at: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    office: Bilingual


@dataclass(frozen=True, slots=True)
class Verification:
    status: VerificationStatus
    certificate: Verified | None = None

    @property
    def genuine(self) -> bool:
        """Issued by this deployment (even if since expired or cancelled)."""
        return self.certificate is not None


def verify_number(
    session: Session, catalogue: Catalogue, text: str, *, now: datetime
) -> Verification:
    number = parse_number(text)
    certificate = certificate_by_number(session, number) if number else None
    if certificate is None:
        return Verification(VerificationStatus.UNKNOWN)
    application = session.get(Application, certificate.application_id)
    found = Verified(
        number=certificate.number,
        service_id=certificate.service_id,
        title=certificate_title(catalogue, certificate.service_id),
        holder_name=certificate.holder_name,
        issued_at=certificate.issued_at,
        valid_until=certificate.valid_until,
        revoked_at=certificate.revoked_at,
        office=issuing_office(
            session,
            catalogue,
            certificate.service_id,
            application.office_id if application else None,
        ),
    )
    if certificate.revoked_at is not None:
        status = VerificationStatus.REVOKED
    elif certificate.valid_until is not None and certificate.valid_until <= now:
        status = VerificationStatus.EXPIRED
    else:
        status = VerificationStatus.VALID
    return Verification(status, found)
