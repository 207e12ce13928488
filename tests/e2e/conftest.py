"""Fixtures for end-to-end tests (the stack itself lives in ``e2e_stack.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_stack import Stack, live_stack


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    with live_stack(database_url, tmp_path) as running:
        yield running
