"""The certificate PDF (A4, Hindi and English), before it is signed.

fpdf2 with HarfBuzz shaping and the PyPI Noto Sans Devanagari font (shared with the payment
receipt, whose helper instances the bold weight once per process). Everything printed comes
from the template, ``texts.yaml`` and the catalogue; nothing citizen-facing is written here.
The signature block leaves an empty box where pyHanko draws the visible signature.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import segno
from fpdf import FPDF

from sevadwar.certificates.signing import SignatureBox
from sevadwar.certificates.templates import Bilingual, PrintedRow, Template, text
from sevadwar.payments.display import IST
from sevadwar.payments.receipt import DEFAULT_WEIGHT, FONT_FAMILY, devanagari_font

PAGE_HEIGHT = 297.0
MM_TO_PT = 72 / 25.4
_LABEL_WIDTH = 64.0
_LINE = 6.0
_BOTTOM_BLOCK = 72.0  # the QR code and signature block, kept together at the foot of the page
_MARGIN = 16.0


@dataclass(frozen=True, slots=True)
class CertificateDocument:
    template: Template
    number: str
    reference: str
    title: Bilingual
    department: Bilingual
    office: Bilingual
    rows: tuple[PrintedRow, ...]
    issued_at: datetime
    valid_until: datetime | None
    verify_url: str  # printed and linked
    qr_text: str  # what the QR code holds (the verify URL with its signed payload)


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    data: bytes
    signature: SignatureBox


def ist_date(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%d/%m/%Y")


def _both(section: str, key: str) -> str:
    return f"{text(section, key, 'hi')} / {text(section, key, 'en')}"


def render_certificate(doc: CertificateDocument) -> RenderedPdf:
    layout = doc.template.layout
    pdf = FPDF(format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN)
    pdf.set_title(f"{doc.title.en} {doc.number}")
    pdf.set_subject(doc.title.hi)
    pdf.set_author(doc.office.en)
    pdf.set_lang("hi")
    pdf.set_creation_date(doc.issued_at)
    pdf.add_font(FONT_FAMILY, "", devanagari_font(DEFAULT_WEIGHT))
    pdf.add_font(FONT_FAMILY, "B", devanagari_font(700))
    pdf.set_text_shaping(use_shaping_engine=True, script="deva", language="hin")
    pdf.add_page()
    _frame(pdf, layout.accent, double=layout.frame == "double")

    accent = layout.accent
    pdf.set_text_color(*accent)
    _centred(pdf, text("pdf", "government", "hi"), "B", 14)
    _centred(pdf, text("pdf", "government", "en"), "", 11)
    _centred(pdf, f"{doc.department.hi} · {doc.department.en}", "", 10)
    pdf.ln(2)
    _centred(pdf, doc.title.hi, "B", 19)
    _centred(pdf, doc.title.en, "B", 13)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)

    _meta(pdf, doc)
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 10)
    statement = doc.template.statement
    pdf.multi_cell(
        0,
        5.0,
        statement.hi.format(reference=doc.reference),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(0.5)
    pdf.multi_cell(
        0,
        4.8,
        statement.en.format(reference=doc.reference),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)

    top = pdf.get_y()
    if layout.card:
        pdf.set_fill_color(*accent)
        pdf.rect(pdf.l_margin, top, pdf.w - pdf.l_margin - pdf.r_margin, 2.5, style="F")
        pdf.set_y(top + 4)
    pdf.set_draw_color(170, 170, 170)
    for row in doc.rows:
        _row(pdf, f"{row.label.hi} / {row.label.en}", row.value)
    validity = ist_date(doc.valid_until) if doc.valid_until else _both("pdf", "valid_until_revoked")
    _row(pdf, _both("pdf", "valid_until"), validity)
    _row(pdf, _both("pdf", "office"), f"{doc.office.hi}\n{doc.office.en}")
    if layout.card:
        pdf.set_draw_color(*accent)
        pdf.set_line_width(0.6)
        pdf.rect(
            pdf.l_margin - 2,
            top - 1,
            pdf.w - pdf.l_margin - pdf.r_margin + 4,
            pdf.get_y() - top + 2,
        )
        pdf.set_line_width(0.2)

    if pdf.get_y() > PAGE_HEIGHT - _MARGIN - _BOTTOM_BLOCK:
        pdf.add_page()
        _frame(pdf, layout.accent, double=layout.frame == "double")
    signature = _foot(pdf, doc)
    return RenderedPdf(bytes(pdf.output()), signature)


def _frame(pdf: FPDF, accent: tuple[int, int, int], *, double: bool) -> None:
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.8)
    pdf.rect(7, 7, pdf.w - 14, pdf.h - 14)
    if double:
        pdf.set_line_width(0.3)
        pdf.rect(9.5, 9.5, pdf.w - 19, pdf.h - 19)
    pdf.set_line_width(0.2)


def _centred(pdf: FPDF, value: str, style: str, size: float) -> None:
    pdf.set_font(FONT_FAMILY, style, size)
    pdf.multi_cell(0, size * 0.5, value, align="C", new_x="LMARGIN", new_y="NEXT")


def _meta(pdf: FPDF, doc: CertificateDocument) -> None:
    """Number, application and date of issue: one line each, the number in bold."""
    for key, value, bold in (
        ("number", doc.number, True),
        ("application", doc.reference, False),
        ("issued_on", ist_date(doc.issued_at), False),
    ):
        pdf.set_font(FONT_FAMILY, "", 10)
        pdf.cell(_LABEL_WIDTH, 5.4, _both("pdf", key))
        pdf.set_font(FONT_FAMILY, "B" if bold else "", 12 if bold else 10.5)
        pdf.cell(0, 5.4, value, new_x="LMARGIN", new_y="NEXT")


def _row(pdf: FPDF, label: str, value: str) -> None:
    """A label and its value side by side with a rule under them."""
    top = pdf.get_y()
    left = pdf.l_margin
    pdf.set_font(FONT_FAMILY, "", 9)
    measured = pdf.multi_cell(_LABEL_WIDTH, 4.6, label, align="L", dry_run=True, output="HEIGHT")
    label_height = measured if isinstance(measured, int | float) else _LINE
    pdf.multi_cell(_LABEL_WIDTH, 4.6, label, align="L", new_x="RIGHT", new_y="TOP")
    pdf.set_xy(left + _LABEL_WIDTH + 3, top)
    pdf.set_font(FONT_FAMILY, "B", 10.5)
    pdf.multi_cell(0, 5.4, value, align="L", new_x="LMARGIN", new_y="NEXT")
    bottom = max(pdf.get_y(), top + label_height) + 0.9
    pdf.line(left, bottom, pdf.w - pdf.r_margin, bottom)
    pdf.set_y(bottom + 0.9)


def _foot(pdf: FPDF, doc: CertificateDocument) -> SignatureBox:
    """QR code and verification link on the left, the signature block on the right."""
    top = PAGE_HEIGHT - _MARGIN - _BOTTOM_BLOCK + 4
    left = pdf.l_margin
    qr = io.BytesIO()
    segno.make(doc.qr_text, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, x=left, y=top, w=42, h=42)
    pdf.set_xy(left, top + 43)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.multi_cell(
        80,
        4,
        f"{text('pdf', 'verify', 'hi')}\n{text('pdf', 'verify', 'en')}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(FONT_FAMILY, "B", 8)
    pdf.multi_cell(80, 4, doc.verify_url, link=doc.verify_url, new_x="LMARGIN", new_y="NEXT")

    block_x = left + 88
    width = pdf.w - pdf.r_margin - block_x
    pdf.set_xy(block_x, top)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(width, 5.5, _both("pdf", "signature_heading"), new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 9)
    signed_for = "\n".join(
        text("pdf", "signed_by", lang, office=doc.office.get(lang)) for lang in ("hi", "en")
    )
    pdf.multi_cell(width, 4.6, signed_for, new_x="LEFT", new_y="NEXT")
    box_top = pdf.get_y() + 1.5
    box_height = 16.0
    pdf.set_draw_color(*doc.template.layout.accent)
    pdf.rect(block_x, box_top, width, box_height)
    pdf.set_xy(block_x, box_top + box_height + 2)
    pdf.set_font(FONT_FAMILY, "", 7.5)
    note = f"{text('pdf', 'signature_note', 'hi')}\n{text('pdf', 'signature_note', 'en')}"
    pdf.multi_cell(width, 3.6, note, new_x="LMARGIN", new_y="NEXT")
    box = (
        round((block_x + 1) * MM_TO_PT),
        round((PAGE_HEIGHT - box_top - box_height + 1) * MM_TO_PT),
        round((block_x + width - 1) * MM_TO_PT),
        round((PAGE_HEIGHT - box_top - 1) * MM_TO_PT),
    )
    return SignatureBox(page=pdf.page - 1, box=box)
