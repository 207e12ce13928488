"""Decisions from a department's system: the officer's effects, idempotent, errors as 409/422."""

from __future__ import annotations

from sqlalchemy import func, select

from api.conftest import CheckedClient
from certificates.factories import submit
from sevadwar.audit.models import AuditEntry
from sevadwar.certificates.models import Certificate
from sevadwar.messaging.models import OutboxMessage
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction


def counts(runtime: Runtime) -> tuple[int, int, int]:
    """(audit rows, outbox messages, certificates)"""
    with transaction(runtime.sessions) as session:
        return (
            int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0),
            int(session.scalar(select(func.count()).select_from(Certificate)) or 0),
        )


def test_approval_issues_the_certificate_once(
    runtime: Runtime, api: CheckedClient, keys: dict[str, str]
) -> None:
    reference = submit(runtime)
    url = f"/api/v1/applications/{reference}/decision"
    before = counts(runtime)
    first = api.post(url, key=keys["revenue"], json={"decision": "approve", "reason": "सब सही है"})
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "issued"
    assert body["decided_at"]
    certificate = body["certificate"]
    assert certificate["url"] == f"{runtime.settings.public_base}/verify/{certificate['number']}"
    assert certificate["pdf_url"].startswith(f"{runtime.settings.public_base}/files/")
    events = [e["event"] for e in body["timeline"]]
    assert events == ["submitted", "approved", "certificate.issued"]
    assert body["timeline"][1]["actor"] == "api"
    assert body["timeline"][2]["details"]["certificate"] == certificate["number"]
    after = counts(runtime)
    assert after[1] - before[1] == 3
    assert after[2] - before[2] == 1

    again = api.post(url, key=keys["revenue"], json={"decision": "approve"})
    assert again.status_code == 200
    assert again.json()["certificate"]["number"] == certificate["number"]
    assert counts(runtime) == after
    read = api.get(f"/api/v1/applications/{reference}", key=keys["revenue"]).json()
    assert read["certificate"]["number"] == certificate["number"]
    assert api.client.get(f"/verify/{certificate['number']}.json").json()["status"] == "valid"

    refused = api.post(url, key=keys["revenue"], json={"decision": "reject", "reason": "देर से"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "closed"
    assert counts(runtime) == after


def test_rejection_tells_the_citizen_once(
    runtime: Runtime, api: CheckedClient, keys: dict[str, str]
) -> None:
    reference = submit(runtime)
    url = f"/api/v1/applications/{reference}/decision"
    missing = api.post(url, key=keys["revenue"], json={"decision": "reject"})
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "reason_required"
    decision = {
        "decision": "reject",
        "reason_code": "documents_mismatch",
        "reason": "पिता का नाम अलग है",
    }
    first = api.post(url, key=keys["revenue"], json=decision)
    assert first.status_code == 200
    assert first.json()["status"] == "rejected"
    assert "पिता का नाम अलग है" in first.json()["decision_reason"]
    assert first.json()["timeline"][-1]["details"]["reason"] == "documents_mismatch"
    with transaction(runtime.sessions) as session:
        told = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert told is not None
        assert "पिता का नाम अलग है" in told.payload["body"]
    after = counts(runtime)
    assert api.post(url, key=keys["revenue"], json=decision).status_code == 200
    assert counts(runtime) == after
    approve = api.post(url, key=keys["revenue"], json={"decision": "approve"})
    assert approve.status_code == 409
    assert approve.json()["error"]["code"] == "closed"


def test_unpaid_and_malformed(runtime: Runtime, api: CheckedClient, keys: dict[str, str]) -> None:
    unpaid = submit(runtime, fee_paise=1000)
    refused = api.post(
        f"/api/v1/applications/{unpaid}/decision", key=keys["revenue"], json={"decision": "approve"}
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "fee_pending"

    reference = submit(runtime)
    url = f"/api/v1/applications/{reference}/decision"
    for body in (
        {"decision": "maybe"},
        {"decision": "approve", "extra": 1},
        {},
        {"decision": "reject", "reason": "x" * 2001},
    ):
        response = api.post(url, key=keys["revenue"], json=body)
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["fields"]
    garbled = api.post(
        url, key=keys["revenue"], content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 422
    with transaction(runtime.sessions) as session:
        statuses = session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == f"application:{reference}")
        )
        assert list(statuses) == ["application.submitted"]
