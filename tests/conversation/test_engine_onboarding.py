"""Greeting → language → consent (DPDP Act 2023) → what the first message asked for."""

from __future__ import annotations

import pytest
from harness import Chat, t

from sevadwar.channels.base import Buttons, ListMenu, MessageKind, Text
from sevadwar.conversation.context import NOTICE_VERSION
from sevadwar.conversation.effects import FunnelStep, OpenTicket, RecordConsent, ShowStatus
from sevadwar.conversation.state import Step


def at_consent(language: str = "en", first: str = "hi") -> Chat:
    chat = Chat()
    chat.send(first)
    chat.tap_id(f"lang:{language}")
    assert chat.state.step is Step.CONSENT
    return chat


# ------------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("first", "proposed"),
    [
        ("hi", "en"),
        ("Hello", "en"),
        ("I need an income certificate", "en"),
        ("नमस्ते", "hi"),
        ("आय प्रमाण पत्र चाहिए", "hi"),
        ("namaste ji", "hi"),  # Hinglish: Romanised Hindi is answered in Hindi
        ("income certificate chahiye", "hi"),
    ],
)
def test_the_first_message_proposes_its_language(first: str, proposed: str) -> None:
    chat = Chat()
    chat.send(first)
    assert chat.state.step is Step.LANGUAGE
    assert chat.state.language == proposed
    assert not chat.state.consented
    assert chat.text.startswith(t(proposed, "welcome"))
    choice = chat.replies[-1]
    assert isinstance(choice, Buttons)
    assert choice.body == t(proposed, "choose_language")
    assert [b.id for b in choice.buttons] == ["lang:hi", "lang:en"]
    assert [b.title for b in choice.buttons] == ["हिन्दी", "English"]
    assert FunnelStep("started") in chat.effects


@pytest.mark.parametrize(
    "kind", [MessageKind.IMAGE, MessageKind.STICKER, MessageKind.LOCATION, MessageKind.AUDIO]
)
def test_a_first_message_without_text_is_welcomed_too(kind: MessageKind) -> None:
    chat = Chat()
    if kind is MessageKind.LOCATION:
        chat.location(28.6, 77.2)
    else:
        chat.media(kind)
    assert chat.state.step is Step.LANGUAGE
    assert chat.ids == ["lang:hi", "lang:en"]


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("hindi", "hi"),
        ("Hindi", "hi"),
        ("हिंदी", "hi"),
        ("हिन्दी में", "hi"),
        ("1", "hi"),
        ("१", "hi"),
        ("english", "en"),
        ("ENGLISH please", "en"),
        ("अंग्रेज़ी", "en"),
        ("2", "en"),
        ("2.", "en"),
    ],
)
def test_language_by_typing_its_name_or_number(typed: str, language: str) -> None:
    chat = Chat()
    chat.send("hello" if language == "hi" else "नमस्ते")  # propose the other one
    chat.send(typed)
    assert chat.state.language == language
    assert chat.state.step is Step.CONSENT
    assert chat.replies[0].body == t(language, "language_set")  # type: ignore[union-attr]


@pytest.mark.parametrize("language", ["hi", "en"])
def test_language_by_button_then_the_consent_notice_with_its_version(language: str) -> None:
    chat = Chat()
    chat.send("hi")
    chat.tap_id(f"lang:{language}")
    assert chat.state.language == language
    notice = chat.replies[-1]
    assert isinstance(notice, Buttons)
    assert notice.body == t(language, "consent_notice", version=NOTICE_VERSION)
    assert NOTICE_VERSION in notice.body
    assert [b.id for b in notice.buttons] == ["consent:yes", "consent:no"]
    assert not chat.of(RecordConsent)


def test_the_notice_states_purpose_retention_rights_and_withdrawal() -> None:
    english = t("en", "consent_notice", version=NOTICE_VERSION)
    for words in (
        "Purpose",
        "Kept for",
        "rights",
        "withdraw",
        "delete",
        "Digital Personal Data Protection Act, 2023",
    ):
        assert words in english
    hindi = t("hi", "consent_notice", version=NOTICE_VERSION)
    for words in (
        "उद्देश्य",
        "कितने समय तक",
        "अधिकार",
        "सहमति वापस",
        "डिजिटल व्यक्तिगत डेटा संरक्षण अधिनियम, 2023",
    ):
        assert words in hindi


def test_an_unknown_answer_to_the_language_question_keeps_the_proposal() -> None:
    chat = Chat()
    chat.send("नमस्ते")
    chat.send("🙂")
    assert (chat.state.step, chat.state.language) == (Step.CONSENT, "hi")


