"""Department webhooks: written with the change, delivered signed and in order, retried, dead
deliveries visible and replayable. The department's system is a real HTTP server (the fake)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.conftest import CheckedClient
from certificates.factories import AADHAAR, AADHAAR_MASKED, income_answers, load, submit
from sevadwar.api.actions import do_create_api_key, do_revoke_api_key, do_set_webhook
from sevadwar.api.models import WebhookDelivery, WebhookState
from sevadwar.api.webhook_commands import delivery_lines
from sevadwar.api.webhooks import (
    BACKOFF_BASE,
    InvalidWebhookUrl,
    do_discard_deliveries,
    do_replay_deliveries,
)
from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.audit.models import AuditEntry
from sevadwar.cli import main as cli
from sevadwar.fakes.department import FakeDepartment
from sevadwar.fakes.department import create_app as create_receiver
from sevadwar.fakes.graph_api import serve_app_in_thread
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from support import Clock

DOCS = Path(__file__).resolve().parents[2] / "docs" / "department-webhooks.md"
SYSTEM = Actor("system", "test")
IN_ORDER = [
    "application.submitted",
    "application.forwarded",
    "application.info_requested",
    "application.info_received",
    "application.approved",
    "application.certificate_issued",
]


class Receivers:
    """The fake department server, and how to subscribe one of its receivers to a department."""

    def __init__(self, runtime: Runtime, fake: FakeDepartment, base_url: str) -> None:
        self.runtime, self.fake, self.base_url = runtime, fake, base_url
        self.secrets: dict[str, str] = {}

    def subscribe(self, name: str, department: str = "revenue") -> str:
        """A key of ``department`` whose webhook is the receiver ``name``; returns its prefix."""
        with transaction(self.runtime.sessions) as session:
            row, _ = do_create_api_key(
                session,
                department=department,
                actor="system:test",
                now=self.runtime.clock(),
                name=name,
                webhook_url=f"{self.base_url}/{name}",
            )
            assert row.webhook_secret is not None
            assert row.webhook_secret.startswith("whsec_")
            self.secrets[name] = row.webhook_secret
            prefix = row.prefix
        self.fake.register(name, self.secrets[name])
        return prefix


@pytest.fixture
def receivers(runtime: Runtime, clock: Clock) -> Iterator[Receivers]:
    fake = FakeDepartment(clock=clock)  # checks the signature's time against the same clock
    with serve_app_in_thread(create_receiver(fake)) as base_url:
        yield Receivers(runtime, fake, base_url)


def deliver_all(runtime: Runtime, *, max_attempts: int | None = None) -> int:
    """Run the deliverer until nothing is due now; how many steps did work."""
    deliverer = runtime.webhook_deliverer()
    if max_attempts is not None:
        deliverer.max_attempts = max_attempts
    steps = 0
    while deliverer.deliver_due():
        steps += 1
        assert steps < 50, "the deliverer never ran dry"
    return steps


def rows(runtime: Runtime) -> list[WebhookDelivery]:
    with transaction(runtime.sessions) as session:
        found = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        session.expunge_all()
    return found


def in_session(runtime: Runtime, body: Callable[[Any, Application], None], reference: str) -> None:
    with transaction(runtime.sessions) as session:
        body(session, load(session, reference))


# --------------------------------------------------------------------------- delivery


def test_submission_is_delivered_signed_to_its_department_only(
    runtime: Runtime, receivers: Receivers
) -> None:
    receivers.subscribe("edistrict", "revenue")
    receivers.subscribe("mcd-system", "mcd")
    reference = submit(runtime)  # income: a revenue service

    assert deliver_all(runtime) == 1
    [event] = receivers.fake.events("edistrict")
    assert event["type"] == "application.submitted"
    assert event["department"] == "revenue"
    assert event["data"] == {
        "reference": reference,
        "status": "submitted",
        "stage": "scrutiny",
        "certificate": None,
    }
    assert event["application"]["reference"] == reference
    assert event["application"]["answers"]["aadhaar"] == AADHAAR_MASKED
    assert event["application"]["timeline"][0]["event"] == "submitted"
    [request] = receivers.fake.requests("edistrict")
    assert request.signature_ok
    assert request.headers["x-sevadwar-event-id"] == event["id"]
    assert request.headers["x-sevadwar-event"] == "application.submitted"
    assert request.headers["x-sevadwar-signature"].startswith(
        f"t={int(runtime.clock().timestamp())},v1="
    )
    assert AADHAAR.encode() not in request.body
    assert receivers.fake.requests("mcd-system") == []  # another department's system
    [row] = rows(runtime)
    assert (row.state, row.attempts, row.last_status) == (WebhookState.DELIVERED, 1, 200)
    assert row.delivered_at == runtime.clock()
    assert deliver_all(runtime) == 0  # delivered once


def test_status_changes_arrive_in_order_even_after_a_failure(
    runtime: Runtime, receivers: Receivers, api: CheckedClient, keys: dict[str, str], clock: Clock
) -> None:
    receivers.subscribe("edistrict")
    reference = submit(runtime)
    in_session(runtime, lambda s, a: runtime.workflow.forward(s, a, actor=SYSTEM), reference)
    in_session(
        runtime,
        lambda s, a: runtime.workflow.request_info(s, a, request="income proof", actor=SYSTEM),
        reference,
    )
    in_session(runtime, lambda s, a: runtime.workflow.receive_info(s, a, text="sent"), reference)
    url = f"/api/v1/applications/{reference}/decision"
    assert api.post(url, key=keys["revenue"], json={"decision": "approve"}).status_code == 200

    receivers.fake.fail("edistrict", [503])
    deliver_all(runtime)
    assert len(receivers.fake.requests("edistrict")) == 1  # the later events waited
    assert receivers.fake.events("edistrict") == []

    clock.advance(seconds=BACKOFF_BASE)
    deliver_all(runtime)
    events = receivers.fake.events("edistrict")
    assert [e["type"] for e in events] == IN_ORDER
    assert [e["data"]["status"] for e in events] == [
        "submitted",
        "in_progress",
        "info_requested",
        "in_progress",
        "approved",
        "issued",
    ]
    assert len({e["id"] for e in events}) == len(IN_ORDER)
    assert all(r.signature_ok for r in receivers.fake.requests("edistrict"))
    assert events[-1]["application"]["certificate"]["number"]
    assert {r.state for r in rows(runtime)} == {WebhookState.DELIVERED}


def test_server_errors_are_retried_with_backoff_and_delivered_once(
    runtime: Runtime, receivers: Receivers, clock: Clock
) -> None:
    receivers.subscribe("edistrict")
    receivers.fake.fail("edistrict", [500, 500])
    submit(runtime)

    deliver_all(runtime)
    [row] = rows(runtime)
    assert (row.state, row.attempts, row.last_status) == (WebhookState.PENDING, 1, 500)
    assert clock.now + timedelta(seconds=BACKOFF_BASE / 2) <= row.not_before
    assert row.not_before <= clock.now + timedelta(seconds=BACKOFF_BASE)
    assert deliver_all(runtime) == 0  # not due yet: no sleeping, no early retry
    clock.advance(seconds=BACKOFF_BASE)
    deliver_all(runtime)
    assert rows(runtime)[0].attempts == 2
    clock.advance(seconds=2 * BACKOFF_BASE)
    deliver_all(runtime)

    requests = receivers.fake.requests("edistrict")
    assert [r.status for r in requests] == [500, 500, 200]
    assert len({r.headers["x-sevadwar-event-id"] for r in requests}) == 1
    assert len(receivers.fake.events("edistrict")) == 1
    [row] = rows(runtime)
    assert (row.state, row.attempts, row.last_status) == (WebhookState.DELIVERED, 3, 200)


def test_retry_after_is_honoured(runtime: Runtime, receivers: Receivers, clock: Clock) -> None:
    receivers.subscribe("edistrict")
    receivers.fake.fail("edistrict", [429], retry_after="600")
    submit(runtime)
    deliver_all(runtime)
    assert rows(runtime)[0].not_before == clock.now + timedelta(seconds=600)
    clock.advance(seconds=599)
    assert deliver_all(runtime) == 0
    clock.advance(seconds=2)
    deliver_all(runtime)
    assert rows(runtime)[0].state == WebhookState.DELIVERED


def test_unreachable_receiver_is_retried_then_dead(runtime: Runtime, clock: Clock) -> None:
    with transaction(runtime.sessions) as session:
        do_create_api_key(
            session,
            department="revenue",
            actor="system:test",
            now=clock(),
            webhook_url="http://127.0.0.1:9/nobody-listens",
        )
    submit(runtime)
    deliver_all(runtime, max_attempts=2)
    [row] = rows(runtime)
    assert (row.state, row.attempts, row.last_status) == (WebhookState.PENDING, 1, None)
    assert "ConnectError" in (row.last_error or "")
    clock.advance(seconds=BACKOFF_BASE)
    deliver_all(runtime, max_attempts=2)
    assert rows(runtime)[0].state == WebhookState.DEAD


@pytest.mark.parametrize("refusal", [410, 400])
def test_refusal_is_dead_at_once_and_replay_sends_it_in_order(
    runtime: Runtime, receivers: Receivers, refusal: int
) -> None:
    receivers.subscribe("edistrict")
    receivers.fake.fail("edistrict", [refusal])
    reference = submit(runtime)
    in_session(
        runtime,
        lambda s, a: runtime.workflow.reject(s, a, reason_code="other", text="late", actor=SYSTEM),
        reference,
    )
    deliver_all(runtime)
    dead, held = rows(runtime)
    assert (dead.state, dead.attempts, dead.last_status) == (WebhookState.DEAD, 1, refusal)
    assert held.state == WebhookState.PENDING  # held back behind the dead one
    assert receivers.fake.events("edistrict") == []
    with transaction(runtime.sessions) as session:
        [line] = delivery_lines(session, state=WebhookState.DEAD, limit=10)
        assert line.startswith(f"{dead.id}\tdead\t1 tries\tapplication.submitted\t{reference}")
        assert do_replay_deliveries(session, [dead.id], operator="ops", now=runtime.clock()) == 1
    deliver_all(runtime)
    assert [e["type"] for e in receivers.fake.events("edistrict")] == [
        "application.submitted",
        "application.rejected",
    ]
    with transaction(runtime.sessions) as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "webhooks.replayed")
        ).one()
        assert audit.data["ids"] == [dead.id]
        assert audit.actor == "operator:ops"


def test_finished_deliveries_are_deleted_after_30_days_and_dead_ones_kept(
    runtime: Runtime, receivers: Receivers, clock: Clock
) -> None:
    receivers.subscribe("edistrict")
    receivers.subscribe("legacy-system")
    receivers.subscribe("retired-system")
    receivers.fake.fail("legacy-system", [410])
    receivers.fake.fail("retired-system", [410])
    submit(runtime)
    deliver_all(runtime)
    delivered, dead, let_go = rows(runtime)
    assert [delivered.state, dead.state, let_go.state] == [WebhookState.DELIVERED] + 2 * [
        WebhookState.DEAD
    ]
    with transaction(runtime.sessions) as session:
        do_discard_deliveries(session, [let_go.id], operator="ops", now=runtime.clock())
    scheduler = runtime.scheduler()

    clock.advance(days=29)
    scheduler.enforce_retention()
    assert len(rows(runtime)) == 3  # a month is kept for looking back

    clock.advance(days=2)
    scheduler.enforce_retention()
    [kept] = rows(runtime)
    assert (kept.id, kept.state) == (dead.id, WebhookState.DEAD)  # to replay or discard


# --------------------------------------------------------------------------- signatures


def documented_verifier() -> Callable[..., bool]:
    """The receiver's snippet from docs/department-webhooks.md, run as the docs show it."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- verify-snippet -->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "the verification snippet is missing from the docs"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOCS), "exec"), namespace)  # our own docs
    verifier: Callable[..., bool] = namespace["verify_sevadwar_signature"]
    return verifier


