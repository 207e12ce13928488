"""Commands at every step in both languages, reference numbers typed anywhere, coming back later,
stale drafts, grievances and erasure, and states from an older version of the bot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness import SAMPLE, Chat, catalogue, reference, sample_catalogue, t

from sevadwar.channels.base import Buttons, ListMenu, Text
from sevadwar.conversation.effects import (
    EraseData,
    MessageHelpdesk,
    OpenTicket,
    RecordConsent,
    ShowStatus,
    SubmitApplication,
)
from sevadwar.conversation.state import DRAFT_STEPS, VERSION, State, Step

# ----------------------------------------------------------------------- a chat at each step


def _menu(language: str) -> Chat:
    return Chat(catalogue=sample_catalogue()).onboard(language)


def _departments(language: str) -> Chat:
    chat = _menu(language)
    chat.tap_id("menu:apply")
    return chat


def _services(language: str) -> Chat:
    chat = _departments(language)
    chat.tap_id("dept:revenue")
    return chat


def _clarify(language: str) -> Chat:
    chat = _menu(language)
    chat.send("caste certificate")
    return chat


def _card(language: str) -> Chat:
    chat = _menu(language)
    chat.send("", reply_id="svc:income")
    return chat


def _question(language: str) -> Chat:
    return _menu(language).apply(SAMPLE).answer_until("gender")


def _document(language: str) -> Chat:
    return _menu(language).apply(SAMPLE).answer_until(None)


def _review(language: str) -> Chat:
    return Chat().to_review(language)


def _edit(language: str) -> Chat:
    chat = _review(language)
    chat.tap_id("review:edit")
    return chat


def _grievance(language: str) -> Chat:
    chat = _menu(language)
    chat.tap_id("menu:grievance")
    return chat


def _erase(language: str) -> Chat:
    chat = _menu(language)
    chat.send("delete my data")
    return chat


def _language(language: str) -> Chat:
    chat = _menu(language)
    chat.tap_id("menu:language")
    return chat


AT: dict[Step, Callable[[str], Chat]] = {
    Step.MENU: _menu,
    Step.DEPARTMENTS: _departments,
    Step.SERVICES: _services,
    Step.CLARIFY: _clarify,
    Step.CARD: _card,
    Step.QUESTION: _question,
    Step.DOCUMENT: _document,
    Step.REVIEW: _review,
    Step.EDIT: _edit,
    Step.GRIEVANCE: _grievance,
    Step.ERASE: _erase,
    Step.LANGUAGE: _language,
}
STEPS = list(AT)


@pytest.mark.parametrize("step", STEPS)
def test_each_starting_point_is_reached(step: Step) -> None:
    assert AT[step]("en").state.step is step


WORDS = {
    "menu": {"en": ["menu", "Menu", "main menu"], "hi": ["मेनू", "मुख्य मेनू", "shuru"]},
    "help": {"en": ["help", "?"], "hi": ["मदद", "madad", "सहायता"]},
    "back": {"en": ["back"], "hi": ["पीछे", "वापस"]},
    "cancel": {"en": ["cancel", "stop"], "hi": ["रद्द", "radd", "रद्द करें"]},
    "language": {"en": ["language", "change language"], "hi": ["भाषा", "bhasha"]},
    "status": {"en": ["status", "my applications"], "hi": ["स्थिति", "mere aavedan"]},
    "human": {"en": ["officer", "talk to officer"], "hi": ["अधिकारी", "adhikari"]},
}


def _cases(command: str) -> list[tuple[Step, str, str]]:
    return [
        (step, lang, word)
        for step in STEPS
        for lang in ("hi", "en")
        for word in WORDS[command][lang]
    ]


def _draft(chat: Chat) -> tuple[object, ...]:
    return (chat.state.service, dict(chat.state.answers), dict(chat.state.documents))


@pytest.mark.parametrize(("step", "language", "word"), _cases("menu"))
def test_menu_works_everywhere_and_keeps_the_draft(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    draft = _draft(chat)
    chat.send(word)
    assert chat.state.step is Step.MENU
    menu = chat.replies[-1]
    assert isinstance(menu, ListMenu)
    assert menu.body == t(language, "menu_body")
    if step in DRAFT_STEPS:
        assert _draft(chat) == draft


@pytest.mark.parametrize(("step", "language", "word"), _cases("help"))
def test_help_works_everywhere_and_asks_again(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    before = chat.state.replace(updated_at=None)
    chat.send(word)
    assert chat.replies[0] == Text(t(language, "help"))
    assert chat.state.replace(updated_at=None) == before
    if step in (Step.QUESTION, Step.DOCUMENT, Step.REVIEW):
        assert len(chat.replies) > 1  # the question is asked again


@pytest.mark.parametrize(("step", "language", "word"), _cases("status"))
def test_status_works_everywhere(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    before = chat.state.replace(updated_at=None)
    chat.send(word)
    assert chat.of(ShowStatus) == [ShowStatus()]
    assert chat.state.replace(updated_at=None) == before


@pytest.mark.parametrize(("step", "language", "word"), _cases("human"))
def test_officer_works_everywhere(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    draft = _draft(chat)
    chat.send(word)
    assert chat.of(OpenTicket) == [OpenTicket("human")]
    assert _draft(chat) == draft


@pytest.mark.parametrize(("step", "language", "word"), _cases("language"))
def test_language_works_everywhere(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    draft = _draft(chat)
    chat.send(word)
    assert chat.state.step is Step.LANGUAGE
    assert chat.ids == ["lang:hi", "lang:en"]
    assert _draft(chat) == draft


@pytest.mark.parametrize(("step", "language", "word"), _cases("cancel"))
def test_cancel_works_everywhere(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    chat.send(word)
    assert chat.replies  # never silent
    if step in DRAFT_STEPS:
        assert chat.replies == [Text(t(language, "cancel_done"))]
        assert (chat.state.step, chat.state.service, chat.state.answers, chat.state.documents) == (
            Step.MENU,
            None,
            {},
            {},
        )
    elif step in (Step.CLARIFY, Step.GRIEVANCE, Step.ERASE):
        assert chat.state.step is Step.MENU
    else:
        assert chat.replies[0] == Text(t(language, "cancel_nothing"))
    assert not chat.of(SubmitApplication)
    assert not chat.of(EraseData)
    assert not chat.of(OpenTicket)


BACK_TO = {
    Step.MENU: Step.MENU,
    Step.DEPARTMENTS: Step.MENU,
    Step.SERVICES: Step.DEPARTMENTS,
    Step.CLARIFY: Step.MENU,
    Step.CARD: Step.MENU,
    Step.QUESTION: Step.QUESTION,
    Step.DOCUMENT: Step.QUESTION,
    Step.REVIEW: Step.DOCUMENT,
    Step.EDIT: Step.DOCUMENT,
    Step.GRIEVANCE: Step.MENU,
    Step.ERASE: Step.MENU,
}


@pytest.mark.parametrize(
    ("step", "language", "word"), [c for c in _cases("back") if c[0] in BACK_TO]
)
def test_back_works_everywhere(step: Step, language: str, word: str) -> None:
    chat = AT[step](language)
    chat.send(word)
    assert chat.state.step is BACK_TO[step]
    assert chat.replies


def test_back_at_the_menu_says_there_is_nothing_before() -> None:
    chat = _menu("hi")
    chat.send("पीछे")
    assert chat.replies[0] == Text(t("hi", "back_nothing"))


# ----------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("typed", "language"), [("hindi", "hi"), ("हिंदी", "hi"), ("english", "en"), ("angrezi", "en")]
)
def test_naming_a_language_switches_at_once_and_asks_again(typed: str, language: str) -> None:
    chat = _question("en" if language == "hi" else "hi")
    chat.send(typed)
    assert chat.state.language == language
    assert chat.state.step is Step.QUESTION
    assert chat.replies[0] == Text(t(language, "language_set"))
    assert chat.state.current == "gender"
    assert chat.ids == ["opt:male", "opt:female", "opt:other"]


def test_choosing_a_language_in_the_middle_of_a_form_goes_back_to_the_form() -> None:
    chat = _question("en")
    answers = dict(chat.state.answers)
    chat.send("भाषा")
    chat.tap_id("lang:hi")
    assert chat.state.language == "hi"
    assert (chat.state.step, chat.state.current) == (Step.QUESTION, "gender")
    assert chat.state.answers == answers
    assert "आपका लिंग?" in chat.text


def test_the_language_question_takes_commands_too() -> None:
    chat = _language("en")
    chat.send("menu")
    assert chat.state.step is Step.MENU
    chat.tap_id("menu:language")
    chat.send("what?")
    assert chat.state.step is Step.LANGUAGE
    assert chat.ids == ["lang:hi", "lang:en"]


def test_the_language_is_remembered() -> None:
    chat = _menu("hi")
    chat.later(days=40)
    chat.send("income certificate")
    assert chat.state.language == "hi"
    assert "आय प्रमाण पत्र" in chat.text


# ------------------------------------------------------------------------- reference numbers

REF = reference("7KQMX4R")


# At the complaint step a reference belongs to the complaint (see below).
@pytest.mark.parametrize("step", [s for s in STEPS if s is not Step.GRIEVANCE])
@pytest.mark.parametrize(
    "typed",
    [REF, REF.lower(), REF.replace("-", ""), REF.replace("-", "").lower(), REF.replace("-", " ")],
)
def test_a_reference_typed_anywhere_shows_that_application(step: Step, typed: str) -> None:
    chat = AT[step]("en")
    draft = _draft(chat)
    chat.send(typed)
    assert chat.of(ShowStatus) == [ShowStatus(REF)]
    assert _draft(chat) == draft


def test_a_reference_at_the_consent_question_is_shown_and_consent_still_awaited() -> None:
    chat = Chat()
    chat.send("hi")
    chat.tap_id("lang:en")
    chat.send(REF.lower())
    assert chat.of(ShowStatus) == [ShowStatus(REF)]
    assert chat.state.step is Step.CONSENT
    assert not chat.of(RecordConsent)


def test_a_reference_inside_a_sentence_is_found() -> None:
    chat = _menu("hi")
    chat.send(f"mera aavedan {REF.lower()} kahan tak pahuncha?")
    assert chat.of(ShowStatus) == [ShowStatus(REF)]


def test_a_reference_with_a_wrong_check_character_is_not_looked_up() -> None:
    wrong = REF[:-1] + ("A" if REF[-1] != "A" else "B")
    chat = _menu("en")
    chat.send(wrong)
    assert ShowStatus(wrong) not in chat.effects


def test_a_reference_in_the_first_message_is_shown_after_onboarding() -> None:
    chat = Chat()
    chat.send(f"status of {REF}")
    chat.tap_id("lang:en")
    chat.tap_id("consent:yes")
    assert ShowStatus(REF) in chat.effects


# ------------------------------------------------------------------------ leaving and coming back


@pytest.mark.parametrize("days", [1, 3, 29])
def test_coming_back_days_later_continues_the_draft(days: int) -> None:
    chat = _question("hi")
    answers = dict(chat.state.answers)
    chat.later(days=days)
    chat.send("", reply_id="opt:male")
    assert chat.state.answers == {**answers, "gender": "male"}
    assert chat.state.current == "occupation"


@pytest.mark.parametrize("greeting", ["hi", "namaste", "नमस्ते", "hello"])
def test_a_greeting_days_later_reminds_where_the_form_was(greeting: str) -> None:
    chat = _menu("en").apply(SAMPLE)
    chat.later(days=2)
    chat.send(greeting)
    assert "full_name" not in chat.state.answers
    assert chat.state.current == "full_name"
    assert chat.replies[0] == Text(t("en", "draft_resume", service="Every field test"))
    assert "What is your full name?" in chat.text


@pytest.mark.parametrize("step", [Step.QUESTION, Step.DOCUMENT, Step.REVIEW, Step.EDIT])
def test_a_draft_older_than_the_ttl_expires_with_a_message(step: Step) -> None:
    chat = AT[step]("hi")
    chat.later(days=31)
    chat.send("namaste")
    expired = t("hi", "draft_expired", service="हर फ़ील्ड की जाँच", days=30)
    assert chat.replies[0] == Text(expired)
    assert (chat.state.service, chat.state.answers, chat.state.documents) == (None, {}, {})
    assert chat.state.step not in DRAFT_STEPS
    assert (chat.state.consented, chat.state.language) == (True, "hi")


def test_a_draft_just_within_the_ttl_is_kept() -> None:
    chat = _question("en")
    chat.later(days=29, hours=23)
    chat.send("", reply_id="opt:other")
    assert chat.state.answers["gender"] == "other"


def test_after_expiry_the_message_is_still_understood() -> None:
    chat = _question("en")
    chat.later(days=45)
    chat.send("income certificate")
    assert chat.text.startswith(t("en", "draft_expired", service="Every field test", days=30))
    assert chat.state.step is Step.CARD
    assert "apply:income" in chat.ids


# --------------------------------------------------------------------- states from older bots


def _stored(chat: Chat) -> dict[str, object]:
    return chat.state.dump()


@pytest.mark.parametrize(
    "change",
    [
        {"v": VERSION + 1},
        {"v": 0},
        {"step": "payment_screen"},
        {"step": 42},
    ],
)
def test_an_unknown_stored_state_resumes_at_the_menu_with_a_note(change: dict[str, object]) -> None:
    old = _question("hi")
    chat = Chat(catalogue=sample_catalogue(), state=State.load({**_stored(old), **change}))
    assert (chat.state.step, chat.state.notice) == (Step.MENU, "upgraded")
    chat.send("income certificate")
    assert chat.replies[0] == Text(t("hi", "upgraded"))
    assert chat.state.step is Step.CARD
    assert chat.state.notice is None
    chat.send("menu")
    assert t("hi", "upgraded") not in chat.text  # said once


@pytest.mark.parametrize(
    "change",
    [
        {"service": "a-service-since-removed"},
        {"current": "a_question_since_removed"},
        {"step": "document", "current": "a_document_since_removed"},
        {"step": "review", "service": "a-service-since-removed"},
        {"step": "edit", "service": "a-service-since-removed"},
    ],
)
@pytest.mark.parametrize("message", ["Ramesh", "help", "back", "yes", "skip", "photo"])
def test_a_draft_whose_service_or_question_left_the_catalogue_resumes_safely(
    change: dict[str, object], message: str
) -> None:
    old = _question("en")
    chat = Chat(catalogue=sample_catalogue(), state=State.load({**_stored(old), **change}))
    if message == "photo":
        chat.photo()
    else:
        chat.send(message)
    assert chat.replies
    assert chat.state.step in (Step.MENU, Step.QUESTION, Step.DOCUMENT, Step.REVIEW)
    if chat.state.step is not Step.MENU:
        service = sample_catalogue()[chat.state.service or ""]
        assert chat.state.current is None or chat.state.current in (
            {f.id for f in service.fields} | {d.id for d in service.documents}
        )
    assert not chat.of(SubmitApplication)


# ---------------------------------------------------------------------- complaints and erasure


def test_a_complaint_is_taken_in_one_message() -> None:
    chat = _grievance("hi")
    assert chat.replies == [Text(t("hi", "grievance_ask"))]
    chat.send("SDM office mein koi phone nahi uthata")
    assert chat.of(OpenTicket) == [
        OpenTicket("grievance", "SDM office mein koi phone nahi uthata", ())
    ]
    assert chat.state.step is Step.MENU


def test_a_complaint_quoting_its_reference_is_a_complaint() -> None:
    chat = _grievance("en")
    text = f"My application {REF} is 20 days late and nobody answers"
    chat.send(text)
    assert chat.of(OpenTicket) == [OpenTicket("grievance", text, (REF,))]
    assert not chat.of(ShowStatus)


def test_a_complaint_in_a_long_first_sentence_is_taken_at_once() -> None:
    chat = _menu("en")
    text = "I want to complain about the SDM office, nobody answers my calls for weeks"
    chat.send(text)
    assert chat.of(OpenTicket) == [OpenTicket("grievance", text, ())]


def test_a_complaint_before_consent_is_not_kept() -> None:
    chat = Chat().onboard("en", consent=False)
    text = "I want to complain about the SDM office, nobody answers my calls for weeks"
    chat.send(text)
    assert chat.state.step is Step.CONSENT
    assert text not in chat.dumped()
    assert not chat.of(OpenTicket)
    chat.tap_id("consent:yes")
    assert chat.of(RecordConsent)
    assert chat.state.step is Step.GRIEVANCE  # asked again, now that it may be kept
    chat.send(text)
    assert chat.of(OpenTicket) == [OpenTicket("grievance", text, ())]


@pytest.mark.parametrize(
    ("answer", "erased"),
    [("tap:erase:yes", True), ("haan", True), ("tap:erase:no", False), ("नहीं", False)],
)
def test_erasure_is_confirmed_first(answer: str, erased: bool) -> None:
    chat = _erase("hi")
    assert chat.state.step is Step.ERASE
    question = chat.replies[-1]
    assert isinstance(question, Buttons)
    assert question.body == t("hi", "erase_confirm")
    chat.answer(answer)
    assert bool(chat.of(EraseData)) is erased
    if erased:
        assert chat.state == State(step=Step.NEW, updated_at=chat.state.updated_at)
    else:
        assert chat.replies == [Text(t("hi", "erase_cancelled"))]
        assert chat.state.consented


def test_after_erasure_the_next_message_starts_afresh() -> None:
    chat = _erase("en")
    chat.send("yes")
    chat.send("hi")
    assert chat.state.step is Step.LANGUAGE
    assert not chat.state.consented


def test_the_menu_rows_work() -> None:
    chat = _menu("en")
    chat.tap_id("menu:status")
    assert chat.of(ShowStatus) == [ShowStatus()]
    chat.send("menu")
    chat.tap_id("menu:human")
    assert chat.of(OpenTicket) == [OpenTicket("human")]
    chat.send("menu")
    chat.tap_id("menu:help")
    assert chat.replies[0] == Text(t("en", "help"))
    chat.send("menu")
    chat.tap_id("menu:language")
    assert chat.state.step is Step.LANGUAGE


def test_catalogue_is_the_real_one_by_default() -> None:
    assert "income" in catalogue()
    assert SAMPLE not in catalogue()


# ------------------------------------------------------------ talking to the helpdesk officer


def with_helpdesk(language: str = "en", ticket: int = 7) -> Chat:
    """A citizen whose texts go to an open request for a person (the service sets this when the
    request opens or an officer replies)."""
    chat = _menu(language)
    chat.state = chat.state.replace(helpdesk=ticket)
    return chat


@pytest.mark.parametrize(
    "typed", ["मेरा राशन कार्ड अभी तक नहीं बना", "DL-7KQM-X4R9", "officer?", "income certificate"]
)
def test_texts_go_to_the_helpdesk_officer_not_the_bot(typed: str) -> None:
    chat = with_helpdesk("hi")
    chat.send(typed)
    assert chat.of(MessageHelpdesk) == [MessageHelpdesk(7, typed)]
    assert chat.replies == []  # the service acknowledges, the officer answers
    assert not chat.of(ShowStatus) and not chat.of(OpenTicket)
    assert chat.state.helpdesk == 7


@pytest.mark.parametrize("language", ["hi", "en"])
def test_menu_brings_the_bot_back_and_says_the_request_stays_open(language: str) -> None:
    chat = with_helpdesk(language)
    chat.send("मेनू" if language == "hi" else "menu")
    assert chat.state.helpdesk is None
    assert not chat.of(MessageHelpdesk)
    assert chat.replies[0] == Text(t(language, "helpdesk_left", ticket=7))
    assert isinstance(chat.replies[-1], ListMenu)
    chat.send("income certificate")  # the bot again
    assert not chat.of(MessageHelpdesk)
    assert chat.state.step is Step.CARD


def test_cancel_ends_the_chat_with_the_officer_but_keeps_the_draft() -> None:
    chat = _menu("en").apply(SAMPLE)
    chat.answer_until("gender")
    chat.state = chat.state.replace(helpdesk=7)
    answers = dict(chat.state.answers)
    chat.send("cancel")
    assert chat.state.helpdesk is None
    assert (chat.state.step, chat.state.current, chat.state.answers) == (
        Step.QUESTION,
        "gender",
        answers,
    )
    assert chat.replies[0] == Text(t("en", "helpdesk_left", ticket=7))


def test_a_tapped_button_goes_to_the_bot_and_ends_the_chat_with_the_officer() -> None:
    chat = with_helpdesk()
    chat.tap_id("menu:apply")
    assert chat.state.helpdesk is None
    assert chat.state.step is Step.DEPARTMENTS
    assert not chat.of(MessageHelpdesk)


def test_status_during_the_chat_with_the_officer_is_the_bots_and_the_chat_goes_on() -> None:
    chat = with_helpdesk()
    chat.send("status")
    assert ShowStatus() in chat.effects
    assert chat.state.helpdesk == 7
    chat.send("thank you")
    assert chat.of(MessageHelpdesk) == [MessageHelpdesk(7, "thank you")]


def test_the_helpdesk_survives_a_round_trip_through_the_database() -> None:
    assert State.load(with_helpdesk().state.dump()).helpdesk == 7
    assert State.load({**with_helpdesk().state.dump(), "helpdesk": "7"}).helpdesk is None


def test_a_request_for_a_person_in_words_carries_what_they_wrote_to_the_officer() -> None:
    chat = _menu("hi")
    typed = "मुझे अधिकारी से बात करनी है, मेरी पेंशन तीन महीने से रुकी हुई है"
    chat.send(typed)
    assert chat.of(OpenTicket) == [OpenTicket("human", typed, ())]


def test_a_photo_goes_to_the_helpdesk_officer_with_its_caption() -> None:
    chat = with_helpdesk("hi")
    chat.photo(caption="यह अस्वीकृति का पत्र है")
    assert chat.of(MessageHelpdesk) == [MessageHelpdesk(7, "यह अस्वीकृति का पत्र है", True)]
    chat.pdf()
    assert chat.of(MessageHelpdesk) == [MessageHelpdesk(7, "", True)]


def test_a_document_the_form_asks_for_goes_to_the_form_not_the_officer() -> None:
    chat = _menu("en").apply(SAMPLE).answer_until(None)
    assert chat.state.step is Step.DOCUMENT
    chat.state = chat.state.replace(helpdesk=7)
    chat.pdf()
    assert not chat.of(MessageHelpdesk)
    assert chat.state.helpdesk == 7
