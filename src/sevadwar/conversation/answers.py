"""Reading a citizen's answer to one form field: forgiving input, a precise reason when it fails.

``read_answer`` returns the value to store (JSON-safe: dates as ISO strings, Aadhaar encrypted
with only a masked form beside it) or the prompt key and values of the message that explains
what is wrong. Parsing of dates, numbers, yes/no and options is shared with the NLU
(``sevadwar.nlu.entities``) so the chat and the understanding agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sevadwar.catalogue.fees import format_rupees
from sevadwar.catalogue.schema import FieldType, FormField, Period
from sevadwar.nlu import entities, names

Encrypt = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Answer:
    value: Any = None
    error: str | None = None  # a prompt key
    params: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # a prompt key said before the next question (with ``params``)

    @property
    def ok(self) -> bool:
        return self.error is None


def _error(key: str, **params: Any) -> Answer:
    return Answer(error=key, params=params)


_RELATIVE = re.compile(r"^today(?:([+-])(\d+)([dy]))?$")


def resolve_date_bound(bound: str, today: date) -> date:
    """``today``, ``today-30d``, ``today-60y`` or ``YYYY-MM-DD``."""
    match = _RELATIVE.match(bound.strip())
    if not match:
        return date.fromisoformat(bound)
    sign, amount, unit = match.groups()
    if not sign:
        return today
    n = int(amount) * (1 if sign == "+" else -1)
    if unit == "d":
        return today + timedelta(days=n)
    try:
        return today.replace(year=today.year + n)
    except ValueError:  # 29 February
        return today.replace(year=today.year + n, day=28)


_NAME = re.compile(r"^[^\W\d_][^\d_@#$%^&*=+<>{}\[\]|\\/~`]*$", re.UNICODE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")


def read_answer(
    spec: FormField,
    text: str,
    *,
    reply_id: str | None,
    language: str,
    today: date,
    encrypt: Encrypt,
    answers: Mapping[str, Any] | None = None,
    suggested: str | None = None,
) -> Answer:
    """``answers`` are the form's answers so far ("जन्म से" counts from one of them);
    ``suggested`` is the option the question offered from them, which a "yes" takes."""
    text = text.strip()
    kind = spec.type
    if kind is FieldType.CHOICE:
        chosen = _option_from_reply(spec, reply_id) or entities.match_option(
            text, spec.options, language
        )
        if chosen is None and suggested and entities.parse_yes_no(text) is True:
            chosen = suggested
        return Answer(chosen) if chosen else _error("error_choice")
    if kind is FieldType.MULTI_CHOICE:
        chosen_many = _options_from_text(spec, text, reply_id, language)
        return Answer(chosen_many) if chosen_many else _error("error_multi_choice")
    if kind is FieldType.YES_NO:
        if reply_id in ("yes", "no"):
            return Answer(reply_id == "yes")
        flag = entities.parse_yes_no(text)
        return Answer(flag) if flag is not None else _error("error_yes_no")
    if not text:
        return _error("error_required")
    if kind is FieldType.DATE:
        return _read_date(spec, text, today)
    if spec.since and entities.says_since_birth(text):
        born = (answers or {}).get(spec.since)
        if isinstance(born, str):  # skipped or not asked: the years have to be given
            return _years_since(spec, date.fromisoformat(born), today)
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        number = (
            entities.parse_amount(text) if kind is FieldType.MONEY else entities.parse_number(text)
        )
        if number is None:
            return _error("error_money" if kind is FieldType.MONEY else "error_number")
        note, said = None, number
        period = entities.amount_period(text) if spec.per else None
        if period is not None and period != spec.per:  # "20 हज़ार महीना" for a yearly sum
            number = number * 12 if spec.per is Period.YEAR else (number / 12).quantize(Decimal(1))
            note = f"converted_per_{spec.per}"
        if spec.min is not None and number < spec.min:
            return _error("error_number_min", min=_plain(spec.min))
        if spec.max is not None and number > spec.max:
            return _error("error_number_max", max=_plain(spec.max))
        if note is None:
            return Answer(_plain(number))
        shown = {
            key: format_rupees(round(amount * 100)) if kind is FieldType.MONEY else _plain(amount)
            for key, amount in (("said", said), ("value", number))
        }
        return Answer(_plain(number), note=note, params=shown)
    if kind is FieldType.PHONE:  # personal: encrypted at rest, shown masked
        phone = entities.parse_phone(text)
        if not phone:
            return _error("error_phone")
        return Answer({"enc": encrypt(phone), "masked": f"+91 XXXXXX{phone[-4:]}"})
    if kind is FieldType.EMAIL:
        return Answer(text.lower()) if _EMAIL.match(text) else _error("error_email")
    if kind is FieldType.PINCODE:
        return _read_pincode(text)
    if kind is FieldType.AADHAAR:
        digits = entities.parse_aadhaar(text)
        if digits is None:
            return _error("error_aadhaar")
        return Answer({"enc": encrypt(digits), "masked": entities.mask_aadhaar(digits)})
    if kind is FieldType.NAME:  # "मेरा नाम सुनीता देवी है": the name alone
        text = names.name_in(text)
        if not _NAME.match(text):
            return _error("error_name")
    if kind is FieldType.ADDRESS:
        text = names.address_in(text)
        if len(text) < 10:
            return _error("error_address")
    return _read_text(spec, text)


def _plain(number: float | Decimal) -> float | int:
    """JSON-safe: an int when whole, else a float."""
    return int(number) if float(number).is_integer() else float(number)


def _read_date(spec: FormField, text: str, today: date) -> Answer:
    low = resolve_date_bound(spec.min_date, today) if spec.min_date else None
    # A field that takes only dates from today on (a booking) reads "5-1-27" and "5 jan" ahead.
    value = entities.parse_date(text, today, prefer_future=low is not None and low >= today)
    if value is None:
        return _error("error_date")
    if low is not None and value < low:
        return _error("error_date_early", date=low.strftime("%d/%m/%Y"))
    if spec.max_date and value > (high := resolve_date_bound(spec.max_date, today)):
        return _error("error_date_late", date=high.strftime("%d/%m/%Y"))
    return Answer(value.isoformat())


def _read_pincode(text: str) -> Answer:
    pin = entities.parse_pincode(text)
    if pin is None:
        return _error("error_pincode")
    if not pin.in_delhi:
        return _error("error_pincode_not_delhi", pin=pin.code)
    return Answer(pin.code)


def _read_text(spec: FormField, text: str) -> Answer:
    if spec.min_length is not None and len(text) < spec.min_length:
        return _error("error_text_short", min=spec.min_length)
    limit = spec.max_length or 500
    if len(text) > limit:
        return _error("error_text_long", max=limit)
    if spec.pattern:
        found = entities.find_patterned(spec.pattern, text)
        return Answer(found) if found is not None else _error("error_pattern")
    return Answer(" ".join(text.split()))


def _years_since(spec: FormField, born: date, today: date) -> Answer:
    """Full years from ``born`` to ``today``, held to the field's limits like a typed number."""
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if spec.min is not None and years < spec.min:
        return _error("error_number_min", min=_plain(spec.min))
    if spec.max is not None and years > spec.max:
        return _error("error_number_max", max=_plain(spec.max))
    return Answer(years, note="converted_since_birth", params={"value": years})


