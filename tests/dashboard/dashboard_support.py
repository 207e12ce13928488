"""Helpers for the dashboard tests: applications made by the real actions, officers with a
session cookie, reading snapshots."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.dashboard.queries import Cursor, read_snapshot
from sevadwar.dashboard.snapshot import Period, Scope, Snapshot
from sevadwar.officers.actions import do_create_officer
from sevadwar.officers.sessions import start_session
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

# The live server of the browser test (conftest.py) checks webhooks with this secret.
ACCESS_TOKEN = "dashboard-test-token"
APP_SECRET = "dashboard-test-app-secret"

_citizens = itertools.count(1)
SYSTEM = Actor("system", "test")


def submit(
    runtime: Runtime, service_id: str = "income", *, language: str = "hi", fee_paise: int = 0
) -> str:
    with transaction(runtime.sessions) as session:
        application = do_submit_application(
            session,
            runtime.catalogue[service_id],
            citizen_key=f"sim:dash{next(_citizens):06d}",
            channel="simulator",
            language=language,
            answers={},
            documents={},
            fee_paise=fee_paise,
            now=runtime.clock(),
        )
        return application.reference


def load(session: object, reference: str) -> Application:
    return session.scalars(select(Application).where(Application.reference == reference)).one()  # type: ignore[attr-defined]


def period_of(runtime: Runtime, days: int = 7) -> Period:
    today = runtime.clock().astimezone(IST).date()
    return Period(today=today, start=today - timedelta(days=days - 1), end=today)


def snapshot(
    runtime: Runtime, scope: Scope | None = None, period: Period | None = None
) -> tuple[Snapshot, Cursor]:
    with runtime.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return read_snapshot(session, scope or Scope(), period or period_of(runtime))


def officer_client(
    runtime: Runtime, client: TestClient, username: str, role: Role, department: str | None
) -> TestClient:
    """A client logged in as a new officer (session started directly, second factor done)."""
    with transaction(runtime.sessions) as session:
        created = do_create_officer(
            session,
            runtime.cipher,
            username=username,
            password="correct horse battery staple 42",
            role=role,
            department=department,
            actor="system:test",
            now=runtime.clock(),
        )
        new = start_session(session, created.officer, now=runtime.clock(), second_factor_done=True)
    officer = TestClient(client.app)
    officer.cookies.set("office_session", new.token)
    return officer


def ist_today(runtime: Runtime) -> date:
    return runtime.clock().astimezone(IST).date()
