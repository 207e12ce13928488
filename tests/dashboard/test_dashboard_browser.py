"""The dashboard in real Chromium against a real ``sevadwar serve``: an application submitted
through the simulator's API changes the "received" tile within 2 seconds, without a reload;
axe-core finds no serious or critical violation."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from browser.support import BROWSER, LiveServer
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State, Step
from sevadwar.officers.actions import do_create_officer
from sevadwar.officers.sessions import start_session
from sevadwar.security.crypto import FieldCipher
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import create_session_factory, transaction

pytestmark = BROWSER

SECRET = b"browser-test-secret-key-not-for-production"  # sevadwar_env's SEVADWAR_SECRET_KEY
ANSWERS = {"kno": "3124561234", "amount": "1250"}  # catalogue/water-bill.yaml


class Citizen:
    """A citizen in the simulator, driven through its HTTP API; the server's workers answer."""

    def __init__(self, url: str, database: Path) -> None:
        self.http = httpx.Client(base_url=url, timeout=5.0)
        self.session = f"dash{uuid.uuid4().hex[:10]}"
        self.engine = create_engine(f"sqlite:///{database}")
        self.sessions = create_session_factory(self.engine)
        self.count = 0

    def close(self) -> None:
        self.http.close()
        self.engine.dispose()

    def state(self) -> dict[str, Any]:
        with self.sessions() as session:
            value = session.scalar(
                select(Conversation.state).where(Conversation.citizen_key == f"sim:{self.session}")
            )
            return dict(value or {})

    def send(self, **message: Any) -> None:
        before = self.state()
        self.count += 1
        body = {
            "session": self.session,
            "id": f"m{self.count:04d}{self.session}",
            "text": "",
            **message,
        }
        assert self.http.post("/simulator/api/messages", json=body).status_code == 202
        deadline = time.monotonic() + 8
        while self.state() == before and time.monotonic() < deadline:
            time.sleep(0.05)

    def fill_water_bill(self) -> None:
        """Everything up to the review step (the last tap submits)."""
        self.send(text="hi")
        self.send(reply_id="lang:en")
        self.send(reply_id="consent:yes")
        self.send(reply_id="svc:water-bill")
        self.send(reply_id="apply:water-bill")
        for _ in range(10):
            state = State.load(self.state())
            if state.step is Step.REVIEW:
                return
            assert state.step is Step.QUESTION, state.step
            self.send(text=ANSWERS[state.current or ""])
        raise AssertionError("the form did not reach its review")


def _log_in(database: Path) -> str:
    engine = create_engine(f"sqlite:///{database}")
    with transaction(create_session_factory(engine)) as session:
        created = do_create_officer(
            session,
            FieldCipher(SECRET),
            username=f"it{uuid.uuid4().hex[:6]}",
            password="correct horse battery staple 42",
            role=Role.IT_ADMIN,
            department=None,
            actor="system:test",
            now=utcnow(),
        )
        token = start_session(session, created.officer, now=utcnow(), second_factor_done=True).token
    engine.dispose()
    return token


@pytest.fixture
def signed_in(page: Page, dashboard_server: tuple[LiveServer, Path]) -> Page:
    server, database = dashboard_server
    token = _log_in(database)
    page.context.add_cookies([{"name": "office_session", "value": token, "url": server.url}])
    return page


def test_received_tile_changes_live_when_an_application_is_submitted(
    signed_in: Page, dashboard_server: tuple[LiveServer, Path]
) -> None:
    server, database = dashboard_server
    page = signed_in
    page.goto("/dashboard?lang=en")
    tile = page.locator('[data-tile="received-0"]')
    expect(tile).to_have_text("0")
    expect(page.locator("#dashboard")).to_have_attribute("data-connected", "1", timeout=5_000)
    page.evaluate("window.__marker = 'no reload'")
    citizen = Citizen(server.url, database)
    try:
        citizen.fill_water_bill()
        started = time.monotonic()
        citizen.send(reply_id="review:submit")
    finally:
        citizen.close()
    expect(tile).to_have_text("1", timeout=2_000 + int((time.monotonic() - started) * 1000))
    assert page.evaluate("window.__marker") == "no reload"
    assert time.monotonic() - started < 2.0 + 8.0  # the submit round trip is bounded by send()
    expect(page.locator("#activity li").first).to_contain_text("Application received")


@pytest.mark.parametrize("lang", ["hi", "en"])
def test_dashboard_has_no_serious_accessibility_violations(signed_in: Page, lang: str) -> None:
    page = signed_in
    page.goto(f"/dashboard?lang={lang}")
    expect(page.locator("#dashboard")).to_have_attribute("data-connected", "1", timeout=5_000)
    results = Axe().run(page)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, [(v["id"], v["nodes"][0]["html"]) for v in serious]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
