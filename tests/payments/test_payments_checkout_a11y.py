"""The sandbox checkout page in real Chromium: no axe violations, usable by role and name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sevadwar.payments.base import LinkState
from sevadwar.payments.providers.sandbox_ledger import SandboxLink
from sevadwar.payments.providers.sandbox_page import render_checkout, render_message
from support import in_fresh_thread

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]

LINK = SandboxLink(
    id="sbx_test",
    reference="PAY-1",
    application_reference="DL-7KQM-X4R9",
    amount_paise=12550,
    currency="INR",
    description_en="Income Certificate",
    description_hi="आय प्रमाण पत्र",
    created_at=datetime(2026, 11, 20, tzinfo=UTC),
    expires_at=datetime(2026, 11, 20, tzinfo=UTC) + timedelta(days=1),
    state=LinkState.OPEN,
)


PAGES = {
    "checkout": render_checkout(LINK, action="/pay/sbx_test", token="t", status=None),
    "after-failure": render_checkout(
        LINK, action="/pay/sbx_test", token="t", status="result_failed"
    ),
    "paid": render_message("result_paid"),
}


def test_pages_have_no_axe_violations_and_work_by_keyboard() -> None:
    in_fresh_thread(lambda: _test_pages_have_no_axe_violations_and_work_by_keyboard())


def _test_pages_have_no_axe_violations_and_work_by_keyboard() -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            for name, html in PAGES.items():
                page.set_content(html)
                if "<form" in html:
                    button = page.get_by_role("button", name="भुगतान करें (सफल) Pay (success)")
                    assert button.is_visible()
                    page.keyboard.press("Tab")
                    assert page.evaluate("document.activeElement.value") == "paid"
                result = Axe().run(page)
                assert result.violations_count == 0, f"{name}: {result.generate_report()}"
        finally:
            browser.close()
