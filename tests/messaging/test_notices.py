"""Status changes reach the citizen inside the 24-hour window as messages, outside it as templates."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Protocol

import pytest
from sqlalchemy import select

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor, citizen_messages
from sevadwar.catalogue.schema import Role
from sevadwar.channels.base import (
    DocumentMessage,
    TemplateMessage,
    Text,
    outbound_from_dict,
    outbound_to_dict,
)
from sevadwar.channels.whatsapp.render import Recipient, render
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State, Step
from sevadwar.messaging.models import OutboxMessage
from sevadwar.messaging.notices import templates
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction


class Clock(Protocol):
    def advance(self, **delta: float) -> None: ...


WA_ID = "919810012345"
USER_ID = "IN.42424242424242424242"
VERIFIER = Actor("officer", "verifier", id=None, role=Role.VERIFYING_OFFICER, department="revenue")
APPROVER = Actor("officer", "sdm", id=None, role=Role.APPROVING_OFFICER, department="revenue")


def submit(runtime: Runtime, *, channel: str = "whatsapp", last_inbound_hours: float) -> str:
    """An income application of a Hindi-speaking citizen who last wrote some hours ago."""
    with transaction(runtime.sessions) as session:
        session.add(
            Conversation(
                citizen_key=USER_ID,
                channel=channel,
                wa_id=WA_ID,
                user_id=USER_ID,
                state=State(step=Step.MENU, language="hi", consented=True).dump(),
                last_inbound_at=runtime.clock() - timedelta(hours=last_inbound_hours),
            )
        )
        application = do_submit_application(
            session,
            runtime.catalogue["income"],
            citizen_key=USER_ID,
            channel=channel,
            language="hi",
            answers={"applicant_name": "आशा देवी"},
            documents={},
            fee_paise=0,
            now=runtime.clock(),
        )
        return application.reference


def act(runtime: Runtime, reference: str, action: str, **kwargs: object) -> None:
    with transaction(runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        getattr(runtime.workflow, action)(session, application, **kwargs)


def payloads(runtime: Runtime, reference: str) -> list[dict[str, object]]:
    with transaction(runtime.sessions) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.cause == f"application:{reference}")
            .order_by(OutboxMessage.id)
        ).all()
        return [dict(row.payload) for row in rows]


def test_every_template_is_complete_in_both_languages() -> None:
    found = templates()
    assert {"info_requested", "field_verification", "approved", "rejected"} <= set(found)
    assert {"ticket_reply", "ticket_closed", "certificate_issued", "certificate_revoked"} <= set(
        found
    )
    names = [t.name for t in found.values()]
    assert len(names) == len(set(names))  # one registration per template
    for template in found.values():
        assert re.fullmatch(r"[a-z0-9_]{1,512}", template.name), template.name  # Meta's rule
        for language in ("en", "hi"):
            body = template.body[language]
            numbers = sorted({int(n) for n in re.findall(r"\{\{(\d+)\}\}", body)})
            assert numbers == list(range(1, len(template.params) + 1)), (template.key, language)
            assert len(body) <= 1024
        assert re.search(r"[\u0900-\u097F]", template.body["hi"])  # written in Devanagari
    for key in ("info_requested", "field_verification", "approved", "rejected"):
        assert key in citizen_messages()  # each template stands in for a real chat message


def test_a_template_refuses_missing_values() -> None:
    with pytest.raises(ValueError, match="reason"):
        templates()["rejected"].message("hi", {"reference": "DL-2222-3333", "service": "x"})


def test_inside_the_window_the_message_goes_with_its_template_as_fallback(
    runtime: Runtime,
) -> None:
    reference = submit(runtime, last_inbound_hours=2)
    act(runtime, reference, "request_info", request="पिछले साल का आय प्रमाण", actor=VERIFIER)
    [message] = payloads(runtime, reference)[-1:]
    assert message["kind"] == "text"
    assert "पिछले साल का आय प्रमाण" in str(message["body"])
    fallback = outbound_from_dict(message)
    assert isinstance(fallback, Text) and isinstance(fallback.fallback, TemplateMessage)
    assert fallback.fallback.name == "application_info_requested"
    assert fallback.fallback.language == "hi"
    assert fallback.fallback.body_params[0] == reference
    assert fallback.fallback.body_params[2] == "पिछले साल का आय प्रमाण"


def test_outside_the_window_a_decision_goes_as_its_template_in_the_citizens_language(
    runtime: Runtime, clock: Clock
) -> None:
    reference = submit(runtime, last_inbound_hours=1)
    clock.advance(days=3)  # the office decides three days later: the window has closed
    act(runtime, reference, "reject", reason_code="documents_mismatch", actor=APPROVER)
    [message] = payloads(runtime, reference)[-1:]
    assert message["kind"] == "template"
    assert message["name"] == "application_rejected"
    assert message["language"] == "hi"
    params = list(message["body_params"])  # type: ignore[call-overload]
    assert params[0] == reference
    assert params[1] == runtime.catalogue["income"].name.get("hi")
    assert params[2]  # the reason, in Hindi
    [rendered] = render(outbound_from_dict(message), Recipient(wa_id=WA_ID))
    components = rendered["template"]["components"]
    assert components[0]["parameters"][0]["text"] == reference


def test_an_unknown_last_message_tries_the_message_first(runtime: Runtime) -> None:
    reference = submit(runtime, last_inbound_hours=1)
    with transaction(runtime.sessions) as session:
        session.get(Conversation, USER_ID).last_inbound_at = None  # type: ignore[union-attr]
    act(runtime, reference, "request_info", request="Ration card", actor=VERIFIER)
    assert payloads(runtime, reference)[-1]["kind"] == "text"


def test_the_simulator_has_no_window(runtime: Runtime, clock: Clock) -> None:
    reference = submit(runtime, channel="simulator", last_inbound_hours=1)
    clock.advance(days=5)
    act(runtime, reference, "request_info", request="Ration card", actor=VERIFIER)
    assert payloads(runtime, reference)[-1]["kind"] == "text"


def test_a_certificate_template_carries_the_signed_pdf_in_its_header() -> None:
    document = DocumentMessage(
        filename="income-DL1.pdf", link="https://seva.example/files/abc", caption="आय प्रमाण पत्र"
    )
    values = {"title": "आय प्रमाण पत्र", "number": "DL1", "verify_url": "https://x/verify/DL1"}
    template = templates()["certificate_issued"].message("hi", values, document=document)
    message = Text("तैयार है", fallback=template)
    again = outbound_from_dict(outbound_to_dict(message))
    assert again == message
    assert "fallback" not in outbound_to_dict(Text("plain"))  # no noise on ordinary messages
    [body] = render(template, Recipient(wa_id=WA_ID))
    header, body_component = body["template"]["components"]
    assert header == {
        "type": "header",
        "parameters": [
            {
                "type": "document",
                "document": {
                    "link": "https://seva.example/files/abc",
                    "filename": "income-DL1.pdf",
                },
            }
        ],
    }
    assert [p["text"] for p in body_component["parameters"]] == list(values.values())


def test_the_templates_command_prints_what_meta_registers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sevadwar.cli import main

    assert main(["templates"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2 * len(templates())
    approved = {line["language"]: line for line in lines if line["name"] == "application_approved"}
    assert set(approved) == {"en", "hi"}
    body = approved["hi"]["components"][-1]
    assert body["type"] == "BODY" and "{{1}}" in body["text"]
    assert len(body["example"]["body_text"][0]) == 2  # Meta wants an example per parameter
    certificate = next(line for line in lines if line["name"] == "certificate_issued")
    assert certificate["components"][0] == {"type": "HEADER", "format": "DOCUMENT"}
    assert all(line["category"] == "UTILITY" for line in lines)
