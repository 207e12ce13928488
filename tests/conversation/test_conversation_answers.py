"""Reading one answer: forgiving input for every field type, and the reason when it fails."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from harness import AADHAAR, AADHAAR_BAD, CIPHER, catalogue, sample_service

from sevadwar.catalogue.schema import FieldType, FormField
from sevadwar.conversation.answers import Answer, display_answer, read_answer, resolve_date_bound

TODAY = date(2026, 11, 20)
WORDS = {"skipped": "not given", "yes": "Yes", "no": "No"}


def read(field_id: str, text: str, reply_id: str | None = None, language: str = "en") -> Answer:
    spec = sample_service().field(field_id)
    return read_answer(
        spec, text, reply_id=reply_id, language=language, today=TODAY, encrypt=CIPHER.encrypt
    )


def ok(answer: Answer) -> Any:
    assert answer.ok, answer
    return answer.value


# ------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "typed",
    [
        "12/03/2024",
        "12-3-24",
        "12.03.2024",
        "2024-03-12",
        "12032024",
        "12 March 2024",
        "12th mar 24",
        "March 12, 2024",
        "12 मार्च 2024",
        "१२ मार्च २०२४",
        "१२/०३/२०२४",
        "12 march 2024 ko hua tha",
    ],
)
def test_dates_in_many_forms(typed: str) -> None:
    assert ok(read("birth_date", typed)) == "2024-03-12"


@pytest.mark.parametrize(
    "typed", ["kal", "pata nahi", "31/02/2024", "45/45/2024", "01/01/1899", "😀"]
)
def test_an_unreadable_date_says_how_to_write_it(typed: str) -> None:
    assert read("birth_date", typed).error == "error_date"


def test_a_future_birth_date_is_refused_with_the_last_allowed_date() -> None:
    answer = read("birth_date", "12/03/2027")
    assert answer.error == "error_date_late"
    assert answer.params == {"date": "20/11/2026"}


def test_today_is_allowed_where_the_limit_is_today() -> None:
    assert ok(read("birth_date", "20/11/2026")) == "2026-11-20"
    assert ok(read("birth_date", "aaj")) == "2026-11-20"


def test_a_date_before_the_first_allowed_is_refused() -> None:
    answer = read("visit_date", "19/11/2026")
    assert answer.error == "error_date_early"
    assert answer.params == {"date": "20/11/2026"}


def test_a_date_beyond_the_window_is_refused() -> None:
    answer = read("visit_date", "20/01/2027")  # today + 60 days is 19/01/2027
    assert answer.error == "error_date_late"
    assert answer.params == {"date": "19/01/2027"}


@pytest.mark.parametrize(("typed", "expected"), [("5-1-27", "2027-01-05"), ("5 jan", "2027-01-05")])
def test_a_short_date_for_a_future_field_is_read_in_the_future(typed: str, expected: str) -> None:
    assert ok(read("visit_date", typed)) == expected


@pytest.mark.parametrize(
    ("bound", "expected"),
    [
        ("today", date(2026, 11, 20)),
        ("today-30d", date(2026, 10, 21)),
        ("today+1d", date(2026, 11, 21)),
        ("today-60y", date(1966, 11, 20)),
        ("today+1y", date(2027, 11, 20)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_date_bounds(bound: str, expected: date) -> None:
    assert resolve_date_bound(bound, TODAY) == expected


def test_a_year_bound_from_29_february() -> None:
    assert resolve_date_bound("today-1y", date(2024, 2, 29)) == date(2023, 2, 28)


# ----------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("typed", "value"), [("4", 4), ("४", 4), ("four", 4), (" 4 log ", 4), ("20", 20)]
)
def test_numbers(typed: str, value: int) -> None:
    assert ok(read("members", typed)) == value


@pytest.mark.parametrize(
    ("typed", "error", "params"),
    [
        ("bahut", "error_number", {}),
        ("0", "error_number_min", {"min": 1}),
        ("21", "error_number_max", {"max": 20}),
    ],
)
def test_numbers_out_of_range_say_the_limit(typed: str, error: str, params: dict[str, Any]) -> None:
    answer = read("members", typed)
    assert (answer.error, answer.params) == (error, params)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("120000", 120000),
        ("1,20,000", 120000),
        ("1.2 lakh", 120000),
        ("₹ 50,000", 50000),
        ("Rs. 5000/-", 5000),
        ("dedh lakh", 150000),
        ("saade 3 hazar", 3500),
        ("१२०००", 12000),
        ("2500.50", 2500.5),
    ],
)
def test_money(typed: str, value: float) -> None:
    assert ok(read("income", typed)) == value


def test_money_that_is_not_a_number() -> None:
    assert read("income", "bahut kam").error == "error_money"


def per(period: str, *, type_: FieldType = FieldType.MONEY, **limits: float) -> FormField:
    return FormField.model_validate(
        {"id": "sum", "type": type_, "label": {"en": "How much?"}, "per": period, **limits}
    )


def read_per(spec: FormField, text: str) -> Answer:
    return read_answer(
        spec, text, reply_id=None, language="hi", today=TODAY, encrypt=CIPHER.encrypt
    )


@pytest.mark.parametrize(
    ("typed", "value", "said", "shown"),
    [
        ("20 हज़ार महीना", 240000, "₹20,000", "₹2,40,000"),
        ("15000 per month", 180000, "₹15,000", "₹1,80,000"),
        ("12,500 mahine ka", 150000, "₹12,500", "₹1,50,000"),
        ("₹ 8000 pm", 96000, "₹8,000", "₹96,000"),
        ("१५००० मासिक", 180000, "₹15,000", "₹1,80,000"),
    ],
)
def test_a_monthly_sum_for_a_yearly_field_is_converted_and_said(
    typed: str, value: int, said: str, shown: str
) -> None:
    answer = read_per(per("year"), typed)
    assert (answer.value, answer.note) == (value, "converted_per_year")
    assert answer.params == {"said": said, "value": shown}


@pytest.mark.parametrize("typed", ["240000", "2.4 lakh salana", "2,40,000 per year", "2.4 lakh"])
def test_a_yearly_sum_for_a_yearly_field_is_kept(typed: str) -> None:
    answer = read_per(per("year"), typed)
    assert (answer.value, answer.note) == (240000, None)


def test_a_yearly_sum_for_a_monthly_field_is_divided_to_whole_rupees() -> None:
    answer = read_per(per("month"), "1 lakh saal ka")
    assert (answer.value, answer.note) == (8333, "converted_per_month")
    assert answer.params == {"said": "₹1,00,000", "value": "₹8,333"}


def test_the_limits_apply_to_the_converted_sum() -> None:
    spec = per("year", max=200000)
    assert read_per(spec, "20 hazar mahina").error == "error_number_max"
    assert read_per(spec, "15 hazar mahina").value == 180000


def test_a_field_without_a_period_takes_the_sum_as_written() -> None:
    assert (ok(read("income", "20 हज़ार महीना")), read("income", "20 हज़ार महीना").note) == (
        20000,
        None,
    )


# ------------------------------------------------------------------------- phones, e-mail, PIN


@pytest.mark.parametrize("typed", ["9876543210", "+91 98765 43210", "098765 43210", "९८७६५४३२१०"])
def test_phone_numbers_are_stored_in_one_form_encrypted_and_masked(typed: str) -> None:
    stored = ok(read("mobile", typed))
    assert stored["masked"] == "+91 XXXXXX3210"
    assert "9876543210" not in stored["enc"]
    assert CIPHER.decrypt(stored["enc"]) == "+919876543210"


@pytest.mark.parametrize("typed", ["12345", "5876543210", "phone nahi hai mere paas"])
def test_bad_phone_numbers(typed: str) -> None:
    assert read("mobile", typed).error == "error_phone"


def test_email() -> None:
    assert ok(read("email", " Ramesh.K@Example.COM ")) == "ramesh.k@example.com"
    assert read("email", "ramesh@example").error == "error_email"
    assert read("email", "ramesh at gmail").error == "error_email"


@pytest.mark.parametrize("typed", ["110092", "११००९२", "110 092", "pin 110092"])
def test_delhi_pin_codes(typed: str) -> None:
    assert ok(read("pincode", typed)) == "110092"


def test_a_pin_code_outside_delhi_is_named_in_the_refusal() -> None:
    answer = read("pincode", "400001")
    assert (answer.error, answer.params) == ("error_pincode_not_delhi", {"pin": "400001"})


@pytest.mark.parametrize("typed", ["1234", "delhi", "1100922"])
def test_not_a_pin_code(typed: str) -> None:
    assert read("pincode", typed).error == "error_pincode"


# ------------------------------------------------------------------------------------ Aadhaar


@pytest.mark.parametrize("typed", [AADHAAR, "2341 2341 2346", "2341-2341-2346", "२३४१ २३४१ २३४६"])
def test_aadhaar_is_stored_encrypted_and_masked(typed: str) -> None:
    value = ok(read("aadhaar", typed))
    assert set(value) == {"enc", "masked"}
    assert value["masked"] == "XXXX-XXXX-2346"
    assert AADHAAR not in repr(value)
    assert CIPHER.decrypt(value["enc"]) == AADHAAR


def test_aadhaar_encryption_is_not_deterministic() -> None:
    assert ok(read("aadhaar", AADHAAR))["enc"] != ok(read("aadhaar", AADHAAR))["enc"]


@pytest.mark.parametrize(
    "typed", [AADHAAR_BAD, "23412341234", "2341234123467", "aadhaar nahi hai", "012345678901"]
)
def test_aadhaar_failing_the_verhoeff_check_or_length_is_refused(typed: str) -> None:
    assert read("aadhaar", typed).error == "error_aadhaar"


# ------------------------------------------------------------------------- names, text, address


@pytest.mark.parametrize(
    "typed", ["Ramesh Kumar", "रमेश कुमार", "Mohd. Arif", "D'Souza Maria", "  Sita   Devi "]
)
def test_names(typed: str) -> None:
    assert ok(read("full_name", typed)) == " ".join(typed.split())


@pytest.mark.parametrize("typed", ["Ramesh123", "@ramesh", "12345", "r_k"])
def test_names_with_digits_or_symbols_are_refused(typed: str) -> None:
    assert read("full_name", typed).error == "error_name"


def test_name_length_limits() -> None:
    assert read("full_name", "R").error == "error_text_short"
    assert read("full_name", "R").params == {"min": 2}
    too_long = read("full_name", "Ramesh " * 10)
    assert (too_long.error, too_long.params) == ("error_text_long", {"max": 60})


def test_address_must_be_full() -> None:
    assert read("address", "Delhi").error == "error_address"
    assert ok(read("address", "House 12, Gali 3, Laxmi Nagar")) == "House 12, Gali 3, Laxmi Nagar"


def test_text_limits_and_pattern() -> None:
    assert read("remarks", "ok").error == "error_text_short"
    assert read("remarks", "x" * 51).error == "error_text_long"
    assert ok(read("remarks", "  all   good\n here ")) == "all good here"
    spec = FormField.model_validate(
        {"id": "pan", "type": "text", "label": {"en": "PAN?"}, "pattern": "[A-Z]{5}[0-9]{4}[A-Z]"}
    )
    kwargs: dict[str, Any] = {
        "reply_id": None,
        "language": "en",
        "today": TODAY,
        "encrypt": CIPHER.encrypt,
    }
    assert read_answer(spec, "ABCDE1234F", **kwargs).value == "ABCDE1234F"
    assert read_answer(spec, "ABCDE1234", **kwargs).error == "error_pattern"


def test_text_without_a_limit_is_kept_within_500_characters() -> None:
    spec = FormField.model_validate({"id": "note", "type": "text", "label": {"en": "Note?"}})
    answer = read_answer(
        spec, "x" * 501, reply_id=None, language="en", today=TODAY, encrypt=CIPHER.encrypt
    )
    assert (answer.error, answer.params) == ("error_text_long", {"max": 500})


@pytest.mark.parametrize(
    "field_id", ["full_name", "birth_date", "members", "income", "pincode", "address"]
)
def test_an_empty_answer_is_required(field_id: str) -> None:
    assert read(field_id, "   ").error == "error_required"


# ------------------------------------------------------------------------------------ choices


@pytest.mark.parametrize(
    ("typed", "reply_id", "language", "option"),
    [
        ("", "opt:female", "en", "female"),
        ("2", None, "en", "female"),
        ("२", None, "hi", "female"),
        ("Female", None, "en", "female"),
        ("female", None, "hi", "female"),
        ("महिला", None, "hi", "female"),
        ("महिला", None, "en", "female"),
        ("mahila", None, "en", "female"),
        ("aurat", None, "hi", "female"),
        ("purush", None, "en", "male"),
        ("Other", None, "en", "other"),
        ("अन्य", None, "hi", "other"),
    ],
)
def test_choices_by_tap_number_label_or_synonym(
    typed: str, reply_id: str | None, language: str, option: str
) -> None:
    assert ok(read("gender", typed, reply_id, language)) == option


@pytest.mark.parametrize(
    ("typed", "reply_id"), [("7", None), ("banana", None), ("", "opt:nonbinary"), ("", None)]
)
def test_an_unknown_choice_asks_to_pick_one(typed: str, reply_id: str | None) -> None:
    assert read("gender", typed, reply_id).error == "error_choice"


@pytest.mark.parametrize(
    ("typed", "chosen"),
    [
        ("1, 3", ["pension", "scholarship"]),
        ("1,3", ["pension", "scholarship"]),
        ("3; 1", ["scholarship", "pension"]),
        ("pension aur scholarship", ["pension", "scholarship"]),
        ("पेंशन और छात्रवृत्ति", ["pension", "scholarship"]),
        ("2", ["ration"]),
        ("1, 1", ["pension"]),
    ],
)
def test_multi_choice(typed: str, chosen: list[str]) -> None:
    assert ok(read("benefits", typed)) == chosen


@pytest.mark.parametrize("typed", ["1, 9", "pension, banana", ""])
def test_multi_choice_with_an_unknown_part_is_refused(typed: str) -> None:
    assert read("benefits", typed).error == "error_multi_choice"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("haan", True),
        ("हाँ", True),
        ("ha", True),
        ("y", True),
        ("Yes", True),
        ("ji haan", True),
        ("nahi", False),
        ("नहीं", False),
        ("n", False),
        ("No", False),
        ("nahin", False),
    ],
)
def test_yes_no(typed: str, value: bool) -> None:
    assert ok(read("married", typed)) is value


def test_yes_no_by_tap_and_unclear_answers() -> None:
    assert ok(read("married", "", "yes")) is True
    assert ok(read("married", "", "no")) is False
    assert read("married", "maybe").error == "error_yes_no"
    assert read("married", "haan nahi").error == "error_yes_no"


# ----------------------------------------------------------------------------- shown back


@pytest.mark.parametrize(
    ("field_id", "value", "language", "shown"),
    [
        ("full_name", None, "en", "not given"),
        ("aadhaar", {"enc": "v1:secret", "masked": "XXXX-XXXX-2346"}, "en", "XXXX-XXXX-2346"),
        ("aadhaar", {"enc": "v1:secret"}, "en", "XXXX-XXXX-XXXX"),
        ("gender", "female", "en", "Female"),
        ("gender", "female", "hi", "महिला"),
        ("benefits", ["pension", "ration"], "hi", "पेंशन, मुफ़्त राशन"),
        ("married", True, "en", "Yes"),
        ("married", False, "en", "No"),
        ("birth_date", "2024-03-12", "en", "12/03/2024"),
        ("income", 120000, "en", "₹1,20,000"),
        ("members", 4, "en", "4"),
    ],
)
def test_display_answer(field_id: str, value: Any, language: str, shown: str) -> None:
    spec = sample_service().field(field_id)
    assert display_answer(spec, value, language, words=WORDS) == shown


def test_every_field_type_is_covered_by_the_sample_service() -> None:
    assert {f.type for f in sample_service().fields} == set(FieldType)


KNO = FormField.model_validate(
    {"id": "kno", "type": "text", "label": {"en": "KNO?"}, "pattern": r"^\d{10}$"}
)


@pytest.mark.parametrize(
    "typed", ["3124561234", "my kno is 3124561234", "KNO: 3124561234 hai", "३१२४५६१२३४"]
)
def test_a_patterned_answer_is_found_inside_a_sentence_and_kept_in_ascii(typed: str) -> None:
    assert read_per(KNO, typed).value == "3124561234"


@pytest.mark.parametrize("typed", ["1250 rupees", "3124561234 or 3124561235", "31245612345"])
def test_a_patterned_answer_that_is_missing_or_ambiguous_is_refused(typed: str) -> None:
    assert read_per(KNO, typed).error == "error_pattern"


def years_since_birth(**limits: float) -> FormField:
    return FormField.model_validate(
        {
            "id": "years_in_delhi",
            "type": FieldType.NUMBER,
            "label": {"en": "For how many years?"},
            "since": "date_of_birth",
            **limits,
        }
    )


def read_years(spec: FormField, text: str, born: str | None = "1995-08-15") -> Answer:
    answers = {"date_of_birth": born} if born else {}
    return read_answer(
        spec,
        text,
        reply_id=None,
        language="hi",
        today=TODAY,
        encrypt=CIPHER.encrypt,
        answers=answers,
    )


@pytest.mark.parametrize(
    "typed", ["जन्म से", "जनम से ही", "janam se", "since birth", "since I was born", "पैदा होने से"]
)
def test_since_birth_counts_the_full_years_from_the_date_of_birth(typed: str) -> None:
    answer = read_years(years_since_birth(), typed)
    # 15 Aug 1995 → 20 Nov 2026: 31 full years
    assert (answer.value, answer.note, answer.params) == (
        31,
        "converted_since_birth",
        {"value": 31},
    )


def test_since_birth_counts_a_birthday_still_to_come_this_year_as_not_yet() -> None:
    assert read_years(years_since_birth(), "जन्म से", born="1995-12-01").value == 30
    assert read_years(years_since_birth(), "जन्म से", born="1995-11-20").value == 31


def test_since_birth_is_held_to_the_fields_limits() -> None:
    answer = read_years(years_since_birth(min=3), "जन्म से", born="2024-06-01")
    assert (answer.value, answer.error) == (None, "error_number_min")


def test_since_birth_without_a_date_of_birth_needs_the_number() -> None:
    assert read_years(years_since_birth(), "जन्म से", born=None).error == "error_number"
    assert read_years(years_since_birth(), "12", born=None).value == 12


def test_since_birth_means_nothing_to_a_field_that_counts_no_years() -> None:
    spec = FormField.model_validate(
        {"id": "members", "type": FieldType.NUMBER, "label": {"en": "How many?"}}
    )
    assert read_years(spec, "जन्म से").error == "error_number"


@pytest.mark.parametrize(
    ("service_id", "field_id", "typed", "option"),
    [
        ("domicile", "housing", "किराये का मकान है", "rented"),
        ("domicile", "housing", "kiraye ka", "rented"),
        ("domicile", "housing", "अपना घर है", "own"),
        ("income", "occupation", "pvt job", "private_job"),
        ("income", "occupation", "मज़दूरी करता हूँ", "labour"),
    ],
)
def test_options_as_people_type_them(
    service_id: str, field_id: str, typed: str, option: str
) -> None:
    spec = catalogue()[service_id].field(field_id)
    answer = read_answer(
        spec, typed, reply_id=None, language="hi", today=TODAY, encrypt=CIPHER.encrypt
    )
    assert answer.value == option


DISTRICT_SERVICES = sorted(s.id for s in catalogue() if any(f.id == "district" for f in s.fields))


@pytest.mark.parametrize("service_id", DISTRICT_SERVICES)
def test_every_district_question_understands_localities(service_id: str) -> None:
    spec = catalogue()[service_id].field("district")
    assert spec.places == "delhi_districts"
    for typed, district in (
        ("Trilokpuri", "east"),
        ("संगम विहार", "south"),
        ("Rohini sector 7", "north_west"),
        ("uttam nagar", "west"),
        ("दिलशाद गार्डन", "shahdara"),
    ):
        answer = read_answer(
            spec, typed, reply_id=None, language="hi", today=TODAY, encrypt=CIPHER.encrypt
        )
        assert answer.value == district, (typed, answer)
