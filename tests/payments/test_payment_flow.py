"""The fee journey in the chat with the sandbox gateway, through the real routes: submit a paid
service, get a "Pay now" button, pay on the checkout page, and receive the receipt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.conversation.prompts import default_prompts
from sevadwar.payments.messages import payment_text
from sevadwar.payments.states import StoredState
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

from .flow import (
    PAID_SERVICE,
    SimCitizen,
    application,
    audit_actions,
    event_records,
    of_kind,
    pay_in_checkout,
    payments_of,
)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.mark.parametrize("language", ["hi", "en"])
def test_pay_from_the_chat_and_get_the_receipt(
    client: TestClient, runtime: Runtime, tmp_path: Path, language: str
) -> None:
    citizen = SimCitizen(client, runtime)
    citizen.applies_for(PAID_SERVICE, language)

    ctas = of_kind(citizen.received(), "cta_url")
    assert len(ctas) == 1, citizen.received()[-3:]
    cta = ctas[0]
    assert cta["label"] == default_prompts().text(language, "payment_button")
    assert "₹50" in cta["body"]
    assert cta["url"].startswith("http://127.0.0.1:8000/pay/sbx_")
    (payment,) = payments_of(runtime, _only_application(runtime, citizen))
    assert payment.state == StoredState.AWAITING
    assert payment.url == cta["url"]
    assert payment.amount_paise == 5000
    before = application(runtime, payment.application_id)
    assert before.status == ApplicationStatus.FEE_PENDING

    page = pay_in_checkout(client, cta["url"], "paid")
    assert "WhatsApp" in page  # "go back to WhatsApp: your receipt will arrive there"

    submitted = application(runtime, payment.application_id)
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert submitted.due_at == before.due_at  # the SLA clock runs on from submission
    (paid,) = payments_of(runtime, payment.application_id)
    assert paid.state == StoredState.PAID
    assert paid.gateway_payment_id
    assert paid.receipt_number
    assert paid.receipt_blob
    assert [r.decision for r in event_records(runtime)] == ["mark_paid"]
    assert audit_actions(runtime)[-1] == "payment.mark_paid"

    after = citizen.received()
    texts = [m["body"] for m in of_kind(after, "text")]
    confirmation = payment_text(
        "chat", "paid", language, amount="₹50", reference=submitted.reference
    )
    assert confirmation in texts
    (document,) = of_kind(after, "document")
    assert document["filename"] == f"receipt-{paid.receipt_number}.pdf"
    assert paid.receipt_number in document["caption"]
    assert document["link"].startswith("http://127.0.0.1:8000/files/")

    download = client.get(document["link"].removeprefix("http://127.0.0.1:8000"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.content.startswith(b"%PDF-")
    text = pdf_text(download.content, tmp_path)
    assert "भुगतान रसीद" in text
    assert "Payment Receipt" in text
    assert submitted.reference in text
    assert paid.receipt_number in text

    check = client.get(f"/verify/receipt/{paid.receipt_number}")
    assert check.status_code == 200
    assert submitted.reference in check.text
    assert "₹50" in check.text


def _only_application(runtime: Runtime, citizen: SimCitizen) -> int:
    with transaction(runtime.sessions) as session:
        (found,) = session.scalars(
            select(Application.id).where(Application.citizen_key == citizen.key)
        ).all()
        return found


def test_the_browser_return_never_marks_anything_paid(client: TestClient, runtime: Runtime) -> None:
    citizen = SimCitizen(client, runtime)
    citizen.applies_for(PAID_SERVICE, "en")
    app_id = _only_application(runtime, citizen)
    (payment,) = payments_of(runtime, app_id)
    query = {
        "razorpay_payment_id": "pay_Forged000000",
        "razorpay_payment_link_id": payment.link_id,
        "razorpay_payment_link_reference_id": payment.reference,
        "razorpay_payment_link_status": "paid",
    }
    page = client.get("/payments/return", params=query)
    assert page.status_code == 200
    assert payment_text("checkout", "confirming", "hi") in page.text
    assert application(runtime, app_id).status == ApplicationStatus.FEE_PENDING
    assert payments_of(runtime, app_id)[0].state == StoredState.AWAITING
    assert event_records(runtime) == []


def test_unknown_receipts_are_not_vouched_for(client: TestClient) -> None:
    assert client.get("/verify/receipt/RC-2222-2222").status_code == 404
    assert client.get("/verify/receipt/<script>").status_code == 404


@pytest.mark.parametrize("language", ["hi", "en"])
def test_a_bill_is_ready_to_pay_not_an_application_awaiting_a_decision(
    client: TestClient, runtime: Runtime, language: str
) -> None:
    citizen = SimCitizen(client, runtime)
    citizen.applies_for("water-bill", language)
    bill = application(runtime, _only_application(runtime, citizen))
    amount = f"₹{bill.fee_paise // 100:,}"
    name = runtime.catalogue["water-bill"].name.get(language)
    t = default_prompts().text
    received = citizen.received()
    texts = [m["body"] for m in of_kind(received, "text")]
    assert any(t(language, "review_amount", fee=amount) in text for text in texts)
    ready = t(language, "submitted_payment", service=name, reference=bill.reference)
    assert ready in texts
    (cta,) = of_kind(received, "cta_url")
    assert cta["body"] == t(language, "payment_link_bill", fee=amount, reference=bill.reference)
