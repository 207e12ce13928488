"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a runtime, a clock.

Every database-backed test runs on each backend: ``backend`` is parametrised. PostgreSQL tests
run when ``SEVADWAR_TEST_DATABASE_URL`` points at a server; each test session creates its own
database there and drops it at the end, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sevadwar.app import create_app
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.migrate import upgrade
from sevadwar.storage.models import metadata
from support import Clock

PG_URL = os.environ.get("SEVADWAR_TEST_DATABASE_URL")
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token"
PHONE_NUMBER_ID = "106540352242922"
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to this machine only: any other address fails loudly."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            if not (host.startswith("127.") or host in ("::1", "localhost", "0.0.0.0")):
                raise RuntimeError(f"test tried to reach {host}: tests are offline")
        return real(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    name = f"sevadwar_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, pg_database: str | None) -> str:
    if request.param == "postgresql" and pg_database is None:
        pytest.skip("PostgreSQL: set SEVADWAR_TEST_DATABASE_URL (CI does)")
    return str(request.param)


@pytest.fixture
def database_url(
    backend: str, pg_database: str | None, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "sevadwar.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    assert pg_database is not None
    yield pg_database
    engine = create_engine(pg_database)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 20, 6, 30, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-for-sevadwar-tests",  # type: ignore[arg-type]
        whatsapp_access_token=ACCESS_TOKEN,  # type: ignore[arg-type]
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_app_secret=APP_SECRET,  # type: ignore[arg-type]
        whatsapp_verify_token=VERIFY_TOKEN,  # type: ignore[arg-type]
        whatsapp_api_base_url="http://127.0.0.1:9/v24.0",  # type: ignore[arg-type]
        workers=2,
        senders=1,
        log_json=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def runtime(settings: Settings, clock: Clock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The app without background loops: tests drive the workers step by step."""
    with TestClient(create_app(runtime=runtime, start_workers=False)) as test_client:
        yield test_client
