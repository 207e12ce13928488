"""Fee quotes: every kind, slab boundaries, waivers, rounding and display."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sevadwar.catalogue.fees import (
    FeeError,
    FeeQuote,
    format_rupees,
    quote_fee,
    summarise_fee,
    to_paise,
)
from sevadwar.catalogue.schema import FeeKind, Service

TODAY = date(2025, 3, 15)


def text(en: str) -> dict[str, str]:
    return {"en": en, "hi": en}


def service(fee: dict[str, Any], extra_fields: list[dict[str, Any]] | None = None) -> Service:
    fields = [
        {"id": "born_on", "type": "date", "label": text("Date of birth?")},
        {"id": "pages", "type": "number", "label": text("Pages?")},
        {"id": "bpl", "type": "yes_no", "label": text("BPL card?")},
        {
            "id": "category",
            "type": "choice",
            "label": text("Category?"),
            "options": [
                {"id": "general", "label": text("General")},
                {"id": "sc", "label": text("SC")},
                {"id": "st", "label": text("ST")},
            ],
        },
        *(extra_fields or []),
    ]
    return Service.model_validate(
        {
            "id": "sample",
            "department": "revenue",
            "kind": "certificate",
            "name": text("Sample"),
            "description": text("Sample"),
            "office": text("SDM"),
            "fee": fee,
            "sla_days": 1,
            "fields": fields,
            "workflow": {
                "stages": [{"id": "s", "name": text("S"), "role": "approving_officer", "days": 1}]
            },
        }
    )


BIRTH = service(
    {
        "kind": "slab",
        "basis_field": "born_on",
        "measure": "days_since",
        "slabs": [
            {"upto": 21, "amount": 0, "label": text("Within 21 days")},
            {"upto": 30, "amount": 2, "label": text("22 to 30 days")},
            {"upto": 365, "amount": 5, "label": text("31 days to a year")},
            {"amount": 10, "label": text("More than a year")},
        ],
    }
)


def born_days_ago(days: int) -> dict[str, Any]:
    return {"born_on": (TODAY - timedelta(days=days)).isoformat()}


def test_zero_fee_is_free() -> None:
    quote = quote_fee(service({"kind": "zero"}), {}, TODAY)

    assert quote == FeeQuote(0)
    assert quote.is_free
    assert quote.display == "₹0"
    assert quote.currency == "INR"


def test_fixed_fee_in_paise_and_rupees() -> None:
    quote = quote_fee(service({"kind": "fixed", "amount": 12.5}), {}, TODAY)

    assert quote.amount_paise == 1250
    assert quote.rupees == Decimal("12.50")
    assert quote.display == str(quote) == "₹12.50"
    assert not quote.is_free
    assert quote.slab is None
    assert quote.waiver_reason is None


@pytest.mark.parametrize(
    ("days", "paise", "slab"),
    [
        (0, 0, 0),
        (21, 0, 0),  # "within 21 days" includes the 21st day
        (22, 200, 1),
        (30, 200, 1),
        (31, 500, 2),
        (365, 500, 2),
        (366, 1000, 3),
        (20 * 365, 1000, 3),
    ],
)
def test_birth_registration_slab_boundaries(days: int, paise: int, slab: int) -> None:
    quote = quote_fee(BIRTH, born_days_ago(days), TODAY)

    assert quote.amount_paise == paise
    assert quote.slab == BIRTH.fee.slabs[slab]


def test_a_future_date_takes_the_first_slab() -> None:
    assert quote_fee(BIRTH, born_days_ago(-3), TODAY).slab == BIRTH.fee.slabs[0]


@given(st.integers(min_value=0, max_value=40_000), st.integers(min_value=0, max_value=400))
@settings(max_examples=60, deadline=None)
def test_later_registration_never_costs_less(days: int, more: int) -> None:
    earlier = quote_fee(BIRTH, born_days_ago(days), TODAY)
    later = quote_fee(BIRTH, born_days_ago(days + more), TODAY)

    assert later.amount_paise >= earlier.amount_paise


def age_slabs() -> Service:
    return service(
        {
            "kind": "slab",
            "basis_field": "born_on",
            "measure": "years_since",
            "slabs": [{"upto": 59, "amount": 1}, {"amount": 0}],
        }
    )


@pytest.mark.parametrize(
    ("born_on", "today", "paise"),
    [
        ("1965-03-16", date(2025, 3, 15), 100),  # 59 until the birthday
        ("1965-03-15", date(2025, 3, 15), 0),  # 60 on the birthday
        ("1964-02-29", date(2024, 2, 28), 100),  # leap-day birthday not yet reached
        ("1964-02-29", date(2024, 2, 29), 0),
        ("1965-02-28", date(2025, 3, 1), 0),
    ],
)
def test_years_since_counts_completed_years(born_on: str, today: date, paise: int) -> None:
    assert quote_fee(age_slabs(), {"born_on": born_on}, today).amount_paise == paise


def test_value_measure_slabs() -> None:
    fee = service(
        {
            "kind": "slab",
            "basis_field": "pages",
            "slabs": [{"upto": 10, "amount": 20}, {"upto": 50.5, "amount": 50}, {"amount": 100}],
        }
    )

    quotes = [quote_fee(fee, {"pages": p}, TODAY).amount_paise for p in (10, 10.5, "50.5", 51)]

    assert quotes == [2000, 5000, 5000, 10000]


def test_computed_fee_is_base_plus_rate_times_answer() -> None:
    fee = service({"kind": "computed", "amount": 10, "rate": 2.5, "basis_field": "pages"})

    assert quote_fee(fee, {"pages": 0}, TODAY).amount_paise == 1000
    assert quote_fee(fee, {"pages": 4}, TODAY).amount_paise == 2000
    assert quote_fee(fee, {"pages": "1,000"}, TODAY).amount_paise == 251000


def test_computed_fee_is_capped_by_maximum() -> None:
    fee = service(
        {"kind": "computed", "amount": 10, "rate": 5, "basis_field": "pages", "maximum": 50}
    )

    assert quote_fee(fee, {"pages": 8}, TODAY).amount_paise == 5000  # exactly the cap
    assert quote_fee(fee, {"pages": 7}, TODAY).amount_paise == 4500
    assert quote_fee(fee, {"pages": 900}, TODAY).amount_paise == 5000


def test_computed_fee_rounds_half_paise_up() -> None:
    fee = service({"kind": "computed", "rate": 0.125, "basis_field": "pages"})

    assert quote_fee(fee, {"pages": 3}, TODAY).amount_paise == 38  # 37.5 paise


def test_waiver_makes_it_free_with_its_reason() -> None:
    fee = service(
        {
            "kind": "fixed",
            "amount": 50,
            "waivers": [
                {"when": {"field": "bpl", "equals": True}, "reason": text("BPL families")},
                {"when": {"field": "category", "in": ["sc", "st"]}, "reason": text("SC/ST")},
            ],
        }
    )

    bpl = quote_fee(fee, {"bpl": True, "category": "sc"}, TODAY)
    sc = quote_fee(fee, {"bpl": False, "category": "sc"}, TODAY)
    neither = quote_fee(fee, {"bpl": False, "category": "general"}, TODAY)

    assert bpl.is_free
    assert bpl.waiver_reason is not None
    assert bpl.waiver_reason.en == "BPL families"
    assert sc.is_free
    assert sc.waiver_reason is not None
    assert sc.waiver_reason.en == "SC/ST"
    assert neither.amount_paise == 5000
    assert neither.waiver_reason is None


def test_a_waiver_needs_no_basis_answer() -> None:
    fee = service(
        {
            "kind": "slab",
            "basis_field": "born_on",
            "measure": "days_since",
            "slabs": [{"upto": 21, "amount": 0}, {"amount": 10}],
            "waivers": [{"when": {"field": "bpl", "equals": True}, "reason": text("BPL")}],
        }
    )

    assert quote_fee(fee, {"bpl": True}, TODAY).is_free
    with pytest.raises(FeeError, match="born_on"):
        quote_fee(fee, {"bpl": False}, TODAY)


def test_note_travels_with_the_quote() -> None:
    fee = service({"kind": "fixed", "amount": 5, "note": text("Pay at the counter")})

    note = quote_fee(fee, {}, TODAY).note

    assert note is not None
    assert note.en == "Pay at the counter"


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"born_on": None},
        {"born_on": "15/03/2025"},
        {"born_on": 20250315},
        {"born_on": "2025-02-30"},
    ],
)
def test_unusable_date_answers_raise(answers: dict[str, Any]) -> None:
    with pytest.raises(FeeError):
        quote_fee(BIRTH, answers, TODAY)


@pytest.mark.parametrize("pages", [True, "many", "nan", [3], None])
def test_unusable_number_answers_raise(pages: Any) -> None:
    fee = service({"kind": "computed", "amount": 1, "rate": 1, "basis_field": "pages"})

    with pytest.raises(FeeError):
        quote_fee(fee, {"pages": pages}, TODAY)


def test_date_objects_are_accepted_too() -> None:
    assert quote_fee(BIRTH, {"born_on": TODAY - timedelta(days=25)}, TODAY).amount_paise == 200


def test_quote_is_frozen() -> None:
    quote = FeeQuote(100)

    with pytest.raises(dataclasses.FrozenInstanceError):
        quote.amount_paise = 0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("paise", "shown"),
    [
        (0, "₹0"),
        (5, "₹0.05"),
        (100, "₹1"),
        (99_999_00, "₹99,999"),
        (1_00_000_00, "₹1,00,000"),
        (12_34_567_89, "₹12,34,567.89"),
        (10_00_00_000_00, "₹10,00,00,000"),
        (-250, "-₹2.50"),
    ],
)
def test_rupees_use_indian_grouping(paise: int, shown: str) -> None:
    assert format_rupees(paise) == shown


def test_to_paise_avoids_float_error() -> None:
    assert to_paise(0.1 + 0.2) == 30
    assert to_paise(19.99) == 1999


def test_summaries() -> None:
    fixed = summarise_fee(service({"kind": "fixed", "amount": 1000}).fee)
    birth = summarise_fee(BIRTH.fee)
    open_ended = summarise_fee(
        service({"kind": "computed", "amount": 10, "rate": 2, "basis_field": "pages"}).fee
    )
    capped = summarise_fee(
        service(
            {"kind": "computed", "amount": 10, "rate": 2, "basis_field": "pages", "maximum": 40}
        ).fee
    )

    assert summarise_fee(service({"kind": "zero"}).fee).max_paise == 0
    assert (fixed.kind, fixed.min_paise, fixed.max_paise, fixed.text) == (
        FeeKind.FIXED,
        100000,
        100000,
        "₹1,000",
    )
    assert (birth.min_paise, birth.max_paise) == (0, 1000)
    assert birth.text == "₹0–₹10 by days_since born_on"
    assert (open_ended.min_paise, open_ended.max_paise) == (1000, None)
    assert (capped.min_paise, capped.max_paise) == (1000, 4000)
    assert "at most ₹40" in capped.text
