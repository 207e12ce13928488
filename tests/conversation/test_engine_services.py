"""Choosing a service: departments → services (paginated), free text, numbers, clarifying, info."""

from __future__ import annotations

import pytest
from harness import Chat, catalogue, t

from sevadwar.channels.base import Buttons, ListMenu
from sevadwar.conversation import views
from sevadwar.conversation.effects import FunnelStep
from sevadwar.conversation.state import Step


def departments(language: str = "en") -> Chat:
    chat = Chat().onboard(language)
    chat.tap_id("menu:apply")
    assert chat.state.step is Step.DEPARTMENTS
    return chat


def departments_with_services() -> list[str]:
    return [d.department.id for d in catalogue().departments()]


def big_department() -> str:
    """A department with more services than one list can show (revenue)."""
    sizes = {d.department.id: len(d.services) for d in catalogue().departments()}
    assert sizes["revenue"] > views.PAGE_ROWS + 1
    return "revenue"


# ---------------------------------------------------------------------------------- by list


@pytest.mark.parametrize("language", ["hi", "en"])
def test_departments_list_every_department_with_services_in_menu_order(language: str) -> None:
    chat = departments(language)
    menu = chat.replies[-1]
    assert isinstance(menu, ListMenu)
    assert menu.body == t(language, "departments_body")
    ids = [i for i in chat.ids if i.startswith("dept:")]
    assert ids == [f"dept:{d}" for d in departments_with_services()][: len(ids)]
    if len(departments_with_services()) <= views.PAGE_ROWS + 1:
        assert len(ids) == len(departments_with_services())


@pytest.mark.parametrize("department", departments_with_services())
def test_every_department_lists_its_services(department: str) -> None:
    chat = departments()
    chat.tap_id(f"dept:{department}")
    assert (chat.state.step, chat.state.department) == (Step.SERVICES, department)
    expected = [f"svc:{s.id}" for s in catalogue().services_in(department)]
    shown = [i for i in chat.ids if i.startswith("svc:")]
    assert shown == expected[: len(shown)]
    assert len(chat.ids) <= 10


def test_a_big_department_pages_through_all_its_services_and_wraps_around() -> None:
    department = big_department()
    chat = departments()
    chat.tap_id(f"dept:{department}")
    seen: list[str] = []
    for _ in range(10):
        ids = chat.ids
        assert len(ids) <= 10
        more = [i for i in ids if i.startswith("svcpage:")]
        assert len(more) == 1, ids  # every page of a big department has "More"
        seen += [i for i in ids if i.startswith("svc:")]
        chat.tap_id(more[0])
        if more[0] == "svcpage:0":
            break
    assert seen == [f"svc:{s.id}" for s in catalogue().services_in(department)]
    assert chat.state.page == 0
    assert chat.ids[0] == seen[0]  # back on the first page


@pytest.mark.parametrize("language", ["hi", "en"])
def test_the_more_row_is_in_the_citizens_language(language: str) -> None:
    chat = departments(language)
    chat.tap_id(f"dept:{big_department()}")
    assert t(language, "more_row") in chat.choices


def test_tapping_a_service_shows_its_card() -> None:
    chat = departments()
    chat.tap_id("dept:revenue")
    chat.tap_id("svc:income")
    card = chat.replies[-1]
    assert isinstance(card, Buttons)
    assert chat.state.step is Step.CARD
    assert [b.id for b in card.buttons] == ["apply:income", "menu:main"]
    for line in (
        "*Income certificate*",
        t("en", "card_documents"),
        t("en", "card_fee", fee="Free"),
    ):
        assert line in card.body
    assert t("en", "card_time", time=t("en", "time_days", days=14)) in card.body
    assert FunnelStep("service_viewed", "income") in chat.effects


def test_the_card_in_hindi() -> None:
    chat = Chat().onboard("hi")
    chat.send("", reply_id="svc:income")
    assert "*आय प्रमाण पत्र*" in chat.text
    assert t("hi", "card_fee", fee=t("hi", "fee_free")) in chat.text
    assert chat.choices == {
        t("hi", "card_apply"): "apply:income",
        t("hi", "card_menu"): "menu:main",
    }


