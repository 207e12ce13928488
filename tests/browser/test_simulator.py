"""The web simulator in real Chromium, against a real ``sevadwar serve``.

What a citizen sees: the page posts to the real inbox, the server's workers run the engine and
the outbox sender, and the page shows what the outbox delivered. Every wait is bounded.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from fpdf import FPDF
from PIL import Image, ImageDraw
from playwright.sync_api import FileChooser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser.support import BROWSER, CATALOGUE

pytestmark = BROWSER

WAIT_MS = 8_000  # one bot turn goes inbox → worker → outbox → sender → page poll (700 ms)
REFERENCE = re.compile(r"\bDL-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
SEND = "भेजें · Send"
MESSAGE_BOX = "संदेश लिखें · Type a message"
SUBMIT = "जमा करें"

# What a Delhi applicant answers, per question of catalogue/income.yaml (a choice is an option id).
INCOME_ANSWERS: dict[str, str] = {
    "applicant_name": "रमेश कुमार",
    "father_name": "सुरेश कुमार",
    "gender": "male",
    "date_of_birth": "15-08-1990",
    "occupation": "farming",
    "employer_name": "दिल्ली परिवहन निगम",
    "family_members": "4",
    "family_annual_income": "180000",
    "ration_card_type": "none",
    "ration_card_number": "12345678",
    "housing": "own",
    "address": "मकान नं. 12, गली नं. 3, संत नगर, बुराड़ी",
    "pincode": "110084",
    "district": "north",
    "aadhaar": "2345 6789 0124",
    "mobile": "9876543210",
}


@pytest.fixture(autouse=True)
def _bounded(page: Page) -> None:
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real small PNG (a passport-style photo) and a real one-page PDF."""
    folder = tmp_path_factory.mktemp("uploads")
    photo = folder / "photo.png"
    image = Image.new("RGB", (240, 300), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 50, 170, 160), fill=(176, 134, 104))
    draw.rectangle((45, 175, 195, 300), fill=(36, 58, 120))
    image.save(photo)
    pdf_path = folder / "document.pdf"
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Sevadwar browser test - supporting document")
    pdf.output(str(pdf_path))
    return {"png": photo, "pdf": pdf_path}


class Simulator:
    """The citizen's side of the simulator page, read and driven the way a person would."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.bot = page.locator("#chat .msg.in")

    def open(self) -> None:
        # Each test is its own citizen: a fresh session id, so no earlier chat leaks in.
        self.page.goto(f"/simulator?session=t{uuid.uuid4().hex}")
        expect(self.page.get_by_label(MESSAGE_BOX)).to_be_visible()

    def type(self, text: str) -> None:
        self.page.get_by_label(MESSAGE_BOX).fill(text)
        self.page.get_by_role("button", name=SEND, exact=True).click()

    def last(self) -> Locator:
        return self.bot.last

    def wait_for(self, seen: int, accept: Callable[[Locator], bool], what: str) -> Locator:
        """The first bot message after the first ``seen`` ones that ``accept`` takes."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while time.monotonic() < deadline:
            count = self.bot.count()
            for index in range(seen, count):
                message = self.bot.nth(index)
                if accept(message):
                    return message
            self.page.wait_for_timeout(100)
        texts = "\n---\n".join(self.bot.all_inner_texts()[seen:])
        pytest.fail(f"no bot message {what} within {WAIT_MS} ms; the bot said after that:\n{texts}")

    def tap(self, message: Locator, label: str) -> None:
        """Tap a reply button, or open the message's list and pick the row showing ``label``."""
        opener = message.locator(".list-open")
        if opener.count():
            opener.click()
            expect(opener).to_have_attribute("aria-expanded", "true")
        button = message.locator(".choices button").filter(has_text=label).first
        expect(button).to_be_visible()
        button.click()


def _hi(entry: dict[str, str]) -> str:
    return entry["hi"]


@dataclass(frozen=True)
class Question:
    field_id: str
    label: str
    answer: str
    is_choice: bool


