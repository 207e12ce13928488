"""Certificate templates (data files in ``templates/``) and the texts of ``texts.yaml``.

A template says which answers a certificate prints and under which bilingual labels; a service
names its template in the catalogue (``certificate.template``). :func:`certificate_rows` turns an
application's answers into printable rows: choices as their Hindi and English labels, dates as
DD/MM/YYYY, Aadhaar numbers masked (only the stored mask is ever read, and any Aadhaar-like
number typed into a free-text answer is masked too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from sevadwar.catalogue.fees import format_rupees
from sevadwar.catalogue.schema import FieldType, FormField, Service

DATA = Path(__file__).parent
TEMPLATES = DATA / "templates"
LANGUAGES = ("hi", "en")

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_AADHAAR_LIKE = re.compile(r"(?<!\d)([2-9](?:[\s\-]?\d){11})(?!\d)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    en: str = Field(min_length=1)
    hi: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.hi if language == "hi" else self.en


class Row(_Strict):
    label: Bilingual
    fields: list[str] = Field(min_length=1)  # the first answered one is printed
    unless_shown: bool = False  # leave out when the same value is already printed


class Layout(_Strict):
    accent: tuple[int, int, int] = (18, 52, 110)
    frame: str = Field(default="single", pattern="^(single|double)$")
    card: bool = False  # the rows inside a card-shaped box (identity and entitlement cards)


class Template(_Strict):
    id: str
    layout: Layout = Layout()
    statement: Bilingual  # may use {reference}
    holder: list[list[str]] = Field(min_length=1)
    rows: list[Row] = Field(min_length=1)


@cache
def load_template(template_id: str) -> Template:
    path = TEMPLATES / f"{template_id}.yaml"
    if not re.fullmatch(r"[a-z0-9_\-]+", template_id) or not path.is_file():
        raise KeyError(f"no certificate template {template_id!r}")
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Template(id=template_id, **data)


def template_ids() -> list[str]:
    return sorted(p.stem for p in TEMPLATES.glob("*.yaml"))


@cache
def _texts() -> dict[str, dict[str, dict[str, str]]]:
    with (DATA / "texts.yaml").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(handle)
    return data


def text(section: str, key: str, language: str, **values: Any) -> str:
    """One text of ``texts.yaml`` in ``language`` (Hindi when unknown), filled in."""
    entry = _texts()[section][key]
    chosen = entry.get(language) or entry["hi"]
    return chosen.format(**values) if values else chosen


def bilingual(section: str, key: str, **values: Any) -> Bilingual:
    return Bilingual(en=text(section, key, "en", **values), hi=text(section, key, "hi", **values))


def mask_aadhaar_like(value: str) -> str:
    """``value`` with every Aadhaar-like 12-digit number shown as XXXX-XXXX-1234."""
    ascii_digits = value.translate(_DEVANAGARI_DIGITS)  # same length, so spans carry over
    out = value
    for match in reversed(list(_AADHAAR_LIKE.finditer(ascii_digits))):
        last_four = re.sub(r"\D", "", match.group(1))[-4:]
        out = out[: match.start()] + f"XXXX-XXXX-{last_four}" + out[match.end() :]
    return out


@dataclass(frozen=True, slots=True)
class PrintedRow:
    label: Bilingual
    value: str


def _both(hi: str, en: str) -> str:
    return hi if hi == en else f"{hi} / {en}"


def format_value(spec: FormField, value: Any) -> str | None:
    """How an answer is printed on a certificate (both languages where they differ)."""
    if value is None or value == "" or value == []:
        return None
    if spec.type is FieldType.AADHAAR:
        masked = value.get("masked") if isinstance(value, dict) else None
        return str(masked) if masked else "XXXX-XXXX-XXXX"
    if spec.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        ids = value if isinstance(value, list) else [value]
        options = {o.id: o.label for o in spec.options}
        labels = [options.get(i) for i in ids]
        hi = ", ".join(
            label.get("hi") if label else str(i) for i, label in zip(ids, labels, strict=True)
        )
        en = ", ".join(label.en if label else str(i) for i, label in zip(ids, labels, strict=True))
        return _both(hi, en)
    if spec.type is FieldType.YES_NO:
        key = "yes" if value else "no"
        return _both(text("pdf", key, "hi"), text("pdf", key, "en"))
    if spec.type is FieldType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return mask_aadhaar_like(value)
    if spec.type is FieldType.MONEY and isinstance(value, int | float):
        return format_rupees(round(value * 100))
    if spec.type is FieldType.LOCATION and isinstance(value, dict):
        return str(value.get("name") or f"{value.get('lat', 0):.5f}, {value.get('lon', 0):.5f}")
    if isinstance(value, dict | list):
        return None  # nothing structured is printed unless its type says how
    return mask_aadhaar_like(str(value).strip()) or None


def answered(service: Service, answers: dict[str, Any], field_id: str) -> str | None:
    try:
        spec = service.field(field_id)
    except KeyError:
        return None
    return format_value(spec, answers.get(field_id))


def certificate_rows(
    template: Template, service: Service, answers: dict[str, Any]
) -> list[PrintedRow]:
    rows: list[PrintedRow] = []
    for row in template.rows:
        value = next((v for f in row.fields if (v := answered(service, answers, f))), None)
        if value is None or (row.unless_shown and any(r.value == value for r in rows)):
            continue
        rows.append(PrintedRow(row.label, value))
    return rows


def holder_name(template: Template, service: Service, answers: dict[str, Any]) -> str:
    """The holder's name for the register and the verification page (never empty)."""
    for alternative in template.holder:
        values = [answered(service, answers, f) for f in alternative]
        if all(values):
            return " & ".join(v for v in values if v)[:200]
    return "—"
