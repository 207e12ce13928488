"""Load the catalogue directory, or report every problem in it with its file and line.

The directory holds one ``<service-id>.yaml`` per service, ``_departments.yaml`` and
``_places.yaml`` (places named instead of an option, e.g. a locality for a district); other files
whose names start with ``_`` or ``.`` are not services. :func:`validate_catalogue` returns every
problem found (errors and warnings), each pointing at a line an author can jump to;
:func:`load_catalogue` returns a :class:`Catalogue` or raises :class:`CatalogueError` with the
errors. The checks beyond the schema are listed in ``docs/catalogue.md``.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sevadwar.catalogue.catalogue import (
    MENU_DESCRIPTION_MAX,
    MENU_TITLE_MAX,
    Catalogue,
    Department,
)
from sevadwar.catalogue.schema import (
    DEPARTMENTS,
    Condition,
    FeeKind,
    FieldType,
    FormField,
    Kind,
    Service,
    Strict,
    Text,
)

DEPARTMENTS_FILE = "_departments.yaml"
PLACES_FILE = "_places.yaml"  # places people name instead of an option ("Trilokpuri": east)
REQUIRED_LANGUAGES: tuple[str, ...] = ("en", "hi")  # Delhi: every text in English and Hindi

Loc = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: ~5x faster


def default_catalogue_dir() -> Path:
    """``./catalogue`` when it exists, else the ``catalogue/`` folder of this source tree."""
    here = Path.cwd() / "catalogue"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "catalogue"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, shown as ``path:line: message`` (warnings as ``path:line: warning: …``)."""

    path: Path
    line: int  # 1-based; 1 for a problem with the file as a whole
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def __str__(self) -> str:
        label = "warning: " if self.severity == Severity.WARNING else ""
        return f"{self.path}:{self.line}: {label}{self.message}"


