"""Whole journeys through the real webhook route, the engine, the outbox and the fake Graph API."""

from __future__ import annotations

import base64
import io
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from e2e_stack import Citizen, Stack, choices_of, document_photo, text_of
from PIL import Image
from sqlalchemy import select

from certificates.pdftools import qr_texts
from sevadwar.api.actions import do_create_api_key
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role
from sevadwar.certificates.qr import verify_payload
from sevadwar.certificates.signing import trust_roots, validate_certificate_pdf
from sevadwar.documents.models import Document
from sevadwar.messaging.models import OutboxMessage
from sevadwar.officers.actions import do_create_officer
from sevadwar.officers.tickets import do_reply_ticket
from sevadwar.payments.display import IST
from sevadwar.privacy.models import Consent
from sevadwar.storage.db import transaction
from sevadwar.tickets.models import Ticket, TicketMessage


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


REFERENCE = re.compile(r"DL-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")
CERTIFICATE_NUMBER = re.compile(r"DLC(?:-[2-9A-Z]{4}){3}")


def test_birth_certificate_in_hindi(stack: Stack, tmp_path: Path) -> None:
    """A mother applies in Hindi over signed webhooks; the MCD verifies and approves; she gets
    the signed certificate in the chat, and anyone can verify it, online and offline."""
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
        document_ids = [d.id for d in documents]

    department_verifies_and_approves(stack, reference.group(0), document_ids)
    number, pdf = certificate_in_the_chat(stack, asha)
    certificate_verifies(stack, number, pdf, tmp_path)


