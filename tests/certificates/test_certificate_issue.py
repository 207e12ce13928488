"""Approval issues a signed bilingual certificate: stored, registered, sent, verifiable."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from certificates.factories import AADHAAR, AADHAAR_MASKED, load, submit
from certificates.pdftools import pdftotext, qr_texts
from sevadwar.applications.models import ApplicationStatus
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role
from sevadwar.certificates.issuer import CertificateIssuer
from sevadwar.certificates.keys import SIGNING_CERT
from sevadwar.certificates.models import Certificate
from sevadwar.certificates.qr import InvalidQrPayload, verify_payload
from sevadwar.certificates.signing import trust_roots, validate_certificate_pdf
from sevadwar.messaging.models import OutboxMessage
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

APPROVER = Actor("officer", "sdm", role=Role.APPROVING_OFFICER, department="revenue")


def approve(runtime: Runtime, reference: str) -> Certificate:
    with transaction(runtime.sessions) as session:
        runtime.workflow.approve(session, load(session, reference), actor=APPROVER)
    with transaction(runtime.sessions) as session:
        application = load(session, reference)
        assert application.status == ApplicationStatus.ISSUED
        return session.scalars(
            select(Certificate).where(Certificate.application_id == application.id)
        ).one()


def issuer(runtime: Runtime) -> CertificateIssuer:
    hook = runtime.workflow.issue_certificate
    assert isinstance(hook, CertificateIssuer)
    return hook


def test_approval_issues_a_signed_bilingual_certificate(runtime: Runtime, tmp_path: Path) -> None:
    reference = submit(runtime)
    certificate = approve(runtime, reference)
    assert re.fullmatch(r"DLC(-[2-9A-Z]{4}){3}", certificate.number)
    assert certificate.holder_name == "रमेश कुमार"
    assert certificate.service_id == "income"
    assert certificate.department == "revenue"
    assert certificate.blob_key is not None

    pdf = runtime.blobs.get(certificate.blob_key) if runtime.blobs else b""
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
    stored = next((runtime.settings.data_dir / "documents").rglob(certificate.blob_key))
    assert b"%PDF" not in stored.read_bytes()  # encrypted at rest
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)

    text = pdftotext(path)
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        "आय प्रमाण पत्र",
        "Income Certificate",
        "रमेश कुमार",
        certificate.number,
        reference,
    ):
        assert expected in flat
    verify_url = f"{runtime.settings.public_base}/verify/{certificate.number}"
    assert verify_url in flat
    assert "20/11/2026" in flat  # date of issue in IST
    assert AADHAAR_MASKED in flat
    digits = re.sub(r"\D", "", text)
    assert AADHAAR not in digits
    assert AADHAAR not in pdf.decode("latin-1")

    codes = qr_texts(path, tmp_path)
    if (
        codes is not None
    ):  # zxing-cpp installed: the QR opens the verify page, signed payload after '#'
        assert len(codes) == 1
        assert codes[0].startswith(verify_url + "#")
        keys = issuer(runtime).keys(runtime.clock())
        payload = verify_payload(codes[0].split("#", 1)[1], [keys.qr_key.public_key()])
        assert payload.number == certificate.number
        assert payload.holder_name == "रमेश कुमार"
        assert AADHAAR not in codes[0]

    trusted = trust_roots(runtime.settings.data_dir / "keys" / SIGNING_CERT)
    report = validate_certificate_pdf(pdf, trusted)
    assert report.ok, report.summary
    assert report.summary.startswith("INTACT:TRUSTED")

    tampered = bytearray(pdf)
    spot = pdf.index(b"Income Certificate") if b"Income Certificate" in pdf else len(pdf) // 3
    tampered[spot] ^= 0x01
    broken = validate_certificate_pdf(bytes(tampered), trusted)
    assert not broken.ok
    assert not broken.intact


def test_the_citizen_gets_the_pdf_in_the_chat(runtime: Runtime, client: TestClient) -> None:
    reference = submit(runtime, language="en")
    certificate = approve(runtime, reference)
    with transaction(runtime.sessions) as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    payloads = [r.payload for r in rows if r.citizen_key == "IN.1000000000000000001"]
    kinds = [p["kind"] for p in payloads]
    assert kinds[-3:] == ["text", "text", "document"]  # approved, certificate ready, the PDF
    assert certificate.number in payloads[-2]["body"]
    assert "/verify/" in payloads[-2]["body"]
    document = payloads[-1]
    assert document["filename"] == f"income-{certificate.number}.pdf"
    assert certificate.number in document["caption"]
    link = document["link"]
    assert link.startswith(f"{runtime.settings.public_base}/files/")
    response = client.get(link.removeprefix(runtime.settings.public_base))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == certificate.sha256


def test_a_service_without_a_certificate_is_approved_without_one(runtime: Runtime) -> None:
    service = next(s for s in runtime.catalogue if s.certificate is None and s.fee.kind == "zero")
    reference = submit(runtime, service.id, answers={})
    approver = Actor("officer", "head", role=Role.APPROVING_OFFICER, department=service.department)
    with transaction(runtime.sessions) as session:
        runtime.workflow.approve(session, load(session, reference), actor=approver)
    with transaction(runtime.sessions) as session:
        assert load(session, reference).status == ApplicationStatus.APPROVED
        assert session.scalars(select(Certificate)).first() is None


def test_the_qr_payload_rejects_edits_and_strange_keys(runtime: Runtime) -> None:
    certificate = approve(runtime, submit(runtime))
    keys = issuer(runtime).keys(runtime.clock())
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from sevadwar.certificates.qr import QrPayload, sign_payload

    payload = QrPayload(certificate.number, "income", runtime.clock().date(), None, "रमेश कुमार")
    token = sign_payload(keys.qr_key, payload)
    assert verify_payload(token, [keys.qr_key.public_key()]) == payload
    body, signature = token.split(".")
    forged = sign_payload(ed25519.Ed25519PrivateKey.generate(), payload)
    for bad in (body[:-2] + "AA." + signature, forged, "not-a-token", token + "x"):
        with pytest.raises(InvalidQrPayload):
            verify_payload(bad, [keys.qr_key.public_key()])
