"""Every message built for every service of the catalogue fits WhatsApp's limits, in Hindi and
English."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from harness import START, catalogue, check_whatsapp_limits, context, sample_catalogue, t

from sevadwar.catalogue.schema import DocumentSpec, FieldType, FormField, Service
from sevadwar.channels.base import Buttons, ListMenu, Text
from sevadwar.conversation import views
from sevadwar.conversation.context import Context

LANGUAGES = ["hi", "en"]
SERVICES = sorted(sample_catalogue().ids())


def _ctx() -> Context:
    return context(START, sample_catalogue())


def _service(service_id: str) -> Service:
    return sample_catalogue()[service_id]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("service_id", SERVICES)
def test_card_questions_documents_and_review_fit(service_id: str, language: str) -> None:
    ctx, service = _ctx(), _service(service_id)
    for message in views.service_card(ctx, language, service):
        check_whatsapp_limits(message)
    for number, spec in enumerate(service.fields, 1):
        question = views.question(ctx, language, spec, number, len(service.fields))
        check_whatsapp_limits(question)
        if spec.places:
            offered = views.question(ctx, language, spec, number, 1, suggested=spec.options[-1].id)
            check_whatsapp_limits(offered)
        if spec.type is FieldType.YES_NO:
            assert isinstance(question, Buttons)
        if spec.type is FieldType.CHOICE:
            assert isinstance(question, Buttons | ListMenu | Text)
            shown = question.body if isinstance(question, Text) else ""
            offered = [i for i in _ids(question) if i.startswith("opt:")]
            assert offered == [f"opt:{o.id}" for o in spec.options] or all(
                f"{n}. " in shown for n in range(1, len(spec.options) + 1)
            )
    for doc in service.documents:
        check_whatsapp_limits(views.document_request(ctx, language, doc))
        others = [d for d in service.documents if d.id != doc.id]
        if others:
            check_whatsapp_limits(views.reuse_choice(ctx, language, doc, others))
    answers = {f.id: _answer(f) for f in service.fields}
    documents = [(d, {"skipped": True}) for d in service.documents]
    for message in views.review(ctx, language, service, service.fields, answers, documents):
        check_whatsapp_limits(message)
    for page in range(4):
        check_whatsapp_limits(views.edit_list(ctx, language, service.fields, page))


def _answer(spec: FormField) -> Any:
    """A long but valid answer of the field's type (optional fields skipped)."""
    if not spec.required:
        return None
    values: dict[FieldType, Any] = {
        FieldType.DATE: "2020-01-31",
        FieldType.NUMBER: int(spec.max or spec.min or 1),
        FieldType.MONEY: int(spec.max or 99_99_999),
        FieldType.YES_NO: True,
        FieldType.MULTI_CHOICE: [o.id for o in spec.options],
        FieldType.CHOICE: spec.options[0].id if spec.options else None,
        FieldType.AADHAAR: {"enc": "v1:sealed", "masked": "XXXX-XXXX-2346"},
        FieldType.LOCATION: {"lat": 28.6, "lon": 77.2, "name": "Connaught Place"},
    }
    return values.get(spec.type, "क" * min(spec.max_length or 200, 200))


def _ids(message: object) -> list[str]:
    if isinstance(message, Buttons):
        return [b.id for b in message.buttons]
    if isinstance(message, ListMenu):
        return [r.id for s in message.sections for r in s.rows]
    return []


@pytest.mark.parametrize("language", LANGUAGES)
def test_menus_and_every_page_of_every_department_fit(language: str) -> None:
    ctx = _ctx()
    check_whatsapp_limits(views.main_menu(ctx, language))
    check_whatsapp_limits(views.language_choice(ctx, language))
    check_whatsapp_limits(views.consent_request(ctx, language))
    for page in range(3):
        check_whatsapp_limits(views.departments_list(ctx, language, page))
    for department in ctx.departments:
        for page in range(4):
            check_whatsapp_limits(views.services_list(ctx, language, department.id, page))
    check_whatsapp_limits(views.candidates_list(ctx, language, SERVICES))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("department", [d.department.id for d in catalogue().departments()])
