"""Every service of the catalogue can be applied for from start to submit, in Hindi and English.

A citizen who answers each question sensibly (the example the question's help gives, when it has
one; the first or the last option of a choice) and sends each document gets to a
SubmitApplication with every required answer, and every message on the way fits WhatsApp's
limits.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from harness import AADHAAR_SPACED, CIPHER, START, Chat, catalogue, check_whatsapp_limits, t

from sevadwar.catalogue.schema import FieldType, FormField, Service
from sevadwar.conversation.answers import read_answer, resolve_date_bound
from sevadwar.conversation.context import IST
from sevadwar.conversation.effects import Reply, SubmitApplication
from sevadwar.conversation.state import Step

TODAY = START.astimezone(IST).date()
_EXAMPLE = re.compile(r"e\.g\.\s+(.+?)\.?$")


def _date_answer(spec: FormField) -> str:
    low = resolve_date_bound(spec.min_date, TODAY) if spec.min_date else None
    high = resolve_date_bound(spec.max_date, TODAY) if spec.max_date else None
    if low is not None:
        chosen = low
    elif high is not None:
        chosen = min(high, TODAY) - timedelta(days=400)
    else:
        chosen = TODAY - timedelta(days=400)
    if high is not None and chosen > high:
        chosen = high
    return chosen.strftime("%d/%m/%Y")


def candidates(spec: FormField) -> list[str]:
    """Sensible answers a citizen might type, best first."""
    example = _EXAMPLE.search(spec.help.en) if spec.help else None
    found = [example.group(1)] if example else []
    low = int(spec.min) if spec.min is not None else 1
    by_type: dict[FieldType, list[str]] = {
        FieldType.NAME: ["Ramesh Kumar"],
        FieldType.DATE: [_date_answer(spec)],
        FieldType.NUMBER: [str(max(low, 1)), str(low)],
        FieldType.MONEY: [str(max(low, 50000)), str(low)],
        FieldType.PHONE: ["9876543210"],
        FieldType.EMAIL: ["ramesh@example.com"],
        FieldType.PINCODE: ["110092"],
        FieldType.AADHAAR: [AADHAAR_SPACED],
        FieldType.ADDRESS: ["House 12, Gali 3, Laxmi Nagar, Delhi"],
        FieldType.LOCATION: ["Near India Gate, New Delhi"],
        FieldType.MULTI_CHOICE: ["1"],
        FieldType.TEXT: ["Shop No 4, Main Market", "1234567890", "AB12CD34EF56GH7", "Some details"],
    }
    return found + by_type.get(spec.type, [])


def answer_for(spec: FormField, language: str) -> str:
    for text in candidates(spec):
        answer = read_answer(
            spec, text, reply_id=None, language=language, today=TODAY, encrypt=CIPHER.encrypt
        )
        if answer.ok:
            return text
    raise AssertionError(f"no sensible answer passes {spec.id!r}: tried {candidates(spec)}")


def walk(service: Service, language: str, *, first: bool = True) -> Chat:
    """Apply; ``first``: tap the first option and "yes", else the last option and "no"."""
    chat = Chat().onboard(language)
    chat.send("", reply_id=f"svc:{service.id}")
    chat.tap_id(f"apply:{service.id}")
    for _ in range(80):
        for effect in chat.effects:
            if isinstance(effect, Reply):
                check_whatsapp_limits(effect.message)
        state = chat.state
        if state.step is Step.QUESTION:
            spec = service.field(state.current or "")
            if spec.type is FieldType.CHOICE:
                option = spec.options[0 if first else -1]
                chat.send("", reply_id=f"opt:{option.id}")
            elif spec.type is FieldType.YES_NO:
                chat.send("", reply_id="yes" if first else "no")
            else:
                chat.send(answer_for(spec, language))
            assert chat.state.current != spec.id or chat.state.step is not Step.QUESTION, (
                spec.id,
                chat.text,
            )
        elif state.step is Step.DOCUMENT:
            doc = service.document(state.current or "")
            if "pdf" in doc.accept:
                chat.pdf()
            else:
                chat.photo("image/png")
        elif state.step is Step.REVIEW:
            chat.tap_id("review:submit")
            break
        else:
            raise AssertionError(f"unexpected {state.step} in {service.id}: {chat.text}")
    return chat


@pytest.mark.parametrize(("language", "first"), [("hi", True), ("en", False)])
@pytest.mark.parametrize("service_id", sorted(catalogue().ids()))
def test_every_service_can_be_applied_for(service_id: str, language: str, first: bool) -> None:
    service = catalogue()[service_id]
    chat = walk(service, language, first=first)
    submitted = chat.effect(SubmitApplication)
    assert (submitted.service_id, submitted.language) == (service_id, language)
    for spec in service.fields:
        applies = spec.when is None or spec.when.holds(submitted.answers)
        if applies and spec.required:
            assert submitted.answers.get(spec.id) is not None, spec.id
        if not applies:
            assert spec.id not in submitted.answers, spec.id
    for doc in service.documents:
        if doc.required and (doc.when is None or doc.when.holds(submitted.answers)):
            assert "media_id" in submitted.documents[doc.id], doc.id
    assert chat.state.step is Step.MENU
    assert chat.state.answers == {}


@pytest.mark.parametrize("language", ["hi", "en"])
def test_the_income_certificate_in_full(language: str) -> None:
    chat = walk(catalogue()["income"], language)
    answers = chat.effect(SubmitApplication).answers
    assert answers["applicant_name"] == "Ramesh Kumar"
    assert answers["pincode"].startswith("110")
    assert answers["aadhaar"]["masked"] == "XXXX-XXXX-2346"
    assert t(language, "review_submit") not in chat.text  # the review is gone once submitted