def department_verifies_and_approves(stack: Stack, reference: str, document_ids: list[int]) -> None:
    """The maker (a verifying officer of the MCD) checks the documents and moves the file
    through its stages; the checker, the MCD's own system, approves through the department API."""
    runtime = stack.runtime
    with transaction(runtime.sessions) as session:
        officer = do_create_officer(
            session,
            runtime.cipher,
            username="vo.shahdara",
            password="janm-panjikaran-satyapan-2026",
            role=Role.VERIFYING_OFFICER,
            department="mcd",
            actor="system:test",
            now=runtime.clock(),
        ).officer
        maker = Actor("officer", officer.username, officer.id, Role.VERIFYING_OFFICER, "mcd")
        _, api_key = do_create_api_key(
            session, department="mcd", actor="system:test", now=runtime.clock()
        )
    with transaction(runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        for document_id in document_ids:
            runtime.workflow.verify_document(
                session, application, document_id, accepted=True, reason="", actor=maker
            )
        runtime.workflow.forward(session, application, actor=maker, note="दस्तावेज़ सही हैं")
        runtime.workflow.forward(
            session, application, actor=maker, note="अस्पताल के रिकॉर्ड से मिलान हो गया"
        )
        assert application.stage == "approval"
        assert application.verified_by == officer.id

    with httpx.Client(base_url=stack.app_url, timeout=30) as api:
        decided = api.post(
            f"/api/v1/applications/{reference}/decision",
            headers={"Authorization": f"Bearer {api_key}"},
            json={"decision": "approve", "reason": "जन्म का पंजीकरण किया गया"},
        )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == ApplicationStatus.ISSUED
    events = [e["event"] for e in body["timeline"]]
    assert events[-2:] == ["approved", "certificate.issued"]
    assert "forwarded" in events and "document_verified" in events


def certificate_in_the_chat(stack: Stack, citizen: Citizen) -> tuple[str, bytes]:
    """What the sender delivered to the citizen: the news in Hindi and the signed PDF."""
    received = citizen.replies(settle=1.0, timeout=30)
    while not any(m.get("type") == "document" for m in received):  # the PDF comes last
        received += citizen.replies(settle=1.0, timeout=30)  # fails ("no reply") if it never does
    texts = " ".join(text_of(m) for m in received)
    assert "स्वीकृत हो गया है" in texts  # approved
    assert "तैयार है" in texts and "जन्म प्रमाण पत्र" in texts  # the certificate is ready
    documents = [m for m in received if m.get("type") == "document"]
    assert len(documents) == 1, received
    document = documents[0]["document"]
    caption = document["caption"]
    assert "जन्म प्रमाण पत्र" in caption
    found = CERTIFICATE_NUMBER.search(caption)
    assert found, caption
    number = found.group(0)
    assert number in texts  # the same number in the message above the PDF
    assert document["filename"] == f"birth-certificate-{number}.pdf"
    pdf = document_bytes(stack, document)
    assert pdf.startswith(b"%PDF")
    return number, pdf


def document_bytes(stack: Stack, document: dict[str, Any]) -> bytes:
    """The file behind a sent document: an uploaded media id, or the link WhatsApp fetches."""
    if "id" in document:
        return stack.fake.media[document["id"]].data
    public_base = stack.runtime.settings.public_base
    assert document["link"].startswith(f"{public_base}/files/"), document
    response = httpx.get(stack.app_url + document["link"].removeprefix(public_base), timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def certificate_verifies(stack: Stack, number: str, pdf: bytes, tmp_path: Path) -> None:
    """The PAdES signature against the published certificate, ``/verify`` and the QR offline."""
    with httpx.Client(base_url=stack.app_url, timeout=30) as web:
        keys = web.get("/verify/keys.json").json()
        verified = web.get(f"/verify/{number}.json")
        page = web.get(f"/verify/{number}")
    published = tmp_path / "deployment.pem"  # what an offline verifier saves from keys.json
    published.write_text(keys["pdf"]["certificate_pem"], encoding="ascii")
    trusted = trust_roots(published)
    report = validate_certificate_pdf(pdf, trusted)
    assert report.ok, report.summary
    assert report.summary.startswith("INTACT:TRUSTED")
    assert report.signer_sha256 == keys["pdf"]["sha256"]
    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    assert not validate_certificate_pdf(bytes(tampered), trusted).ok

    assert verified.status_code == 200
    result = verified.json()
    assert result["status"] == "valid"
    assert result["genuine"] is True
    facts = result["certificate"]
    assert facts["number"] == number
    assert facts["service"] == "birth-certificate"
    assert facts["title"]["hi"] == "जन्म प्रमाण पत्र"
    assert "सुनीता देवी" in facts["holder_name"]  # no child's name: the parents'
    issued_today = datetime.now(IST).date().isoformat()
    assert facts["issued_on"] == issued_today
    assert "234567890124" not in verified.text and "XXXX" not in verified.text
    assert page.status_code == 200
    assert number in page.text and "सुनीता देवी" in page.text

    path = tmp_path / f"{number}.pdf"
    path.write_bytes(pdf)
    codes = qr_texts(path, tmp_path)
    if codes is None:
        return  # no QR decoder here (CI installs poppler-utils and zxing-cpp)
    assert len(codes) == 1
    url, _, token = codes[0].partition("#")
    assert url == f"{stack.runtime.settings.public_base}/verify/{number}"
    qr_key = ed25519.Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(keys["qr"][0]["public_key"] + "==")
    )
    payload = verify_payload(token, [qr_key])  # offline: only the published public key
    assert payload.number == number
    assert payload.service_id == "birth-certificate"
    assert payload.holder_name == facts["holder_name"]
    assert payload.issued_on.isoformat() == issued_today


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
        ("skip", "Please send a clear photo of"),
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


def test_talking_to_a_helpdesk_officer_in_hindi(stack: Stack) -> None:
    """A citizen asks for a person: what she writes reaches the officer's ticket (not the bot),
    the officer's reply reaches her chat, her answer goes back to the ticket, and *मेनू* brings
    the bot back while the request stays open."""
    sunita = stack.citizen(wa_id="919811200000", user_id="IN.55500011122233399999")
    sunita.says("नमस्ते")
    sunita.taps("हिन्दी")
    sunita.taps("मैं सहमत हूँ")
    opened = text_of(sunita.says("मुझे किसी अधिकारी से बात करनी है")[0])
    found = re.search(r"\*T-(\d+)\*", opened)
    assert found, opened
    ticket_id = int(found.group(1))
    forwarded = sunita.says("मेरा राशन कार्ड छह महीने से नहीं बना")
    assert [text_of(m) for m in forwarded] == [
        f"✉️ आपका संदेश हेल्पडेस्क अधिकारी को भेज दिया गया है (अनुरोध *T-{ticket_id}*)। वे इसी चैट"
        " में जवाब देंगे। स्वचालित सेवा पर लौटने के लिए *मेनू* लिखें।"
    ]
    # A reference number is for the officer (not a status query); the Aadhaar number is masked.
    sunita._post(text="DL-7KQM-X4R9, आधार 2345 6789 0124")
    chat = wait_for_ticket_messages(stack, ticket_id, 2)
    assert [(m.author, m.text) for m in chat] == [
        ("citizen", "मेरा राशन कार्ड छह महीने से नहीं बना"),
        ("citizen", "DL-7KQM-X4R9, आधार XXXX-XXXX-0124"),
    ]
    status = text_of(sunita.says("स्थिति")[0])  # the bot's, and it lists the open request
    assert f"*T-{ticket_id}* — अधिकारी से बात का आपका अनुरोध: खुला है" in status, status
    with transaction(stack.runtime.sessions) as session:
        officer = do_create_officer(
            session,
            stack.runtime.cipher,
            username="helpdesk.kamla",
            password="helpdesk-kamla-2026-seva",
            role=Role.DEALING_ASSISTANT,
            department="revenue",
            actor="system:test",
            now=stack.runtime.clock(),
        )
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        do_reply_ticket(
            session,
            ticket,
            text="आपका कार्ड छपाई में है, अगले हफ़्ते मिल जाएगा।",
            actor=Actor("officer", "helpdesk.kamla", id=officer.officer.id),
            now=stack.runtime.clock(),
        )
    stack.runtime.wake_outbox.set()
    assert "आपका कार्ड छपाई में है" in text_of(sunita.replies()[0])
    thanks = sunita.says("जी धन्यवाद")  # the first word after the officer's is acknowledged
    assert "हेल्पडेस्क अधिकारी को भेज दिया" in text_of(thanks[0])
    tiny = sunita.sends_photo(tiny_png(), "image/png")  # unreadable: refused, with the reason
    assert "छोटी" in text_of(tiny[0])
    photo = base64.b64encode(document_photo()).decode("ascii")
    sunita._post(media={"type": "image", "mime_type": "image/jpeg", "data_base64": photo})
    with_file = wait_for_ticket_messages(stack, ticket_id, 5)[-1]
    assert (with_file.author, with_file.document_id is not None) == ("citizen", True)
    back = sunita.says("मेनू")
    assert f"*T-{ticket_id}* खुला है" in text_of(back[0])
    assert choices_of(back[-1])  # the main menu
    card = sunita.says("आय प्रमाण पत्र")  # the bot again
    assert "आय प्रमाण पत्र" in text_of(card[0])
    chat = wait_for_ticket_messages(stack, ticket_id, 5)
    assert [m.author for m in chat] == ["citizen", "citizen", "officer", "citizen", "citizen"]
    sunita.says("मेरा डेटा हटाओ")
    assert "मिटा" in text_of(sunita.says("हाँ")[0])
    assert wait_for_ticket_messages(stack, ticket_id, 0) == []  # erasure takes the chat too


def wait_for_ticket_messages(stack: Stack, ticket_id: int, count: int) -> list[TicketMessage]:
    deadline = time.monotonic() + 15
    while True:
        with transaction(stack.runtime.sessions) as session:
            chat = list(
                session.scalars(
                    select(TicketMessage)
                    .where(TicketMessage.ticket_id == ticket_id)
                    .order_by(TicketMessage.id)
                )
            )
            session.expunge_all()
        if len(chat) >= count or time.monotonic() > deadline:
            return chat
        time.sleep(0.05)


def test_a_text_to_a_request_closed_meanwhile_is_not_lost_silently(stack: Stack) -> None:
    """The officer's close and the citizen's message cross: the citizen is told the request is
    closed (nothing reached an officer), and the next message is the bot's again."""
    mohan = stack.citizen(wa_id="919811300000", user_id="IN.55500011122233377777")
    mohan.says("hello")
    mohan.taps("English")
    mohan.taps("I agree")
    opened = text_of(mohan.says("I want to talk to an officer")[0])
    found = re.search(r"\*T-(\d+)\*", opened)
    assert found, opened
    ticket_id = int(found.group(1))
    with transaction(stack.runtime.sessions) as session:  # closed, the chat not yet told
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = "closed"
    late = mohan.says("Is anyone there?")
    assert [text_of(m) for m in late] == [
        f"Your request *T-{ticket_id}* has already been closed, so this message did not go to"
        " an officer. Type *officer* to talk to someone again, or *menu* to see the options."
    ]
    assert wait_for_ticket_messages(stack, ticket_id, 0) == []
    card = mohan.says("income certificate")  # the bot again
    assert "*Income certificate*" in text_of(card[0])


def test_old_age_pension_in_hindi_as_people_answer(stack: Stack) -> None:
    """Shanti Devi applies for her old-age pension over signed webhooks, answering as people do:
    her name in a sentence, her locality for the district, "जन्म से", a monthly income, a "no"
    in a sentence; she sends her Aadhaar card's front and back as two photos, and the same file
    again for her address with "वही"."""
    shanti = stack.citizen(wa_id="919811300000", user_id="IN.55500011122233300077")
    shanti.says("नमस्ते")
    shanti.taps("हिन्दी")
    shanti.taps("मैं सहमत हूँ")
    card = shanti.says("बुढ़ापा पेंशन चाहिए")
    assert "वृद्धावस्था पेंशन" in text_of(card[0])
    shanti.says("हाँ")
    answers = [
        ("मेरा नाम शांति देवी है", "पिता या पति"),
        ("पति का नाम स्वर्गीय राम लाल", "लिंग"),
        ("महिला", "जन्म तिथि"),
        ("1 जनवरी 1958", "आधार"),
        ("2345 6789 0124", "पता"),
        ("मेरा पता है: मकान 22, गली 5, त्रिलोकपुरी", "ज़िले"),
        ("त्रिलोकपुरी", "पिन कोड"),
        ("110091", "कितने वर्षों से"),
        ("जन्म से", "आय"),
        ("बेटे की कमाई 8 हज़ार महीना", "वर्ग"),
        ("सामान्य", "पेंशन"),
        ("नहीं, कोई और पेंशन नहीं मिलती", "खाते"),
        ("31245678901", "IFSC"),
        ("SBIN0001234", "आधार कार्ड"),
    ]
    for said, expected in answers:
        replies = shanti.says(said)
        assert expected in " ".join(text_of(m) for m in replies), (said, replies)
    back = " ".join(text_of(m) for m in shanti.sends_photo())  # the front of her Aadhaar card
    assert "पीछे की तरफ़" in back
    assert "आयु का प्रमाण" in " ".join(text_of(m) for m in shanti.sends_photo())  # the back
    shanti.sends_photo()  # age proof
    reused = " ".join(text_of(m) for m in shanti.says("वही आधार वाला"))
    assert "पहले भेजे दस्तावेज़ों में से कौन-सा" in reused
    shanti.taps("आधार कार्ड (दोनों तरफ़)")
    for _ in range(3):  # passbook, photo, income declaration
        review = " ".join(text_of(m) for m in shanti.sends_photo())
    assert "कृपया *वृद्धावस्था पेंशन* के लिए अपना आवेदन जाँच लें" in review
    assert "*शांति देवी*" in review and "*स्वर्गीय राम लाल*" in review
    assert "*पूर्वी*" in review and "*मकान 22, गली 5, त्रिलोकपुरी*" in review
    assert "₹96,000" in review
    receipt = text_of(shanti.taps("जमा करें")[0])
    reference = REFERENCE.search(receipt)
    assert reference, receipt
    with transaction(stack.runtime.sessions) as session:
        application = session.scalars(
            select(Application).where(Application.reference == reference.group(0))
        ).one()
        files = session.scalars(
            select(Document).where(Document.application_id == application.id)
        ).all()
        fields, documents = application.answers["fields"], application.answers["documents"]
        assert fields["years_in_delhi"] == stack.runtime.clock().year - 1958  # born 1 January
        assert fields["other_pension"] is False
        card_files = [f for f in files if f.spec_id == "aadhaar_card"]
        assert len(card_files) == 2 and all(f.status == "active" for f in card_files)
        assert (
            documents["residence_proof"]["document_id"] == documents["aadhaar_card"]["document_id"]
        )
        assert documents["aadhaar_card"]["back"]["document_id"] in {f.id for f in card_files}
