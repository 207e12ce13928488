"""Jobs on a clock: SLA escalation, draft reminders, retention (tests travel in time)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.applications.sla import compensation_rupees
from sevadwar.audit.models import AuditEntry
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.messaging.models import InboxEvent, OutboxMessage
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from support import drain, signed_post

USER = wp.WaUser(wa_id="919810012399", user_id="IN.31313131313131313131", name="Ravi")


def test_a_breached_stage_is_escalated_once(runtime: Runtime, clock: object) -> None:
    with transaction(runtime.sessions) as session:
        application = do_submit_application(
            session,
            runtime.catalogue["income"],
            citizen_key="IN.1",
            channel="whatsapp",
            language="en",
            answers={},
            documents={},
            fee_paise=0,
            now=runtime.clock(),
        )
        first_stage_days = runtime.catalogue["income"].workflow.stages[0].days
        reference = application.reference
    scheduler = runtime.scheduler()
    assert scheduler.escalate_breaches() == 0
    clock.advance(days=first_stage_days + 1)  # type: ignore[attr-defined]
    assert scheduler.escalate_breaches() == 1
    assert scheduler.escalate_breaches() == 0  # once per stage
    with transaction(runtime.sessions) as session:
        escalated = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        assert escalated.escalated_at == runtime.clock()
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "application.escalated")
        ).one()
        assert audit.subject == f"application:{reference}"


def test_compensation_under_the_time_bound_delivery_act() -> None:
    from datetime import UTC, datetime

    due = datetime(2026, 1, 1, tzinfo=UTC)
    assert compensation_rupees(due, due) == 0
    assert compensation_rupees(due, due + timedelta(days=3)) == 30
    assert compensation_rupees(due, due + timedelta(days=19, hours=23)) == 190
    assert compensation_rupees(due, due + timedelta(days=400)) == 200


def test_an_unfinished_draft_gets_one_reminder_then_expires(
    runtime: Runtime, client: TestClient, clock: object
) -> None:
    for text in ("hi", "1"):  # greeting, then Hindi
        signed_post(client, wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, text))))
        drain(runtime)
    body = wp.encode(
        wp.inbound_webhook(USER, wp.button_reply_message(USER, "consent:yes", "मैं सहमत हूँ"))
    )
    signed_post(client, body)
    drain(runtime)
    body = wp.encode(
        wp.inbound_webhook(USER, wp.button_reply_message(USER, "apply:income", "आवेदन करें"))
    )
    signed_post(client, body)
    drain(runtime)
    scheduler = runtime.scheduler()
    assert scheduler.remind_drafts() == 0  # too early
    clock.advance(hours=24)  # type: ignore[attr-defined]
    assert scheduler.remind_drafts() == 1
    assert scheduler.remind_drafts() == 0  # only once
    with transaction(runtime.sessions) as session:
        last = session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
        ).one()
        assert "आय प्रमाण पत्र" in last.payload["body"] and "अधूरे" in last.payload["body"]
    clock.advance(days=31)  # type: ignore[attr-defined]
    assert scheduler.enforce_retention() >= 1
    with transaction(runtime.sessions) as session:
        state = State.load(session.get(Conversation, USER.user_id).state)  # type: ignore[union-attr]
        assert state.service is None and state.answers == {}
        assert (
            session.scalar(select(func.count()).select_from(InboxEvent)) == 0
        )  # processed events purged
