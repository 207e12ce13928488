"""The loaded catalogue: every service and department, immutable once built.

Build one with :func:`sevadwar.catalogue.loader.load_catalogue` at start-up and share it: nothing
in it changes afterwards, so any number of requests and workers may read it at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field

from sevadwar.catalogue.schema import DEPARTMENTS, Service, Strict, Text

MENU_TITLE_MAX = 24  # WhatsApp list row title
MENU_DESCRIPTION_MAX = 72  # WhatsApp list row description


class Department(Strict):
    """One entry of ``catalogue/_departments.yaml``."""

    id: Literal[DEPARTMENTS]  # type: ignore[valid-type]
    order: int = Field(ge=0)  # position in menus, smallest first
    name: Text
    short: Text | None = None  # the menu title when the name is too long for one
    description: Text  # one line under the title in menus

    @property
    def title(self) -> Text:
        """What a menu row shows: ``short`` if given, else ``name``."""
        return self.short or self.name

    def texts(self) -> list[Text]:
        return [t for t in (self.name, self.short, self.description) if t is not None]

    def languages(self) -> frozenset[str]:
        return frozenset.intersection(*(t.languages() for t in self.texts()))


@dataclass(frozen=True, slots=True)
class DepartmentServices:
    """A department and its services, as a menu shows them."""

    department: Department
    services: tuple[Service, ...]


class Catalogue:
    """Services by id and by department, plus the languages every text exists in.

    Services are ordered by id everywhere (iteration, :meth:`services`, :meth:`services_in`);
    departments by their ``order``.
    """

    __slots__ = ("_by_department", "_departments", "_languages", "_services")

    _services: MappingProxyType[str, Service]
    _departments: MappingProxyType[str, Department]
    _by_department: MappingProxyType[str, tuple[Service, ...]]
    _languages: frozenset[str]

    def __init__(self, services: Iterable[Service], departments: Iterable[Department]) -> None:
        ordered_departments = sorted(departments, key=lambda d: (d.order, d.id))
        department_map = {d.id: d for d in ordered_departments}
        if len(department_map) != len(ordered_departments):
            raise ValueError("department ids repeat")
        service_map: dict[str, Service] = {}
        for service in sorted(services, key=lambda s: s.id):
            if service.id in service_map:
                raise ValueError(f"service id {service.id!r} repeats")
            if service.department not in department_map:
                raise ValueError(
                    f"service {service.id!r}: unknown department {service.department!r}"
                )
            service_map[service.id] = service
        by_department = {
            d.id: tuple(s for s in service_map.values() if s.department == d.id)
            for d in ordered_departments
        }
        languages: frozenset[str] | None = None
        items: list[Service | Department] = [*service_map.values(), *ordered_departments]
        for item in items:
            languages = item.languages() if languages is None else languages & item.languages()
        if languages is None:
            languages = frozenset({"en"})
        object.__setattr__(self, "_services", MappingProxyType(service_map))
        object.__setattr__(self, "_departments", MappingProxyType(department_map))
        object.__setattr__(self, "_by_department", MappingProxyType(by_department))
        object.__setattr__(self, "_languages", languages)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Catalogue cannot be changed after it is built")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Catalogue cannot be changed after it is built")

    def __repr__(self) -> str:
        return f"<Catalogue {len(self._services)} services, {len(self._departments)} departments>"

    # services

    def __iter__(self) -> Iterator[Service]:
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._services

    def __getitem__(self, service_id: str) -> Service:
        return self._services[service_id]

    def get(self, service_id: str) -> Service | None:
        """The service with this id, or ``None``."""
        return self._services.get(service_id)

    def ids(self) -> tuple[str, ...]:
        return tuple(self._services)

    def services(self) -> tuple[Service, ...]:
        return tuple(self._services.values())

    # departments

    def department(self, department_id: str) -> Department:
        """The department with this id (raises ``KeyError``), whether or not it has services."""
        return self._departments[department_id]

    def departments(self) -> tuple[DepartmentServices, ...]:
        """Departments that have at least one service, in menu order, with their services."""
        return tuple(
            DepartmentServices(department, self._by_department[department.id])
            for department in self._departments.values()
            if self._by_department[department.id]
        )

    def all_departments(self) -> tuple[Department, ...]:
        """Every department of ``_departments.yaml`` in menu order, with services or not."""
        return tuple(self._departments.values())

    def services_in(self, department_id: str) -> tuple[Service, ...]:
        """The department's services (possibly none); ``KeyError`` for an unknown department."""
        return self._by_department[department_id]

    # languages

    def languages(self) -> frozenset[str]:
        """Languages in which every text of every service and department exists.

        Only these are offered to citizens: a language with one text missing is left out.
        """
        return self._languages
