"""The dashboard in real Chromium against a real ``sevadwar serve``: a citizen completes a short
service through signed WhatsApp webhooks (``POST /webhooks/whatsapp`` with
``X-Hub-Signature-256``; replies go to the fake Graph API), and the "received" tile changes
within 2 seconds of the submitting webhook, without a reload; axe-core finds no serious or
critical violation."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from dashboard_support import APP_SECRET
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from browser.support import BROWSER, LiveServer
from sevadwar.catalogue.schema import Role
from sevadwar.channels.whatsapp.signature import sign
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.state import State, Step
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_state import FakeGraph
from sevadwar.officers.actions import do_create_officer
from sevadwar.officers.sessions import start_session
from sevadwar.security.crypto import FieldCipher
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import create_session_factory, transaction

pytestmark = BROWSER

SECRET = b"browser-test-secret-key-not-for-production"  # sevadwar_env's SEVADWAR_SECRET_KEY
ANSWERS = {"kno": "3124561234", "amount": "1250"}  # catalogue/water-bill.yaml
LIVE_WITHIN = 2.0  # seconds from the submitting webhook to the changed tile


class WhatsAppCitizen:
    """A citizen on WhatsApp: each message is a webhook as Meta sends it, signed with the app
    secret and POSTed to the server; the server's workers answer through the fake Graph API."""

    def __init__(self, url: str, database: Path, fake: FakeGraph) -> None:
        self.http = httpx.Client(base_url=url, timeout=5.0)
        number = f"9198{uuid.uuid4().int % 10**8:08d}"
        self.user = fake.user(wa_id=number, user_id=f"IN.{uuid.uuid4().int % 10**20:020d}")
        self.fake = fake
        self.engine = create_engine(f"sqlite:///{database}")
        self.sessions = create_session_factory(self.engine)

    def close(self) -> None:
        self.http.close()
        self.engine.dispose()

    def state(self) -> dict[str, Any]:
        with self.sessions() as session:
            value = session.scalar(
                select(Conversation.state).where(Conversation.citizen_key == self.user.key)
            )
            return dict(value or {})

    def post(self, message: dict[str, Any]) -> None:
        """One signed webhook; the server acknowledges it once it is stored."""
        body = wp.encode(wp.inbound_webhook(self.user, message))
        response = self.http.post(
            "/webhooks/whatsapp",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, APP_SECRET),
            },
        )
        assert response.status_code == 200, response.text

    def send(self, message: dict[str, Any]) -> None:
        """Post and wait until the conversation moved and a reply reached WhatsApp."""
        before, replies = self.state(), len(self.fake.messages_to(self.user.key))
        self.post(message)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and (
            self.state() == before or len(self.fake.messages_to(self.user.key)) == replies
        ):
            time.sleep(0.05)
        assert self.state() != before, "the server did not act on the webhook"

    def says(self, text: str) -> None:
        self.send(wp.text_message(self.user, text))

    def taps(self, reply_id: str, title: str = "") -> None:
        self.send(wp.button_reply_message(self.user, reply_id, title or reply_id))

    def fill_water_bill(self) -> None:
        """Everything up to the review step (the next tap submits)."""
        self.says("hi")
        self.taps("lang:en", "English")
        self.taps("consent:yes", "I agree")
        self.taps("svc:water-bill", "Water bill")
        self.taps("apply:water-bill", "Apply")
        for _ in range(10):
            state = State.load(self.state())
            if state.step is Step.REVIEW:
                return
            assert state.step is Step.QUESTION, state.step
            self.says(ANSWERS[state.current or ""])
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


def test_received_tile_changes_live_when_a_whatsapp_citizen_submits(
    signed_in: Page,
    dashboard_server: tuple[LiveServer, Path],
    fake_graph: tuple[FakeGraph, str],
) -> None:
    server, database = dashboard_server
    page = signed_in
    page.goto("/dashboard?lang=en")
    tile = page.locator('[data-tile="received-0"]')
    expect(tile).to_have_text("0")
    expect(page.locator("#dashboard")).to_have_attribute("data-connected", "1", timeout=5_000)
    page.evaluate("window.__marker = 'no reload'")
    fake = fake_graph[0]
    citizen = WhatsAppCitizen(server.url, database, fake)
    try:
        citizen.fill_water_bill()
        expect(tile).to_have_text("0")  # nothing submitted yet
        replies = len(fake.messages_to(citizen.user.key))
        started = time.monotonic()
        citizen.post(wp.button_reply_message(citizen.user, "review:submit", "Submit"))
        expect(tile).to_have_text("1", timeout=int(LIVE_WITHIN * 1000))
        elapsed = time.monotonic() - started
    finally:
        citizen.close()
    assert elapsed < LIVE_WITHIN, elapsed
    assert page.evaluate("window.__marker") == "no reload"
    expect(page.locator("#activity li").first).to_contain_text("Application received")
    # The citizen was answered on WhatsApp too (through the fake Graph API).
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and len(fake.messages_to(citizen.user.key)) <= replies:
        time.sleep(0.1)
    assert len(fake.messages_to(citizen.user.key)) > replies
    assert State.load(citizen.state()).step is not Step.REVIEW


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
