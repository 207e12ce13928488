"""The Catalogue: lookups, menu order, immutability, and which languages it offers."""

from __future__ import annotations

from typing import Any

import pytest

from sevadwar.catalogue.catalogue import Catalogue, Department
from sevadwar.catalogue.schema import Service


def text(en: str, **others: str) -> dict[str, str]:
    return {"en": en, "hi": f"{en} (हिंदी)", **others}


def service_data(service_id: str, department: str = "revenue", **pa: str) -> dict[str, Any]:
    """A service whose every text also exists in the languages given as ``pa=...`` etc."""

    def t(en: str) -> dict[str, str]:
        return text(en, **pa)

    data: dict[str, Any] = {
        "id": service_id,
        "department": department,
        "kind": "certificate",
        "name": t(service_id),
        "description": t("Description"),
        "office": t("SDM"),
        "fee": {"kind": "zero"},
        "sla_days": 2,
        "fields": [{"id": "full_name", "type": "name", "label": t("Name?")}],
        "workflow": {
            "stages": [{"id": "check", "name": t("Check"), "role": "dealing_assistant", "days": 2}]
        },
    }
    return data


def make_service(service_id: str, department: str = "revenue", **pa: str) -> Service:
    return Service.model_validate(service_data(service_id, department, **pa))


def make_department(department_id: str, order: int, **pa: str) -> Department:
    return Department.model_validate(
        {
            "id": department_id,
            "order": order,
            "name": text(department_id, **pa),
            "description": text("Services", **pa),
        }
    )


DEPARTMENTS = [make_department("mcd", 20), make_department("revenue", 10)]


def test_lookups_and_order() -> None:
    catalogue = Catalogue(
        [make_service("income"), make_service("birth", "mcd"), make_service("caste")],
        [*DEPARTMENTS, make_department("police", 30)],
    )

    assert catalogue.ids() == ("birth", "caste", "income")
    assert [s.id for s in catalogue] == ["birth", "caste", "income"]
    assert len(catalogue) == 3
    assert "caste" in catalogue
    assert "nope" not in catalogue
    assert catalogue["income"].id == "income"
    assert catalogue.get("income") is catalogue["income"]
    assert catalogue.get("nope") is None
    with pytest.raises(KeyError):
        catalogue["nope"]
    entries = catalogue.departments()
    assert [(e.department.id, [s.id for s in e.services]) for e in entries] == [
        ("revenue", ["caste", "income"]),
        ("mcd", ["birth"]),
    ]  # by order; police has no service, so no menu entry
    assert [d.id for d in catalogue.all_departments()] == ["revenue", "mcd", "police"]
    assert catalogue.services_in("police") == ()
    assert [s.id for s in catalogue.services_in("revenue")] == ["caste", "income"]
    assert catalogue.department("police").order == 30
    with pytest.raises(KeyError):
        catalogue.services_in("djb")


def test_catalogue_cannot_be_changed() -> None:
    catalogue = Catalogue([make_service("income")], DEPARTMENTS)

    with pytest.raises(AttributeError):
        catalogue._services = {}  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        catalogue.extra = 1
    with pytest.raises(TypeError):
        catalogue._services["x"] = catalogue["income"]  # type: ignore[index]
    assert isinstance(catalogue.services(), tuple)


def test_inconsistent_input_is_refused() -> None:
    with pytest.raises(ValueError, match="repeats"):
        Catalogue([make_service("income"), make_service("income")], DEPARTMENTS)
    with pytest.raises(ValueError, match="unknown department"):
        Catalogue([make_service("water", "djb")], DEPARTMENTS)


def test_languages_are_those_every_text_has() -> None:
    services = [make_service("income", pa="ਪੰਜਾਬੀ"), make_service("birth", "mcd", pa="ਪੰਜਾਬੀ")]
    departments = [make_department("mcd", 20, pa="ਪੰਜਾਬੀ"), make_department("revenue", 10, pa="ਪੰ")]

    assert Catalogue(services, departments).languages() == {"en", "hi", "pa"}


def test_one_text_without_a_language_drops_it() -> None:
    departments = [make_department("revenue", 10, pa="ਪੰਜਾਬੀ"), make_department("mcd", 20, pa="ਪੰ")]
    complete = make_service("income", pa="ਪੰਜਾਬੀ")
    data = service_data("caste", pa="ਪੰਜਾਬੀ")
    del data["workflow"]["stages"][0]["name"]["pa"]  # one stage name has no Punjabi
    incomplete = Service.model_validate(data)

    assert incomplete.languages() == {"en", "hi"}
    assert Catalogue([complete], departments).languages() == {"en", "hi", "pa"}
    assert Catalogue([complete, incomplete], departments).languages() == {"en", "hi"}


def test_a_department_without_a_language_drops_it() -> None:
    services = [make_service("income", pa="ਪੰਜਾਬੀ")]
    departments = [make_department("revenue", 10, pa="ਪੰਜਾਬੀ"), make_department("mcd", 20)]

    assert Catalogue(services, departments).languages() == {"en", "hi"}


def test_department_title_prefers_the_short_name() -> None:
    long = Department.model_validate(
        {
            "id": "mcd",
            "order": 1,
            "name": text("Municipal Corporation of Delhi"),
            "short": text("MCD"),
            "description": text("Civic services"),
        }
    )

    assert long.title.en == "MCD"
    assert DEPARTMENTS[0].title.en == "mcd"
