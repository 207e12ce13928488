"""The verification page in real Chromium: no axe violations in any state, usable by keyboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sevadwar.certificates.page import render_verify_page
from sevadwar.certificates.templates import Bilingual
from sevadwar.certificates.verification import Verification, VerificationStatus, Verified
from support import in_fresh_thread

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]

FOUND = Verified(
    number="DLC-7KQM-X4R9-2BCD",
    service_id="income",
    title=Bilingual(en="Income Certificate", hi="आय प्रमाण पत्र"),
    holder_name="रमेश कुमार",
    issued_at=datetime(2026, 11, 20, 6, 30, tzinfo=UTC),
    valid_until=datetime(2027, 11, 20, 6, 30, tzinfo=UTC),
    revoked_at=datetime(2026, 12, 1, 6, 30, tzinfo=UTC),
    office=Bilingual(
        en="Sub-Divisional Magistrate (SDM), Revenue Department",
        hi="उप-मंडल मजिस्ट्रेट (एसडीएम), राजस्व विभाग",
    ),
)
PAGES = {
    "form": render_verify_page(None),
    "valid": render_verify_page(Verification(VerificationStatus.VALID, FOUND), value=FOUND.number),
    "expired": render_verify_page(
        Verification(VerificationStatus.EXPIRED, FOUND), value=FOUND.number
    ),
    "revoked": render_verify_page(
        Verification(VerificationStatus.REVOKED, FOUND), value=FOUND.number
    ),
    "unknown": render_verify_page(Verification(VerificationStatus.UNKNOWN)),
}


def test_verify_pages_have_no_axe_violations_and_work_by_keyboard() -> None:
    in_fresh_thread(lambda: _test_verify_pages_have_no_axe_violations_and_work_by_keyboard())


def _test_verify_pages_have_no_axe_violations_and_work_by_keyboard() -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for width in (360, 1024):
                page = browser.new_page(viewport={"width": width, "height": 800}, locale="hi-IN")
                for name, html in PAGES.items():
                    page.set_content(html)
                    heading = page.get_by_role("heading", level=1)
                    assert "प्रमाण पत्र की जाँच" in heading.inner_text()
                    if name != "form":
                        assert page.get_by_role("heading", level=2).count() == 1
                    page.keyboard.press("Tab")
                    assert page.evaluate("document.activeElement.id") == "number"
                    page.keyboard.press("Tab")
                    assert page.evaluate("document.activeElement.type") == "submit"
                    result = Axe().run(page)
                    assert result.violations_count == 0, (
                        f"{name} at {width}px: {result.generate_report()}"
                    )
                page.close()
        finally:
            browser.close()