def test_documented_snippet_accepts_ours_and_detects_forgeries(
    runtime: Runtime, receivers: Receivers, clock: Clock
) -> None:
    verify = documented_verifier()
    receivers.subscribe("edistrict")
    submit(runtime)
    deliver_all(runtime)
    [request] = receivers.fake.requests("edistrict")
    secret, header, body = (
        receivers.secrets["edistrict"],
        request.headers["x-sevadwar-signature"],
        request.body,
    )
    now = clock().timestamp()
    assert verify(secret, header, body, now=now)
    assert not verify(secret, header, body.replace(b"submitted", b"approved"), now=now)
    assert not verify("whsec_" + "x" * 43, header, body, now=now)
    assert not verify(secret, header, body, now=now + 301)  # an old request replayed
    assert not verify(secret, "t=abc,v1=00", body, now=now)
    assert not verify(secret, "", body, now=now)

    forged = receivers.fake.receive(
        "edistrict", body, {"x-sevadwar-signature": header.replace("v1=", "v1=0"), **_id(request)}
    )
    assert forged == (401, None)
    assert not receivers.fake.requests("edistrict")[-1].signature_ok


def test_a_rotated_secret_still_signs_for_a_day_so_the_receiver_can_switch(
    runtime: Runtime, receivers: Receivers, clock: Clock
) -> None:
    verify = documented_verifier()
    prefix = receivers.subscribe("edistrict")
    old = receivers.secrets["edistrict"]
    with transaction(runtime.sessions) as session:
        row = do_set_webhook(
            session,
            prefix=prefix,
            webhook_url=f"{receivers.base_url}/edistrict",
            actor="system:test",
            now=runtime.clock(),
        )
        assert row is not None and row.webhook_secret is not None
        new = row.webhook_secret
    assert new != old

    submit(runtime)  # the receiver still has the old secret: accepted
    deliver_all(runtime)
    [request] = receivers.fake.requests("edistrict")
    assert request.signature_ok and len(receivers.fake.events("edistrict")) == 1
    header, now = request.headers["x-sevadwar-signature"], clock().timestamp()
    assert header.count("v1=") == 2
    assert verify(old, header, request.body, now=now)  # and the documented check takes both
    assert verify(new, header, request.body, now=now)

    clock.advance(hours=24, seconds=1)  # the overlap is over: the old secret no longer signs
    receivers.fake.register("edistrict", old)
    submit(runtime)
    deliver_all(runtime)
    late = receivers.fake.requests("edistrict")[-1]
    assert late.headers["x-sevadwar-signature"].count("v1=") == 1
    assert not late.signature_ok  # refused (401): a receiver that never switched is told so
    assert verify(new, late.headers["x-sevadwar-signature"], late.body, now=clock().timestamp())


