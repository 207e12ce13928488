"""Whole journeys through the real webhook route, the engine, the outbox and the fake Graph API."""

from __future__ import annotations

import io
import re

from e2e_stack import Stack, choices_of, text_of
from PIL import Image
from sqlalchemy import select

from sevadwar.applications.models import Application
from sevadwar.documents.models import Document
from sevadwar.messaging.models import OutboxMessage
from sevadwar.privacy.models import Consent
from sevadwar.storage.db import transaction


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


REFERENCE = re.compile(r"DL-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")


def test_birth_certificate_in_hindi(stack: Stack) -> None:
    asha = stack.citizen()
    welcome = asha.says("नमस्ते")
    assert "स्वागत" in text_of(welcome[0])
    assert choices_of(welcome[1]) == ["हिन्दी", "English"]
    consent = asha.taps("हिन्दी")
    assert "हिन्दी में बात" in text_of(consent[0])
    assert "डिजिटल व्यक्तिगत डेटा संरक्षण अधिनियम, 2023" in text_of(consent[1])
    assert choices_of(consent[1]) == ["मैं सहमत हूँ", "मैं सहमत नहीं हूँ"]
    menu = asha.taps("मैं सहमत हूँ")
    assert "सहमति दर्ज" in text_of(menu[0])
    card = asha.says("बच्चे का जन्म प्रमाण पत्र बनवाना है")
    assert "जन्म प्रमाण पत्र" in text_of(card[0])
    assert "समय-सीमा" in text_of(card[0])
    first = asha.taps("आवेदन करें")
    assert "सवाल" in text_of(first[0])
    assert "(1/" in text_of(first[1]) and "जन्म तिथि" in text_of(first[1])
    wrong = asha.says("३२/१३/२०२६")
    assert "जन्म तिथि" in text_of(wrong[1])  # the same question again, with why
    assert "लिंग" in text_of(asha.says("१५ नवंबर २०२६")[0])
    asha.taps("महिला (लड़की)")
    asha.says("छोड़ें")  # the child's name is optional
    asha.says("राकेश कुमार")
    place = asha.says("सुनीता देवी")
    assert "opt:hospital" in str(place[0])
    assert "अस्पताल" in text_of(asha.taps("अस्पताल")[0])
    asha.says("लोक नायक अस्पताल, दरियागंज")
    asha.says("मकान 12, गली 4, लक्ष्मी नगर")
    asha.says("पूर्वी दिल्ली")
    asha.says("110092")
    aadhaar = asha.taps("पिता")
    assert "आधार" in text_of(aadhaar[0])
    asha.says("2345 6789 0124")
    report = asha.says("छोड़ें")
    assert "अस्पताल की जन्म रिपोर्ट" in text_of(report[0])
    tiny = asha.sends_photo(tiny_png(), "image/png")  # unreadable: refused by content, asked again
    assert "छोटी" in text_of(tiny[0]) and "अस्पताल की जन्म रिपोर्ट" in text_of(tiny[1])
    fake_pdf = asha.sends_photo(
        b"MZ\x90\x00" + b"\x00" * 4000, "application/pdf"
    )  # a program, renamed
    assert "अस्पताल की जन्म रिपोर्ट" in text_of(fake_pdf[-1])
    proof = asha.sends_photo()
    assert "मिल गया" in text_of(proof[0])
    asha.sends_photo()
    review = asha.says("छोड़ें")  # the optional SDM order
    summary = text_of(review[0])
    assert "राकेश कुमार" in summary and "XXXX-XXXX-0124" in summary
    assert "234567890124" not in summary.replace(" ", "")
    done = asha.taps("जमा करें")
    receipt = text_of(done[0])
    assert "जमा हो गया" in receipt
    reference = REFERENCE.search(receipt)
    assert reference, receipt
    status = asha.says(reference.group(0).lower().replace("-", " "))
    assert reference.group(0) in text_of(status[0])
    with transaction(stack.runtime.sessions) as session:
        application = session.scalars(select(Application)).one()
        assert application.reference == reference.group(0)
        assert application.service_id == "birth-certificate"
        assert application.language == "hi"
        stored = str(application.answers)
        assert "234567890124" not in stored and "XXXX-XXXX-0124" in stored
        assert session.scalars(select(Consent)).one().language == "hi"
        documents = session.scalars(select(Document).where(Document.status == "active")).all()
        assert len(documents) == 2
        assert {d.application_id for d in documents} == {application.id}
        assert all(d.file_type == "jpeg" and len(d.sha256) == 64 for d in documents)
        for document in documents:  # stored encrypted; the clean copy has no EXIF or GPS
            assert document.blob_key
            raw = (stack.runtime.settings.data_dir / "documents").rglob("*")
            assert not any(b"PhoneMaker" in p.read_bytes() for p in raw if p.is_file())
            clean = stack.runtime.conversations.uploads.store.get(document.blob_key)  # type: ignore[union-attr]
            assert Image.open(io.BytesIO(clean)).getexif() == {}
        unsent = session.scalars(select(OutboxMessage).where(OutboxMessage.state != "sent")).all()
        assert unsent == []


def test_income_certificate_in_english(stack: Stack) -> None:
    ravi = stack.citizen(wa_id="919811100000", user_id="IN.55500011122233344455")
    ravi.says("Hello, I need an income certificate")
    ravi.taps("English")
    after_consent = ravi.taps("I agree")
    # the first message asked for a service: the card follows right after onboarding
    card = text_of(after_consent[-1])
    assert "*Income certificate*" in card and "Time limit" in card
    form = ravi.taps("Apply now")
    assert "questions" in text_of(form[0])
    assert "full name" in text_of(form[1])
    answers = [
        ("Ravi Kumar Sharma", "father"),
        ("Mohan Lal Sharma", "gender"),
        ("1", "date of birth"),  # an option by its number
        ("12-3-90", "for a living"),
        ("private job", "employer"),  # an option by its label
        ("Acme Traders Pvt Ltd", "How many people"),
        ("a few", "Please send a number"),  # refused, with the reason
        ("4", "income"),
        ("Rs 1,20,000", "ration card"),
        ("3", "own house or on rent"),
        ("1", "present address"),
        ("House 12, Street 4, Laxmi Nagar", "PIN code"),
        ("400001", "not a Delhi PIN code"),
        ("110092", "district"),
        ("2", "Aadhaar"),
        ("2345 6789 0124", "mobile"),
        ("skip", "photo or PDF"),
    ]
    for said, expected in answers:
        replies = ravi.says(said)
        assert expected in " ".join(text_of(m) for m in replies), (said, replies)
    for _ in range(4):  # photo, identity, address and income proofs
        ravi.sends_photo()
    ravi.sends_photo()  # expenditure proof
    ravi.taps("Skip")  # previous certificate (optional)
    review = " ".join(text_of(m) for m in ravi.sends_photo())  # self-declaration
    assert "Please check your application for *Income certificate*" in review
    assert "XXXX-XXXX-0124" in review and "Acme Traders Pvt Ltd" in review
    assert "₹1,20,000" in review
    done = ravi.taps("Submit")
    receipt = text_of(done[0])
    assert "has been submitted" in receipt
    reference = REFERENCE.search(receipt)
    assert reference
    status = ravi.says("status")
    assert reference.group(0) in text_of(status[0]) and "Income certificate" in text_of(status[0])
