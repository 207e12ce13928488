"""Each action end to end: the form, the workflow, the audit row, the citizen's WhatsApp message."""

from __future__ import annotations

import re
from datetime import timedelta

from office_desk import Desk, jpeg_bytes

from sevadwar.applications.models import ApplicationStatus
from sevadwar.audit.actions import verify_chain
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.documents.models import Document
from sevadwar.storage.db import transaction

CITIZEN = "919810000001"


def _team(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    desk.officer("revenue.inspector", Role.VERIFYING_OFFICER)
    desk.officer("revenue.sdm", Role.APPROVING_OFFICER)


def _chain_ok(desk: Desk) -> None:
    with transaction(desk.runtime.sessions) as session:
        report = verify_chain(session)
    assert report.ok, report


def test_the_application_page_shows_answers_documents_sla_and_history(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    clerk = desk.login("revenue.clerk")
    page = clerk.get(f"/office/applications/{reference}")
    assert page.status_code == 200
    html = page.text
    # what the citizen wrote carries its own language on a Hindi page (WCAG 3.1.2)
    assert '<dd lang="en">Ramesh Kumar</dd>' in html
    assert '<dd lang="hi">' in html  # a choice, shown in Hindi
    assert "XXXX-XXXX-0124" in html  # Aadhaar masked ...
    assert "234567890124" not in html  # ... never in full
    assert "आय प्रमाण पत्र" in html  # the service, in Hindi
    assert "04-12-2026" in html  # due in 14 days (DD-MM-YYYY, IST)
    assert "14 दिन बाकी" in html
    assert "पिछला आय प्रमाण पत्र" in html  # a document the citizen skipped is named
    assert "आवेदन जमा हुआ" in html  # the history, from the audit log
    documents = desk.documents(reference)
    assert f'<img src="/office/applications/{reference}/documents/{documents[0].id}"' in html
    assert f'<iframe src="/office/applications/{reference}/documents/{documents[1].id}"' in html
    # the clerk's forms: verify, forward, ask, field verification; no decision
    assert "/verify" in html
    assert "/forward" in html
    assert "/approve" not in html


def test_documents_are_streamed_decrypted_and_each_view_is_logged(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    photo, salary = desk.documents(reference)
    clerk = desk.login("revenue.clerk")
    image = clerk.get(f"/office/applications/{reference}/documents/{photo.id}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.headers["cache-control"] == "private, no-store"
    assert "frame-ancestors 'self'" in image.headers["content-security-policy"]
    pdf = clerk.get(f"/office/applications/{reference}/documents/{salary.id}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    views = [
        e
        for e in desk.audit(f"application:{reference}")
        if e.action == "application.document_viewed"
    ]
    assert [v.data["document_id"] for v in views] == [photo.id, salary.id]
    # logged, but not shown in the application's history
    assert "document_viewed" not in clerk.get(f"/office/applications/{reference}").text


def test_verify_each_document_accept_or_reject_with_a_reason(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    photo, salary = desk.documents(reference)
    clerk = desk.login("revenue.clerk")
    base = f"/office/applications/{reference}/documents"
    accepted = clerk.post(f"{base}/{photo.id}/verify", {"decision": "accept"})
    assert accepted.status_code == 303
    assert accepted.headers["location"].endswith(
        f"/office/applications/{reference}?done=verified#result"
    )
    no_reason = clerk.post(f"{base}/{salary.id}/verify", {"decision": "reject", "reason": " "})
    assert no_reason.status_code == 409
    assert "कृपया कारण या संदेश लिखें" in no_reason.text
    rejected = clerk.post(
        f"{base}/{salary.id}/verify", {"decision": "reject", "reason": "Slip is from 2019"}
    )
    assert rejected.status_code == 303
    assert [d.verified for d in desk.documents(reference)] == ["accepted", "rejected"]
    application = desk.application(reference)
    assert application.verified_by == clerk.officer_id  # the clerk is the maker
    rows = [
        e
        for e in desk.audit(f"application:{reference}")
        if e.action == "application.document_verified"
    ]
    assert [(r.actor, r.data["accepted"], r.data["reason"]) for r in rows] == [
        (f"officer:{clerk.officer_id}", True, ""),
        (f"officer:{clerk.officer_id}", False, "Slip is from 2019"),
    ]
    page = clerk.get(f"/office/applications/{reference}?done=verified").text
    assert "दस्तावेज़ की जाँच दर्ज हो गई" in page
    assert "Slip is from 2019" in page
    _chain_ok(desk)


def test_ask_the_citizen_for_more_in_their_language(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application(language="hi")
    clerk = desk.login("revenue.clerk")
    before = len(desk.outbox_texts(CITIZEN))
    response = clerk.post(
        f"/office/applications/{reference}/request-info",
        {"message": "Send your salary slip for March"},
    )
    assert response.status_code == 303
    application = desk.application(reference)
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.info_request == "Send your salary slip for March"
    texts = desk.outbox_texts(CITIZEN)[before:]
    assert len(texts) == 1
    assert "कार्यालय को आपसे और जानकारी चाहिए" in texts[0]  # Hindi, as the citizen applied
    assert "Send your salary slip for March" in texts[0]
    assert reference in texts[0]
    # the queue can show it as waiting for the applicant
    waiting = clerk.get("/office?status=info_requested").text
    assert reference in waiting
    # the citizen answers (through the workflow, as the chat does): back in the queue
    with transaction(desk.runtime.sessions) as session:
        from sevadwar.applications.workflow import find_by_reference

        found = find_by_reference(session, reference)
        assert found is not None
        desk.runtime.workflow.receive_info(session, found, text="Sent it")
    assert desk.application(reference).status == ApplicationStatus.IN_PROGRESS
    assert "Sent it" in clerk.get(f"/office/applications/{reference}").text


def test_send_for_field_verification_to_a_named_officer(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application(language="en")
    clerk = desk.login("revenue.clerk")
    inspector_id = desk.login("revenue.inspector").officer_id
    due = (desk.runtime.clock().astimezone(IST) + timedelta(days=5)).date()
    response = clerk.post(
        f"/office/applications/{reference}/field-verification",
        {"officer_id": str(inspector_id), "due_date": due.isoformat()},
    )
    assert response.status_code == 303
    application = desk.application(reference)
    assert application.assigned_to == inspector_id
    assert application.assigned_due_at is not None
    assert application.assigned_due_at.astimezone(IST).date() == due
    texts = desk.outbox_texts(CITIZEN)
    assert "has been sent for field verification" in texts[-1]  # English, as the citizen applied
    assert due.strftime("%d/%m/%Y") in texts[-1]
    # the inspector finds it under "sent to me"
    inspector = desk.login("revenue.inspector")
    assert reference in inspector.get("/office?mine=1").text


def test_field_verification_refuses_a_bad_officer_or_date(desk: Desk) -> None:
    _team(desk)
    desk.officer("mcd.inspector", Role.VERIFYING_OFFICER, "mcd")
    reference = desk.income_application()
    clerk = desk.login("revenue.clerk")
    mcd_id = desk.login("mcd.inspector").officer_id
    tomorrow = (desk.runtime.clock().astimezone(IST) + timedelta(days=1)).date().isoformat()
    other_department = clerk.post(
        f"/office/applications/{reference}/field-verification",
        {"officer_id": str(mcd_id), "due_date": tomorrow},
    )
    assert other_department.status_code == 409
    assert "इसी विभाग के किसी स्थल सत्यापन अधिकारी" in other_department.text
    inspector_id = desk.login("revenue.inspector").officer_id
    past = clerk.post(
        f"/office/applications/{reference}/field-verification",
        {"officer_id": str(inspector_id), "due_date": "2020-01-01"},
    )
    assert past.status_code == 409
    assert desk.application(reference).assigned_to is None


def test_forward_moves_through_the_stages_by_role(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    clerk = desk.login("revenue.clerk")
    assert (
        clerk.post(
            f"/office/applications/{reference}/forward", {"note": "Papers complete"}
        ).status_code
        == 303
    )
    application = desk.application(reference)
    assert application.stage == "verification"
    assert application.stage_due_at == desk.runtime.clock() + timedelta(days=8)
    # the verification stage belongs to a verifying officer: the clerk may not finish it
    refused = clerk.post(f"/office/applications/{reference}/forward")
    assert refused.status_code == 403
    assert "वरिष्ठ अधिकारी" in refused.text
    inspector = desk.login("revenue.inspector")
    assert inspector.post(f"/office/applications/{reference}/forward").status_code == 303
    assert desk.application(reference).stage == "approval"
    # the last stage is decided, not forwarded
    sdm = desk.login("revenue.sdm")
    last = sdm.post(f"/office/applications/{reference}/forward")
    assert last.status_code == 409
    assert "यह अंतिम चरण है" in last.text
    history = sdm.get(f"/office/applications/{reference}").text
    assert "दस्तावेज़ों की जाँच → आय का सत्यापन (स्थानीय जाँच)" in history
    assert "Papers complete" in history


def test_approve_tells_the_citizen_in_hindi(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application(language="hi")
    photo, _ = desk.documents(reference)
    clerk = desk.login("revenue.clerk")
    clerk.post(
        f"/office/applications/{reference}/documents/{photo.id}/verify", {"decision": "accept"}
    )
    sdm = desk.login("revenue.sdm")
    response = sdm.post(f"/office/applications/{reference}/approve", {"note": "All in order"})
    assert response.status_code == 303
    application = desk.application(reference)
    assert application.status in (ApplicationStatus.APPROVED, ApplicationStatus.ISSUED)
    assert application.decided_at == desk.runtime.clock()
    assert any("स्वीकृत हो गया है" in text for text in desk.outbox_texts(CITIZEN))
    approved = [
        e for e in desk.audit(f"application:{reference}") if e.action == "application.approved"
    ]
    assert [e.actor for e in approved] == [f"officer:{sdm.officer_id}"]
    page = sdm.get(f"/office/applications/{reference}?done=approved").text
    assert "आवेदन स्वीकृत हो गया" in page
    assert "/approve" not in page  # decided: no more forms
    # a second approval (a double click) changes nothing
    again = sdm.post(f"/office/applications/{reference}/approve")
    assert again.status_code == 409
    assert (
        len(
            [
                e
                for e in desk.audit(f"application:{reference}")
                if e.action == "application.approved"
            ]
        )
        == 1
    )
    _chain_ok(desk)


def test_reject_with_a_template_reason_and_free_text(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application(language="en")
    sdm = desk.login("revenue.sdm")
    page = sdm.get(f"/office/applications/{reference}").text
    assert 'value="documents_mismatch"' in page
    unknown = sdm.post(f"/office/applications/{reference}/reject", {"reason_code": "because"})
    assert unknown.status_code == 409
    response = sdm.post(
        f"/office/applications/{reference}/reject",
        {"reason_code": "documents_mismatch", "text": "The name differs on the ID."},
    )
    assert response.status_code == 303
    application = desk.application(reference)
    assert application.status == ApplicationStatus.REJECTED
    assert (
        application.decision_reason
        == "The details in the application do not match the documents. The name differs on the ID."
    )
    last = desk.outbox_texts(CITIZEN)[-1]
    assert "could not be approved" in last
    assert "The name differs on the ID." in last


def test_maker_checker_refusal_is_shown(desk: Desk) -> None:
    desk.officer("revenue.head", Role.DEPARTMENT_ADMIN)
    reference = desk.income_application()
    photo, _ = desk.documents(reference)
    head = desk.login("revenue.head")
    head.post(
        f"/office/applications/{reference}/documents/{photo.id}/verify", {"decision": "accept"}
    )
    refused = head.post(f"/office/applications/{reference}/approve")
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text
    assert "मेकर–चेकर" in refused.text
    assert desk.application(reference).status == ApplicationStatus.SUBMITTED


def test_roles_without_the_right_get_403_and_nothing_changes(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    photo, _ = desk.documents(reference)
    clerk = desk.login("revenue.clerk")
    sdm = desk.login("revenue.sdm")
    before = desk.counts()
    assert clerk.post(f"/office/applications/{reference}/approve").status_code == 403
    assert (
        clerk.post(
            f"/office/applications/{reference}/reject", {"reason_code": "other", "text": "x"}
        ).status_code
        == 403
    )
    # a decider does not verify (it would make them the maker of what they decide)
    assert (
        sdm.post(
            f"/office/applications/{reference}/documents/{photo.id}/verify", {"decision": "accept"}
        ).status_code
        == 403
    )
    assert desk.counts() == before
    assert desk.application(reference).status == ApplicationStatus.SUBMITTED


def test_an_image_sent_in_reply_appears_among_the_documents(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    clerk = desk.login("revenue.clerk")
    clerk.post(
        f"/office/applications/{reference}/request-info", {"message": "Send a clearer photo"}
    )
    extra = desk.upload(CITIZEN, "income", "photo", jpeg_bytes(), "image/jpeg")
    with transaction(desk.runtime.sessions) as session:
        from sevadwar.applications.workflow import find_by_reference

        found = find_by_reference(session, reference)
        assert found is not None
        desk.runtime.workflow.receive_info(session, found, document_id=extra.document_id)
    page = clerk.get(f"/office/applications/{reference}").text
    assert f"/documents/{extra.document_id}" in page


def test_one_file_sent_for_two_documents_is_listed_once_under_both_names(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    with transaction(desk.runtime.sessions) as session:  # the citizen wrote "वही" at the last one
        application = desk.application(reference)
        application = session.merge(application)
        documents = dict(application.answers["documents"])
        documents["previous_certificate"] = dict(documents["income_proof"])
        application.answers = {**application.answers, "documents": documents}
    html = desk.login("revenue.clerk").get(f"/office/applications/{reference}").text
    assert "आय का प्रमाण · पिछला आय प्रमाण पत्र" in html
    shown = set(re.findall(rf"/office/applications/{reference}/documents/(\d+)", html))
    assert shown == {str(d.id) for d in desk.documents(reference)}  # the photo and the proof
    assert "जमा नहीं किए गए" not in html  # nothing reported missing


def test_a_cards_back_is_shown_beside_its_front(desk: Desk) -> None:
    _team(desk)
    reference = desk.income_application()
    back = desk.upload(
        "919810000001", "income", "identity_proof", jpeg_bytes(), "image/jpeg", replace=False
    )
    front = desk.upload(
        "919810000001", "income", "identity_proof", jpeg_bytes(), "image/jpeg", replace=False
    )
    with transaction(desk.runtime.sessions) as session:
        application = session.merge(desk.application(reference))
        documents = dict(application.answers["documents"])
        documents["identity_proof"] = {
            "document_id": front.document_id,
            "type": "jpeg",
            "back": {"document_id": back.document_id, "type": "jpeg"},
        }
        application.answers = {**application.answers, "documents": documents}
        for stored in (front, back):  # linked as the submission links them
            session.get(Document, stored.document_id).application_id = application.id
    html = desk.login("revenue.clerk").get(f"/office/applications/{reference}").text
    label = "आवेदक का पहचान प्रमाण"
    backs = html.count(f"{label} (पीछे की तरफ़)")
    assert backs > 0 and html.count(label) == 2 * backs  # the front, and the back named so
