"""An application's whole journey in Debian's Chromium, driven by keyboard, checked with axe-core.

A real ``sevadwar serve`` with the demo officers of ``sevadwar demo seed``, and one more verifying
officer made the way an administrator would, ``sevadwar officer create --totp`` (a verifier who
chose a second factor). The citizen lives her part in the web chat, through the simulator's HTTP
API (``citizen_chat.py``): she applies for an income certificate in Hindi and raises a grievance.

The verifier logs in with her authenticator code (in Hindi), accepts the documents, refuses one
with a reason and asks for more; the citizen reads the request in her chat, in Hindi, and answers
with her electricity bill's PDF; the application is back in the queue with her answer, which the
verifier accepts before forwarding it. A second officer, the approver (maker–checker), logs in
with his code (in English), finds it and approves: the signed certificate reaches the chat as a
PDF and ``/verify`` calls it valid.

Every back-office page on the way, and those around it (a failed login, a search with no result,
the helpdesk and a ticket, the 404 and 403 pages, the IT administrator's page), is checked with
axe-core in Hindi and in English, switched with the page's own language control: no serious or
critical violation.
"""

from __future__ import annotations

import io
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
from citizen_chat import Chat, apply_for_an_income_certificate, body_of, income_service, says
from office_desk import jpeg_bytes, pdf_bytes
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from browser.support import (
    ARTIFACTS,
    BROWSER,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    sevadwar_command,
    sevadwar_env,
)
from sevadwar.applications.workflow import citizen_messages
from sevadwar.certificates.templates import text as certificate_text
from sevadwar.officers.texts import Texts
from sevadwar.officers.totp import code_at
from sevadwar.storage.base import utcnow

pytestmark = BROWSER

START_TIMEOUT = 45.0
SECRET_LINE = re.compile(r"^\s+(\S+)\s+\S+\s+\S+\s+([A-Z2-7]{32})$", re.MULTILINE)
PASSWORD_LINE = re.compile(r"Password of every demo officer: (\S+)")
TICKET = re.compile(r"\bG-\d+\b")
HI, EN = Texts("hi"), Texts("en")  # the back office's own words (officers/texts.yaml)

VERIFIER = "revenue.east.verifier"  # made by the fixture, with a second factor
VERIFIER_NAME = "Meena Sharma"
VERIFIER_PASSWORD = "meena checks every paper twice"
APPROVER = "revenue.approver"  # a demo officer: approvers must use a second factor
APPROVER_NAME = "Arvind Mehra (SDM)"
DEPARTMENT_ADMIN = "revenue.admin"
IT_ADMIN = "it.admin"

# Sita Devi of Laxmi Nagar, East Delhi (answers to catalogue/income.yaml; a choice is an option id)
ANSWERS: dict[str, str] = {
    "applicant_name": "सीता देवी",
    "father_name": "राम प्रसाद",
    "gender": "female",
    "date_of_birth": "12-03-1985",
    "occupation": "labour",
    "family_members": "5",
    "family_annual_income": "96000",
    "ration_card_type": "none",
    "housing": "rented",
    "address": "मकान नं. 45, गली नं. 7, लक्ष्मी नगर",
    "pincode": "110092",
    "district": "east",
}
SERVICE_HI = "आय प्रमाण पत्र"
REFUSED = "address_proof"  # the document the verifier does not accept
REFUSAL = "बिल धुँधला है, पता पढ़ा नहीं जा रहा"
INFO_REQUEST = "पते का प्रमाण पढ़ा नहीं जा रहा। कृपया बिजली का ताज़ा बिल भेजें, साफ़ फ़ोटो या PDF में।"
INFO_REPLY = "यह रहा मेरा बिजली का ताज़ा बिल"
GRIEVANCE = "आय प्रमाण पत्र के मेरे आवेदन {reference} के बारे में अब तक कोई सूचना नहीं मिली है"
TICKET_REPLY = "आपका आवेदन जाँच में है, जल्द ही आपको सूचना मिलेगी।"


# ------------------------------------------------------------------ the server and the citizen


@dataclass(frozen=True)
class BackOffice:
    url: str
    passwords: dict[str, str]
    secrets: dict[str, str]  # username -> TOTP secret

    def code(self, username: str) -> str:
        return code_at(self.secrets[username], utcnow())


