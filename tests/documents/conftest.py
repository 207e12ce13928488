"""The upload corpus, built once per session from ``tests/fixtures/make_bad_files.py``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_SCRIPT = Path(__file__).parents[1] / "fixtures" / "make_bad_files.py"


def load_corpus_module() -> ModuleType:
    name = "sevadwar_test_make_bad_files"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


CORPUS = load_corpus_module()
CORPUS_NAMES = sorted(CORPUS.corpus_builders())


class Corpus:
    """Samples by name, each built once per session."""

    def __init__(self) -> None:
        self._builders = CORPUS.corpus_builders()
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self._builders[name]()
        return self._built[name]


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus()
