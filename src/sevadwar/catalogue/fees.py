"""Quote a service's fee from the citizen's answers.

Money is counted in paise (``int``) so no rounding creeps in; the catalogue writes rupees. The
fee kinds are described in ``docs/catalogue.md``:

- ``zero``: free.
- ``fixed``: ``amount``.
- ``slab``: the first slab whose ``upto`` (inclusive) is at least the measure of the basis answer;
  the last slab has no ``upto`` and takes everything above.
- ``computed``: ``amount + rate x measure``, capped at ``maximum``.

The measure of the basis answer is its ``value`` (a number), or ``days_since`` / ``years_since``
(completed years, as for an age) of a date answer given as ``"YYYY-MM-DD"``. A waiver whose
condition holds makes any fee zero and carries its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sevadwar.catalogue.schema import Fee, FeeKind, Service, Slab, Text

CURRENCY = "INR"
_PAISE = Decimal(100)


class FeeError(ValueError):
    """The answers do not allow a quote (the basis answer is missing or not usable)."""


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """What the citizen pays. ``slab`` is the slab chosen (slab fees only)."""

    amount_paise: int
    slab: Slab | None = None
    waiver_reason: Text | None = None
    note: Text | None = None
    currency: str = CURRENCY

    @property
    def is_free(self) -> bool:
        return self.amount_paise == 0

    @property
    def rupees(self) -> Decimal:
        """The amount in rupees, with two decimals."""
        return (Decimal(self.amount_paise) / _PAISE).quantize(Decimal("0.01"))

    @property
    def display(self) -> str:
        """The amount as Indians write it: ``₹0``, ``₹50``, ``₹1,00,000``, ``₹12.50``."""
        return format_rupees(self.amount_paise)

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True, slots=True)
class FeeSummary:
    """The range a fee can take, for listings. ``max_paise`` is ``None`` when unbounded."""

    kind: FeeKind
    min_paise: int
    max_paise: int | None
    text: str  # operator-facing (CLI), e.g. "₹0–₹10 by days_since date_of_birth"


def quote_fee(service: Service, answers: dict[str, Any], today: date) -> FeeQuote:
    """The fee for ``service`` given the citizen's ``answers`` (field id → normalised answer)."""
    fee = service.fee
    for waiver in fee.waivers:
        if waiver.when.holds(answers):
            return FeeQuote(0, waiver_reason=waiver.reason, note=fee.note)
    if fee.kind == FeeKind.ZERO:
        return FeeQuote(0, note=fee.note)
    if fee.kind == FeeKind.FIXED:
        return FeeQuote(to_paise(fee.amount), note=fee.note)
    measure = measure_answer(fee, answers, today)
    if fee.kind == FeeKind.SLAB:
        slab = choose_slab(fee.slabs, measure)
        return FeeQuote(to_paise(slab.amount), slab=slab, note=fee.note)
    amount = _decimal(fee.amount) + _decimal(fee.rate) * measure
    if fee.maximum is not None:
        amount = min(amount, _decimal(fee.maximum))
    return FeeQuote(to_paise(max(amount, Decimal(0))), note=fee.note)


def measure_answer(fee: Fee, answers: dict[str, Any], today: date) -> Decimal:
    """The number a slab or computed fee is chosen by."""
    name = fee.basis_field
    if name is None or name not in answers or answers[name] is None:
        raise FeeError(f"the fee needs the answer to {name!r}")
    value = answers[name]
    if fee.measure == "value":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise FeeError(f"answer {name!r} is not a number: {value!r}")
        try:
            number = _decimal(value)
        except InvalidOperation:
            raise FeeError(f"answer {name!r} is not a number: {value!r}") from None
        if not number.is_finite():
            raise FeeError(f"answer {name!r} is not a number: {value!r}")
        return number
    start = _date(name, value)
    if fee.measure == "days_since":
        return Decimal((today - start).days)
    years = today.year - start.year - ((today.month, today.day) < (start.month, start.day))
    return Decimal(years)


def choose_slab(slabs: list[Slab], measure: Decimal) -> Slab:
    """The first slab whose inclusive ``upto`` reaches ``measure`` (the last is open-ended)."""
    for slab in slabs:
        if slab.upto is None or measure <= _decimal(slab.upto):
            return slab
    raise FeeError(f"no slab covers {measure}")  # the schema makes the last slab open-ended


def summarise_fee(fee: Fee) -> FeeSummary:
    """The lowest and highest amount a fee can come to, and a one-line operator description."""
    waived = bool(fee.waivers)
    if fee.kind == FeeKind.ZERO:
        return FeeSummary(fee.kind, 0, 0, "free")
    if fee.kind == FeeKind.FIXED:
        paise = to_paise(fee.amount)
        return FeeSummary(fee.kind, 0 if waived else paise, paise, format_rupees(paise))
    basis = f"{fee.measure} {fee.basis_field}" if fee.measure != "value" else f"{fee.basis_field}"
    if fee.kind == FeeKind.SLAB:
        amounts = [to_paise(s.amount) for s in fee.slabs]
        low, high = (0 if waived else min(amounts)), max(amounts)
        span = format_rupees(low) if low == high else f"{format_rupees(low)}–{format_rupees(high)}"
        return FeeSummary(fee.kind, low, high, f"{span} by {basis}")
    base = to_paise(fee.amount)
    cap = to_paise(fee.maximum) if fee.maximum is not None else None
    text = f"{format_rupees(to_paise(fee.rate))} × {basis}"
    if base:
        text = f"{format_rupees(base)} + {text}"
    if cap is not None:
        text += f" (at most {format_rupees(cap)})"
    high = base
    if cap is not None:
        high = min(base, cap) if not fee.rate else cap
    low = 0 if waived else (min(base, cap) if cap is not None else base)
    unbounded = cap is None and bool(fee.rate)  # grows with the answer
    return FeeSummary(fee.kind, low, None if unbounded else high, text)


def to_paise(rupees: float | Decimal) -> int:
    """Rupees (as the catalogue writes them) to whole paise, rounding half up."""
    return int((_decimal(rupees) * _PAISE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_rupees(paise: int) -> str:
    """``₹`` and Indian digit grouping (lakh, crore); paise shown only when there are some."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join([*groups, tail])
    return f"{sign}₹{digits}" + (f".{rest:02d}" if rest else "")


def _decimal(value: float | int | Decimal | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return Decimal(value.strip().replace(",", ""))
    return Decimal(str(value))


def _date(name: str, value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FeeError(f"answer {name!r} is not a date (YYYY-MM-DD): {value!r}")