def income_questions() -> list[Question]:
    service: dict[str, Any] = yaml.safe_load(
        (CATALOGUE / "income.yaml").read_text(encoding="utf-8")
    )
    questions = []
    for field in service["fields"]:
        assert field["id"] in INCOME_ANSWERS, f"no answer for the new question {field['id']}"
        answer = INCOME_ANSWERS[field["id"]]
        if field["type"] == "choice":
            options = {o["id"]: _hi(o["label"]) for o in field["options"]}
            answer = options[answer]
        questions.append(
            Question(field["id"], _hi(field["label"]), answer, field["type"] == "choice")
        )
    return questions


def income_documents(files: dict[str, Path]) -> dict[str, Path]:
    """Each document's Hindi label → the file to upload (a PDF where allowed, else the PNG)."""
    service: dict[str, Any] = yaml.safe_load(
        (CATALOGUE / "income.yaml").read_text(encoding="utf-8")
    )
    return {
        _hi(doc["label"]): files["pdf"] if "pdf" in doc.get("accept", ["pdf"]) else files["png"]
        for doc in service["documents"]
    }


def received(label: str) -> Callable[[Locator], bool]:
    def accepts(message: Locator) -> bool:
        return f"मिल गया: {label}" in message.inner_text()

    return accepts


def start_in_hindi(sim: Simulator) -> None:
    sim.type("hi")
    hindi = sim.page.get_by_role("button", name="हिन्दी", exact=True)
    expect(hindi).to_be_visible()
    seen = sim.bot.count()
    hindi.click()
    consent = sim.wait_for(seen, lambda m: "सहमत" in m.inner_text(), "asking for consent")
    seen = sim.bot.count()
    consent.get_by_role("button", name="मैं सहमत हूँ", exact=True).click()
    sim.wait_for(seen, lambda m: "सहमति दर्ज" in m.inner_text(), "recording the consent")
    sim.wait_for(seen, lambda m: m.locator(".list-open").count() > 0, "with the main menu")


def test_hi_shows_the_welcome_and_the_language_buttons(page: Page) -> None:
    sim = Simulator(page)
    sim.open()
    started = time.monotonic()
    sim.type("hi")
    expect(page.locator("#chat .msg.out").last).to_have_text(re.compile(r"hi\s*$"))
    expect(sim.bot.first).to_contain_text("Namaste", timeout=5_000)
    expect(page.get_by_role("button", name="हिन्दी", exact=True)).to_be_visible(timeout=5_000)
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible(timeout=5_000)
    assert time.monotonic() - started < 5
    # The page is Hindi; the English welcome is marked so a screen reader switches voice.
    expect(sim.bot.first).to_have_attribute("lang", "en")