def test_service_rows_of_a_page_can_be_told_apart(department: str, language: str) -> None:
    """Two rows clipped to the same 24 characters look alike; their descriptions must differ."""
    ctx = context(START)
    for page in range(3):
        menu = views.services_list(ctx, language, department, page)
        rows = [(r.title, r.description) for s in menu.sections for r in s.rows]
        assert len(set(rows)) == len(rows), rows


def test_a_long_list_is_cut_into_pages_of_nine_and_a_more_row() -> None:
    ctx = _ctx()
    fields = _service("test-every-field").fields
    assert len(fields) > 10
    first = views.edit_list(ctx, "en", fields, 0)
    rows = [r.id for s in first.sections for r in s.rows]
    assert rows == [f"edit:{f.id}" for f in fields[:9]] + ["editpage:1"]
    last = views.edit_list(ctx, "en", fields, 2)
    rows = [r.id for s in last.sections for r in s.rows]
    assert rows == [f"edit:{f.id}" for f in fields[18:]] + ["editpage:0"]


def test_clip_keeps_short_text_and_marks_a_cut() -> None:
    assert views.clip("Income certificate", 24) == "Income certificate"
    assert views.clip("  Income   certificate ", 24) == "Income certificate"
    clipped = views.clip("Marriage registration (Hindu Marriage Act)", 24)
    assert len(clipped) <= 24
    assert clipped.endswith("…")


def test_the_harness_clock_is_in_utc() -> None:
    assert START.tzinfo is not None
    assert START.utcoffset() == datetime(2026, 1, 1, tzinfo=START.tzinfo).utcoffset()


@pytest.mark.parametrize("language", ["hi", "en"])
@pytest.mark.parametrize(
    ("accept", "key"),
    [
        (["jpeg", "png"], "document_request_photo"),
        (["pdf"], "document_request_pdf"),
        (["pdf", "jpeg", "png"], "document_request"),
    ],
)
def test_a_document_is_asked_for_in_the_formats_it_accepts(
    language: str, accept: list[str], key: str
) -> None:
    doc = DocumentSpec.model_validate({"id": "photo", "label": {"en": "Photo"}, "accept": accept})
    body = views.document_request(_ctx(), language, doc).body  # type: ignore[union-attr]
    assert body.startswith(t(language, key, label="Photo"))


# Ways a label might say by itself that a document is optional; the card adds that itself.
OPTIONAL_QUALIFIERS = ("if you have it", "if any", "if available", "यदि उपलब्ध", "यदि हो", "पास हो")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_card_says_once_that_a_document_is_optional(language: str) -> None:
    ctx = _ctx()
    optional = t(language, "card_optional")
    for service_id in SERVICES:
        service = _service(service_id)
        card = views.documents_text(ctx, language, service)
        for doc in service.documents:
            label = doc.label.get(language)
            assert not any(q in label for q in OPTIONAL_QUALIFIERS), (service_id, label)
            if not doc.required:
                assert f"• {label} {optional}" in card.splitlines(), (service_id, card)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_list_of_options_is_headed_pick_one_not_a_clipped_question(language: str) -> None:
    spec = catalogue()["domicile"].field("housing")
    question = views.question(_ctx(), language, spec, 7, 12)
    assert isinstance(question, ListMenu)
    assert [s.title for s in question.sections] == [t(language, "options_section")]
    assert spec.label.get(language) in question.body


# What labels and hints used to add to the question's own "not required — tap Skip".
SAYS_OPTIONAL = ("(optional)", "(वैकल्पिक)", "You may skip this.", "चाहें तो छोड़ दीजिए", "चाहें तो छोड़ दें")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_optional_question_says_once_that_it_may_be_skipped(language: str) -> None:
    ctx, hint = _ctx(), t(language, "optional_hint")
    for service_id in SERVICES:
        for spec in _service(service_id).fields:
            if spec.required:
                continue
            question = views.question(ctx, language, spec, 1, 1)
            body = getattr(question, "body", "")
            assert body.count(hint) == 1, (service_id, spec.id)
            said = spec.label.get(language) + (spec.help.get(language) if spec.help else "")
            assert not any(q in said for q in SAYS_OPTIONAL), (
                service_id,
                spec.id,
            )
