"""Department API fixtures: keys for three departments and a client whose every answer is
checked against the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.openapi_check import OpenApiChecker
from sevadwar.api.actions import do_create_api_key
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

DEPARTMENTS = ("revenue", "mcd", "food")


class CheckedClient:
    """``TestClient`` calls whose responses must match the OpenAPI document."""

    def __init__(self, client: TestClient, checker: OpenApiChecker) -> None:
        self.client, self.checker = client, checker

    def get(self, url: str, *, key: str | None = None, **kwargs: Any) -> Any:
        headers = {**_auth(key), **kwargs.pop("headers", {})}
        return self.checker.check(self.client.get(url, headers=headers, **kwargs))

    def post(self, url: str, *, key: str | None = None, **kwargs: Any) -> Any:
        headers = {**_auth(key), **kwargs.pop("headers", {})}
        return self.checker.check(self.client.post(url, headers=headers, **kwargs))


def _auth(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


@pytest.fixture
def keys(runtime: Runtime) -> dict[str, str]:
    made: dict[str, str] = {}
    with transaction(runtime.sessions) as session:
        for department in DEPARTMENTS:
            _, made[department] = do_create_api_key(
                session, department=department, actor="system:test", now=runtime.clock()
            )
    return made


@pytest.fixture
def api(client: TestClient) -> Iterator[CheckedClient]:
    document = client.get("/openapi.json").json()
    checked = CheckedClient(client, OpenApiChecker(document))
    yield checked
    assert checked.checker.checked, "the test made no API call"
