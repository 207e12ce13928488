"""Fixtures for the back-office tests; the helpers themselves live in ``office_desk.py``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from office_desk import Desk

from sevadwar.runtime import Runtime


@pytest.fixture
def desk(runtime: Runtime, client: TestClient) -> Iterator[Desk]:
    with ExitStack() as stack:
        yield Desk(runtime, client, stack)