@pytest.mark.parametrize("language", ["hi", "en"])
@pytest.mark.parametrize(
    ("service", "key"),
    [("water-bill", "card_pay"), ("community-hall-booking", "card_book"), ("income", "card_apply")],
)
def test_the_cards_button_says_what_the_form_does(language: str, service: str, key: str) -> None:
    chat = Chat().onboard(language)
    chat.send("", reply_id=f"svc:{service}")
    assert chat.choices[t(language, key)] == f"apply:{service}"


def test_main_menu_from_the_card() -> None:
    chat = Chat().onboard("en")
    chat.send("", reply_id="svc:income")
    chat.tap_id("menu:main")
    assert chat.state.step is Step.MENU
    assert "menu:apply" in chat.ids


def test_apply_from_the_card_starts_the_form() -> None:
    chat = Chat().onboard("en")
    chat.send("", reply_id="svc:income")
    chat.tap_id("apply:income")
    assert (chat.state.step, chat.state.service, chat.state.current) == (
        Step.QUESTION,
        "income",
        "applicant_name",
    )
    count = len([f for f in catalogue()["income"].fields if f.when is None])
    assert t("en", "start_form", count=count) in chat.text
    assert FunnelStep("service_chosen", "income") in chat.effects


# ------------------------------------------------------------------------ numbers, not taps


def test_a_number_picks_a_department_then_a_service() -> None:
    chat = departments()
    chat.send("1")
    first = departments_with_services()[0]
    assert chat.state.department == first
    chat.send("2")
    assert chat.state.step is Step.CARD
    assert f"apply:{catalogue().services_in(first)[1].id}" in chat.ids


@pytest.mark.parametrize("typed", ["3", "3.", " 3 ", "३"])
def test_a_number_on_a_later_page_counts_from_that_page(typed: str) -> None:
    department = big_department()
    chat = departments()
    chat.tap_id(f"dept:{department}")
    chat.tap_id("svcpage:1")
    expected = catalogue().services_in(department)[views.PAGE_ROWS + 2]
    chat.send(typed)
    assert f"apply:{expected.id}" in chat.ids


def test_a_number_past_the_list_is_read_as_text() -> None:
    chat = departments()
    chat.send("42")
    assert chat.state.step is not Step.SERVICES
    assert chat.replies  # answered, not silent


def test_back_from_services_returns_to_departments_and_then_the_menu() -> None:
    chat = departments("hi")
    chat.tap_id("dept:mcd")
    chat.send("पीछे")
    assert chat.state.step is Step.DEPARTMENTS
    chat.send("back")
    assert chat.state.step is Step.MENU


# ---------------------------------------------------------------------------- by free text


@pytest.mark.parametrize(
    ("typed", "service"),
    [
        ("income certificate", "income"),
        ("I need an income certificate", "income"),
        ("aay praman patra chahiye", "income"),
        ("आय प्रमाण पत्र", "income"),
        ("birth certificate", "birth-certificate"),
        ("janm praman patra", "birth-certificate"),
        ("death certificate", "death-certificate"),
        ("domicile certificate", "domicile"),
    ],
)
@pytest.mark.parametrize("language", ["hi", "en"])
def test_naming_a_service_shows_its_card(typed: str, service: str, language: str) -> None:
    chat = Chat().onboard(language)
    chat.send(typed)
    assert chat.state.step is Step.CARD
    assert f"apply:{service}" in chat.ids


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("caste certificate", {"caste-obc", "caste-sc-st"}),
        ("jati praman patra", {"caste-obc", "caste-sc-st"}),
        ("जाति प्रमाण पत्र", {"caste-obc", "caste-sc-st"}),
        ("pension", {"old-age-pension", "widow-pension", "disability-pension"}),
    ],
)
def test_an_ambiguous_request_asks_which_one(typed: str, expected: set[str]) -> None:
    if not expected <= set(catalogue().ids()):
        pytest.fail(f"catalogue lacks {expected - set(catalogue().ids())}")
    chat = Chat().onboard("en")
    chat.send(typed)
    assert chat.state.step is Step.CLARIFY
    assert expected <= set(chat.state.candidates)
    menu = chat.replies[-1]
    assert isinstance(menu, ListMenu)
    assert menu.body == t("en", "clarify_service")
    assert {i.removeprefix("svc:") for i in chat.ids} == set(chat.state.candidates)


