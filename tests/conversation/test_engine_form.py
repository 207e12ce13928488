"""The form: one question at a time, a re-ask that says what is wrong, conditions, documents, the
review with edits, submit and cancel. Driven on the sample service (one field of every type)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from harness import (
    AADHAAR,
    AADHAAR_BAD,
    CIPHER,
    SAMPLE,
    SAMPLE_ANSWERS,
    Chat,
    catalogue,
    sample_catalogue,
    sample_service,
    t,
)

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.channels.base import Button, Buttons, ListMenu, MessageKind, Text
from sevadwar.conversation.effects import FunnelStep, SubmitApplication
from sevadwar.conversation.state import Step

LANGUAGES = ["hi", "en"]


def form(language: str = "en") -> Chat:
    return Chat(catalogue=sample_catalogue()).onboard(language).apply(SAMPLE)


def at(field_id: str, language: str = "en", **answers: str) -> Chat:
    return form(language).answer_until(field_id, **answers)


DOMICILE = {  # a whole domicile form, answered in Hindi
    "applicant_name": "सुनीता देवी",
    "father_name": "राम प्रसाद",
    "mother_name": "कमला देवी",
    "gender": "tap:opt:female",
    "date_of_birth": "15/08/1995",
    "years_in_delhi": "10",
    "housing": "tap:opt:rented",
    "address": "मकान 45, गली 3, संगम विहार",
    "pincode": "110080",
    "district": "tap:opt:south",
    "aadhaar": "tap:skip",
    "alternate_mobile": "tap:skip",
}


def domicile(until: str | None, language: str = "hi", **changes: str) -> Chat:
    """A citizen applying for a domicile certificate, answered up to ``until``."""
    chat = Chat().onboard(language).apply("domicile")
    return chat.answer_until(until, **{**DOMICILE, **changes})


def label(field_id: str, language: str) -> str:
    return sample_service().field(field_id).label.get(language)


def doc_label(doc_id: str, language: str = "en") -> str:
    return sample_service().document(doc_id).label.get(language)


# ---------------------------------------------------------------------------------- asking


@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_come_one_at_a_time_with_progress(language: str) -> None:
    chat = form(language)
    total = len([f for f in sample_service().fields if f.when is None])
    assert chat.text.startswith(t(language, "start_form", count=total))
    assert chat.replies[-1].body == f"(1/{total}) {label('full_name', language)}"  # type: ignore[union-attr]
    chat.send("Ramesh Kumar")
    assert chat.state.answers == {"full_name": "Ramesh Kumar"}
    assert chat.text == f"(2/{total}) {label('birth_date', language)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shape_of_each_question(language: str) -> None:
    chat = at("gender", language)
    assert isinstance(chat.replies[-1], Buttons)
    assert chat.ids == ["opt:male", "opt:female", "opt:other"]
    chat.answer("tap:opt:male")
    chat.answer("tap:opt:none")
    assert chat.state.current == "district"  # five options: a list
    assert isinstance(chat.replies[-1], ListMenu)
    assert chat.ids == ["opt:central", "opt:east", "opt:north", "opt:south", "opt:west"]
    chat.answer("tap:opt:east")
    assert chat.state.current == "benefits"  # several may be chosen: numbered text
    assert isinstance(chat.replies[-1], Text)
    assert "1. " + sample_service().field("benefits").options[0].label.get(language) in chat.text
    chat.answer("1")
    assert chat.ids == ["yes", "no"]
    assert chat.choices == {t(language, "yes_label"): "yes", t(language, "no_label"): "no"}
    chat.answer_until("mobile")
    assert t(language, "optional_hint") in chat.text
    assert chat.choices == {t(language, "skip"): "skip"}


# ---------------------------------------------------------------------- re-ask what is wrong

REASKS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("full_name", "Ramesh123", "error_name", {}),
    ("full_name", "R", "error_text_short", {"min": 2}),
    ("birth_date", "pata nahi", "error_date", {}),
    ("birth_date", "31/02/2024", "error_date", {}),
    ("birth_date", "12/03/2027", "error_date_late", {"date": "20/11/2026"}),
    ("birth_date", "१२ मार्च २०२७", "error_date_late", {"date": "20/11/2026"}),
    ("gender", "7", "error_choice", {}),
    ("gender", "banana", "error_choice", {}),
    ("district", "mumbai", "error_choice", {}),
    ("benefits", "1, 9", "error_multi_choice", {}),
    ("married", "maybe", "error_yes_no", {}),
    ("members", "bahut", "error_number", {}),
    ("members", "0", "error_number_min", {"min": 1}),
    ("members", "२५", "error_number_max", {"max": 20}),
    ("income", "pata nahi", "error_money", {}),
    ("mobile", "12345", "error_phone", {}),
    ("email", "ramesh@example", "error_email", {}),
    ("pincode", "400001", "error_pincode_not_delhi", {"pin": "400001"}),
    ("pincode", "1100", "error_pincode", {}),
    ("aadhaar", AADHAAR_BAD, "error_aadhaar", {}),
    ("aadhaar", "1234", "error_aadhaar", {}),
    ("address", "Delhi", "error_address", {}),
    ("remarks", "ok", "error_text_short", {"min": 3}),
    ("full_name", "skip", "error_required", {}),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("field_id", "typed", "error", "params"), REASKS)
def test_a_wrong_answer_is_refused_with_the_reason_and_asked_again(
    language: str, field_id: str, typed: str, error: str, params: dict[str, Any]
) -> None:
    chat = at(field_id, language)
    before = dict(chat.state.answers)
    chat.send(typed)
    assert (chat.state.step, chat.state.current) == (Step.QUESTION, field_id)
    assert chat.state.answers == before
    assert chat.replies[0] == Text(t(language, error, **params))
    assert label(field_id, language) in chat.replies[1].body  # type: ignore[union-attr]
    assert len(chat.replies) == 2


@pytest.mark.parametrize(
    ("language", "typed"), [("hi", "20 हज़ार महीना"), ("en", "20k per month"), ("hi", "20000 pm")]
)
def test_a_monthly_income_for_the_yearly_question_is_converted_and_said(
    language: str, typed: str
) -> None:
    chat = Chat().onboard(language).apply("income")
    chat.answer_until(
        "family_annual_income",
        applicant_name="Ram Kumar Sharma",
        father_name="Shyam Lal Sharma",
        gender="tap:opt:male",
        date_of_birth="15/08/1992",
        occupation="tap:opt:labour",
        family_members="5",
    )
    chat.send(typed)
    assert chat.state.answers["family_annual_income"] == 240000
    assert chat.replies[0] == Text(
        t(language, "converted_per_year", said="₹20,000", value="₹2,40,000")
    )
    assert chat.state.current != "family_annual_income"  # and the next question follows


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_field_with_its_own_error_text_uses_it(language: str) -> None:
    chat = at("visit_date", language)
    own = sample_service().field("visit_date").error
    assert own is not None
    for typed in ("kal nahi", "19/11/2026", "01/02/2027"):
        chat.send(typed)
        assert chat.replies[0] == Text(own.get(language))
        assert chat.state.current == "visit_date"


@pytest.mark.parametrize(
    ("field_id", "typed", "stored"),
    [
        ("birth_date", "12-3-24", "2024-03-12"),
        ("birth_date", "१२ मार्च २०२४", "2024-03-12"),
        ("birth_date", "12 March 2024", "2024-03-12"),
        ("visit_date", "5/1/27", "2027-01-05"),
        ("gender", "2", "female"),
        ("gender", "२", "female"),
        ("gender", "महिला", "female"),
        ("gender", "Female", "female"),
        ("gender", "aurat", "female"),
        ("gender", "tap:opt:other", "other"),
        ("district", "2", "east"),
        ("district", "पूर्वी", "east"),
        ("district", "purvi", "east"),
        ("married", "हाँ", True),
        ("married", "haan", True),
        ("married", "ha", True),
        ("married", "y", True),
        ("married", "नहीं", False),
        ("married", "nahi", False),
        ("married", "n", False),
        ("married", "tap:no", False),
        ("members", "४", 4),
        ("income", "१,२०,०००", 120000),
        ("pincode", "११००९२", "110092"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_forgiving_answers(language: str, field_id: str, typed: str, stored: Any) -> None:
    chat = at(field_id, language)
    chat.answer(typed)
    assert chat.state.answers[field_id] == stored
    assert chat.state.current != field_id


def test_a_location_is_stored_as_coordinates() -> None:
    chat = at("place")
    chat.location(28.6139, 77.209, "India Gate")
    assert chat.state.answers["place"] == {"lat": 28.6139, "lon": 77.209, "name": "India Gate"}


def test_a_location_field_also_takes_a_typed_place() -> None:
    chat = at("place")
    chat.send("Near India Gate, New Delhi")
    assert chat.state.answers["place"] == "Near India Gate, New Delhi"


@pytest.mark.parametrize("how", ["tap:skip", "skip", "Skip", "छोड़ें", "chhodo", "नहीं है"])
def test_optional_questions_can_be_skipped(how: str) -> None:
    chat = at("mobile", "hi")
    chat.answer(how)
    assert chat.state.answers["mobile"] is None
    assert chat.state.current == "email"


def test_a_required_question_cannot_be_skipped_even_by_tap() -> None:
    chat = at("pincode")
    chat.send("Skip", reply_id="skip")
    assert chat.replies[0] == Text(t("en", "error_required"))
    assert chat.state.current == "pincode"
    assert "pincode" not in chat.state.answers


@pytest.mark.parametrize("kind", [MessageKind.IMAGE, MessageKind.DOCUMENT])
def test_a_file_sent_at_a_question_explains_documents_come_later(kind: MessageKind) -> None:
    chat = at("full_name", "hi")
    chat.media(kind, "image/jpeg")
    assert chat.replies[0] == Text(t("hi", "error_media_expected"))
    assert label("full_name", "hi") in chat.text
    assert chat.state.current == "full_name"
    assert chat.state.documents == {}


def test_a_voice_note_at_a_question_asks_to_type() -> None:
    chat = at("full_name")
    chat.media(MessageKind.AUDIO, "audio/ogg")
    assert chat.replies[0] == Text(t("en", "voice_unsupported"))
    assert chat.state.current == "full_name"


def test_a_reaction_changes_nothing_and_says_nothing() -> None:
    chat = at("members")
    before = chat.state
    chat.send("👍", kind=MessageKind.REACTION, reaction_to="wamid.1")
    assert chat.replies == []
    assert chat.state.replace(updated_at=None) == before.replace(updated_at=None)


# --------------------------------------------------------------------------------- conditions


def test_a_conditional_question_is_asked_only_when_it_applies() -> None:
    asked: list[str] = []
    chat = form()
    for _ in range(40):
        if chat.state.step is not Step.QUESTION:
            break
        current = chat.state.current or ""
        asked.append(current)
        given = {**SAMPLE_ANSWERS, "occupation": "tap:opt:none", "married": "nahi"}
        chat.answer(given[current])
    assert "employer" not in asked
    assert "spouse_name" not in asked
    assert {"employer", "spouse_name"}.isdisjoint(chat.state.answers)
    assert "marriage_proof" not in _documents_asked(chat)


def _documents_asked(chat: Chat) -> list[str]:
    asked = []
    for _ in range(10):
        if chat.state.step is not Step.DOCUMENT:
            break
        asked.append(chat.state.current or "")
        if chat.state.current == "extra_proof":
            chat.send("", reply_id="skip")
        elif chat.state.current == "id_proof":
            chat.pdf()
        else:
            chat.photo()
    return asked


def test_conditional_questions_and_documents_asked_when_they_apply() -> None:
    chat = at("employer", occupation="tap:opt:salaried")
    chat.answer_until("spouse_name", married="tap:yes")
    chat.answer_until(None)
    assert _documents_asked(chat) == ["id_proof", "photo", "marriage_proof", "extra_proof"]


def test_the_progress_total_counts_conditional_questions_once_they_apply() -> None:
    chat = at("occupation")
    base = len([f for f in sample_service().fields if f.when is None])
    chat.answer("tap:opt:salaried")
    assert chat.text.startswith(f"(6/{base + 1}) ")


# ----------------------------------------------------------------------------------- back


@pytest.mark.parametrize("word", ["back", "पीछे", "peeche", "wapas"])
def test_back_asks_the_previous_question_again(word: str) -> None:
    chat = at("visit_date", "hi")
    chat.send(word)
    assert chat.state.current == "birth_date"
    assert "birth_date" not in chat.state.answers
    assert chat.state.answers == {"full_name": "Ramesh Kumar"}
    assert label("birth_date", "hi") in chat.text


def test_back_at_the_first_question_says_so() -> None:
    chat = form("hi")
    chat.send("पीछे")
    assert chat.replies[0] == Text(t("hi", "back_nothing"))
    assert chat.state.current == "full_name"


def test_back_skips_questions_that_do_not_apply() -> None:
    chat = at("district", occupation="tap:opt:none")
    chat.send("back")
    assert chat.state.current == "occupation"


# ------------------------------------------------------------------------------- documents


def at_documents(language: str = "en", **answers: str) -> Chat:
    chat = form(language).answer_until(None, **answers)
    assert (chat.state.step, chat.state.current) == (Step.DOCUMENT, "id_proof")
    return chat


@pytest.mark.parametrize("language", LANGUAGES)
def test_documents_are_asked_by_name_with_the_accepted_types(language: str) -> None:
    chat = at_documents(language)
    assert t(language, "document_request_pdf", label=doc_label("id_proof", language)) in chat.text
    assert t(language, "document_types", types="PDF", size="5") in chat.text
    assert FunnelStep("form_completed", SAMPLE) in chat.effects


def test_a_document_is_received_and_the_next_asked() -> None:
    chat = at_documents()
    chat.pdf()
    assert chat.replies[0] == Text(t("en", "document_received", label=doc_label("id_proof")))
    assert chat.state.current == "photo"
    stored = chat.state.documents["id_proof"]
    assert stored["mime"] == "application/pdf"
    assert stored["media_id"].startswith("media-")


@pytest.mark.parametrize("typed", ["hello", "yes", "Ramesh Kumar", "मेरे पास नहीं"])
def test_text_at_a_document_step_asks_for_the_file(typed: str) -> None:
    chat = at_documents("hi")
    chat.send(typed)
    assert chat.replies == [Text(t("hi", "document_expected", label=doc_label("id_proof", "hi")))]
    assert chat.state.current == "id_proof"
    assert chat.state.documents == {}


def test_a_file_of_the_wrong_declared_type_is_refused() -> None:
    chat = at_documents()
    chat.photo("image/jpeg")  # the identity proof is PDF only
    assert chat.replies[0] == Text(
        t("en", "document_wrong_type", label=doc_label("id_proof"), types="PDF")
    )
    assert chat.state.current == "id_proof"
    chat.pdf()
    chat.pdf()  # the photo is JPEG or PNG only
    assert chat.replies[0] == Text(
        t("en", "document_wrong_type", label=doc_label("photo"), types="JPEG, PNG")
    )
    assert chat.state.current == "photo"


@pytest.mark.parametrize(
    "mime",
    ["image/png", "image/jpeg; charset=binary", "IMAGE/JPEG", "image/heic", "image/webp", ""],
)
def test_photos_in_common_phone_formats_are_taken(mime: str) -> None:
    chat = at_documents()
    chat.pdf()
    chat.photo(mime)
    assert "photo" in chat.state.documents
    assert chat.state.current == "marriage_proof"


def test_a_photo_with_a_caption_is_taken_as_the_document() -> None:
    chat = at_documents()
    chat.pdf()
    chat.photo(caption="my photo")
    assert "photo" in chat.state.documents


def test_a_required_document_cannot_be_skipped() -> None:
    chat = at_documents()
    chat.send("skip")
    assert chat.replies[0] == Text(t("en", "error_document_required"))
    assert chat.state.current == "id_proof"


@pytest.mark.parametrize("how", ["tap:skip", "skip", "छोड़ें"])
def test_an_optional_document_can_be_skipped(how: str) -> None:
    chat = at_documents()
    chat.pdf()
    chat.photo()
    chat.photo()
    assert chat.state.current == "extra_proof"
    assert chat.choices == {t("en", "skip"): "skip"}
    chat.answer(how)
    assert chat.state.documents["extra_proof"] == {"skipped": True}
    assert chat.state.step is Step.REVIEW
    assert FunnelStep("documents", SAMPLE) in chat.effects


def test_back_from_a_document_asks_the_previous_one_again() -> None:
    chat = at_documents()
    chat.pdf()
    chat.send("back")
    assert chat.state.current == "id_proof"
    assert chat.state.documents == {}


def test_back_from_the_first_document_returns_to_the_last_question() -> None:
    chat = at_documents()
    chat.send("पीछे")
    assert (chat.state.step, chat.state.current) == (Step.QUESTION, "remarks")
    assert "remarks" not in chat.state.answers


def test_a_voice_note_at_a_document_step_asks_again() -> None:
    chat = at_documents()
    chat.media(MessageKind.AUDIO, "audio/ogg")
    assert chat.replies[0] == Text(t("en", "voice_unsupported"))
    assert chat.state.current == "id_proof"


# ---------------------------------------------------------------------------------- review


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_review_shows_every_answer_with_aadhaar_masked(language: str) -> None:
    chat = Chat().to_review(language)
    summary, question = chat.replies[-2], chat.replies[-1]
    assert isinstance(summary, Text)
    assert summary.body.startswith(
        t(language, "review_title", service=sample_service().name.get(language))
    )
    for spec in sample_service().fields:
        assert spec.label.get(language) in summary.body
    assert "XXXX-XXXX-2346" in summary.body
    assert AADHAAR not in summary.body
    assert "2341 2341" not in summary.body
    assert "*Ramesh Kumar*" in summary.body
    assert "*12/03/1990*" in summary.body
    assert "India Gate (28.61390, 77.20900)" in summary.body
    assert t(language, "review_documents") in summary.body
    assert t(language, "review_fee", fee=t(language, "fee_free")) in summary.body
    assert isinstance(question, Buttons)
    assert [b.id for b in question.buttons] == ["review:submit", "review:edit", "review:cancel"]


def test_skipped_answers_show_as_not_given() -> None:
    chat = Chat().to_review("hi", mobile="skip", email="छोड़ें")
    assert chat.text.count(f"*{t('hi', 'skipped')}*") == 2


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("how", ["tap", "typed"])
def test_submit_sends_the_answers_and_documents_and_clears_the_draft(
    language: str, how: str
) -> None:
    chat = Chat().to_review(language)
    answers, documents = dict(chat.state.answers), dict(chat.state.documents)
    if how == "tap":
        chat.tap_id("review:submit")
    else:
        chat.send("haan" if language == "hi" else "yes")
    assert chat.of(SubmitApplication) == [SubmitApplication(SAMPLE, answers, documents, language)]
    assert (chat.state.step, chat.state.service, chat.state.answers, chat.state.documents) == (
        Step.MENU,
        None,
        {},
        {},
    )
    submitted = chat.effect(SubmitApplication)
    assert CIPHER.decrypt(submitted.answers["aadhaar"]["enc"]) == AADHAAR
    assert submitted.answers["income"] == 120000
    assert submitted.answers["benefits"] == ["pension", "scholarship"]


@pytest.mark.parametrize("how", ["tap:review:cancel", "रद्द", "cancel"])
def test_cancel_at_the_review_clears_the_draft(how: str) -> None:
    chat = Chat().to_review("hi")
    chat.answer(how)
    assert chat.replies == [Text(t("hi", "cancel_done"))]
    assert (chat.state.step, chat.state.service, chat.state.answers, chat.state.documents) == (
        Step.MENU,
        None,
        {},
        {},
    )
    assert not chat.of(SubmitApplication)


def test_no_at_the_review_offers_to_edit() -> None:
    chat = Chat().to_review("hi")
    chat.send("nahi")
    assert chat.state.step is Step.EDIT
    assert not chat.of(SubmitApplication)


def test_something_else_at_the_review_shows_it_again() -> None:
    chat = Chat().to_review()
    chat.send("hmm let me think about it")
    assert chat.state.step is Step.REVIEW
    assert chat.ids == ["review:submit", "review:edit", "review:cancel"]
    assert not chat.of(SubmitApplication)


# ------------------------------------------------------------------------------------ edit


def edit_rows(chat: Chat) -> list[str]:
    """Every row of the edit list, across its pages."""
    rows: list[str] = []
    for _ in range(5):
        rows += [i for i in chat.ids if i.startswith("edit:")]
        more = [i for i in chat.ids if i.startswith("editpage:")]
        if not more or more[0] == "editpage:0":
            break
        chat.tap_id(more[0])
    return rows


def test_the_edit_list_offers_every_answer_within_whatsapp_limits() -> None:
    chat = Chat().to_review()
    chat.tap_id("review:edit")
    assert chat.state.step is Step.EDIT
    assert len(chat.ids) <= 10
    applicable = [f"edit:{f.id}" for f in sample_service().fields]
    assert edit_rows(chat) == applicable


@pytest.mark.parametrize(
    ("field_id", "typed", "stored"),
    [
        ("members", "5", 5),
        ("full_name", "Suresh Kumar", "Suresh Kumar"),
        ("district", "tap:opt:north", "north"),
        ("remarks", "skip", None),
    ],
)
def test_editing_one_answer_by_tap_returns_to_the_review(
    field_id: str, typed: str, stored: Any
) -> None:
    chat = Chat().to_review()
    before = dict(chat.state.answers)
    chat.tap_id("review:edit")
    chat.send("", reply_id=f"edit:{field_id}")
    assert (chat.state.step, chat.state.current, chat.state.editing) == (
        Step.QUESTION,
        field_id,
        True,
    )
    assert label(field_id, "en") in chat.text
    chat.answer(typed)
    assert chat.state.step is Step.REVIEW
    assert chat.state.answers == {**before, field_id: stored}
    assert len(chat.state.documents) == 4


def test_editing_by_number() -> None:
    chat = Chat().to_review("hi")
    chat.tap_id("review:edit")
    chat.send("2")
    assert (chat.state.step, chat.state.current) == (Step.QUESTION, "birth_date")
    chat.send("१ जनवरी १९९१")
    assert chat.state.step is Step.REVIEW
    assert chat.state.answers["birth_date"] == "1991-01-01"


def test_editing_a_wrong_answer_is_refused_and_asked_again() -> None:
    chat = Chat().to_review()
    chat.tap_id("review:edit")
    chat.send("", reply_id="edit:pincode")
    chat.send("400001")
    assert chat.replies[0] == Text(t("en", "error_pincode_not_delhi", pin="400001"))
    assert (chat.state.step, chat.state.current, chat.state.answers["pincode"]) == (
        Step.QUESTION,
        "pincode",
        "110092",
    )


def test_back_while_editing_returns_to_the_review_unchanged() -> None:
    chat = Chat().to_review()
    before = dict(chat.state.answers)
    chat.tap_id("review:edit")
    chat.send("", reply_id="edit:members")
    chat.send("back")
    assert chat.state.step is Step.REVIEW
    assert chat.state.answers == before


def test_an_unknown_edit_choice_shows_the_list_again() -> None:
    chat = Chat().to_review()
    chat.tap_id("review:edit")
    chat.send("99")
    assert chat.state.step is Step.EDIT
    assert "edit:full_name" in chat.ids


def test_changing_an_answer_prunes_the_questions_and_documents_that_no_longer_apply() -> None:
    chat = Chat().to_review()
    assert {"spouse_name", "employer"} <= set(chat.state.answers)
    assert "marriage_proof" in chat.state.documents
    chat.tap_id("review:edit")
    chat.send("", reply_id="edit:married")
    chat.send("nahi")
    assert chat.state.step is Step.REVIEW
    assert "spouse_name" not in chat.state.answers
    assert "marriage_proof" not in chat.state.documents
    assert label("spouse_name", "en") not in chat.text
    chat.tap_id("review:edit")
    chat.send("", reply_id="edit:occupation")
    chat.send("", reply_id="opt:business")
    assert "employer" not in chat.state.answers
    assert chat.state.step is Step.REVIEW


def test_an_edit_that_makes_a_question_and_a_document_apply_asks_them_before_the_review() -> None:
    chat = Chat().to_review(married="tap:no")
    assert "marriage_proof" not in chat.state.documents
    chat.tap_id("review:edit")
    chat.send("", reply_id="edit:married")
    chat.send("haan")
    assert (chat.state.step, chat.state.current) == (Step.QUESTION, "spouse_name")
    chat.send("Sita Devi")
    assert (chat.state.step, chat.state.current) == (Step.DOCUMENT, "marriage_proof")
    chat.photo()
    assert chat.state.step is Step.REVIEW
    chat.tap_id("review:submit")
    submitted = chat.effect(SubmitApplication)
    assert submitted.answers["spouse_name"] == "Sita Devi"
    assert "marriage_proof" in submitted.documents


def test_back_from_the_review_asks_the_last_document_again() -> None:
    chat = Chat().to_review()
    chat.send("back")
    assert (chat.state.step, chat.state.current) == (Step.DOCUMENT, "extra_proof")
    assert "extra_proof" not in chat.state.documents


# ---------------------------------------------------------------------------------- Aadhaar


def test_aadhaar_is_never_kept_or_shown_in_clear() -> None:
    chat = Chat(catalogue=sample_catalogue()).onboard("en").apply(SAMPLE)
    seen_states: list[str] = []
    seen_replies: list[str] = []
    for _ in range(40):
        if chat.state.step is not Step.QUESTION:
            break
        chat.answer({**SAMPLE_ANSWERS, "aadhaar": AADHAAR}[chat.state.current or ""])
        seen_states.append(chat.dumped())
        seen_replies.append(chat.said)
    chat.send_documents()
    chat.tap_id("review:edit")
    chat.send("", reply_id="edit:aadhaar")
    chat.send("2341-2341-2346")
    seen_states.append(chat.dumped())
    seen_replies.append(chat.said)
    chat.tap_id("review:submit")
    seen_replies.append(chat.said)
    stored = chat.effect(SubmitApplication).answers["aadhaar"]
    assert set(stored) == {"enc", "masked"}
    everything = "\n".join(seen_states + seen_replies + [json.dumps(stored)])
    for form_of_it in (AADHAAR, "2341 2341 2346", "2341-2341-2346", "234123412346"[:8]):
        assert form_of_it not in everything


def test_a_wrong_aadhaar_is_not_kept() -> None:
    chat = at("aadhaar")
    chat.send(AADHAAR_BAD)
    assert AADHAAR_BAD not in chat.dumped()
    assert AADHAAR_BAD not in chat.said


@pytest.mark.parametrize(("language", "typed"), [("hi", "जन्म से"), ("en", "since birth")])
def test_since_birth_for_years_in_delhi_counts_from_the_date_of_birth(
    language: str, typed: str
) -> None:
    chat = domicile("years_in_delhi", language, date_of_birth="15 अगस्त 1995")
    chat.send(typed)
    years = chat.now.year - 1995 - ((chat.now.month, chat.now.day) < (8, 15))
    assert chat.state.answers["years_in_delhi"] == years
    assert chat.replies[0] == Text(t(language, "converted_since_birth", value=years))
    assert chat.state.current == "housing"


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("hi", "आधार नहीं है अभी"),
        ("hi", "aadhaar abhi nahi bana"),
        ("hi", "नहीं चाहिए"),
        ("hi", "नहीं"),
        ("en", "I don't have one"),
        ("en", "no"),
    ],
)
def test_saying_there_is_no_answer_to_an_optional_question_skips_it(
    language: str, typed: str
) -> None:
    chat = at("aadhaar", language)
    chat.send(typed)
    assert "aadhaar" in chat.state.answers and chat.state.answers["aadhaar"] is None
    assert chat.state.current != "aadhaar"
    assert t(language, "error_aadhaar") not in chat.said


def test_saying_there_is_no_answer_to_a_required_question_is_still_refused() -> None:
    chat = at("income", "hi")
    chat.send("पता नहीं")
    assert chat.state.current == "income"
    assert "income" not in chat.state.answers


# ------------------------------------------------------------------ a document already sent


def at_marriage_proof(language: str = "en") -> Chat:
    chat = form(language).answer_until(None, married="yes", spouse_name="Sita Devi")
    chat.pdf()
    chat.photo()
    assert chat.state.current == "marriage_proof"
    return chat


@pytest.mark.parametrize(("language", "typed"), [("hi", "वही जो पहले भेजा"), ("en", "same")])
def test_the_same_file_can_count_for_another_document(language: str, typed: str) -> None:
    chat = at_marriage_proof(language)
    chat.send(typed)
    assert chat.ids == ["reuse:id_proof", "reuse:photo"]  # both fit a marriage certificate
    assert chat.state.current == "marriage_proof"
    chat.tap_id("reuse:id_proof")
    label, earlier = doc_label("marriage_proof", language), doc_label("id_proof", language)
    assert chat.replies[0] == Text(t(language, "document_reused", earlier=earlier, label=label))
    assert chat.state.documents["marriage_proof"] == chat.state.documents["id_proof"]
    assert chat.state.current == "extra_proof"


def test_one_fitting_file_already_sent_is_used_at_once() -> None:
    chat = domicile(None)
    chat.photo()
    assert chat.state.current == "identity_proof"
    chat.send("वही")
    assert chat.state.documents["identity_proof"] == chat.state.documents["photo"]
    assert chat.state.current == "dob_proof"


def test_no_file_already_sent_fits_and_it_says_which_types_do() -> None:
    chat = at_documents()
    chat.pdf()
    chat.send("same as before")  # the photo is JPEG or PNG only; the identity proof was a PDF
    label = doc_label("photo")
    assert chat.replies == [Text(t("en", "document_reuse_none", label=label, types="JPEG, PNG"))]
    assert chat.state.current == "photo"
    assert "photo" not in chat.state.documents


def test_text_at_a_later_document_step_mentions_that_a_sent_file_can_count() -> None:
    chat = at_marriage_proof("hi")
    chat.send("हाँ")
    label = doc_label("marriage_proof", "hi")
    assert chat.replies == [
        Text(t("hi", "document_expected", label=label)),
        Text(t("hi", "document_same_hint")),
    ]


def test_a_name_given_in_a_sentence_is_stored_alone() -> None:
    chat = domicile(
        "gender",
        applicant_name="मेरा नाम सुनीता देवी है",
        father_name="पापा का नाम राम प्रसाद",
        mother_name="माँ - कमला देवी",
    )
    answers = chat.state.answers
    assert (answers["applicant_name"], answers["father_name"], answers["mother_name"]) == (
        "सुनीता देवी",
        "राम प्रसाद",
        "कमला देवी",
    )


@pytest.mark.parametrize("typed", ["बच्चे का नाम अभी नहीं रखा", "not decided yet", "abhi tay nahi"])
def test_a_child_not_named_yet_skips_the_optional_name(typed: str) -> None:
    chat = Chat().onboard("hi").apply("birth-certificate")
    chat.answer_until(
        "child_name",
        date_of_birth="10/11/2026",
        sex="tap:opt:female",
    )
    chat.send(typed)
    assert chat.state.answers["child_name"] is None
    assert chat.state.current != "child_name"


# ------------------------------------------------------------------ a card's two sides


@cache
def two_sided_catalogue() -> Catalogue:
    """The sample service with its marriage certificate asked as a card: front, then back."""
    sample, real = sample_service(), catalogue()
    documents = [
        d.model_copy(update={"sides": 2}) if d.id == "marriage_proof" else d
        for d in sample.documents
    ]
    two_sided = sample.model_copy(update={"documents": documents})
    return Catalogue([*real, two_sided], real.all_departments())


def at_card(language: str = "en") -> Chat:
    chat = Chat(catalogue=two_sided_catalogue()).onboard(language).apply(SAMPLE)
    chat.answer_until(None, married="yes", spouse_name="Sita Devi")
    chat.pdf()
    chat.photo()
    assert chat.state.current == "marriage_proof"
    return chat


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_two_sided_card_asks_for_its_back_after_a_photo_of_the_front(language: str) -> None:
    chat = at_card(language)
    chat.photo()
    label = doc_label("marriage_proof", language)
    assert chat.replies == [
        Buttons(
            body=t(language, "document_front_received", label=label)
            + "\n"
            + t(language, "document_back_request", label=label),
            buttons=(Button("sides:one", t(language, "document_both_in_one")),),
        )
    ]
    assert chat.state.current == "marriage_proof"
    front = chat.state.documents["marriage_proof"]
    chat.photo()
    assert chat.replies[0] == Text(t(language, "document_received", label=label))
    kept = chat.state.documents["marriage_proof"]
    assert kept["media_id"] == front["media_id"] and "awaiting_back" not in kept
    assert kept["back"]["media_id"] != front["media_id"]
    assert chat.state.current == "extra_proof"


def test_a_pdf_of_a_two_sided_card_is_taken_whole() -> None:
    chat = at_card()
    chat.pdf()
    assert "back" not in chat.state.documents["marriage_proof"]
    assert chat.state.current == "extra_proof"


def test_both_sides_in_one_photo_goes_on_without_a_back() -> None:
    chat = at_card("hi")
    chat.photo()
    chat.tap_id("sides:one")
    kept = chat.state.documents["marriage_proof"]
    assert "back" not in kept and "awaiting_back" not in kept
    assert chat.state.current == "extra_proof"


def test_back_while_the_back_side_is_awaited_asks_for_the_front_again() -> None:
    chat = at_card()
    chat.photo()
    chat.send("back")
    assert "marriage_proof" not in chat.state.documents
    assert chat.state.current == "marriage_proof"
    assert t("en", "document_request", label=doc_label("marriage_proof")) in chat.text


def test_the_back_side_is_part_of_the_submitted_application() -> None:
    chat = at_card()
    chat.photo()
    chat.photo()
    chat.tap_id("skip")  # the optional extra proof
    chat.tap_id("review:submit")
    submitted = chat.effect(SubmitApplication)
    assert "back" in submitted.documents["marriage_proof"]


def test_words_while_the_back_is_awaited_ask_for_the_back_again() -> None:
    chat = at_card("hi")
    chat.photo()
    front = chat.state.documents["marriage_proof"]
    chat.send("वही")  # not the earlier identity proof: this card's back is what is missing
    label = doc_label("marriage_proof", "hi")
    assert t("hi", "document_back_request", label=label) in chat.text
    assert chat.state.documents["marriage_proof"] == front
    chat.tap_id("sides:one")
    assert chat.replies[0] == Text(t("hi", "document_received", label=label))


def at_domicile_district(address: str, language: str = "hi") -> Chat:
    return domicile("district", language, address=address, pincode="110091")


@pytest.mark.parametrize(("language", "typed"), [("hi", "हाँ"), ("en", "yes"), ("hi", "tap")])
def test_the_district_named_by_the_address_is_offered_and_taken(language: str, typed: str) -> None:
    chat = at_domicile_district("मकान 22, गली 5, त्रिलोकपुरी", language)
    east = catalogue()["domicile"].field("district").options[1]
    assert east.id == "east"
    assert chat.ids == ["opt:east"]
    assert t(language, "suggested_option", option=east.label.get(language)) in chat.text
    if typed == "tap":
        chat.tap_id("opt:east")
    else:
        chat.send(typed)
    assert chat.state.answers["district"] == "east"


def test_another_district_can_still_be_chosen_by_number() -> None:
    chat = at_domicile_district("मकान 22, गली 5, त्रिलोकपुरी")
    chat.send("8")  # the eighth option: South
    assert chat.state.answers["district"] == "south"


def test_an_address_naming_no_place_offers_no_district() -> None:
    chat = at_domicile_district("मकान 22, गली 5, नई बस्ती")
    assert not chat.ids
    chat.send("हाँ")  # nothing was offered: a "yes" is no district
    assert "district" not in chat.state.answers


def test_going_back_to_a_reused_file_asks_again_for_where_it_was_reused() -> None:
    chat = at_marriage_proof()
    chat.send("same")
    chat.tap_id("reuse:id_proof")
    assert chat.state.current == "extra_proof"
    chat.send("back")  # to the marriage certificate: the identity proof keeps its file
    assert chat.state.current == "marriage_proof" and "id_proof" in chat.state.documents
    chat.send("back")  # the photo
    chat.send("back")  # the identity proof
    assert chat.state.current == "id_proof"
    assert "marriage_proof" not in chat.state.documents  # it was the identity proof's file
    chat.pdf()  # a new identity proof: the old file is replaced
    chat.photo()
    assert chat.state.current == "marriage_proof"
