"""The service catalogue schema: one YAML file per service under ``catalogue/``.

A service is data, not code. The same field definitions drive the chat questions, a web form and
(later) a WhatsApp Flow, so a field says *what* it collects and how to validate it, never how a
particular channel asks for it. See ``docs/catalogue.md`` for the authoring guide.

Text is keyed by locale (``{"en": ..., "hi": ...}``). English is required everywhere; a language
is offered to citizens only when every text of every service exists in it, so adding Punjabi or
Urdu is adding text, not code.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

ServiceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=48)]
FieldId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]

DEPARTMENTS = (
    "revenue",
    "mcd",
    "djb",
    "power",
    "food",
    "transport",
    "social-welfare",
    "wcd",
    "labour",
    "police",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Text in several languages. ``en`` is required; ``hi`` is expected for Delhi."""

    model_config = ConfigDict(extra="allow", frozen=True)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        value = (self.model_extra or {}).get(language)
        return value if isinstance(value, str) and value else self.en

    def languages(self) -> frozenset[str]:
        extra = {k for k, v in (self.model_extra or {}).items() if isinstance(v, str) and v}
        return frozenset({"en", *extra})

    @model_validator(mode="after")
    def _extra_are_strings(self) -> Text:
        for key, value in (self.model_extra or {}).items():
            if not (
                isinstance(key, str) and len(key) in (2, 3) and key.isalpha() and key.islower()
            ):
                raise ValueError(f"{key!r} is not a language code (use e.g. 'hi', 'pa', 'ur')")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"text for {key!r} must be a non-empty string")
        return self


class Kind(StrEnum):
    CERTIFICATE = "certificate"
    ORDER = "order"
    LICENCE = "licence"
    BENEFIT = "benefit"
    CONNECTION = "connection"
    CARD = "card"
    REGISTRATION = "registration"
    VERIFICATION = "verification"
    PAYMENT = "payment"
    BOOKING = "booking"


class FieldType(StrEnum):
    TEXT = "text"
    NAME = "name"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    PHONE = "phone"
    EMAIL = "email"
    PINCODE = "pincode"
    AADHAAR = "aadhaar"
    ADDRESS = "address"
    LOCATION = "location"


class Period(StrEnum):
    """What a number or sum is counted over: an answer given per the other period is converted."""

    MONTH = "month"
    YEAR = "year"


