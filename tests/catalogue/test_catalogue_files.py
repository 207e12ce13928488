"""The real catalogue: every file validates and every service of the Delhi list is there."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from sevadwar.catalogue.loader import load_catalogue, validate_catalogue
from sevadwar.catalogue.schema import DEPARTMENTS

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "catalogue"
SERVICE_IDS = ROOT / "tests" / "fixtures" / "service-ids.tsv"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def delhi_services() -> dict[str, str]:
    """id -> department, from the reference list of the 50 services."""
    with SERVICE_IDS.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row["department"] for row in csv.DictReader(handle, delimiter="\t")}


def test_reference_list_has_fifty_services_in_known_departments() -> None:
    services = delhi_services()

    assert len(services) == 50
    assert set(services.values()) == set(DEPARTMENTS)


def test_every_catalogue_file_validates() -> None:
    errors = [p for p in validate_catalogue(CATALOGUE) if p.is_error]

    assert errors == [], "\n" + "\n".join(map(str, errors))


def test_every_delhi_service_is_present_in_its_department() -> None:
    found: dict[str, object] = {}  # read each file on its own: one broken file hides no other
    for path in sorted(CATALOGUE.glob("[!_]*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        except yaml.YAMLError:
            continue  # reported by test_every_catalogue_file_validates
        if isinstance(data, dict) and data.get("id") == path.stem:
            found[path.stem] = data.get("department")
    expected = delhi_services()

    missing = sorted(set(expected) - set(found))
    wrong = {
        sid: (found[sid], department)
        for sid, department in expected.items()
        if sid in found and found[sid] != department
    }

    assert missing == [], f"{len(missing)} services have no file yet: {', '.join(missing)}"
    assert wrong == {}, "department (file, reference): " + repr(wrong)


def test_departments_file_has_every_department_in_english_and_hindi() -> None:
    catalogue = load_catalogue(CATALOGUE)

    departments = catalogue.all_departments()

    assert {d.id for d in departments} == set(DEPARTMENTS)
    assert [d.id for d in departments][:2] == ["revenue", "mcd"]
    assert {"en", "hi"} <= catalogue.languages()
    for department in departments:
        for text in department.texts():
            assert text.get("hi") != text.en, department.id
