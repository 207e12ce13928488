"""Field answers as citizens type them: dates, yes/no, numbers, money, phones, PINs, Aadhaar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import verhoeff

from sevadwar.applications.reference import new_reference
from sevadwar.catalogue.schema import Option, Text
from sevadwar.nlu.entities import (
    Pincode,
    extract_entities,
    find_dates,
    is_delhi_pincode,
    mask_aadhaar,
    mask_aadhaar_in,
    match_option,
    parse_aadhaar,
    parse_amount,
    parse_date,
    parse_email,
    parse_number,
    parse_phone,
    parse_pincode,
    parse_yes_no,
    redact,
)

TODAY = date(2026, 11, 28)


def aadhaar_number(stem: str = "23456789012") -> str:
    return stem + verhoeff.calc_check_digit(stem)


VALID_AADHAAR = aadhaar_number()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2024", date(2024, 3, 12)),
        ("12-3-24", date(2024, 3, 12)),
        ("12.03.2024", date(2024, 3, 12)),
        ("2024-03-12", date(2024, 3, 12)),
        ("2024/3/12", date(2024, 3, 12)),
        ("12 March 2024", date(2024, 3, 12)),
        ("12 mar 24", date(2024, 3, 12)),
        ("12th March, 2024", date(2024, 3, 12)),
        ("12th of march 2024", date(2024, 3, 12)),
        ("March 12 2024", date(2024, 3, 12)),
        ("March 12, 2024", date(2024, 3, 12)),
        ("march 12th 2024", date(2024, 3, 12)),
        ("१२ मार्च २०२४", date(2024, 3, 12)),
        ("12 मार्च 2024", date(2024, 3, 12)),
        ("१२/०३/२०२४", date(2024, 3, 12)),
        ("5 फ़रवरी 2021", date(2021, 2, 5)),
        ("5 फरवरी 2021", date(2021, 2, 5)),
        ("15 अगस्त 1990", date(1990, 8, 15)),
        ("1 जनवरी 2000", date(2000, 1, 1)),
        ("2 सितंबर 2010", date(2010, 9, 2)),
        ("2 सितम्बर 2010", date(2010, 9, 2)),
        ("25 दिसंबर 2019", date(2019, 12, 25)),
        ("12 janvari 2020", date(2020, 1, 12)),
        ("12 farvari 2020", date(2020, 2, 12)),
        ("3 agast 2015", date(2015, 8, 3)),
        ("7 sept 2011", date(2011, 9, 7)),
        ("03/04/2024", date(2024, 4, 3)),  # day first
        ("03/25/2024", date(2024, 3, 25)),  # only month-first fits
        ("12-3-30", date(1930, 3, 12)),  # two-digit year in the future → last century
        ("1-1-26", date(2026, 1, 1)),
        ("29/02/2024", date(2024, 2, 29)),
        ("12032024", date(2024, 3, 12)),
        ("born on 05/06/2019 in Delhi", date(2019, 6, 5)),
        ("meri janam tithi 15-08-1985 hai", date(1985, 8, 15)),
        ("aaj", TODAY),
        ("today", TODAY),
        ("आज", TODAY),
        ("yesterday", date(2026, 11, 27)),
        ("12 march", date(2026, 3, 12)),
        ("3 दिन पहले", date(2026, 11, 25)),  # a newborn's date of birth, as mothers say it
        ("do din pehle", date(2026, 11, 26)),
        ("5 days ago", date(2026, 11, 23)),
        ("१० दिन पहले", date(2026, 11, 18)),
    ],
)
def test_parse_date_reads_many_formats(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "400 din pehle",  # "days ago" counts up to a year
        "3 din",
        "31/02/2024",
        "29/02/2023",
        "32/01/2020",
        "00/00/0000",
        "13/13/2020",
        "hello",
        "",
        "kal",
        "1899-01-01",
    ],
)
def test_parse_date_refuses_impossible_or_missing_dates(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_two_digit_years_can_prefer_the_future() -> None:
    assert parse_date("12-3-30", TODAY, prefer_future=True) == date(2030, 3, 12)
    assert parse_date("5 jan", TODAY, prefer_future=True) == date(2027, 1, 5)


def test_find_dates_lists_every_date_in_order() -> None:
    text = "from 01/02/2020 to 5 March 2021"
    assert find_dates(text, TODAY) == [date(2020, 2, 1), date(2021, 3, 5)]


@pytest.mark.parametrize(
    "text",
    [
        "हाँ",
        "हां",
        "हाँ जी",
        "जी हाँ",
        "जी",
        "haan",
        "han",
        "ha",
        "ji",
        "ji haan",
        "haan ji",
        "yes",
        "Yes!",
        "y",
        "ok",
        "OK ji",
        "okay",
        "sahi",
        "sahi hai",
        "theek hai",
        "thik h",
        "ठीक है",
        "सही है",
        "bilkul",
        "बिल्कुल",
        "correct",
        "yes please go ahead",
        "👍",
        "✅",
    ],
)
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "नहीं",
        "नही",
        "ना",
        "जी नहीं",
        "nahi",
        "nahin",
        "nhi",
        "na",
        "no",
        "No.",
        "n",
        "nope",
        "galat",
        "गलत",
        "ग़लत",
        "ji nahi",
        "nahi chahiye",
        "no thanks",
        "wrong",
        "❌",
        "👎",
        "bilkul nahi",
    ],
)
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text", ["", "haan nahi", "maybe", "not sure", "my name is Ravi Kumar and I live in Delhi", "3"]
)
def test_neither_yes_nor_no(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", Decimal(42)),
        ("४२", Decimal(42)),
        ("1,20,000", Decimal(120000)),
        ("120,000", Decimal(120000)),
        ("2.5", Decimal("2.5")),
        ("2 lakh", Decimal(200000)),
        ("2lakh", Decimal(200000)),
        ("1.2 lakh", Decimal(120000)),
        ("dedh lakh", Decimal(150000)),
        ("saade 3 lakh", Decimal(350000)),
        ("ek lakh pachas hazar", Decimal(150000)),
        ("paanch sau", Decimal(500)),
        ("50 hazar", Decimal(50000)),
        ("50 हज़ार", Decimal(50000)),
        ("तीन", Decimal(3)),
        ("do", Decimal(2)),
        ("2 crore", Decimal(20000000)),
        ("age is 45 years", Decimal(45)),
        ("हम पाँच लोग हैं", Decimal(5)),  # a number word before what it counts
        ("मेरे परिवार में छह सदस्य हैं", Decimal(6)),
        ("hum paanch log hain", Decimal(5)),
        ("do bachche hain", Decimal(2)),
        ("teen saal ka hai", Decimal(3)),
    ],
)
def test_parse_number(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "I do not know", "DL7KQM", "de do", "एक मिनट रुकिए", "do minute"]
)
def test_parse_number_finds_none(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("₹1,20,000", Decimal(120000)),
        ("₹ 500", Decimal(500)),
        ("Rs. 500", Decimal(500)),
        ("rs 2500", Decimal(2500)),
        ("INR 700", Decimal(700)),
        ("500 rupaye", Decimal(500)),
        ("500 रुपये", Decimal(500)),
        ("2,500/-", Decimal(2500)),
        ("1.2 lakh", Decimal(120000)),
        ("50 hazar", Decimal(50000)),
        ("५०००", Decimal(5000)),
        ("family of 4, income rs 20000", Decimal(20000)),
        ("meri aay 1,50,000 hai", Decimal(150000)),
    ],
)
def test_parse_amount(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9876543210", "+919876543210"),
        ("98765 43210", "+919876543210"),
        ("+91-98765-43210", "+919876543210"),
        ("+91 98765 43210", "+919876543210"),
        ("09876543210", "+919876543210"),
        ("919876543210", "+919876543210"),
        ("९८७६५४३२१०", "+919876543210"),
        ("mera number 7011122233 hai", "+917011122233"),
    ],
)
def test_parse_phone(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text", ["12345", "5876543210", "+1 415 555 0100", "011-2345678", ""])
def test_parse_phone_refuses_non_mobiles(text: str) -> None:
    assert parse_phone(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("110001", Pincode("110001", True)),
        ("110 001", Pincode("110001", True)),
        ("११००९६", Pincode("110096", True)),
        ("pin 110092", Pincode("110092", True)),
        ("110099", Pincode("110099", True)),
        ("110100", Pincode("110100", False)),
        ("400001", Pincode("400001", False)),
        ("201301", Pincode("201301", False)),
    ],
)
def test_parse_pincode(text: str, expected: Pincode) -> None:
    assert parse_pincode(text) == expected


@pytest.mark.parametrize("text", ["11001", "1100011", "011000", "abc", ""])
def test_parse_pincode_needs_six_digits(text: str) -> None:
    assert parse_pincode(text) is None


def test_is_delhi_pincode() -> None:
    assert is_delhi_pincode("110001")
    assert not is_delhi_pincode("110000")
    assert not is_delhi_pincode("12345")


@pytest.mark.parametrize(
    "text",
    [
        VALID_AADHAAR,
        f"{VALID_AADHAAR[:4]} {VALID_AADHAAR[4:8]} {VALID_AADHAAR[8:]}",
        f"{VALID_AADHAAR[:4]}-{VALID_AADHAAR[4:8]}-{VALID_AADHAAR[8:]}",
        f"mera aadhaar {VALID_AADHAAR} hai",
        VALID_AADHAAR.translate(str.maketrans("0123456789", "०१२३४५६७८९")),
    ],
)
def test_parse_aadhaar_accepts_valid_numbers(text: str) -> None:
    assert parse_aadhaar(text) == VALID_AADHAAR


@pytest.mark.parametrize(
    "text",
    [
        VALID_AADHAAR[:-1] + str((int(VALID_AADHAAR[-1]) + 1) % 10),  # bad check digit
        "123456789012",  # cannot start with 1
        "2345678901",
        "",
    ],
)
def test_parse_aadhaar_refuses_invalid_numbers(text: str) -> None:
    assert parse_aadhaar(text) is None


def test_mask_aadhaar_shows_only_the_last_four() -> None:
    assert mask_aadhaar(VALID_AADHAAR) == f"XXXX-XXXX-{VALID_AADHAAR[-4:]}"
    assert mask_aadhaar("12") == "XXXX-XXXX-XXXX"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ram.kumar@gmail.com", "ram.kumar@gmail.com"),
        ("mail me at Ram.Kumar@Gmail.COM please", "Ram.Kumar@gmail.com"),
        ("a_b+c@sub.example.co.in", "a_b+c@sub.example.co.in"),
        ("not an email", None),
        ("a@b", None),
    ],
)
def test_parse_email(text: str, expected: str | None) -> None:
    assert parse_email(text) == expected


def test_redact_hides_aadhaar_phone_and_email() -> None:
    spaced = f"{VALID_AADHAAR[:4]} {VALID_AADHAAR[4:8]} {VALID_AADHAAR[8:]}"
    text = f"aadhaar {spaced}, phone +91 98765 43210, mail a@b.in"
    redacted = redact(text)
    assert VALID_AADHAAR[-4:] not in redacted
    assert "98765" not in redacted
    assert "a@b.in" not in redacted
    assert redacted.count("[AADHAAR]") == 1
    assert "[PHONE]" in redacted
    assert "[EMAIL]" in redacted


def test_extract_entities_finds_everything_and_never_keeps_aadhaar() -> None:
    reference = new_reference()
    text = (
        f"{reference.lower().replace('-', ' ')} ka status, aadhaar {VALID_AADHAAR}, "
        "phone 9876543210, born 12 March 2024, fee ₹500, pin 110001, 3 bachche"
    )
    found = extract_entities(text, TODAY)
    assert found.references == (reference,)
    assert found.dates == (date(2024, 3, 12),)
    assert found.phones == ("+919876543210",)
    assert found.amounts == (Decimal(500),)
    assert found.pincodes == ("110001",)
    assert found.numbers == (Decimal(3),)
    assert found.aadhaar_present
    assert VALID_AADHAAR not in str(found.to_json())


def test_a_mistyped_reference_is_not_a_reference() -> None:
    reference = new_reference()
    wrong = reference[:-1] + ("3" if reference[-1] != "3" else "4")
    assert extract_entities(f"{wrong} status", TODAY).references == ()


def _options() -> list[Option]:
    return [
        Option(id="male", label=Text(en="Male (boy)", hi="पुरुष (लड़का)"), synonyms=["ladka", "beta"]),
        Option(id="female", label=Text(en="Female (girl)", hi="महिला (लड़की)"), synonyms=["ladki"]),
        Option(id="other", label=Text(en="Other", hi="अन्य")),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "male"),
        ("2", "female"),
        ("२", "female"),
        ("3.", "other"),
        ("option 2", "female"),
        ("doosra", "female"),
        ("दूसरा", "female"),
        ("Male", "male"),
        ("male (boy)", "male"),
        ("boy", "male"),
        ("girl", "female"),
        ("Female", "female"),
        ("पुरुष", "male"),
        ("महिला", "female"),
        ("लड़की", "female"),
        ("ladki", "female"),
        ("ladka hai", "male"),
        ("beta", "male"),
        ("femail", "female"),
        ("othr", "other"),
        ("अन्य", "other"),
        ("4", None),
        ("0", None),
        ("²", None),
        ("٣", None),
        ("banana", None),
        ("", None),
    ],
)
def test_match_option(text: str, expected: str | None) -> None:
    assert match_option(text, _options(), "en") == expected


def test_match_option_with_no_options() -> None:
    assert match_option("1", [], "en") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_no_reader_fails_on_any_text(text: str) -> None:
    parse_date(text, TODAY)
    parse_yes_no(text)
    parse_number(text)
    parse_amount(text)
    parse_phone(text)
    parse_pincode(text)
    parse_aadhaar(text)
    parse_email(text)
    match_option(text, _options(), "hi")
    assert "[AADHAAR]" not in text or "[AADHAAR]" in redact(text)
    extract_entities(text, TODAY)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9०-९ ,.\-/₹]{0,30}(lakh|hazar|crore|rs)?", fullmatch=True))
def test_no_reader_fails_on_number_like_text(text: str) -> None:
    parse_number(text)
    parse_amount(text)
    parse_date(text, TODAY)
    parse_phone(text)
    extract_entities(text, TODAY)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mera aadhaar 2345 6789 0124 hai", "mera aadhaar XXXX-XXXX-0124 hai"),
        ("आधार २३४५६७८९०१२४", "आधार XXXX-XXXX-0124"),
        ("call 9876543210, ref DL-7KQM-X4R9", "call 9876543210, ref DL-7KQM-X4R9"),
    ],
)
def test_aadhaar_numbers_in_a_message_are_masked(text: str, masked: str) -> None:
    assert mask_aadhaar_in(text) == masked


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("nahi koi pension nahi milti", False),
        ("नहीं, मुझे कोई और पेंशन नहीं मिलती", False),
        ("no I do not get any other pension", False),
        ("haan mujhe 1000 rupaye milte hain", True),
        ("हाँ जी, पति की पेंशन आती है", True),
    ],
)
def test_a_longer_reply_that_opens_with_yes_or_no(text: str, answer: bool) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize(
    "text",
    [
        "haan nahi pata mujhe ki pension milti hai ya nahi",  # both
        "mujhe pension ke baare mein kuch nahi pata",  # no opening yes or no
        "no no no yes",
    ],
)
def test_a_longer_reply_without_a_clear_opening_is_neither(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "hmm let me think about it",  # "hmm" acknowledges, it does not decide
        "ok I will check and come back",
        "yes but I want to change the name",
        "haan lekin naam badalna hai",
        "हाँ पर पता बदलना है",
    ],
)
def test_a_longer_reply_that_hesitates_or_turns_is_neither(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize("text", ["hmm", "hm", "Hmm..."])
def test_hmm_is_not_a_yes(text: str) -> None:
    assert parse_yes_no(text) is None  # at the review it would submit the application