def _option_from_reply(spec: FormField, reply_id: str | None) -> str | None:
    if reply_id and reply_id.startswith("opt:"):
        candidate = reply_id.removeprefix("opt:")
        if any(o.id == candidate for o in spec.options):
            return candidate
    return None


def _options_from_text(
    spec: FormField, text: str, reply_id: str | None, language: str
) -> list[str]:
    single = _option_from_reply(spec, reply_id)
    if single:
        return [single]
    chosen: list[str] = []
    for part in re.split(r"[,;/]| and | aur | और ", text):
        if not part.strip():
            continue
        option = entities.match_option(part, spec.options, language)
        if option is None:
            return []
        if option not in chosen:
            chosen.append(option)
    return chosen


def display_answer(spec: FormField, value: Any, language: str, *, words: dict[str, str]) -> str:
    """How an answer is shown back (review, officer view): never a full Aadhaar.

    ``words`` holds the localised "skipped", "yes" and "no".
    """
    if value is None:
        return words["skipped"]
    if spec.type in (FieldType.AADHAAR, FieldType.PHONE) and isinstance(value, dict):
        return str(
            value.get("masked")
            or ("XXXX-XXXX-XXXX" if spec.type is FieldType.AADHAAR else "XXXXXXXXXX")
        )
    if spec.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        ids = value if isinstance(value, list) else [value]
        labels = {o.id: o.label.get(language) for o in spec.options}
        return ", ".join(labels.get(i, str(i)) for i in ids)
    if spec.type is FieldType.YES_NO:
        return words["yes"] if value else words["no"]
    if spec.type is FieldType.LOCATION and isinstance(value, dict):
        where = f"{value.get('lat', 0):.5f}, {value.get('lon', 0):.5f}"
        return f"{value['name']} ({where})" if value.get("name") else where
    if spec.type is FieldType.DATE and isinstance(value, str):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if spec.type is FieldType.MONEY:
        return format_rupees(round(value * 100)) if isinstance(value, int | float) else str(value)
    return str(value)
