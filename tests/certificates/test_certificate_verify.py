"""``/verify``: genuine, expired, revoked or unknown, with minimal data and no near-miss hints."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from certificates.factories import AADHAAR_MASKED, INCOME_ANSWERS, income_answers, load, submit
from sevadwar.applications.access import NotVisible
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role
from sevadwar.certificates.actions import do_erase_certificate_copies
from sevadwar.certificates.models import Certificate
from sevadwar.certificates.numbers import new_number
from sevadwar.certificates.revocation import revoke_certificate
from sevadwar.messaging.models import OutboxMessage
from sevadwar.privacy.actions import do_erase_citizen
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

from .test_certificate_issue import approve

SDM = Actor("officer", "sdm", role=Role.APPROVING_OFFICER, department="revenue")


def test_a_genuine_certificate_shows_minimal_facts(runtime: Runtime, client: TestClient) -> None:
    certificate = approve(runtime, submit(runtime))
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    for expected in (
        "असली और वैध",
        "Genuine and valid",
        "रमेश कुमार",
        "आय प्रमाण पत्र",
        "Income Certificate",
        "20/11/2026",
    ):
        assert expected in html
    assert "उप-मंडल मजिस्ट्रेट" in html  # the issuing office
    for private in (INCOME_ANSWERS["address"], "110084", AADHAAR_MASKED, "9876543210", "सुरेश कुमार"):
        assert private not in html
    assert "<script" not in html
    assert "http" not in html.split("<body>", 1)[1].replace(runtime.settings.public_base, "")

    lowered = client.get(f"/verify/{certificate.number.lower().replace('-', '')}.json")
    assert lowered.status_code == 200
    body = lowered.json()
    assert body["status"] == "valid"
    assert body["genuine"] is True
    assert body["certificate"]["number"] == certificate.number
    assert body["certificate"]["holder_name"] == "रमेश कुमार"
    assert body["certificate"]["issued_on"] == "2026-11-20"
    assert body["certificate"]["valid_until"] is None
    assert set(body["certificate"]) == {
        "number",
        "service",
        "title",
        "holder_name",
        "issued_on",
        "valid_until",
        "revoked_on",
        "office",
    }


def test_unknown_numbers_all_look_the_same(runtime: Runtime, client: TestClient) -> None:
    certificate = approve(runtime, submit(runtime))
    near_miss = certificate.number[:-1] + ("2" if certificate.number[-1] != "2" else "3")
    well_formed = new_number()
    answers = [
        client.get(f"/verify/{n}.json") for n in (near_miss, well_formed, "garbage", "DLC-1111")
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1
    assert answers[0].json() == {"status": "unknown", "genuine": False, "certificate": None}
    pages = [client.get(f"/verify/{n}") for n in (near_miss, well_formed, "garbage")]
    assert {r.status_code for r in pages} == {404}
    assert len({r.text for r in pages}) == 1
    assert "नहीं मिला" in pages[0].text
    assert "Not found" in pages[0].text


def test_the_form_takes_a_typed_number(runtime: Runtime, client: TestClient) -> None:
    certificate = approve(runtime, submit(runtime))
    form = client.get("/verify")
    assert form.status_code == 200
    assert 'name="number"' in form.text
    typed = certificate.number.lower().replace("-", " ")
    redirected = client.get("/verify", params={"number": typed}, follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"] == f"/verify/{certificate.number}"


def test_revoked_and_expired(runtime: Runtime, client: TestClient, clock: object) -> None:
    ews = income_answers(runtime, caste_name="ब्राह्मण", owns_farm_land=False)
    expiring = approve(runtime, submit(runtime, "ews", answers=ews))
    assert expiring.valid_until is not None
    revoked = approve(runtime, submit(runtime, citizen="IN.1000000000000000002"))

    other_department = Actor("officer", "mcd", role=Role.APPROVING_OFFICER, department="mcd")
    with transaction(runtime.sessions) as session, pytest.raises(NotVisible):
        revoke_certificate(
            session, runtime.workflow, revoked.number, reason="x", actor=other_department
        )
    for _ in range(2):  # the second time changes nothing
        with transaction(runtime.sessions) as session:
            revoke_certificate(
                session, runtime.workflow, revoked.number, reason="ग़लत जानकारी", actor=SDM
            )
    with transaction(runtime.sessions) as session:
        told = [
            m.payload["body"]
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if m.citizen_key == "IN.1000000000000000002" and "निरस्त" in m.payload.get("body", "")
        ]
    assert len(told) == 1
    assert revoked.number in told[0]

    page = client.get(f"/verify/{revoked.number}")
    assert page.status_code == 200
    assert "निरस्त" in page.text
    assert "Cancelled" in page.text
    assert client.get(f"/verify/{revoked.number}.json").json()["status"] == "revoked"
    assert client.get(f"/verify/{expiring.number}.json").json()["status"] == "valid"
    clock.advance(days=366)  # type: ignore[attr-defined]
    expired = client.get(f"/verify/{expiring.number}.json").json()
    assert expired["status"] == "expired"
    assert expired["genuine"] is True


def test_the_register_survives_erasure(runtime: Runtime, client: TestClient) -> None:
    reference = submit(runtime)
    certificate = approve(runtime, reference)
    assert runtime.blobs is not None
    assert certificate.blob_key is not None
    with transaction(runtime.sessions) as session:
        removed = do_erase_certificate_copies(
            session, citizen_key="IN.1000000000000000001", store=runtime.blobs
        )
        do_erase_citizen(session, citizen_key="IN.1000000000000000001", store=runtime.blobs)
    assert removed == 1
    assert not runtime.blobs.exists(certificate.blob_key)
    with transaction(runtime.sessions) as session:
        kept = session.scalars(select(Certificate)).one()
        assert kept.blob_key is None
        assert kept.sha256 == certificate.sha256
        assert load(session, reference).answers.get("fields") is None
    body = client.get(f"/verify/{certificate.number}.json").json()
    assert body["status"] == "valid"
    assert body["certificate"]["holder_name"] == "रमेश कुमार"


def test_keys_are_published_for_offline_checks(runtime: Runtime, client: TestClient) -> None:
    approve(runtime, submit(runtime))
    keys = client.get("/verify/keys.json")
    assert keys.status_code == 200
    body = keys.json()
    assert body["pdf"]["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert len(body["pdf"]["sha256"]) == 64
    assert body["qr"][0]["algorithm"] == "Ed25519"
    assert len(body["qr"][0]["key_id"]) == 8
