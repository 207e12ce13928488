"""The bilingual receipt PDF: shaped Hindi that text extraction gives back, embedded font, QR."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from sevadwar.catalogue.schema import FileType
from sevadwar.documents.inspect import inspect_upload
from sevadwar.documents.results import Accepted
from sevadwar.payments.receipt import ReceiptData, render_receipt

RECEIPT = ReceiptData(
    receipt_number="RCPT-2026-000123",
    application_reference="DL-7KQM-X4R9",
    service_name_en="Income Certificate",
    service_name_hi="आय प्रमाण पत्र",
    amount_paise=12550,
    payment_id="pay_Qfldmt5StKZFCB",
    paid_at=datetime(2026, 3, 5, 10, 15, tzinfo=UTC),
    verification_url="http://127.0.0.1:8000/verify/receipt/RCPT-2026-000123",
)


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("receipt") / "receipt.pdf"
    path.write_bytes(render_receipt(RECEIPT))
    return path


def poppler(tool: str, path: Path) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return subprocess.run(
        [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_text_comes_back_in_both_languages(pdf_path: Path) -> None:
    text = poppler("pdftotext", pdf_path)
    for expected in (
        "भुगतान रसीद",
        "Payment Receipt",
        "आय प्रमाण पत्र",
        "Income Certificate",
        "रसीद संख्या",
        "RCPT-2026-000123",
        "DL-7KQM-X4R9",
        "₹125.50",
        "pay_Qfldmt5StKZFCB",
        "05-03-2026 15:45 IST",  # 10:15 UTC shown in IST
        RECEIPT.verification_url,
    ):
        assert expected in text, expected
    assert "\u094d\u200c" not in text  # no broken conjuncts (halant + ZWNJ)


def test_font_is_embedded(pdf_path: Path) -> None:
    fonts = poppler("pdffonts", pdf_path)
    rows = [line for line in fonts.splitlines() if "NotoSansDevanagari" in line]
    assert rows
    assert all(" yes yes yes " in row for row in rows)  # embedded, subset, unicode map


def test_has_one_page_with_the_qr_image(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 1
        images = list(pdf.pages[0].get_images().values())
        assert len(images) == 1
        assert int(images[0].Width) > 100


def test_receipt_passes_our_own_upload_checks(pdf_path: Path) -> None:
    result = inspect_upload(
        pdf_path.read_bytes(),
        declared_mime="application/pdf",
        accept={FileType.PDF},
        max_bytes=5_000_000,
    )
    assert isinstance(result, Accepted)
    assert result.page_count == 1


def test_document_metadata(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Payment Receipt RCPT-2026-000123"
        assert str(pdf.Root.Lang) == "hi"