def test_a_tapped_language_that_is_not_offered_keeps_the_proposal() -> None:
    chat = Chat()
    chat.send("hello")
    chat.send("Français", reply_id="lang:fr")
    assert (chat.state.step, chat.state.language) == (Step.CONSENT, "en")


# -------------------------------------------------------------------------------- consent


@pytest.mark.parametrize("language", ["hi", "en"])
@pytest.mark.parametrize(
    "answer",
    ["tap:consent:yes", "I agree", "agree", "सहमत", "मैं सहमत हूँ", "हाँ", "haan", "yes", "ji", "ok"],
)
def test_consent_yes_is_recorded_with_version_and_language(language: str, answer: str) -> None:
    chat = at_consent(language)
    chat.answer(answer)
    assert chat.of(RecordConsent) == [
        RecordConsent(notice_version=NOTICE_VERSION, language=language)
    ]
    assert chat.state.consented
    assert chat.state.step is Step.MENU
    assert chat.text.startswith(t(language, "consent_thanks"))
    assert isinstance(chat.replies[-1], ListMenu)  # the main menu follows
    assert FunnelStep("consented") in chat.effects


@pytest.mark.parametrize("language", ["hi", "en"])
@pytest.mark.parametrize("answer", ["tap:consent:no", "no", "nahi", "नहीं", "n", "nahin"])
def test_consent_no_records_nothing(language: str, answer: str) -> None:
    chat = at_consent(language)
    chat.answer(answer)
    assert not chat.of(RecordConsent)
    assert not chat.state.consented
    assert chat.state.step is Step.MENU
    assert chat.text == t(language, "consent_declined")


@pytest.mark.parametrize("answer", ["what is this?", "🤔", "haan nahi"])
def test_an_unclear_consent_answer_asks_again_without_repeating_the_notice(answer: str) -> None:
    chat = at_consent("en")
    chat.send(answer)
    assert not chat.of(RecordConsent)
    assert chat.state.step is Step.CONSENT
    assert [r.body for r in chat.replies] == [t("en", "consent_needed")]  # type: ignore[union-attr]
    assert chat.ids == ["consent:yes", "consent:no"]
    assert chat.state.pending is None


@pytest.mark.parametrize(
    ("language", "asked"),
    [("hi", "मुझे आय प्रमाण पत्र बनवाना है"), ("en", "I want an income certificate")],
)
def test_a_request_typed_at_the_consent_question_is_done_after_consent(
    language: str, asked: str
) -> None:
    chat = at_consent(language)
    chat.send(asked)
    assert not chat.of(RecordConsent)
    assert chat.state.step is Step.CONSENT
    name = {"hi": "आय प्रमाण पत्र", "en": "Income certificate"}[language]
    kept = t(language, "consent_then_service", service=name)
    assert chat.text == f"{kept} {t(language, 'consent_needed')}"
    assert chat.ids == ["consent:yes", "consent:no"]
    chat.answer("हाँ" if language == "hi" else "yes")
    assert chat.of(RecordConsent) == [RecordConsent(NOTICE_VERSION, language)]
    assert chat.state.step is Step.CARD
    assert "apply:income" in chat.ids
    assert chat.state.pending is None


def test_a_request_without_a_service_at_the_consent_question_is_kept_too() -> None:
    chat = at_consent("hi")
    chat.send("mera application kahan tak pahuncha")
    assert chat.text == f"{t('hi', 'consent_then_request')} {t('hi', 'consent_needed')}"
    chat.send("haan")
    assert ShowStatus() in chat.effects


def test_a_question_about_a_service_at_the_consent_question_is_answered_without_consent() -> None:
    chat = at_consent("en")
    chat.send("income certificate ki fees kitni hai")
    assert t("en", "info_fee", service="Income certificate", fee=t("en", "fee_free")) in chat.text
    assert not chat.of(RecordConsent)
    assert not chat.state.consented
    chat.tap_id("apply:income")  # applying still asks for consent first
    assert chat.state.step is Step.CONSENT
    assert chat.ids == ["consent:yes", "consent:no"]


def test_a_request_typed_instead_of_choosing_a_language_is_not_forgotten() -> None:
    chat = Chat()
    chat.send("नमस्ते")
    chat.send("आय प्रमाण पत्र चाहिए")
    assert chat.state.step is Step.CONSENT
    chat.send("हाँ")
    assert chat.state.step is Step.CARD
    assert "apply:income" in chat.ids