class CatalogueError(Exception):
    """The catalogue has errors; ``problems`` lists them (and any warnings) in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = sum(p.is_error for p in self.problems)
        super().__init__(f"{errors} error(s) in the catalogue:\n" + "\n".join(map(str, problems)))


def load_catalogue(directory: Path) -> Catalogue:
    """The validated catalogue in ``directory``; raises :class:`CatalogueError` on any error."""
    problems, services, departments = _examine(directory)
    if any(p.is_error for p in problems):
        raise CatalogueError(problems)
    return Catalogue(services, departments)


def validate_catalogue(directory: Path) -> list[Problem]:
    """Every error and warning in ``directory``, ordered by file and line."""
    return _examine(directory)[0]


def load_services(directory: Path) -> list[Service]:
    """Every service in ``directory``, sorted by id (a shortcut for ``load_catalogue``)."""
    return list(load_catalogue(directory))


# -- reading YAML with line numbers ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    path: Path
    root: Node
    data: Any

    def line(self, loc: Loc) -> int:
        """The line of the node at ``loc``, or of the nearest parent that exists."""
        node, line = self.root, self.root.start_mark.line + 1
        for part in loc:
            child: Node | None = None
            if isinstance(node, MappingNode):
                for key, value in node.value:  # the last of repeated keys wins, as in PyYAML
                    if isinstance(key, ScalarNode) and key.value == str(part):
                        child, line = value, key.start_mark.line + 1
            elif (
                isinstance(node, SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is not None:
                node = child
        return line

    def problem(
        self,
        loc: Loc,
        message: str,
        severity: Severity = Severity.ERROR,
        *,
        line_loc: Loc | None = None,
    ) -> Problem:
        """A problem at ``loc``, named in the message (``fields[2].label: …``)."""
        where = _format_loc(loc)
        text = f"{where}: {message}" if where else message
        return Problem(self.path, self.line(loc if line_loc is None else line_loc), text, severity)


def _read(path: Path) -> tuple[_Source | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, f"not UTF-8 text ({exc.reason})")]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = exc.context or ""
        if context and exc.context_mark is not None:
            context += f" (line {exc.context_mark.line + 1})"
        detail = "; ".join(p for p in (context, exc.problem) if p) or "cannot be read"
        return None, [Problem(path, mark.line + 1 if mark else 1, f"YAML syntax: {detail}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, f"YAML syntax: {exc}")]
    finally:
        loader.dispose()
    if root is None:
        return None, [Problem(path, 1, "the file is empty")]
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        line = root.start_mark.line + 1
        return None, [Problem(path, line, "the file must be a mapping of keys (id: …, name: …)")]
    return _Source(path, root, data), list(_duplicate_keys(path, root))


def _duplicate_keys(path: Path, node: Node) -> Iterator[Problem]:
    """PyYAML silently keeps the last of repeated keys; an author almost never means that."""
    if isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                line = key.start_mark.line + 1
                if key.value in first:
                    yield Problem(
                        path,
                        line,
                        f"key '{key.value}' repeats (first on line {first[key.value]}); "
                        "only the last one would count",
                    )
                else:
                    first[key.value] = line
            yield from _duplicate_keys(path, value)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(path, item)


def _format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        in_mapping = isinstance(data, dict) and part in data
        in_sequence = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_mapping or in_sequence):
            return None
        data = data[part]
    return data


# -- pydantic errors to problems -------------------------------------------------------------


def _validation_problems(
    source: _Source, exc: ValidationError, model: type[BaseModel]
) -> list[Problem]:
    problems = []
    errors = exc.errors(include_url=False)
    misspelt = {  # a misspelt key is reported once, as unknown, not also as missing
        (*error["loc"][:-1], match)
        for error in errors
        if error["type"] == "extra_forbidden"
        for match in difflib.get_close_matches(
            str(error["loc"][-1]), _keys_of(model, tuple(error["loc"][:-1])), n=1
        )
    }
    for error in errors:
        loc: Loc = tuple(error["loc"])
        if error["type"] == "missing" and loc in misspelt:
            continue
        message = _describe(error, loc, model)
        if error["type"] == "extra_forbidden":  # name the mapping, point at the unknown key
            problems.append(source.problem(loc[:-1], message, line_loc=loc))
            continue
        if error["type"] == "missing":
            loc = loc[:-1]
        problems.append(source.problem(_refine(source.data, loc, message), message))
    return problems


def _describe(error: ErrorDetails, loc: Loc, model: type[BaseModel]) -> str:
    kind, value = error["type"], error.get("input")
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind == "missing":
        return f"'{loc[-1]}' is required" if loc else message
    if kind == "extra_forbidden":
        known = _keys_of(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1) if known else []
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        listing = f"; allowed: {', '.join(known)}" if known and not close else ""
        return f"unknown key '{loc[-1]}'{hint}{listing}"
    if loc == ("department",) and kind == "literal_error":
        return f"unknown department {value!r} (the departments: {', '.join(DEPARTMENTS)})"
    if kind == "string_type" and isinstance(value, bool):
        message += " (YAML reads yes/no/on/off/true/false as true or false: put the text in quotes)"
    elif kind == "string_type" and isinstance(value, date):
        message += " (YAML reads 2024-01-31 as a date: put it in quotes)"
    elif kind == "string_type" and isinstance(value, int | float):
        message += " (put the number in quotes where text is expected)"
    return message


def _keys_of(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the schema allows at ``loc`` (for "did you mean"); empty when unknown."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = get_args(annotation)
            annotation = args[0] if get_origin(annotation) is list and args else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {f.alias or name: f for name, f in annotation.model_fields.items()}
            annotation = fields[part].annotation if part in fields else None
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        others = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(others[0]) if len(others) == 1 else annotation
    return annotation


# A model validator reports at the model; these point at the key that is wrong instead.
_Refiner = Callable[[Any, "re.Match[str]"], Loc | None]


def _repeat(items: Any, key: str) -> int | None:
    seen: list[Any] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        value = item.get(key) if isinstance(item, dict) else None
        if value is not None and value in seen:
            return index
        seen.append(value)
    return None


def _index(items: Any, key: str, value: Any) -> int | None:
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get(key) == value:
            return index
    return None


def _in_list(name: str, key: str, *rest: str | int) -> _Refiner:
    def refine(data: Any, match: re.Match[str]) -> Loc | None:
        items = data.get(name) if isinstance(data, dict) else None
        index = (
            _repeat(items, key)
            if "id" not in match.groupdict()
            else _index(items, key, match["id"])
        )
        return None if index is None else (name, index, *rest)

    return refine


def _fee_field(data: Any, match: re.Match[str]) -> Loc | None:
    fee = data.get("fee") if isinstance(data, dict) else None
    if not isinstance(fee, dict):
        return None
    if fee.get("basis_field") == match["id"]:
        return ("fee", "basis_field")
    waivers = fee.get("waivers")
    for index, waiver in enumerate(waivers if isinstance(waivers, list) else []):
        if _at(waiver, ("when", "field")) == match["id"]:
            return ("fee", "waivers", index, "when", "field")
    return None


def _key_or(key: str, other: str) -> _Refiner:
    return lambda data, _: (key,) if isinstance(data, dict) and key in data else (other,)


def _open_slab(data: Any, _: re.Match[str]) -> Loc | None:
    slabs = data.get("slabs") if isinstance(data, dict) else None
    if not isinstance(slabs, list):
        return None
    for index, slab in enumerate(slabs[:-1]):
        if isinstance(slab, dict) and slab.get("upto") is None:
            return ("slabs", index)
    return ("slabs", len(slabs) - 1, "upto")


def _unordered_slab(data: Any, _: re.Match[str]) -> Loc | None:
    slabs = data.get("slabs") if isinstance(data, dict) else None
    bounds = [s.get("upto") if isinstance(s, dict) else None for s in slabs or []]
    for index in range(1, len(bounds)):
        before, after = bounds[index - 1], bounds[index]
        if isinstance(before, int | float) and isinstance(after, int | float) and after <= before:
            return ("slabs", index, "upto")
    return None


def _stage_repeat(data: Any, _: re.Match[str]) -> Loc | None:
    index = _repeat(data, "id")
    return None if index is None else (index, "id")


def _option_repeat(data: Any, _: re.Match[str]) -> Loc | None:
    index = _repeat(data.get("options") if isinstance(data, dict) else None, "id")
    return None if index is None else ("options", index, "id")


_REFINERS: tuple[tuple[re.Pattern[str], _Refiner], ...] = (
    (re.compile(r"^field ids repeat"), _in_list("fields", "id", "id")),
    (re.compile(r"^document ids repeat"), _in_list("documents", "id", "id")),
    (re.compile(r"^field '(?P<id>[^']+)' depends on"), _in_list("fields", "id", "when", "field")),
    (
        re.compile(r"^document '(?P<id>[^']+)' depends on"),
        _in_list("documents", "id", "when", "field"),
    ),
    (re.compile(r"^field '(?P<id>[^']+)' counts years since"), _in_list("fields", "id", "since")),
    (re.compile(r"^the fee refers to unknown field '(?P<id>[^']+)'"), _fee_field),
    (re.compile(r"^workflow stage days add up"), lambda data, _: ("workflow", "stages")),
    (re.compile(r"option ids repeat$"), _option_repeat),
    (re.compile(r"needs at least 2 options$"), _key_or("options", "type")),
    (re.compile(r"only choice fields have options$"), lambda data, _: ("options",)),
    (re.compile(r"only number fields count years since a date$"), lambda data, _: ("since",)),
    (re.compile(r"only choice fields take places$"), lambda data, _: ("places",)),
    (re.compile(r"^a zero fee has no amount"), lambda data, _: ("amount",)),
    (re.compile(r"^a fixed fee needs an amount"), _key_or("amount", "kind")),
    (re.compile(r"^a \w+ fee needs (basis_field|slabs)"), lambda data, _: ("kind",)),
    (re.compile(r"^only the last slab is open-ended"), _open_slab),
    (re.compile(r"increasing order of 'upto'"), _unordered_slab),
    (re.compile(r"^stage ids repeat"), _stage_repeat),
    (re.compile(r"^'(?P<key>[^']+)' is not a language code"), lambda data, m: (m["key"],)),
    (re.compile(r"^text for '(?P<key>[^']+)' must be"), lambda data, m: (m["key"],)),
)


def _refine(data: Any, loc: Loc, message: str) -> Loc:
    for pattern, refiner in _REFINERS:
        match = pattern.search(message)
        if match:
            suffix = refiner(_at(data, loc), match)
            return loc if suffix is None else (*loc, *suffix)
    return loc


# -- checks beyond the schema ----------------------------------------------------------------

_NUMERIC = (FieldType.NUMBER, FieldType.MONEY)
_DATE_BOUND = re.compile(r"^today([+-]\d+[dy])?$")


def _check_service(source: _Source, service: Service) -> list[Problem]:
    found: list[Problem] = []
    error = found.append

    def warn(loc: Loc, message: str) -> None:
        found.append(source.problem(loc, message, Severity.WARNING))

    for loc, condition in _conditions(service):
        found.extend(_check_condition(source, service, loc, condition))

    fee = service.fee
    if fee.basis_field and fee.kind in (FeeKind.SLAB, FeeKind.COMPUTED):
        basis = service.field(fee.basis_field)
        wanted = (FieldType.DATE,) if fee.measure != "value" else _NUMERIC
        if basis.type not in wanted:
            kinds = " or ".join(wanted)
            error(
                source.problem(
                    ("fee", "basis_field"),
                    f"a fee measured by {fee.measure} needs a {kinds} field; "
                    f"'{basis.id}' is a {basis.type} field",
                )
            )
        if not basis.required or basis.when is not None:
            error(
                source.problem(
                    ("fee", "basis_field"),
                    f"'{basis.id}' must be asked of everyone (required, no 'when'): "
                    "the fee cannot be worked out without it",
                )
            )
    if fee.maximum is not None and fee.kind != FeeKind.COMPUTED:
        warn(("fee", "maximum"), "'maximum' only applies to a computed fee")
    if fee.slabs and fee.kind != FeeKind.SLAB:
        warn(("fee", "slabs"), "'slabs' only apply to a slab fee")
    if fee.rate and fee.kind != FeeKind.COMPUTED:
        warn(("fee", "rate"), "'rate' only applies to a computed fee")
    if fee.kind == FeeKind.COMPUTED and not fee.rate:
        warn(("fee", "rate"), "a computed fee with no rate is a fixed fee")

    for index, field in enumerate(service.fields):
        found.extend(_check_field(source, ("fields", index), field))

    recognition = service.recognition
    if not recognition.synonyms and not any(recognition.examples.values()):
        warn(("recognition",), "no synonyms or examples: citizens can find it only by its name")
    if service.kind == Kind.CERTIFICATE and service.certificate is None:
        warn(("kind",), "a certificate service without a 'certificate' section issues no PDF")
    return found


def _conditions(service: Service) -> Iterator[tuple[Loc, Condition]]:
    for index, field in enumerate(service.fields):
        if field.when:
            yield ("fields", index, "when"), field.when
    for index, document in enumerate(service.documents):
        if document.when:
            yield ("documents", index, "when"), document.when
    for index, waiver in enumerate(service.fee.waivers):
        yield ("fee", "waivers", index, "when"), waiver.when


def _check_condition(
    source: _Source, service: Service, loc: Loc, condition: Condition
) -> Iterator[Problem]:
    target = service.field(condition.field)
    if condition.equals is not None:
        values: list[tuple[Loc, Any]] = [((*loc, "equals"), condition.equals)]
    else:
        key, items = (
            ("in", condition.in_) if condition.in_ is not None else ("not_in", condition.not_in)
        )
        values = [((*loc, key, i), v) for i, v in enumerate(items or [])]
    if target.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        options = [o.id for o in target.options]
        for value_loc, value in values:
            if value not in options:
                listing = ", ".join(options)
                yield source.problem(
                    value_loc,
                    f"{value!r} is not an option of '{target.id}' (its options: {listing})",
                )
    elif target.type == FieldType.YES_NO:
        for value_loc, value in values:
            if not isinstance(value, bool):
                yield source.problem(
                    value_loc, f"'{target.id}' is yes/no: compare with true or false"
                )
    elif target.type in _NUMERIC:
        for value_loc, value in values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                yield source.problem(value_loc, f"'{target.id}' is a number: compare with a number")


def _check_field(source: _Source, loc: Loc, field: FormField) -> Iterator[Problem]:
    if field.min is not None and field.max is not None and field.min > field.max:
        yield source.problem((*loc, "min"), f"min ({field.min}) is above max ({field.max})")
    if (
        field.min_length is not None
        and field.max_length is not None
        and field.min_length > field.max_length
    ):
        yield source.problem((*loc, "min_length"), "min_length is above max_length")
    if field.pattern is not None:
        try:
            re.compile(field.pattern)
        except re.error as exc:
            yield source.problem((*loc, "pattern"), f"not a regular expression: {exc}")
    for key in ("min_date", "max_date"):
        bound = getattr(field, key)
        if bound is not None and not _DATE_BOUND.match(bound):
            try:
                date.fromisoformat(bound)
            except ValueError:
                yield source.problem(
                    (*loc, key), f"{bound!r}: use 'today', 'today-30d', 'today+1y' or 'YYYY-MM-DD'"
                )
    fits = {
        "min": _NUMERIC,
        "max": _NUMERIC,
        "per": _NUMERIC,
        "min_length": (FieldType.TEXT, FieldType.NAME, FieldType.ADDRESS),
        "max_length": (FieldType.TEXT, FieldType.NAME, FieldType.ADDRESS),
        "pattern": (FieldType.TEXT,),
        "min_date": (FieldType.DATE,),
        "max_date": (FieldType.DATE,),
    }
    for key, types_ in fits.items():
        if getattr(field, key) is not None and field.type not in types_:
            yield source.problem(
                (*loc, key), f"'{key}' is ignored for a {field.type} field", Severity.WARNING
            )


# -- languages -------------------------------------------------------------------------------


def _texts(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Text]]:
    """Every :class:`Text` inside a model, with its location in the YAML."""
    if isinstance(value, Text):
        yield loc, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from _texts(getattr(value, name), (*loc, info.alias or name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _texts(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*loc, key))


def _language_problems(
    source: _Source, model: BaseModel, offered: set[str], base: Loc = ()
) -> Iterator[Problem]:
    """Required languages missing: an error at each text. Others: one warning per language."""
    missing: dict[str, list[Loc]] = {}
    for loc, text in _texts(model, base):
        have = text.languages()
        for language in sorted(offered - have):
            if language in REQUIRED_LANGUAGES:
                needed = ", ".join(REQUIRED_LANGUAGES)
                yield source.problem(loc, f"no '{language}' text (every text needs {needed})")
            else:
                missing.setdefault(language, []).append(loc)
    for language, locs in missing.items():
        others = f" and {len(locs) - 1} more text(s)" if len(locs) > 1 else ""
        yield source.problem(
            locs[0],
            f"no '{language}' text here{others}, so '{language}' cannot be offered to citizens",
            Severity.WARNING,
        )


# -- the whole directory ---------------------------------------------------------------------


class _DepartmentsFile(Strict):
    departments: list[Department] = Field(min_length=1)


def _load_departments(directory: Path) -> tuple[_Source | None, list[Department], list[Problem]]:
    path = directory / DEPARTMENTS_FILE
    if not path.is_file():
        return None, [], [Problem(path, 1, "missing: the departments file lists every department")]
    source, problems = _read(path)
    if source is None:
        return None, [], problems
    try:
        departments = _DepartmentsFile.model_validate(source.data).departments
    except ValidationError as exc:
        return source, [], problems + _validation_problems(source, exc, _DepartmentsFile)
    seen_ids: set[str] = set()
    seen_orders: set[int] = set()
    for index, department in enumerate(departments):
        title_key = "short" if department.short else "name"
        for key, text, limit in (
            (title_key, department.title, MENU_TITLE_MAX),
            ("description", department.description, MENU_DESCRIPTION_MAX),
        ):
            for language in sorted(text.languages()):
                if len(text.get(language)) > limit:
                    problems.append(
                        source.problem(
                            ("departments", index, key, language),
                            f"longer than the {limit} characters a WhatsApp menu row shows"
                            + (" (add a 'short' name)" if key == "name" else ""),
                        )
                    )
        if department.id in seen_ids:
            problems.append(source.problem(("departments", index, "id"), "department id repeats"))
        if department.order in seen_orders:
            problems.append(
                source.problem(("departments", index, "order"), "another department has this order")
            )
        seen_ids.add(department.id)
        seen_orders.add(department.order)
    return source, departments, problems


Places = dict[str, dict[str, list[str]]]  # list name → option id → places


def _load_places(directory: Path) -> tuple[Places, list[Problem]]:
    path = directory / PLACES_FILE
    if not path.is_file():
        return {}, []
    source, problems = _read(path)
    if source is None:
        return {}, problems
    places: Places = {}
    data = source.data if isinstance(source.data, dict) else {}
    if not data:
        problems.append(source.problem((), "a mapping of lists: name → option id → places"))
    for name, options in data.items():
        if not isinstance(options, dict):
            problems.append(source.problem((name,), "a mapping of option id → places"))
            continue
        places[str(name)] = {}
        owner: dict[str, str] = {}
        for option, words in options.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                problems.append(source.problem((name, option), "a list of place names"))
                continue
            for word in words:
                first = owner.setdefault(word.casefold(), str(option))
                if first != option:
                    problems.append(
                        source.problem((name, option), f"'{word}' is already a place of '{first}'")
                    )
            places[str(name)][str(option)] = words
    return places, problems


def _add_places(source: _Source, places: Places) -> list[Problem]:
    """Each option of a field with ``places`` also answers to its places (as synonyms)."""
    problems = []
    fields = source.data.get("fields") if isinstance(source.data, dict) else None
    for index, field in enumerate(fields if isinstance(fields, list) else []):
        name = field.get("places") if isinstance(field, dict) else None
        if not isinstance(name, str):
            continue
        if name not in places:
            problems.append(
                source.problem(("fields", index, "places"), f"no list '{name}' in {PLACES_FILE}")
            )
            continue
        for option in field.get("options") or []:
            if isinstance(option, dict) and option.get("id") in places[name]:
                own = option.get("synonyms") or []
                extra = [p for p in places[name][option["id"]] if p not in own]
                option["synonyms"] = [*own, *extra]
    return problems


def _examine(directory: Path) -> tuple[list[Problem], list[Service], list[Department]]:
    if not directory.is_dir():
        return [Problem(directory, 1, "no such directory")], [], []
    departments_source, departments, problems = _load_departments(directory)
    places, place_problems = _load_places(directory)
    problems += place_problems
    department_ids = {d.id for d in departments}

    services: list[tuple[_Source, Service]] = []
    first_file: dict[str, Path] = {}
    named_departments: set[str] = set()  # by any service file, valid or not
    for path in sorted(directory.iterdir()):
        if path.name.startswith(("_", ".")) or not path.is_file():
            continue
        if path.suffix == ".yml":
            problems.append(Problem(path, 1, "name service files '<id>.yaml' (not .yml)"))
            continue
        if path.suffix != ".yaml":
            continue
        source, read_problems = _read(path)
        problems += read_problems
        if source is None:
            continue
        raw_id = source.data.get("id")
        if isinstance(raw_id, str):
            if raw_id != path.stem:
                problems.append(
                    source.problem(("id",), f"'{raw_id}' differs from the file name '{path.stem}'")
                )
            if raw_id in first_file:
                problems.append(
                    source.problem(
                        ("id",), f"'{raw_id}' is already used by {first_file[raw_id].name}"
                    )
                )
            first_file.setdefault(raw_id, path)
        raw_department = source.data.get("department")
        named_departments.add(str(raw_department))
        if departments and raw_department in DEPARTMENTS and raw_department not in department_ids:
            problems.append(
                source.problem(("department",), f"'{raw_department}' is not in {DEPARTMENTS_FILE}")
            )
        problems += _add_places(source, places)
        try:
            service = Service.model_validate(source.data)
        except ValidationError as exc:
            problems += _validation_problems(source, exc, Service)
            continue
        problems += _check_service(source, service)
        services.append((source, service))

    offered = {lang for _, s in services for t in s.texts() for lang in t.languages()}
    offered |= {lang for d in departments for t in d.texts() for lang in t.languages()}
    offered |= set(REQUIRED_LANGUAGES)
    for source, service in services:
        problems += _language_problems(source, service, offered)
    if departments_source is not None:
        for index, department in enumerate(departments):
            base: Loc = ("departments", index)
            problems += _language_problems(departments_source, department, offered, base)
            if department.id not in named_departments:
                problems.append(
                    departments_source.problem(
                        (*base, "id"), "no service belongs to this department", Severity.WARNING
                    )
                )

    problems.sort(key=lambda p: (str(p.path), p.line))
    return problems, [s for _, s in services], departments