class Condition(Strict):
    """Ask a field or a document only when an earlier answer matches.

    Exactly one of ``equals``, ``in`` (``in_`` in Python) or ``not_in`` is given. For yes/no
    fields the answer is the boolean ``true``/``false``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    field: FieldId
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = sum(x is not None for x in (self.equals, self.in_, self.not_in))
        if given != 1:
            raise ValueError("a condition needs exactly one of 'equals', 'in', 'not_in'")
        return self

    def holds(self, answers: dict[str, Any]) -> bool:
        if self.field not in answers:
            return False
        value = answers[self.field]
        values = value if isinstance(value, list) else [value]
        if self.equals is not None:
            return self.equals in values
        if self.in_ is not None:
            return any(v in self.in_ for v in values)
        assert self.not_in is not None
        return all(v not in self.not_in for v in values)


class Option(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=40)]
    label: Text
    synonyms: list[str] = []  # extra words a citizen may type for this option, any language


class FormField(Strict):
    id: FieldId
    type: FieldType
    label: Text  # the question, as asked in the chat
    help: Text | None = None  # shown with the question: an example or where to find it
    error: Text | None = None  # replaces the type's standard error message
    required: bool = True
    when: Condition | None = None
    options: list[Option] = []  # choice and multi_choice
    places: str | None = None  # choice: a list in _places.yaml adds the places of each option
    min: float | None = None  # number and money
    max: float | None = None
    per: Period | None = None  # number and money: "20 हज़ार महीना" to a yearly field is × 12
    since: FieldId | None = None  # number of years: "जन्म से" counts from this date field
    min_length: int | None = None  # text, name, address
    max_length: int | None = None
    pattern: str | None = None  # text: a regular expression the whole answer must match
    min_date: str | None = None  # "today", "today-30d", "today+1y" or "YYYY-MM-DD"
    max_date: str | None = None
    section: Text | None = None  # groups fields into a screen for web forms and Flows
    verify: bool = False  # a fact an operator should review

    @model_validator(mode="after")
    def _options_fit_type(self) -> FormField:
        has_options = bool(self.options)
        needs_options = self.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
        if needs_options and len(self.options) < 2:
            raise ValueError(f"field '{self.id}': a {self.type} field needs at least 2 options")
        if has_options and not needs_options:
            raise ValueError(f"field '{self.id}': only choice fields have options")
        if self.places and self.type is not FieldType.CHOICE:
            raise ValueError(f"field '{self.id}': only choice fields take places")
        if self.since and self.type is not FieldType.NUMBER:
            raise ValueError(f"field '{self.id}': only number fields count years since a date")
        ids = [o.id for o in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError(f"field '{self.id}': option ids repeat")
        return self


class FileType(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"


class DocumentSpec(Strict):
    id: FieldId
    label: Text
    help: Text | None = None
    accept: list[FileType] = [FileType.PDF, FileType.JPEG, FileType.PNG]
    max_mb: float = Field(default=5, gt=0, le=100)
    required: bool = True
    when: Condition | None = None
    verify: bool = False
    sides: Literal[1, 2] = 1  # 2: a card's front and back, two photos (or one PDF with both)


class FeeKind(StrEnum):
    ZERO = "zero"
    FIXED = "fixed"
    SLAB = "slab"  # amount chosen by a measure of an answer (e.g. days since the date of birth)
    COMPUTED = "computed"  # base + rate x a numeric answer (e.g. pages, area)


class Slab(Strict):
    upto: float | None = None  # inclusive upper bound of the measure; None for the last slab
    amount: float = Field(ge=0)
    label: Text | None = None


class Waiver(Strict):
    when: Condition
    reason: Text


class Fee(Strict):
    kind: FeeKind
    amount: float = Field(default=0, ge=0)  # fixed amount, or the base of a computed fee
    basis_field: FieldId | None = None  # slab and computed: which answer
    measure: Literal["value", "days_since", "years_since"] = "value"
    slabs: list[Slab] = []
    rate: float = Field(default=0, ge=0)  # computed: amount per unit of the basis answer
    maximum: float | None = Field(default=None, ge=0)  # computed: the cap
    waivers: list[Waiver] = []
    note: Text | None = None
    verify: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Fee:
        if self.kind == FeeKind.ZERO and self.amount:
            raise ValueError("a zero fee has no amount")
        if self.kind == FeeKind.FIXED and not self.amount:
            raise ValueError(
                "a fixed fee needs an amount above 0 (use kind: zero for free services)"
            )
        if self.kind in (FeeKind.SLAB, FeeKind.COMPUTED) and not self.basis_field:
            raise ValueError(f"a {self.kind} fee needs basis_field")
        if self.kind == FeeKind.SLAB:
            if not self.slabs:
                raise ValueError("a slab fee needs slabs")
            bounds = [s.upto for s in self.slabs]
            if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
                raise ValueError("only the last slab is open-ended (no 'upto')")
            numeric = [b for b in bounds[:-1] if b is not None]
            if any(b <= a for a, b in itertools.pairwise(numeric)):
                raise ValueError("slabs must be in strictly increasing order of 'upto'")
        return self


class Role(StrEnum):
    DEALING_ASSISTANT = "dealing_assistant"
    VERIFYING_OFFICER = "verifying_officer"
    APPROVING_OFFICER = "approving_officer"
    DEPARTMENT_ADMIN = "department_admin"
    IT_ADMIN = "it_admin"


class Stage(Strict):
    id: FieldId
    name: Text
    role: Role
    days: int = Field(ge=0, le=365)  # the stage's share of the overall time limit


class Workflow(Strict):
    stages: list[Stage] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _unique(cls, stages: list[Stage]) -> list[Stage]:
        ids = [s.id for s in stages]
        if len(ids) != len(set(ids)):
            raise ValueError("stage ids repeat")
        return stages


class CertificateSpec(Strict):
    template: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_\-]+$")]
    title: Text
    validity_days: int | None = None  # None: valid until revoked


class Recognition(Strict):
    """How citizens name the service. The NLU learns from these: no code per service."""

    synonyms: list[str] = []  # short names and keywords, any script
    examples: dict[Literal["en", "hi", "hinglish"], list[str]] = {}


class Service(Strict):
    id: ServiceId
    department: Literal[DEPARTMENTS]  # type: ignore[valid-type]
    kind: Kind
    name: Text
    short_name: Text | None = None  # at most 24 characters: a WhatsApp list row's title
    description: Text
    office: Text  # the issuing authority, e.g. "Sub-Divisional Magistrate (SDM)"
    eligibility: Text | None = None
    fee: Fee
    sla_days: int = Field(ge=0, le=365)  # 0: same day / instant
    sla_note: Text | None = None
    documents: list[DocumentSpec] = []
    fields: list[FormField] = Field(min_length=1)
    workflow: Workflow
    certificate: CertificateSpec | None = None
    recognition: Recognition = Recognition()
    sources: list[str] = []  # where the facts come from
    verify: bool = False  # the service as a whole awaits an operator's review

    @field_validator("short_name")
    @classmethod
    def _short_enough(cls, value: Text | None) -> Text | None:
        if value is not None:
            for language in value.languages():
                if len(value.get(language)) > 24:
                    raise ValueError(f"short_name in {language!r} is longer than 24 characters")
        return value

    def menu_title(self, language: str) -> str:
        """The service's name as a list row title (WhatsApp shows at most 24 characters)."""
        return (self.short_name or self.name).get(language)

    @model_validator(mode="after")
    def _references_resolve(self) -> Service:
        field_ids = [f.id for f in self.fields]
        if len(field_ids) != len(set(field_ids)):
            raise ValueError("field ids repeat")
        doc_ids = [d.id for d in self.documents]
        if len(doc_ids) != len(set(doc_ids)):
            raise ValueError("document ids repeat")
        seen: set[str] = set()
        for f in self.fields:
            if f.when and f.when.field not in seen:
                raise ValueError(
                    f"field '{f.id}' depends on '{f.when.field}', which is not asked before it"
                )
            if f.since and (f.since not in seen or self.field(f.since).type is not FieldType.DATE):
                raise ValueError(
                    f"field '{f.id}' counts years since '{f.since}', which is not a date asked "
                    "before it"
                )
            seen.add(f.id)
        for d in self.documents:
            if d.when and d.when.field not in seen:
                raise ValueError(f"document '{d.id}' depends on unknown field '{d.when.field}'")
        fee_fields = [self.fee.basis_field] if self.fee.basis_field else []
        fee_fields += [w.when.field for w in self.fee.waivers]
        for name in fee_fields:
            if name not in seen:
                raise ValueError(f"the fee refers to unknown field '{name}'")
        stage_days = sum(s.days for s in self.workflow.stages)
        if stage_days != self.sla_days:
            raise ValueError(
                f"workflow stage days add up to {stage_days}, but sla_days is {self.sla_days}"
            )
        return self

    def field(self, field_id: str) -> FormField:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def document(self, document_id: str) -> DocumentSpec:
        for d in self.documents:
            if d.id == document_id:
                return d
        raise KeyError(document_id)

    def texts(self) -> list[Text]:
        """Every citizen-facing text of the service, to decide which languages are complete."""
        found: list[Text] = []

        def walk(value: Any) -> None:
            if isinstance(value, Text):
                found.append(value)
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(getattr(value, name))
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item)

        walk(self)
        return found

    def languages(self) -> frozenset[str]:
        """Languages in which every text of this service exists."""
        result: frozenset[str] | None = None
        for text in self.texts():
            result = text.languages() if result is None else result & text.languages()
        return result or frozenset({"en"})