def test_a_photo_at_the_consent_question_is_not_consent() -> None:
    chat = at_consent("en")
    chat.photo()
    assert not chat.of(RecordConsent)
    assert chat.state.step is Step.CONSENT


def test_menu_at_the_consent_question_leaves_it_without_consent() -> None:
    chat = at_consent("hi")
    chat.send("मेनू")
    assert not chat.of(RecordConsent)
    assert (chat.state.step, chat.state.consented) == (Step.MENU, False)


def test_consent_is_asked_once() -> None:
    chat = Chat().onboard("en")
    chat.send("language")
    chat.tap_id("lang:hi")
    assert not chat.of(RecordConsent)
    assert chat.state.step is Step.MENU
    assert chat.replies[0].body == t("hi", "language_set")  # type: ignore[union-attr]


# ------------------------------------------------------------------ declined: info yes, apply no


def test_a_citizen_who_declined_can_still_ask_about_services() -> None:
    chat = Chat().onboard("en", consent=False)
    chat.send("income certificate ki fees kitni hai")
    assert t("en", "info_fee", service="Income certificate", fee=t("en", "fee_free")) in chat.text
    chat.send("documents for income certificate")
    assert t("en", "info_documents", service="Income certificate") in chat.text
    chat.send("income certificate")
    assert chat.state.step is Step.CARD
    assert "apply:income" in chat.ids
    assert not chat.of(RecordConsent)


def test_applying_after_declining_asks_for_consent_again_then_starts_the_form() -> None:
    chat = Chat().onboard("en", consent=False)
    chat.send("income certificate")
    chat.tap_id("apply:income")
    assert chat.state.step is Step.CONSENT
    assert chat.text.startswith(t("en", "consent_first"))
    assert chat.ids == ["consent:yes", "consent:no"]
    assert (chat.state.service, chat.state.answers) == (None, {})
    chat.send("haan")
    assert chat.of(RecordConsent) == [RecordConsent(NOTICE_VERSION, "en")]
    assert (chat.state.step, chat.state.service) == (Step.QUESTION, "income")
    assert "What is the applicant's full name?" in chat.text


def test_declining_again_at_the_apply_step_keeps_no_draft() -> None:
    chat = Chat().onboard("hi", consent=False)
    chat.send("", reply_id="apply:income")
    assert chat.state.step is Step.CONSENT
    chat.send("nahi")
    assert not chat.state.consented
    assert chat.replies == [Text(t("hi", "consent_declined"))]
    assert (chat.state.step, chat.state.service, chat.state.pending) == (Step.MENU, None, None)


def test_agree_typed_later_after_declining_gives_consent() -> None:
    chat = Chat().onboard("hi", consent=False)
    chat.send("", reply_id="apply:income")
    chat.send("सहमत")
    assert chat.state.consented
    assert chat.of(RecordConsent)


# ------------------------------------------------------------ the first message is not forgotten


@pytest.mark.parametrize("language", ["hi", "en"])
def test_the_first_request_is_answered_after_onboarding(language: str) -> None:
    chat = Chat()
    chat.send("income certificate chahiye")
    assert chat.state.pending is not None
    chat.tap_id(f"lang:{language}")
    chat.tap_id("consent:yes")
    assert chat.state.step is Step.CARD
    assert "apply:income" in chat.ids
    assert chat.state.pending is None


def test_a_first_info_question_is_answered_after_onboarding() -> None:
    chat = Chat()
    chat.send("income certificate ki fees kitni hai")
    chat.send("english")
    chat.send("yes")
    assert t("en", "info_fee", service="Income certificate", fee=t("en", "fee_free")) in chat.text


def test_a_first_status_question_shows_the_applications_after_onboarding() -> None:
    chat = Chat()
    chat.send("mera application kahan tak pahuncha")
    chat.send("hindi")
    chat.send("haan")
    assert ShowStatus() in chat.effects


def test_a_first_request_for_an_officer_opens_a_ticket_after_onboarding() -> None:
    chat = Chat()
    chat.send("officer se baat karni hai")
    chat.send("1")
    chat.send("haan")
    assert chat.of(OpenTicket) == [OpenTicket("human")]


def test_declining_forgets_the_first_request() -> None:
    chat = Chat()
    chat.send("income certificate chahiye")
    chat.send("hindi")
    chat.send("nahi")
    assert chat.state.pending is None
    assert chat.state.step is Step.MENU
