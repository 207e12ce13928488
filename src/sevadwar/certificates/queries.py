"""Reading the certificates register (no writes here)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.certificates.models import Certificate
from sevadwar.certificates.templates import Bilingual
from sevadwar.officers.models import Office


def certificate_by_number(session: Session, number: str) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.number == number)).first()


def certificate_of_application(session: Session, application_id: int) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(Certificate.application_id == application_id)
    ).first()


def certificates_of_applications(
    session: Session, application_ids: list[int]
) -> dict[int, Certificate]:
    if not application_ids:
        return {}
    rows = session.scalars(
        select(Certificate).where(Certificate.application_id.in_(application_ids))
    )
    return {c.application_id: c for c in rows}


def issuing_office(
    session: Session, catalogue: Catalogue, service_id: str, office_id: int | None
) -> Bilingual:
    """The office the application was with, else the authority the catalogue names."""
    if office_id is not None:
        office = session.get(Office, office_id)
        if office is not None:
            return Bilingual(en=office.name_en, hi=office.name_hi or office.name_en)
    service = catalogue.get(service_id)
    if service is None:
        return Bilingual(en=service_id, hi=service_id)
    return Bilingual(en=service.office.en, hi=service.office.get("hi"))


def certificate_title(catalogue: Catalogue, service_id: str) -> Bilingual:
    service = catalogue.get(service_id)
    if service is None:
        return Bilingual(en=service_id, hi=service_id)
    title = service.certificate.title if service.certificate else service.name
    return Bilingual(en=title.en, hi=title.get("hi"))
