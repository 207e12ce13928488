"""``sevadwar nlu parse``: DESIGN.md's JSON shape, one text or a batch on stdin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sevadwar.catalogue.loader import default_catalogue_dir
from sevadwar.cli import main

KEYS = ["text", "language", "intent", "service", "confidence", "alternatives"]


def run(capsys: pytest.CaptureFixture[str], cache: Path, *args: str) -> list[dict[str, object]]:
    code = main(["nlu", "parse", "--cache-dir", str(cache), *args])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines]


def test_one_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    [shape] = run(capsys, tmp_path, "mujhe janm praman patra chahiye")
    assert list(shape)[: len(KEYS)] == KEYS
    assert shape["text"] == "mujhe janm praman patra chahiye"
    assert (shape["language"], shape["intent"], shape["service"]) == (
        "hinglish",
        "apply",
        "birth-certificate",
    )
    assert isinstance(shape["confidence"], float)
    assert 0 <= shape["confidence"] <= 1
    alternatives = shape["alternatives"]
    assert isinstance(alternatives, list)
    assert all(set(a) == {"service", "score"} for a in alternatives)


def test_batch_keeps_the_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["hi", "बच्चे का बर्थ सर्टिफिकेट", "", "incme certificate aply", "मेरा आवेदन"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(texts) + "\n"))
    shapes = run(capsys, tmp_path, "--batch")
    assert [s["text"] for s in shapes] == texts
    assert [s["intent"] for s in shapes] == ["greeting", "apply", "unknown", "apply", "status"]
    assert shapes[1]["language"] == "hi"
    assert shapes[3]["service"] == "income"


def test_a_fresh_process_answers_the_same_from_the_cache(tmp_path: Path) -> None:
    lines = ["बच्चे का बर्थ सर्टिफिकेट", "जाति प्रमाण पत्र", "ओबीसी सर्टिफिकेट", "हिंदी", "income chahiye"]
    texts = "\n".join(lines) + "\n"
    command = [sys.executable, "-m", "sevadwar.cli", "nlu", "parse", "--batch"]
    command += ["--cache-dir", str(tmp_path)]
    first = subprocess.run(command, input=texts, capture_output=True, text=True, check=True)
    assert list(tmp_path.glob("nlu-*.json"))  # remembered
    second = subprocess.run(command, input=texts, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout
    services = [json.loads(line)["service"] for line in second.stdout.splitlines()]
    assert services[0] == "birth-certificate"
    assert len(services) == len(lines)


def test_a_broken_catalogue_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "catalogue"
    broken.mkdir()
    (broken / "x.yaml").write_text("id: [", encoding="utf-8")
    code = main(["nlu", "parse", "--catalogue", str(broken), "--cache-dir", str(tmp_path), "hi"])
    assert code == 1
    assert "cannot load the catalogue" in capsys.readouterr().err


def test_text_is_required_without_batch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "parse"]) == 2
    assert "TEXT" in capsys.readouterr().err


def test_default_catalogue_exists() -> None:
    assert (default_catalogue_dir() / "income.yaml").is_file()