def test_a_clarified_service_by_tap_or_number() -> None:
    chat = Chat().onboard("hi")
    chat.send("caste certificate")
    second = chat.state.candidates[1]
    chat.send("2")
    assert chat.state.step is Step.CARD
    assert f"apply:{second}" in chat.ids
    chat.send("caste certificate")
    first = chat.state.candidates[0]
    chat.tap_id(f"svc:{first}")
    assert chat.state.step is Step.CARD
    assert f"apply:{first}" in chat.ids


def test_cancel_while_clarifying_returns_to_the_menu() -> None:
    chat = Chat().onboard("en")
    chat.send("caste certificate")
    chat.send("cancel")
    assert chat.state.step is Step.MENU
    assert chat.state.candidates == ()


def test_something_not_understood_offers_the_menu() -> None:
    chat = Chat().onboard("en")
    chat.send("qwertyuiop asdfgh")
    assert chat.state.step is Step.MENU
    assert chat.replies[0].body == t("en", "not_understood")  # type: ignore[union-attr]
    assert "menu:apply" in chat.ids


def test_a_greeting_after_onboarding_is_greeted_back() -> None:
    chat = Chat().onboard("hi")
    chat.send("namaste")
    assert chat.replies[0].body == t("hi", "greeting_back")  # type: ignore[union-attr]
    assert "menu:apply" in chat.ids


# ------------------------------------------------------------------------------ info answers


def _fee(language: str, service_id: str) -> str:
    service = catalogue()[service_id]
    kind = service.fee.kind.value
    if kind == "zero":
        return t(language, "fee_free")
    if kind == "fixed":
        return t(language, "fee_amount", amount=f"{service.fee.amount:,.0f}")
    return t(language, "fee_depends")


@pytest.mark.parametrize("language", ["hi", "en"])
@pytest.mark.parametrize(
    "typed", ["income certificate ki fees kitni hai", "what is the fee for income certificate"]
)
def test_fee_question(language: str, typed: str) -> None:
    chat = Chat().onboard(language)
    chat.send(typed)
    name = catalogue()["income"].name.get(language)
    assert t(language, "info_fee", service=name, fee=_fee(language, "income")) in chat.text
    assert t(language, "info_apply_prompt") in chat.text
    assert "apply:income" in chat.ids
    assert chat.state.step is Step.CARD


INFO_DOCUMENTS = [
    (typed, service)
    for typed, service in [
        ("documents for ration card", "ration-card-new"),
        ("documents for income certificate", "income"),
        ("birth certificate ke liye kaunse documents chahiye", "birth-certificate"),
    ]
    if service in catalogue()
]


@pytest.mark.parametrize(("typed", "service_id"), INFO_DOCUMENTS)
def test_documents_question_lists_the_documents(typed: str, service_id: str) -> None:
    chat = Chat().onboard("en")
    chat.send(typed)
    service = catalogue()[service_id]
    assert t("en", "info_documents", service=service.name.en) in chat.text
    for doc in service.documents[:3]:
        assert doc.label.en in chat.text
    assert f"apply:{service_id}" in chat.ids


def test_time_question_gives_the_legal_time_limit() -> None:
    chat = Chat().onboard("en")
    chat.send("income certificate kitne din mein banega")
    time = t("en", "time_days", days=catalogue()["income"].sla_days)
    assert t("en", "info_time", service="Income certificate", time=time) in chat.text


def test_eligibility_question() -> None:
    chat = Chat().onboard("en")
    chat.send("who can apply for income certificate")
    eligibility = catalogue()["income"].eligibility
    assert eligibility is not None
    assert (
        t("en", "info_eligibility", service="Income certificate", eligibility=eligibility.en)
        in chat.text
    )


