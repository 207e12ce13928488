"""The bilingual payment receipt (Hindi and English) as a PDF, sent in the chat after payment.

fpdf2 with HarfBuzz shaping and the Noto Sans Devanagari font from the
``fontpkg-noto-sans-devanagari`` wheel (toolchain notes §1): without ``set_text_shaping`` the
conjuncts break (प्‌रमाण), and Debian's older Noto Devanagari lacks Latin, so only the PyPI
font is used — it has Devanagari, Latin, ``₹`` and the em dash. Labels come from
``payments/messages.yaml``; the QR code (segno) points at the verification URL.
"""

from __future__ import annotations

import atexit
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import fontpkg
import segno
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fontTools.varLib import instancer  # type: ignore[import-untyped]
from fpdf import FPDF

from sevadwar.payments.display import format_ist, format_rupees
from sevadwar.payments.messages import payment_text

FONT_FAMILY = "NotoDeva"
DEFAULT_WEIGHT = 400  # the variable font's default instance (wdth 100)
_LABEL_WIDTH = 70
_LINE = 6.5


@cache
def _font_dir() -> Path:
    holder = tempfile.TemporaryDirectory(prefix="sevadwar-fonts-")
    atexit.register(holder.cleanup)
    return Path(holder.name)


@cache
def devanagari_font(weight: int) -> str:
    """Noto Sans Devanagari at ``weight``: the variable font itself for 400 (its default
    instance), else a static instance made once per process into a temporary file.

    Instancing costs about a second, and passing ``variations=`` to fpdf2's ``add_font`` would
    pay it again for every document; fpdf2 then only subsets the font (tens of milliseconds).
    """
    variable = str(fontpkg.path("Noto Sans Devanagari"))
    if weight == DEFAULT_WEIGHT:
        return variable
    path = _font_dir() / f"NotoSansDevanagari-{weight}.ttf"
    if not path.exists():
        static = instancer.instantiateVariableFont(
            TTFont(variable), {"wght": weight, "wdth": 100}, inplace=True, optimize=False
        )
        tmp = path.with_suffix(".tmp")
        static.save(str(tmp))
        os.replace(tmp, path)
    return str(path)


@dataclass(frozen=True, slots=True)
class ReceiptData:
    receipt_number: str
    application_reference: str
    service_name_en: str
    service_name_hi: str
    amount_paise: int
    payment_id: str
    paid_at: datetime  # aware; shown in IST
    verification_url: str


def _label(key: str) -> str:
    return f"{payment_text('receipt', key, 'hi')} / {payment_text('receipt', key, 'en')}"


def render_receipt(receipt: ReceiptData) -> bytes:
    """The receipt PDF's bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"{payment_text('receipt', 'title', 'en')} {receipt.receipt_number}")
    pdf.set_author(payment_text("receipt", "government", "en"))
    pdf.set_lang("hi")
    pdf.set_creation_date(receipt.paid_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FONT_FAMILY, "", devanagari_font(DEFAULT_WEIGHT))
    pdf.add_font(FONT_FAMILY, "B", devanagari_font(700))
    pdf.set_text_shaping(use_shaping_engine=True, script="deva", language="hin")
    pdf.add_page()

    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(
        text=payment_text("receipt", "government", "hi"),
        new_x="LMARGIN",
        new_y="NEXT",
        align="C",
        w=0,
    )
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.cell(
        text=payment_text("receipt", "government", "en"),
        new_x="LMARGIN",
        new_y="NEXT",
        align="C",
        w=0,
    )
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "B", 20)
    title = f"{payment_text('receipt', 'title', 'hi')} — {payment_text('receipt', 'title', 'en')}"
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT", align="C", w=0)
    pdf.ln(6)

    rows = (
        ("receipt_number", receipt.receipt_number),
        ("application_reference", receipt.application_reference),
        ("service", f"{receipt.service_name_hi}\n{receipt.service_name_en}"),
        ("amount", format_rupees(receipt.amount_paise)),
        ("payment_id", receipt.payment_id),
        ("paid_at", format_ist(receipt.paid_at)),
    )
    pdf.set_draw_color(160, 160, 160)
    for key, value in rows:
        _row(pdf, _label(key), value, bold_value=key == "amount")
    pdf.ln(8)

    qr_top = pdf.get_y()
    qr = io.BytesIO()
    segno.make(receipt.verification_url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=pdf.l_margin, y=qr_top, w=40)
    pdf.set_xy(pdf.l_margin + 46, qr_top + 4)
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(
        0,
        5.5,
        f"{payment_text('receipt', 'verify', 'hi')}\n{payment_text('receipt', 'verify', 'en')}",
    )
    pdf.set_x(pdf.l_margin + 46)
    pdf.multi_cell(0, 5.5, receipt.verification_url, link=receipt.verification_url)
    pdf.set_y(max(pdf.get_y(), qr_top + 42) + 6)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.multi_cell(
        0,
        5,
        f"{payment_text('receipt', 'footer', 'hi')}\n{payment_text('receipt', 'footer', 'en')}",
    )
    return bytes(pdf.output())


def _row(pdf: FPDF, label: str, value: str, *, bold_value: bool) -> None:
    """One label/value row with a rule under it; the taller of the two cells sets the height."""
    top = pdf.get_y()
    left = pdf.l_margin
    pdf.set_font(FONT_FAMILY, "", 10)
    measured = pdf.multi_cell(_LABEL_WIDTH, _LINE, label, dry_run=True, output="HEIGHT")
    label_height = measured if isinstance(measured, int | float) else _LINE
    pdf.multi_cell(_LABEL_WIDTH, _LINE, label, new_x="RIGHT", new_y="TOP")
    pdf.set_xy(left + _LABEL_WIDTH + 4, top)
    pdf.set_font(FONT_FAMILY, "B" if bold_value else "", 12 if bold_value else 11)
    pdf.multi_cell(0, _LINE, value, new_x="LMARGIN", new_y="NEXT")
    bottom = max(pdf.get_y(), top + label_height) + 1.5
    pdf.line(left, bottom, pdf.w - pdf.r_margin, bottom)
    pdf.set_y(bottom + 1.5)
