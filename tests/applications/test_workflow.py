"""The workflow: stages, information requests answered in the chat, maker-checker, decisions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.workflow import Actor, WorkflowError
from sevadwar.audit.actions import verify_chain
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State, Step
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.messaging.models import OutboxMessage
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from support import drain, signed_post

USER = wp.WaUser(wa_id="919810012345", user_id="IN.42424242424242424242", name="Asha")
ASSISTANT = Actor("officer", "dealing", id=None, role=Role.DEALING_ASSISTANT, department="revenue")
APPROVER = Actor("officer", "sdm", id=None, role=Role.APPROVING_OFFICER, department="revenue")


@pytest.fixture
def reference(runtime: Runtime) -> str:
    """A submitted income certificate application of a consented Hindi-speaking citizen."""
    with transaction(runtime.sessions) as session:
        state = State(step=Step.MENU, language="hi", consented=True)
        session.add(
            Conversation(
                citizen_key=USER.user_id,
                channel="whatsapp",
                wa_id=USER.wa_id,
                user_id=USER.user_id,
                state=state.dump(),
            )
        )
        application = do_submit_application(
            session,
            runtime.catalogue["income"],
            citizen_key=USER.user_id or "",
            channel="whatsapp",
            language="hi",
            answers={"applicant_name": "आशा देवी"},
            documents={},
            fee_paise=0,
            now=runtime.clock(),
        )
        return application.reference


def load(runtime: Runtime, reference: str) -> Application:
    with transaction(runtime.sessions) as session:
        return session.scalars(select(Application).where(Application.reference == reference)).one()


def last_message_to_citizen(runtime: Runtime) -> str:
    with transaction(runtime.sessions) as session:
        row = session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
        ).one()
        return str(row.payload.get("body"))


def test_forwarding_moves_through_the_catalogue_stages(runtime: Runtime, reference: str) -> None:
    stages = [s.id for s in runtime.catalogue["income"].workflow.stages]
    assert load(runtime, reference).stage == stages[0]
    with transaction(runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        runtime.workflow.forward(session, application, actor=ASSISTANT, note="documents complete")
    moved = load(runtime, reference)
    assert moved.stage == stages[1]
    assert moved.status == ApplicationStatus.IN_PROGRESS
    assert moved.stage_due_at is not None and moved.stage_due_at > runtime.clock()


def test_information_request_is_answered_in_the_chat(
    runtime: Runtime, client: TestClient, reference: str
) -> None:
    with transaction(runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        runtime.workflow.request_info(
            session, application, request="पिछले तीन महीने की वेतन पर्ची भेजें", actor=ASSISTANT
        )
    asked = last_message_to_citizen(runtime)
    assert reference in asked and "वेतन पर्ची" in asked and "कार्यालय" in asked
    assert load(runtime, reference).status == ApplicationStatus.INFO_REQUESTED

    body = wp.encode(wp.inbound_webhook(USER, wp.text_message(USER, "मेरी मासिक आय 12000 रुपये है")))
    assert signed_post(client, body).status_code == 200
    drain(runtime)
    answered = load(runtime, reference)
    assert answered.status == ApplicationStatus.IN_PROGRESS
    assert answered.answers["info_replies"][0]["text"] == "मेरी मासिक आय 12000 रुपये है"
    assert "धन्यवाद" in last_message_to_citizen(runtime)


def test_maker_checker_and_decisions(runtime: Runtime, reference: str) -> None:
    verifier = Actor(
        "officer", "verifier", id=None, role=Role.VERIFYING_OFFICER, department="revenue"
    )
    with transaction(runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        with pytest.raises(WorkflowError) as refused:
            runtime.workflow.approve(session, application, actor=verifier)
        assert refused.value.code == "not_permitted"
        application.verified_by = None
        with pytest.raises(WorkflowError) as unknown:
            runtime.workflow.reject(session, application, reason_code="because", actor=APPROVER)
        assert unknown.value.code == "unknown_reason"
        runtime.workflow.reject(
            session, application, reason_code="documents_mismatch", text="नाम अलग है", actor=APPROVER
        )
    rejected = load(runtime, reference)
    assert rejected.status == ApplicationStatus.REJECTED
    told = last_message_to_citizen(runtime)
    assert "दस्तावेज़ों से मेल नहीं" in told and "नाम अलग है" in told
    with transaction(runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        with pytest.raises(WorkflowError) as closed:
            runtime.workflow.approve(session, application, actor=APPROVER)
        assert closed.value.code == "closed"
        report = verify_chain(session)
        assert report.ok and report.rows >= 2