@dataclass(frozen=True)
class Applied:
    reference: str
    ticket: str  # "G-…"
    chat: Chat


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


def _sevadwar(folder: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        sevadwar_command(*args), cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def back_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackOffice]:
    folder = tmp_path_factory.mktemp("office-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = sevadwar_env(folder, SEVADWAR_PUBLIC_URL=url)
    seeded = _sevadwar(folder, env, "demo", "seed")
    password = PASSWORD_LINE.search(seeded)
    assert password, seeded
    secrets = dict(SECRET_LINE.findall(seeded))
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
        # the administrator adds a verifier for the East district while the server starts
        created = _sevadwar(
            folder,
            env,
            *("officer", "create", "--username", VERIFIER, "--password", VERIFIER_PASSWORD),
            *("--role", "verifying_officer", "--department", "revenue"),
            *("--office", "revenue-east", "--name", VERIFIER_NAME, "--totp"),
        )
        secrets[VERIFIER] = created.strip().splitlines()[-1]
        assert re.fullmatch(r"[A-Z2-7]{32}", secrets[VERIFIER]), created
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
        passwords = dict.fromkeys(secrets, password.group(1)) | {VERIFIER: VERIFIER_PASSWORD}
        yield BackOffice(url, passwords, secrets)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def applied(back_office: BackOffice) -> Applied:
    """Sita Devi applies in the chat, then complains that she has heard nothing (a grievance)."""
    chat = Chat(back_office.url, "browser-citizen")
    reference = apply_for_an_income_certificate(chat, ANSWERS)
    seen = chat.send("शिकायत दर्ज करें", reply_id="menu:grievance")
    chat.wait_for(seen, lambda m: m.get("kind") == "text", "asking for the complaint")
    seen = chat.send(GRIEVANCE.format(reference=reference))
    created = chat.wait_for(seen, lambda m: bool(TICKET.search(body_of(m))), "with a G- number")
    ticket = TICKET.search(body_of(created))
    assert ticket is not None
    return Applied(reference, ticket.group(0), chat)


def told_in_hindi(key: str, reference: str, **values: str) -> str:
    """What the workflow tells the citizen about her application (applications/messages.yaml)."""
    template = citizen_messages()[key]["hi"]
    return template.format(reference=reference, service=SERVICE_HI, **values)


def income_label(document_id: str, language: str) -> str:
    spec = next(d for d in income_service()["documents"] if d["id"] == document_id)
    return str(spec["label"][language])


def income_stages(language: str) -> list[str]:
    return [str(s["name"][language]) for s in income_service()["workflow"]["stages"]]


# ------------------------------------------------------------------ the back office, by keyboard


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


def language_of(page: Page) -> str:
    lang = page.locator("html").get_attribute("lang")
    assert lang in ("hi", "en"), lang
    return lang


def switch_language(page: Page) -> None:
    """The page's own language control, by keyboard: the same page comes back in the other."""
    before, address = language_of(page), page.url.split("#")[0]
    page.locator("a.language").focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en" if before == "hi" else "hi")
    assert page.url.split("#")[0] == address


def check_in_both_languages(page: Page, name: str) -> None:
    """axe-core on the page as it is, then in the other language, then back to the first."""
    first = language_of(page)
    check_accessibility(page, f"{name}-{first}")
    switch_language(page)
    check_accessibility(page, f"{name}-{language_of(page)}")
    switch_language(page)


def officer_window(browser: Browser, locale: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def tab_to(page: Page, target: Locator, presses: int = 80) -> None:
    """Press Tab until ``target`` has focus (and fail if it never does)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    expect(target).to_be_focused()


def log_in(page: Page, office: BackOffice, username: str, *, check: bool = False) -> None:
    """The password, then the authenticator code, typed. ``check``: axe on both pages."""
    page.goto(f"{office.url}/office")
    expect(page).to_have_url(re.compile(r"/office/login"))
    if check:
        check_in_both_languages(page, "login")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip-link")).to_be_focused()
    page.locator("#username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(office.passwords[username])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/office/login/code"))
    if check:
        check_in_both_languages(page, "code")
    page.locator("#code").focus()
    page.keyboard.type(office.code(username))
    page.keyboard.press("Enter")
    expect(page.locator("header .who")).to_be_visible()


def open_from_queue(page: Page, reference: str) -> None:
    tab_to(page, page.get_by_role("link", name=reference))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(reference)


def filter_queue(page: Page, t: Texts, **choices: str) -> None:
    """Choose the queue filters' options (by value), then the Show button, by keyboard."""
    for name, value in choices.items():
        page.locator(f"#{name}").select_option(value=value)
    page.get_by_role("button", name=t("filter_apply"), exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(t("queue_title"))


def queue_row(page: Page, reference: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))


def document_card(page: Page, label: str) -> Locator:
    heading = page.get_by_role("heading", name=label, exact=True)
    return page.locator("article.document").filter(has=heading)


def check_document(page: Page, t: Texts, label: str, *, refusal: str = "") -> None:
    """Accept a document, or refuse it with a reason, by keyboard."""
    card = document_card(page, label)
    decision = t("verify_reject") if refusal else t("verify_accept")
    choice = card.get_by_role("radio", name=decision, exact=True)
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    if refusal:
        card.get_by_role("textbox", name=t("verify_reason")).focus()
        page.keyboard.type(refusal)
    card.get_by_role("button", name=t("verify_button")).focus()
    page.keyboard.press("Enter")
    badge = document_card(page, label).locator(".doc-state .badge")
    expect(badge).to_have_text(t("doc_rejected") if refusal else t("doc_accepted"))
    expect(page.get_by_role("status")).to_have_text(t("done_verified"))


def type_and_send(page: Page, box: str, text: str, button: str) -> None:
    """Type into a form's text box, Tab to its button, press Enter."""
    page.locator(f"#{box}").focus()
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=button, exact=True)).to_be_focused()
    page.keyboard.press("Enter")


