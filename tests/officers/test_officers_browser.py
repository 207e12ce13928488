"""The back office in Debian's Chromium, driven by keyboard, checked with axe-core.

A real ``sevadwar serve`` with the demo officers of ``sevadwar demo seed``; an application is
submitted into its database by the real action. A verifying officer logs in (in Hindi), opens
the application from the queue and accepts a document; the approving officer logs in with the
TOTP code (in English), finds the application by its reference and approves it, all by keyboard.
Every page visited is checked with axe-core: no serious or critical violation.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, Page, expect

from browser.support import (
    ARTIFACTS,
    BROWSER,
    CATALOGUE,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    sevadwar_command,
    sevadwar_env,
)
from sevadwar.applications.actions import do_submit_application
from sevadwar.channels.base import Channel, Citizen, InboundMessage, Media, MessageKind
from sevadwar.documents.uploads import Stored
from sevadwar.officers.totp import code_at
from sevadwar.runtime import build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import transaction

pytestmark = BROWSER

START_TIMEOUT = 45.0
SECRET_LINE = re.compile(r"^\s+(\S+)\s+\S+\s+\S+\s+([A-Z2-7]{32})$", re.MULTILINE)
PASSWORD_LINE = re.compile(r"Password of every demo officer: (\S+)")


@dataclass(frozen=True)
class BackOffice:
    url: str
    password: str
    secrets: dict[str, str]
    reference: str


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


def _submit_application(folder: Path, env: dict[str, str]) -> str:
    """An income certificate application with a photo, as the chat would submit it."""
    from office_desk import jpeg_bytes  # the same sample photo as the other back-office tests

    settings = Settings(
        database_url=env["SEVADWAR_DATABASE_URL"],
        data_dir=Path(env["SEVADWAR_DATA_DIR"]),
        secret_key=env["SEVADWAR_SECRET_KEY"],  # type: ignore[arg-type]
        catalogue_dir=CATALOGUE,
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = build_runtime(settings)
    try:
        uploads = runtime.conversations.uploads
        assert uploads is not None
        uploads.simulator_media.mkdir(parents=True, exist_ok=True)
        (uploads.simulator_media / "photo-1").write_bytes(jpeg_bytes())
        citizen = Citizen(key="browser-citizen", channel=Channel.SIMULATOR)
        message = InboundMessage(
            message_id="m-1",
            citizen=citizen,
            timestamp=utcnow(),
            kind=MessageKind.IMAGE,
            media=Media(media_id="photo-1", mime_type="image/jpeg"),
        )
        service = runtime.catalogue["income"]
        with transaction(runtime.sessions) as session:
            stored = uploads.receive(session, message, "income", service.document("photo"))
            assert isinstance(stored, Stored)
            application = do_submit_application(
                session,
                service,
                citizen_key=citizen.key,
                channel="simulator",
                language="hi",
                answers={
                    "applicant_name": "Sita Devi",
                    "family_annual_income": 96000,
                    "district": "east",
                },
                documents={
                    "photo": {
                        "document_id": stored.document_id,
                        "sha256": stored.sha256,
                        "type": "jpeg",
                    }
                },
                fee_paise=0,
            )
            return application.reference
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def back_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackOffice]:
    folder = tmp_path_factory.mktemp("office-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = sevadwar_env(folder, SEVADWAR_PUBLIC_URL=url)
    seeded = subprocess.run(
        sevadwar_command("demo", "seed"),
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    password = PASSWORD_LINE.search(seeded)
    assert password, seeded
    reference = _submit_application(folder, env)
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            sevadwar_command("serve", "--host", "127.0.0.1", "--port", str(port)),
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=2.0) as client:
            while True:
                assert process.poll() is None, log.read_text(errors="replace")[-4000:]
                try:
                    if client.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-4000:]
                time.sleep(0.2)
        yield BackOffice(url, password.group(1), dict(SECRET_LINE.findall(seeded)), reference)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def check_accessibility(page: Page, name: str) -> None:
    results = Axe().run(page)
    assert (
        results.response["testEngine"]["name"] == "axe-core"
    )  # it really ran (the page forbids scripts)
    assert results.response["passes"], "axe-core checked nothing"
    serious = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-office-{name}.txt").write_text(results.generate_report(), encoding="utf-8")
    assert not serious, results.generate_report()


def log_in(page: Page, office: BackOffice, username: str, *, code: bool) -> None:
    page.goto(f"{office.url}/office")
    expect(page).to_have_url(re.compile(r"/office/login"))
    check_accessibility(page, f"login-{username}")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip-link")).to_be_focused()
    page.locator("#username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(office.password)
    page.keyboard.press("Enter")
    if code:
        expect(page).to_have_url(re.compile(r"/office/login/code"))
        check_accessibility(page, f"code-{username}")
        expect(page.locator("#code")).to_be_visible()
        page.locator("#code").focus()
        page.keyboard.type(code_at(office.secrets[username], utcnow()))
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(re.compile("आवेदन|Applications"))


def open_from_queue(page: Page, reference: str) -> None:
    """Tab through the page until the application's link has focus, then press Enter."""
    link = page.get_by_role("link", name=reference)
    for _ in range(60):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(reference)


def test_verify_then_approve_by_keyboard_in_both_languages(
    browser: Browser, back_office: BackOffice
) -> None:
    # --- the verifying officer, in Hindi
    verifier = browser.new_context(locale="hi-IN", viewport={"width": 1280, "height": 900})
    page = verifier.new_page()
    log_in(page, back_office, "revenue.verifier", code=False)
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    check_accessibility(page, "queue-hi")
    open_from_queue(page, back_office.reference)
    check_accessibility(page, "application-hi")
    expect(page.get_by_role("img", name=re.compile("फ़ोटो"))).to_be_visible()
    accept = page.get_by_role("radio", name="स्वीकार करें").first
    accept.focus()
    page.keyboard.press("Space")
    expect(accept).to_be_checked()
    page.get_by_role("button", name="जाँच दर्ज करें").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("दस्तावेज़ की जाँच दर्ज हो गई", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "office-application-hi.png"), full_page=True)
    verifier.close()

    # --- the approving officer, with the TOTP code, in English
    approver = browser.new_context(locale="en-IN", viewport={"width": 1280, "height": 900})
    page = approver.new_page()
    log_in(page, back_office, "revenue.approver", code=True)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_accessibility(page, "queue-en")
    page.locator("#reference").focus()
    page.keyboard.type(back_office.reference.lower())
    page.keyboard.press("Enter")
    expect(page.get_by_role("table")).to_contain_text("Applications found: 1")
    open_from_queue(page, back_office.reference)
    check_accessibility(page, "application-en")
    page.locator("#approve-note").focus()
    page.keyboard.type("Verified and in order")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Approve the application")).to_be_focused()
    page.keyboard.press("Enter")
    # approving signs the certificate (its key may be made on first use): allow for a slow machine
    expect(page.get_by_role("status")).to_contain_text(
        "The application was approved", timeout=30_000
    )
    expect(page.locator(".timeline")).to_contain_text("Approved")
    check_accessibility(page, "application-approved-en")
    page.screenshot(path=str(ARTIFACTS / "office-application-en.png"), full_page=True)
    # the helpdesk page too
    page.get_by_role("link", name="Helpdesk and grievances").click()
    check_accessibility(page, "tickets-en")
    approver.close()
