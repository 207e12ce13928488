"""The NLU built once per test session from the real catalogue (the one users get)."""

from __future__ import annotations

from datetime import date

import pytest

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.nlu.types import ParseContext
from sevadwar.nlu.understanding import Understanding

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(default_catalogue_dir())


@pytest.fixture(scope="session")
def understanding(catalogue: Catalogue) -> Understanding:
    return Understanding.from_services(catalogue)


@pytest.fixture
def context() -> ParseContext:
    return ParseContext(today=TODAY)