def timeline_entry(page: Page, what: str) -> Locator:
    return page.locator(".timeline li").filter(has_text=what)


# ------------------------------------------------------------------ the journey


def test_apply_verify_ask_reply_approve_and_the_certificate_goes_out(
    browser: Browser, back_office: BackOffice, applied: Applied
) -> None:
    reference, chat = applied.reference, applied.chat

    # --- the verifying officer, with her authenticator code, in Hindi
    verifier, page = officer_window(browser, "hi-IN")
    log_in(page, back_office, VERIFIER, check=True)
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.locator("h1")).to_have_text(HI("queue_title"))
    expect(queue_row(page, reference)).to_contain_text(HI("status_submitted"))
    check_in_both_languages(page, "queue")
    open_from_queue(page, reference)
    expect(page.locator(".answers")).to_contain_text(ANSWERS["applicant_name"])
    check_in_both_languages(page, "application")
    # maker–checker: the officer who verifies is not offered the decision
    expect(page.get_by_role("button", name=HI("approve_button"))).to_have_count(0)

    # the document viewer serves the file itself (an image here, not a page), to officers only
    photo = page.get_by_role("img", name=income_label("photo", "hi"), exact=True)
    expect(photo).to_be_visible()
    source = photo.get_attribute("src")
    assert source is not None
    served = page.request.get(f"{back_office.url}{source}")
    assert served.status == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.body())).size == Image.open(io.BytesIO(jpeg_bytes())).size
    assert httpx.get(f"{back_office.url}{source}", follow_redirects=False).status_code == 303

    labels = page.locator("article.document h3").all_inner_texts()
    required = [d for d in income_service()["documents"] if d.get("required", True)]
    assert sorted(labels) == sorted(d["label"]["hi"] for d in required if "when" not in d)
    refused = income_label(REFUSED, "hi")
    for label in labels:
        if label != refused:
            check_document(page, HI, label)
    check_document(page, HI, refused, refusal=REFUSAL)
    expect(timeline_entry(page, REFUSAL)).to_contain_text(VERIFIER_NAME)
    check_in_both_languages(page, "application-document-refused")

    type_and_send(page, "info-message", INFO_REQUEST, HI("request_info_button"))
    expect(page.get_by_role("status")).to_have_text(HI("done_info_requested"))
    expect(page.locator(".summary")).to_contain_text(HI("status_info_requested"))
    expect(page.locator(".answers")).to_contain_text(HI("info_no_reply"))
    expect(timeline_entry(page, HI("event_application_info_requested"))).to_contain_text(
        INFO_REQUEST
    )
    check_in_both_languages(page, "application-info-requested")

    # in the queue, among those waiting for the applicant
    page.get_by_role("link", name=HI("back_to_queue")).focus()
    page.keyboard.press("Enter")
    filter_queue(page, HI, status="info_requested")
    expect(page.locator("table.queue caption")).to_have_text(HI("queue_caption", count=1))
    expect(queue_row(page, reference)).to_contain_text(HI("status_info_requested"))

    # --- the citizen reads the request in her chat, in Hindi, and answers with the bill's PDF
    asked = chat.wait_for(0, says(INFO_REQUEST), "with the officer's request")
    assert body_of(asked) == told_in_hindi("info_requested", reference, request=INFO_REQUEST)
    bill = chat.attach(pdf_bytes(), "application/pdf", "bijli-ka-bill.pdf")
    seen = chat.send(INFO_REPLY, media=bill)
    thanked = chat.wait_for(seen, says(reference), "thanking her for the answer")
    assert body_of(thanked) == told_in_hindi("info_received", reference)

    # --- back in the office's queue, her answer and its PDF on the application
    page.reload()
    expect(page.locator("table.queue caption")).to_have_text(HI("queue_caption", count=0))
    filter_queue(page, HI, status="open")
    expect(queue_row(page, reference)).to_contain_text(HI("status_in_progress"))
    open_from_queue(page, reference)
    expect(page.locator(".summary")).to_contain_text(HI("status_in_progress"))
    expect(page.locator(".answers")).to_contain_text(INFO_REPLY)
    expect(page.locator(".answers")).to_contain_text(HI("info_reply_document"))
    expect(timeline_entry(page, HI("event_application_info_received"))).to_have_count(1)
    bill_viewer = document_card(page, HI("doc_info_reply")).locator("iframe")
    expect(bill_viewer).to_have_attribute("title", HI("doc_info_reply"))
    check_document(page, HI, HI("doc_info_reply"))

    # scrutiny and verification done: on to the approving officer
    for stage in income_stages("hi")[1:]:
        type_and_send(page, "forward-note", "दस्तावेज़ पूरे हैं", HI("forward_button"))
        expect(page.locator(".summary")).to_contain_text(stage)
        expect(page.get_by_role("status")).to_have_text(HI("done_forwarded"))
    page.screenshot(path=str(ARTIFACTS / "office-application-hi.png"), full_page=True)
    verifier.close()

    # --- a second officer, the approver, with his authenticator code, in English
    approver, page = officer_window(browser, "en-IN")
    log_in(page, back_office, APPROVER)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    filter_queue(page, EN, service="income", stage="approval")
    expect(page.locator("table.queue caption")).to_have_text(EN("queue_caption", count=1))
    check_in_both_languages(page, "queue-filtered")
    page.locator("#reference").focus()
    page.keyboard.type(reference.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#reference")).to_have_value(reference.lower())
    expect(page.locator("table.queue caption")).to_have_text(EN("queue_caption", count=1))
    open_from_queue(page, reference)
    expect(page.locator(".summary")).to_contain_text(income_stages("en")[-1])
    expect(page.locator(".answers")).to_contain_text(INFO_REPLY)
    check_in_both_languages(page, "application-for-approval")
    type_and_send(page, "approve-note", "Verified and in order", EN("approve_button"))
    # approving signs the certificate (its key is made on first use): allow for a slow machine
    expect(page.get_by_role("status")).to_have_text(EN("done_approved"), timeout=30_000)
    expect(page.locator(".summary")).to_contain_text(EN("status_issued"))
    expect(timeline_entry(page, EN("event_application_approved"))).to_contain_text(APPROVER_NAME)
    expect(timeline_entry(page, EN("event_certificate_issued"))).to_have_count(1)
    check_in_both_languages(page, "application-approved")
    page.screenshot(path=str(ARTIFACTS / "office-application-en.png"), full_page=True)
    approver.close()

    # --- the certificate reaches her chat, signed, and /verify says it is valid
    pdf = chat.wait_for(seen, lambda m: m.get("kind") == "document", "with the certificate")
    named = re.fullmatch(r"income-(.+)\.pdf", str(pdf["filename"]))
    assert named is not None, pdf
    number = named.group(1)
    assert pdf["caption"] == certificate_text(
        "messages", "caption", "hi", title=SERVICE_HI, number=number
    )
    said = [body_of(m) for m in chat.received[seen:]]
    assert told_in_hindi("approved", reference) in said
    verify_url = f"{back_office.url}/verify/{number}"
    issued = certificate_text(
        "messages", "issued", "hi", title=SERVICE_HI, number=number, verify_url=verify_url
    )
    assert issued in said
    with httpx.Client(timeout=10.0) as client:
        download = client.get(str(pdf["link"]))
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/pdf")
        assert download.content.startswith(b"%PDF")
        assert b"/ByteRange" in download.content  # it carries a digital signature
        verified = client.get(f"{verify_url}.json")
        assert verified.status_code == 200
        assert verified.json()["status"] == "valid"
        assert client.get(verify_url).status_code == 200


# ------------------------------------------------------------------ the pages around the journey


def test_every_other_back_office_page_in_both_languages(
    browser: Browser, back_office: BackOffice, applied: Applied
) -> None:
    # --- a department administrator: a wrong password first, then in, in English
    admin, page = officer_window(browser, "en-IN")
    page.goto(f"{back_office.url}/office/login")
    page.locator("#username").focus()
    page.keyboard.type(DEPARTMENT_ADMIN)
    page.keyboard.press("Tab")
    page.keyboard.type("not the password at all")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(EN("login_failed"))
    check_in_both_languages(page, "login-failed")
    log_in(page, back_office, DEPARTMENT_ADMIN)

    # a search that finds nothing
    page.locator("#reference").focus()
    page.keyboard.type("DL-0000-0000")
    page.keyboard.press("Enter")
    expect(page.locator("table.queue caption")).to_have_text(EN("queue_caption", count=0))
    expect(page.locator("table.queue")).to_contain_text(EN("queue_empty"))
    check_in_both_languages(page, "queue-no-result")

    # an application that does not exist: the message page, as a 404
    missing = page.goto(f"{back_office.url}/office/applications/DL-0000-0000")
    assert missing is not None
    assert missing.status == 404
    expect(page.locator("h1")).to_have_text(EN("not_found_title"))
    check_in_both_languages(page, "not-found")

    # the helpdesk: the citizen's grievance about her application, answered into her chat
    page.goto(f"{back_office.url}/office")
    tab_to(page, page.get_by_role("link", name=EN("nav_tickets")))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(EN("tickets_title"))
    expect(queue_row(page, applied.ticket)).to_contain_text(applied.reference)
    check_in_both_languages(page, "tickets")
    tab_to(page, page.get_by_role("link", name=applied.ticket))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(applied.ticket)
    expect(page.locator(".quote")).to_have_text(
        f"“{GRIEVANCE.format(reference=applied.reference)}”"
    )
    check_in_both_languages(page, "ticket")
    type_and_send(page, "reply-text", TICKET_REPLY, EN("reply_button"))
    expect(page.get_by_role("status")).to_have_text(EN("done_ticket_replied"))
    expect(timeline_entry(page, EN("event_ticket_replied"))).to_contain_text(TICKET_REPLY)
    expect(page.locator("ol.chat li.from-office")).to_contain_text(TICKET_REPLY)
    check_in_both_languages(page, "ticket-chat")  # the conversation with the citizen too
    answer = applied.chat.wait_for(0, says(TICKET_REPLY), "with the helpdesk's reply")
    assert applied.ticket in body_of(answer)
    admin.close()

    # --- the IT administrator: no casework, a page of his own, and applications refused (403)
    it_admin, page = officer_window(browser, "hi-IN")
    log_in(page, back_office, IT_ADMIN)
    expect(page.locator("h1")).to_have_text(HI("admin_title"))
    check_in_both_languages(page, "admin-home")
    refused = page.goto(f"{back_office.url}/office/applications/{applied.reference}")
    assert refused is not None
    assert refused.status == 403
    expect(page.locator("h1")).to_have_text(HI("forbidden_title"))
    expect(page.locator("main")).not_to_contain_text(ANSWERS["applicant_name"])
    check_in_both_languages(page, "forbidden")
    it_admin.close()