def _id(request: Any) -> dict[str, str]:
    return {"x-sevadwar-event-id": request.headers["x-sevadwar-event-id"]}


# --------------------------------------------------------------------------- the outbox


def test_the_event_is_written_in_the_changes_transaction(
    runtime: Runtime, receivers: Receivers
) -> None:
    receivers.subscribe("edistrict")

    def count(session: Any, model: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def submit_then_fail() -> None:
        with transaction(runtime.sessions) as session:
            do_submit_application(
                session,
                runtime.catalogue["income"],
                citizen_key="IN.1000000000000000002",
                channel="whatsapp",
                language="hi",
                answers=income_answers(runtime),
                documents={},
                fee_paise=0,
                now=runtime.clock(),
            )
            session.flush()
            assert count(session, WebhookDelivery) == 1  # written here, with the application
            raise RuntimeError("rolled back")

    def reject_then_fail(reference: str) -> None:
        with transaction(runtime.sessions) as session:
            application = load(session, reference)
            runtime.workflow.reject(
                session, application, reason_code="other", text="x", actor=SYSTEM
            )
            assert count(session, WebhookDelivery) == 2
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        submit_then_fail()
    with transaction(runtime.sessions) as session:
        assert count(session, WebhookDelivery) == 0
        assert count(session, Application) == 0

    reference = submit(runtime)
    with pytest.raises(RuntimeError, match="rolled back"):
        reject_then_fail(reference)
    assert [r.event_type for r in rows(runtime)] == ["application.submitted"]


def test_a_department_without_a_webhook_gets_nothing(
    runtime: Runtime, keys: dict[str, str], receivers: Receivers
) -> None:
    receivers.subscribe("mcd-system", "mcd")  # another department has one
    submit(runtime)  # revenue: its key (from ``keys``) has no webhook URL
    assert rows(runtime) == []
    assert deliver_all(runtime) == 0
    assert receivers.fake.requests("mcd-system") == []


def test_revoking_or_removing_the_webhook_stops_deliveries(
    runtime: Runtime, receivers: Receivers
) -> None:
    revoked = receivers.subscribe("edistrict")
    removed = receivers.subscribe("second")
    submit(runtime)
    assert len(rows(runtime)) == 2
    with transaction(runtime.sessions) as session:
        assert do_revoke_api_key(session, prefix=revoked, actor="system:test", now=runtime.clock())
        assert do_set_webhook(
            session, prefix=removed, webhook_url=None, actor="system:test", now=runtime.clock()
        )
    deliver_all(runtime)
    assert {r.state for r in rows(runtime)} == {WebhookState.DISCARDED}
    assert receivers.fake.requests("edistrict") == []
    assert receivers.fake.requests("second") == []
    submit(runtime, citizen="IN.1000000000000000003")
    assert len(rows(runtime)) == 2  # nothing new is queued for either


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("url", ["ftp://edistrict.example/x", "javascript:alert(1)", "https://"])
def test_only_http_urls_are_accepted(runtime: Runtime, url: str) -> None:
    with pytest.raises(InvalidWebhookUrl), transaction(runtime.sessions) as session:
        do_create_api_key(
            session, department="revenue", actor="system:test", now=runtime.clock(), webhook_url=url
        )


def test_the_cli_refuses_a_non_http_url(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(
        ["apikey", "create", "--department", "revenue", "--webhook-url", "file:///etc/passwd"]
    )
    assert code == 2
    assert "must start with https:// or http://" in capsys.readouterr().err


def test_openapi_documents_the_webhook(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["webhooks"]["application-event"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/WebhookEvent"
    )
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"x-sevadwar-signature", "x-sevadwar-event-id"} <= headers
    types = document["components"]["schemas"]["DepartmentEvent"]["enum"]
    assert "application.submitted" in types
    assert "certificate.revoked" in types