def test_a_whole_income_certificate_application_in_hindi(
    page: Page, upload_files: dict[str, Path], artifacts: Path
) -> None:
    sim = Simulator(page)
    sim.open()
    start_in_hindi(sim)

    seen = sim.bot.count()
    sim.type("आय प्रमाण पत्र")
    card = sim.wait_for(
        seen, lambda m: m.get_by_role("button", name="आवेदन करें").count() > 0, "with आवेदन करें"
    )
    expect(card).to_contain_text("आय प्रमाण पत्र")
    questions = {q.label: q for q in income_questions()}
    documents = income_documents(upload_files)
    asked: list[str] = []
    uploaded: list[str] = []
    seen = sim.bot.count()
    card.get_by_role("button", name="आवेदन करें").click()

    def is_next_step(message: Locator) -> bool:
        text = message.inner_text()
        bold = set(message.locator("strong").all_inner_texts())
        pending_question = any(label in text and label not in asked for label in questions)
        pending_document = any(label in bold and label not in uploaded for label in documents)
        return (
            pending_question
            or pending_document
            or message.get_by_role("button", name=SUBMIT).count() > 0
        )

    for _ in range(len(questions) + len(documents) + 1):
        message = sim.wait_for(seen, is_next_step, "with the next question, document or review")
        seen = sim.bot.count()
        if message.get_by_role("button", name=SUBMIT).count():
            review = message
            break
        text = message.inner_text()
        question = next(
            (q for label, q in questions.items() if label in text and label not in asked), None
        )
        if question is not None:
            asked.append(question.label)
            if question.is_choice and message.locator(".choices button").count():
                sim.tap(message, question.answer)
            else:
                sim.type(question.answer)  # free text, or a choice offered as a numbered text list
            continue
        bold = message.locator("strong").all_inner_texts()
        label = next(label for label in documents if label in bold and label not in uploaded)
        uploaded.append(label)
        page.locator("#attach").set_input_files(documents[label])
        sim.wait_for(seen, received(label), f"accepting {label}")
    else:
        pytest.fail("the bot never offered to submit the application")

    # Every question of the catalogue that applies was asked, every document was taken.
    not_applicable = {"employer_name", "ration_card_number"}  # farming; no ration card
    expected = {q.label for q in questions.values() if q.field_id not in not_applicable}
    assert set(asked) == expected
    assert set(uploaded) == set(documents) - {"राशन कार्ड"}

    # The review shows the answers back, normalised, and the Aadhaar number only masked.
    summary = sim.wait_for(0, lambda m: "अपना आवेदन जाँच लें" in m.inner_text(), "reviewing")
    for shown in ("रमेश कुमार", "15/08/1990", "₹1,80,000", "उत्तरी दिल्ली", "XXXX-XXXX-0124"):
        expect(summary).to_contain_text(shown)
    for label in uploaded:
        expect(summary).to_contain_text(label)
    clear = re.compile(r"2345\D?6789\D?0124")
    assert not any(clear.search(text) for text in sim.bot.all_inner_texts()), "Aadhaar in clear"

    seen = sim.bot.count()
    review.get_by_role("button", name=SUBMIT).click()
    done = sim.wait_for(
        seen, lambda m: REFERENCE.search(m.inner_text()) is not None, "with a reference number"
    )
    expect(done).to_contain_text("आवेदन जमा हो गया")
    reference = REFERENCE.search(done.inner_text())
    assert reference is not None
    page.screenshot(path=str(artifacts / "simulator-submitted.png"))


def _focused_name(page: Page) -> str:
    name: str = page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.id === 'composer-input' ? '#composer-input' : e.textContent.trim()) : ''; }"
    )
    return name


