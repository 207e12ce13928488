"""``sevadwar catalogue validate|list`` through the real command-line entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sevadwar.catalogue.loader import default_catalogue_dir
from sevadwar.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok_prints_a_summary(
    catalogue_dir: Path, service_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalogue_dir / "sample.yaml").write_text(service_yaml, encoding="utf-8")

    code, out, _ = run(capsys, "catalogue", "validate", "--dir", str(catalogue_dir))

    assert code == 0
    assert out.splitlines() == [
        "OK: 1 services in 1 departments, languages en, hi; 0 warning(s), "
        "0 fact(s) marked verify: true"
    ]


def test_validate_prints_file_line_message_and_fails(
    catalogue_dir: Path, service_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = service_yaml.replace("    type: name\n", "    type: nmae\n")
    (catalogue_dir / "sample.yaml").write_text(bad, encoding="utf-8")

    code, out, err = run(capsys, "catalogue", "validate", "--dir", str(catalogue_dir))

    assert code == 1
    assert out.splitlines()[0].startswith(f"{catalogue_dir / 'sample.yaml'}:18: fields[0].type: ")
    assert "1 error(s)" in err


def test_validate_warnings_alone_pass(
    catalogue_dir: Path, service_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = service_yaml.replace("recognition:\n  synonyms: [sample, namuna]\n", "")
    (catalogue_dir / "sample.yaml").write_text(quiet, encoding="utf-8")

    code, out, _ = run(capsys, "catalogue", "validate", "--dir", str(catalogue_dir))

    lines = out.splitlines()
    assert code == 0
    assert ": warning: recognition: no synonyms or examples" in lines[0]
    assert lines[-1].startswith("OK: 1 services")
    assert "1 warning(s)" in lines[-1]


def test_list_json(
    catalogue_dir: Path, service_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalogue_dir / "sample.yaml").write_text(service_yaml, encoding="utf-8")

    code, out, _ = run(capsys, "catalogue", "list", "--json", "--dir", str(catalogue_dir))

    assert code == 0
    assert json.loads(out) == [
        {
            "id": "sample",
            "department": "revenue",
            "kind": "certificate",
            "name": {"en": "Sample certificate", "hi": "नमूना प्रमाण पत्र"},
            "fee": {"kind": "zero", "summary": "free", "min_paise": 0, "max_paise": 0},
            "sla_days": 7,
            "documents": 0,
            "fields": 2,
        }
    ]


def test_list_table(
    catalogue_dir: Path, service_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalogue_dir / "sample.yaml").write_text(service_yaml, encoding="utf-8")

    code, out, _ = run(capsys, "catalogue", "list", "--dir", str(catalogue_dir))

    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "DEPARTMENT", "KIND", "FEE", "SLA", "DOCS", "FIELDS", "NAME"]
    assert lines[1].split()[:7] == ["sample", "revenue", "certificate", "free", "7d", "0", "2"]
    assert lines[-1] == "1 services"


def test_list_refuses_a_broken_catalogue(
    catalogue_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalogue_dir / "broken.yaml").write_text("id: [\n", encoding="utf-8")

    code, out, err = run(capsys, "catalogue", "list", "--json", "--dir", str(catalogue_dir))

    assert code == 1
    assert out == ""
    assert "broken.yaml:" in err
    assert "YAML syntax" in err


def test_default_directory_is_the_working_directory_catalogue(
    tmp_path: Path,
    catalogue_dir: Path,
    service_yaml: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (catalogue_dir / "sample.yaml").write_text(service_yaml, encoding="utf-8")
    monkeypatch.chdir(catalogue_dir.parent)

    code, out, _ = run(capsys, "catalogue", "list", "--json")

    assert default_catalogue_dir() == tmp_path / "catalogue"
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["sample"]


def test_default_directory_falls_back_to_the_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    directory = default_catalogue_dir()

    assert directory == Path(__file__).resolve().parents[2] / "catalogue"
    assert (directory / "_departments.yaml").is_file()


def test_paths_under_the_working_directory_are_shown_relative(
    catalogue_dir: Path,
    service_yaml: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (catalogue_dir / "sample.yaml").write_text(service_yaml.replace("id: sample", "id: x"), "utf-8")
    monkeypatch.chdir(catalogue_dir.parent)

    code, out, _ = run(capsys, "catalogue", "validate")

    assert code == 1
    assert out.startswith("catalogue/sample.yaml:1: id: 'x' differs from the file name")
