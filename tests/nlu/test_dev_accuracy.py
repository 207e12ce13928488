"""Accuracy on a copy of the labelled dev set (``tests/fixtures/nlu-dev.jsonl``).

The dev set only measures: nothing in the NLU or the catalogue is copied from it. An answer
counts when it is the label or one of its ``accept_*`` alternatives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sevadwar.nlu.understanding import Understanding

DEV = Path(__file__).resolve().parents[1] / "fixtures" / "nlu-dev.jsonl"
TARGET = 0.97


@pytest.fixture(scope="module")
def scores(understanding: Understanding) -> dict[str, float]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    right = {"intent": 0, "service": 0, "language": 0}
    for row in rows:
        parse = understanding.parse(row["text"])
        right["intent"] += str(parse.intent) in [row["intent"], *row.get("accept_intents", [])]
        right["service"] += parse.service in [row["service"], *row.get("accept_services", [])]
        right["language"] += str(parse.language) == row["lang"]
    assert len(rows) >= 100
    return {key: value / len(rows) for key, value in right.items()}


@pytest.mark.parametrize("measure", ["intent", "service", "language"])
def test_dev_accuracy(scores: dict[str, float], measure: str) -> None:
    assert scores[measure] >= TARGET, f"{measure} accuracy {scores[measure]:.1%} < {TARGET:.0%}"