def tab_to(page: Page, name: str, *, backwards: bool = False, presses: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the focused element is ``name``; fail if it never is."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(presses):
        page.keyboard.press(key)
        if _focused_name(page).startswith(name):
            return
    pytest.fail(f"{name!r} is not reachable with {key} ({presses} presses)")


def test_the_simulator_works_with_the_keyboard_alone(
    page: Page, upload_files: dict[str, Path]
) -> None:
    sim = Simulator(page)
    sim.open()
    page.locator("body").focus()

    # The first Tab reaches the skip link; following it lands in the message box.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile("Skip to message box"))
    page.keyboard.press("Enter")
    expect(page.get_by_label(MESSAGE_BOX)).to_be_focused()
    seen = sim.bot.count()
    page.keyboard.type("hi")
    page.keyboard.press("Enter")
    sim.wait_for(seen, lambda m: m.locator(".choices button").count() > 0, "with language buttons")

    # The newest message's buttons are just before the message box.
    tab_to(page, "हिन्दी", backwards=True)
    seen = sim.bot.count()
    page.keyboard.press("Enter")
    sim.wait_for(seen, lambda m: "सहमत" in m.inner_text(), "asking for consent")
    tab_to(page, "मैं सहमत हूँ")
    seen = sim.bot.count()
    page.keyboard.press("Space")
    menu = sim.wait_for(seen, lambda m: m.locator(".list-open").count() > 0, "with the menu list")

    # A list opens with the keyboard, moves focus into its rows, and a row is chosen with Enter.
    opener = menu.locator(".list-open")
    tab_to(page, opener.inner_text())
    expect(opener).to_be_focused()
    expect(opener).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(opener).to_have_attribute("aria-expanded", "true")
    rows = menu.locator(".choices button")
    expect(rows.first).to_be_focused()
    tab_to(page, "मदद")
    seen = sim.bot.count()
    page.keyboard.press("Enter")
    expect(page.locator("#chat .msg.out").last).to_contain_text("मदद")
    sim.wait_for(seen, lambda m: "संदर्भ संख्या" in m.inner_text(), "with the help text")

    # Back to the message box by keyboard, and typing there still works.
    tab_to(page, "#composer-input")
    page.keyboard.type("मेनू")
    expect(page.get_by_label(MESSAGE_BOX)).to_have_value("मेनू")

    # The attach control is next: its focus is visible, and Space opens the file chooser.
    page.keyboard.press("Tab")
    expect(page.locator("#attach")).to_be_focused()
    outline = page.locator("label[for=attach]").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline not in ("", "none"), "keyboard focus on the attach control is invisible"
    chooser = open_file_chooser_with_space(page)
    chooser.set_files(upload_files["png"])
    expect(page.locator("#chat .msg.out").last).to_contain_text("photo.png")


def test_no_serious_accessibility_violations_after_a_conversation(
    page: Page, artifacts: Path
) -> None:
    sim = Simulator(page)
    sim.open()
    start_in_hindi(sim)
    seen = sim.bot.count()
    sim.type("आय प्रमाण पत्र")
    sim.wait_for(seen, lambda m: "आवेदन करें" in m.inner_text(), "with the service card")
    menu = sim.bot.filter(has=page.locator(".list-open")).last
    menu.locator(".list-open").click()  # an open list is part of what gets checked

    results = Axe().run(page)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    (artifacts / "axe-report.txt").write_text(results.generate_report(), encoding="utf-8")
    assert not serious, results.generate_report()


def rendered_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium really used to draw the first ``selector`` (a missing glyph is tofu)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})[
            "fonts"
        ]
        return fonts
    finally:
        cdp.detach()


def test_screenshot_shows_devanagari_and_a_sensible_layout(page: Page, artifacts: Path) -> None:
    """Writes artifacts/simulator-chat.png for a person to look at, and checks what a machine can:
    Devanagari is drawn with a font that has it, the composer fits the window, nothing overflows."""
    sim = Simulator(page)
    sim.open()
    start_in_hindi(sim)
    seen = sim.bot.count()
    sim.type("आय प्रमाण पत्र")
    sim.wait_for(seen, lambda m: "आवेदन करें" in m.inner_text(), "with the service card")
    page.screenshot(path=str(artifacts / "simulator-chat.png"))

    fonts = rendered_fonts(page, "#chat .msg.in .choices button")
    assert fonts, "no font rendered the Hindi button"
    assert all("Devanagari" in f["familyName"] or "Lohit" in f["familyName"] for f in fonts), (
        f"Hindi drawn with {fonts}: tofu boxes (install fonts-noto-core)"
    )
    layout = page.evaluate(
        """() => {
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        const composer = box('#composer'), send = box('#send'), attach = box('label[for=attach]');
        return {
          width: innerWidth, height: innerHeight,
          scrollWidth: document.documentElement.scrollWidth,
          composerBottom: composer.bottom, sendRight: send.right,
          attachWidth: attach.width, attachHeight: attach.height,
        };
        }"""
    )
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    assert layout["composerBottom"] <= layout["height"] + 1, "the message box is off screen"
    assert layout["sendRight"] <= layout["width"], "the send button is cut off"
    assert layout["attachWidth"] >= 24, "the attach button is too small to tap"
    assert layout["attachHeight"] >= 24, "the attach button is too small to tap"


def open_file_chooser_with_space(page: Page, attempts: int = 3) -> FileChooser:
    """Space on the focused file input opens the chooser. Headless Chromium on a loaded machine
    now and then shows no chooser for a press (2 runs in about 30 here, with the focus where it
    should be): a person would press again, and so does this, at most ``attempts`` times."""
    for attempt in range(attempts):
        expect(page.locator("#attach")).to_be_focused()
        try:
            with page.expect_file_chooser(timeout=4000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
