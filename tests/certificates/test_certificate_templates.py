"""Every service that issues a certificate renders from its template, in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pikepdf
import pytest

from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.catalogue.schema import FieldType, FormField, Service
from sevadwar.certificates.render import CertificateDocument, render_certificate
from sevadwar.certificates.templates import (
    Bilingual,
    certificate_rows,
    format_value,
    holder_name,
    load_template,
    mask_aadhaar_like,
    template_ids,
)

CATALOGUE = load_catalogue(default_catalogue_dir())
ISSUING = [s for s in CATALOGUE if s.certificate is not None]


def sample(spec: FormField) -> Any:
    values: dict[FieldType, Any] = {
        FieldType.NAME: "सीता देवी",
        FieldType.TEXT: "कुछ विवरण 9876 5432 1012",
        FieldType.ADDRESS: "मकान नं. 5, लक्ष्मी नगर",
        FieldType.DATE: "2000-01-31",
        FieldType.NUMBER: 3,
        FieldType.MONEY: 250000,
        FieldType.YES_NO: True,
        FieldType.PHONE: "+919876543210",
        FieldType.EMAIL: "a@example.com",
        FieldType.PINCODE: "110092",
        FieldType.AADHAAR: {"enc": "v1:secret", "masked": "XXXX-XXXX-0124"},
        FieldType.LOCATION: {"lat": 28.6, "lon": 77.2, "name": "Delhi"},
    }
    if spec.type is FieldType.CHOICE:
        return spec.options[0].id
    if spec.type is FieldType.MULTI_CHOICE:
        return [spec.options[0].id, spec.options[1].id]
    return values[spec.type]


def test_every_template_named_by_the_catalogue_exists() -> None:
    assert {s.certificate.template for s in ISSUING if s.certificate} <= set(template_ids())
    assert set(template_ids()) == {
        "standard",
        "birth",
        "death",
        "marriage",
        "licence",
        "card",
        "verification",
    }


@pytest.mark.parametrize("service", ISSUING, ids=lambda s: s.id)
def test_renders_with_a_holder_and_rows(service: Service) -> None:
    assert service.certificate is not None
    template = load_template(service.certificate.template)
    answers = {f.id: sample(f) for f in service.fields}
    rows = certificate_rows(template, service, answers)
    assert len(rows) >= 3
    assert holder_name(template, service, answers) != "—"
    assert all("9876 5432 1012" not in r.value for r in rows)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    document = CertificateDocument(
        template=template,
        number="DLC-2222-2222-2222",
        reference="DL-2222-2222",
        title=Bilingual(en=service.certificate.title.en, hi=service.certificate.title.get("hi")),
        department=Bilingual(en="Department", hi="विभाग"),
        office=Bilingual(en=service.office.en, hi=service.office.get("hi")),
        rows=tuple(rows),
        issued_at=now,
        valid_until=None,
        verify_url="http://127.0.0.1:8000/verify/DLC-2222-2222-2222",
        qr_text="http://127.0.0.1:8000/verify/DLC-2222-2222-2222#x.y",
    )
    rendered = render_certificate(document)
    with pikepdf.open(__import__("io").BytesIO(rendered.data)) as pdf:
        assert (
            len(pdf.pages) == rendered.signature.page + 1
        )  # the signature box is on the last page
        assert len(pdf.pages) <= 2


def test_values_are_printed_in_both_languages_and_aadhaar_only_masked() -> None:
    income = CATALOGUE["income"]
    assert format_value(income.field("gender"), "female") == "महिला / Female"
    assert (
        format_value(income.field("date_of_birth"), date(1990, 8, 15).isoformat()) == "15/08/1990"
    )
    assert format_value(income.field("family_annual_income"), 180000) == "₹1,80,000"
    assert format_value(income.field("aadhaar"), {"enc": "v1:abc"}) == "XXXX-XXXX-XXXX"
    assert mask_aadhaar_like("आधार २३४५ ६७८९ ०१२४ है") == "आधार XXXX-XXXX-0124 है"
    assert mask_aadhaar_like("PIN 110084, phone 9876543210") == "PIN 110084, phone 9876543210"
