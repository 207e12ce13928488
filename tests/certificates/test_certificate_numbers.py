"""Certificate numbers: unambiguous, self-checking, forgiving in how they are typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sevadwar.applications.reference import ALPHABET
from sevadwar.certificates.numbers import new_number, parse_number


def test_a_new_number_has_the_documented_shape_and_parses_back() -> None:
    number = new_number()
    assert number.startswith("DLC-")
    assert len(number) == len("DLC-XXXX-XXXX-XXXX")
    assert parse_number(number) == number
    assert parse_number(number.lower().replace("-", " ")) == number
    assert not set(number.replace("-", "")[3:]) - set(ALPHABET)


@given(st.integers(min_value=0, max_value=11), st.sampled_from(ALPHABET))
def test_any_single_changed_character_is_caught(position: int, replacement: str) -> None:
    number = new_number()
    code = number.replace("-", "")[3:]
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1 :]
    assert parse_number("DLC" + typo) is None


def test_junk_is_not_a_number() -> None:
    for text in ("", "DLC", "DL-7KQM-X4R9", "DLC-0000-0000-0000", "x" * 500, "DLC-7KQM-X4R9-2BC/"):
        assert parse_number(text) is None