def test_apply_after_an_info_answer() -> None:
    chat = Chat().onboard("en")
    chat.send("documents for income certificate")
    chat.tap_id("apply:income")
    assert (chat.state.step, chat.state.service) == (Step.QUESTION, "income")


def test_an_info_question_during_a_form_is_read_as_the_answer() -> None:
    chat = Chat().onboard("en").apply("income")
    chat.send(
        "What is the fee?"
    )  # a question is an answer to a name question: no digits, no symbols
    assert chat.state.step is Step.QUESTION


@pytest.mark.parametrize(
    "typed", ["documents for income certificate", "income certificate", "birth certificate"]
)
def test_the_menu_and_info_questions_do_not_lose_the_draft(typed: str) -> None:
    chat = Chat().onboard("en").apply("income")
    chat.send("Ramesh Kumar")
    chat.send("menu")
    chat.send(typed)
    assert chat.state.service == "income"
    assert chat.state.answers == {"applicant_name": "Ramesh Kumar"}
    chat.send("", reply_id="apply:income")
    assert t("en", "draft_resume", service="Income certificate") in chat.text
    assert (chat.state.step, chat.state.current) == (Step.QUESTION, "father_name")
    assert chat.state.answers == {"applicant_name": "Ramesh Kumar"}


def test_applying_for_another_service_starts_afresh() -> None:
    chat = Chat().onboard("en").apply("income")
    chat.send("Ramesh Kumar")
    chat.send("menu")
    chat.send("", reply_id="apply:domicile")
    assert (chat.state.service, chat.state.answers) == ("domicile", {})


# ------------------------------------------------------------------ words under a card


def sc_st_card(language: str) -> Chat:
    chat = Chat().onboard(language)
    chat.tap_id("menu:apply")
    chat.tap_id("dept:revenue")
    chat.tap_id("svc:caste-sc-st")
    assert (chat.state.step, chat.state.candidates) == (Step.CARD, ("caste-sc-st",))
    return chat


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("hi", "हाँ"),
        ("hi", "ठीक है"),
        ("hi", "आवेदन करना है"),
        ("hi", "haan apply karna hai"),
        ("hi", "form bharna hai"),
        ("en", "yes"),
        ("en", "ok"),
        ("en", "I want to apply"),
    ],
)
def test_agreeing_in_words_under_a_card_starts_that_services_form(
    language: str, typed: str
) -> None:
    chat = sc_st_card(language)
    chat.send(typed)
    assert (chat.state.step, chat.state.service) == (Step.QUESTION, "caste-sc-st"), chat.text
    first = catalogue()["caste-sc-st"].fields[0]
    assert chat.state.current == first.id
    assert first.label.get(language) in chat.text
    assert FunnelStep("service_chosen", "caste-sc-st") in chat.effects


@pytest.mark.parametrize(("language", "typed"), [("hi", "नहीं"), ("en", "no")])
def test_declining_under_a_card_goes_back_to_the_menu(language: str, typed: str) -> None:
    chat = sc_st_card(language)
    chat.send(typed)
    assert chat.state.step is Step.MENU
    assert chat.state.service is None
    assert "menu:apply" in chat.ids


@pytest.mark.parametrize(
    ("language", "typed"),
    [("hi", "फीस कितनी है?"), ("hi", "कितने दिन लगेंगे"), ("en", "what is the fee")],
)
def test_a_question_under_a_card_is_about_that_service(language: str, typed: str) -> None:
    chat = sc_st_card(language)
    chat.send(typed)
    name = catalogue()["caste-sc-st"].name.get(language)
    assert name in chat.text
    assert "apply:caste-sc-st" in chat.ids
    assert chat.state.candidates == ("caste-sc-st",)


def test_another_service_named_under_a_card_shows_that_one() -> None:
    chat = sc_st_card("hi")
    chat.send("haan income certificate chahiye")
    assert chat.state.step is Step.CARD
    assert chat.state.candidates == ("income",)
    assert "apply:income" in chat.ids
