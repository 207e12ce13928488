"""Applications to decide, made through the real submit action (shared with tests/api)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State, Step
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

AADHAAR = "234567890124"  # valid Verhoeff check digit; must never appear in clear anywhere
AADHAAR_MASKED = "XXXX-XXXX-0124"
INCOME_ANSWERS: dict[str, Any] = {
    "applicant_name": "रमेश कुमार",
    "father_name": "सुरेश कुमार",
    "gender": "male",
    "date_of_birth": "1990-08-15",
    "occupation": "farming",
    "family_members": 4,
    "family_annual_income": 180000,
    "housing": "own",
    "address": "मकान नं. 12, गली नं. 3, संत नगर, बुराड़ी",
    "pincode": "110084",
    "district": "north",
    "mobile": "+919876543210",
}


def income_answers(runtime: Runtime, **extra: Any) -> dict[str, Any]:
    aadhaar = {"enc": runtime.cipher.encrypt(AADHAAR), "masked": AADHAAR_MASKED}
    return {**INCOME_ANSWERS, "aadhaar": aadhaar, **extra}


def submit(
    runtime: Runtime,
    service_id: str = "income",
    *,
    answers: dict[str, Any] | None = None,
    citizen: str = "IN.1000000000000000001",
    language: str = "hi",
    fee_paise: int = 0,
) -> str:
    """A submitted application of a consented citizen on WhatsApp; returns its reference."""
    with transaction(runtime.sessions) as session:
        if session.get(Conversation, citizen) is None:
            state = State(step=Step.MENU, language=language, consented=True)
            session.add(
                Conversation(
                    citizen_key=citizen,
                    channel="whatsapp",
                    wa_id="9198100" + citizen[-5:],
                    user_id=citizen,
                    state=state.dump(),
                )
            )
        application = do_submit_application(
            session,
            runtime.catalogue[service_id],
            citizen_key=citizen,
            channel="whatsapp",
            language=language,
            answers=answers if answers is not None else income_answers(runtime),
            documents={},
            fee_paise=fee_paise,
            now=runtime.clock(),
        )
        return application.reference


def load(session: Session, reference: str) -> Application:
    return session.scalars(select(Application).where(Application.reference == reference)).one()
