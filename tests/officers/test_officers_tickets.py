"""Grievances and requests for a person in the back office: who sees them, reply, close."""

from __future__ import annotations

from datetime import timedelta

from office_desk import Desk, jpeg_bytes, pdf_bytes

from sevadwar.catalogue.schema import DocumentSpec, Role
from sevadwar.conversation.models import Conversation
from sevadwar.storage.db import transaction
from sevadwar.tickets.actions import do_add_ticket_message
from sevadwar.tickets.models import Ticket, TicketKind

CITIZEN = "919810000009"


def test_officers_see_their_departments_tickets_and_the_shared_pool(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    desk.officer("mcd.clerk", Role.DEALING_ASSISTANT, "mcd")
    income = desk.income_application()
    about_income = desk.ticket(TicketKind.GRIEVANCE, reference=income)
    pool = desk.ticket(TicketKind.HUMAN)
    revenue = desk.login("revenue.clerk").get("/office/tickets").text
    mcd_client = desk.login("mcd.clerk")
    mcd = mcd_client.get("/office/tickets").text
    assert f"G-{about_income}" in revenue
    assert f"T-{pool}" in revenue
    assert f"G-{about_income}" not in mcd  # it names a Revenue application
    assert f"T-{pool}" in mcd
    assert mcd_client.get(f"/office/tickets/{about_income}").status_code == 404


def test_reply_reaches_the_citizens_chat_in_their_language(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    ticket_id = desk.ticket(TicketKind.GRIEVANCE, language="hi")
    clerk = desk.login("revenue.clerk")
    page = clerk.get(f"/office/tickets/{ticket_id}").text
    assert "मेरा आवेदन अटका हुआ है" in page
    assert "पिछले 24 घंटों में संदेश नहीं भेजा है" in page  # no conversation yet: template
    empty = clerk.post(f"/office/tickets/{ticket_id}/reply", {"text": "  "})
    assert empty.status_code == 409
    response = clerk.post(
        f"/office/tickets/{ticket_id}/reply", {"text": "आपका आवेदन कल तक निपटा दिया जाएगा।"}
    )
    assert response.status_code == 303
    texts = desk.outbox_texts(CITIZEN)
    assert "हेल्पडेस्क का जवाब" in texts[-1]
    assert f"G-{ticket_id}" in texts[-1]
    assert "आपका आवेदन कल तक निपटा दिया जाएगा।" in texts[-1]
    assert desk.ticket_row(ticket_id).assigned_to == clerk.officer_id
    history = clerk.get(f"/office/tickets/{ticket_id}").text
    assert "नागरिक को जवाब भेजा गया" in history


def test_the_page_says_whether_the_24_hour_window_is_open(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    ticket_id = desk.ticket(TicketKind.HUMAN, language="en")
    with transaction(desk.runtime.sessions) as session:
        session.add(
            Conversation(
                citizen_key=CITIZEN,
                channel="whatsapp",
                wa_id=CITIZEN,
                user_id=None,
                language="en",
                state={},
                state_version=1,
                last_inbound_at=desk.runtime.clock() - timedelta(hours=2),
            )
        )
    clerk = desk.login("revenue.clerk")
    assert "नागरिक ने पिछले 24 घंटों में संदेश भेजा है" in clerk.get(f"/office/tickets/{ticket_id}").text
    clerk.post(f"/office/tickets/{ticket_id}/reply", {"text": "Hello, how can I help?"})
    assert "Reply from the helpdesk about your request" in desk.outbox_texts(CITIZEN)[-1]


def test_close_with_an_outcome_tells_the_citizen(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    ticket_id = desk.ticket(TicketKind.GRIEVANCE, language="en")
    clerk = desk.login("revenue.clerk")
    response = clerk.post(
        f"/office/tickets/{ticket_id}/close", {"outcome": "The certificate was issued today."}
    )
    assert response.status_code == 303
    ticket = desk.ticket_row(ticket_id)
    assert ticket.status == "closed"
    assert ticket.outcome == "The certificate was issued today."
    assert ticket.closed_at == desk.runtime.clock()
    assert (
        "has been closed. Outcome: The certificate was issued today."
        in desk.outbox_texts(CITIZEN)[-1]
    )
    assert f"G-{ticket_id}" not in clerk.get("/office/tickets").text  # open ones by default
    assert f"G-{ticket_id}" in clerk.get("/office/tickets?status=closed").text
    again = clerk.post(f"/office/tickets/{ticket_id}/reply", {"text": "one more thing"})
    assert again.status_code == 409
    actions = [e.action for e in desk.audit(f"ticket:{ticket_id}")]
    assert actions == ["ticket.grievance.opened", "ticket.closed"]


def test_overdue_grievances_are_marked(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    ticket_id = desk.ticket(TicketKind.GRIEVANCE)
    desk.runtime.clock.advance(days=8)  # type: ignore[attr-defined]
    page = desk.login("revenue.clerk").get("/office/tickets").text
    assert f"G-{ticket_id}" in page
    assert "समय-सीमा पार" in page


def test_the_ticket_page_shows_the_chat_and_a_reply_points_the_citizens_texts_at_it(
    desk: Desk,
) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    ticket_id = desk.ticket(TicketKind.HUMAN, language="hi")
    with transaction(desk.runtime.sessions) as session:
        session.add(
            Conversation(
                citizen_key=CITIZEN,
                channel="whatsapp",
                wa_id=CITIZEN,
                language="hi",
                state={"v": 1, "step": "menu", "language": "hi", "consented": True},
                state_version=1,
                last_inbound_at=desk.runtime.clock(),
            )
        )
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        first = do_add_ticket_message(
            session, ticket, author="citizen", text="पेंशन नहीं आई", now=desk.runtime.clock()
        )
        second = do_add_ticket_message(
            session, ticket, author="citizen", text="तीन महीने हो गए", now=desk.runtime.clock()
        )
    assert (first, second) == (True, False)  # only the first of a turn is acknowledged
    clerk = desk.login("revenue.clerk")
    page = clerk.get(f"/office/tickets/{ticket_id}").text
    assert "नागरिक से बातचीत" in page
    assert page.index("पेंशन नहीं आई") < page.index("तीन महीने हो गए")
    assert '<span class="who">नागरिक</span>' in page
    clerk.post(f"/office/tickets/{ticket_id}/reply", {"text": "आपका मामला देख रहे हैं।"})
    assert conversation_state(desk)["helpdesk"] == ticket_id  # her answer comes back here
    page = clerk.get(f"/office/tickets/{ticket_id}").text
    assert 'class="from-office"' in page and "आपका मामला देख रहे हैं।" in page
    clerk.post(f"/office/tickets/{ticket_id}/close", {"outcome": "पेंशन जारी कर दी गई।"})
    assert conversation_state(desk)["helpdesk"] is None  # her next text is the bot's again


def conversation_state(desk: Desk) -> dict[str, object]:
    with transaction(desk.runtime.sessions) as session:
        conversation = session.get(Conversation, CITIZEN)
        assert conversation is not None
        return dict(conversation.state)


def test_files_the_citizen_sent_open_from_the_chat_and_nowhere_else(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    ticket_id = desk.ticket(TicketKind.HUMAN, language="hi")
    other_id = desk.ticket(TicketKind.HUMAN, language="hi", citizen="919810000010")
    photo = jpeg_bytes()
    spec = DocumentSpec.model_validate({"id": f"ticket_{ticket_id}", "label": {"en": "File"}})
    first = desk.upload(CITIZEN, "helpdesk", spec.id, photo, "image/jpeg", spec=spec, replace=False)
    second = desk.upload(
        CITIZEN, "helpdesk", spec.id, pdf_bytes(), "application/pdf", spec=spec, replace=False
    )
    with transaction(desk.runtime.sessions) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        for stored in (first, second):  # files add up in a chat: the first is not replaced
            do_add_ticket_message(
                session,
                ticket,
                author="citizen",
                text="",
                now=desk.runtime.clock(),
                document_id=stored.document_id,
            )
    clerk = desk.login("revenue.clerk")
    page = clerk.get(f"/office/tickets/{ticket_id}").text
    for stored in (first, second):
        link = f"/office/tickets/{ticket_id}/files/{stored.document_id}"
        assert f'href="{link}"' in page
        response = clerk.get(link)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
    assert clerk.get(f"/office/tickets/{ticket_id}/files/{first.document_id}").content[:2] == (
        b"\xff\xd8"  # the cleaned JPEG
    )
    assert clerk.get(f"/office/tickets/{other_id}/files/{first.document_id}").status_code == 404
    viewed = [e for e in desk.audit(f"ticket:{ticket_id}") if e.action == "ticket.file_viewed"]
    assert len(viewed) == 3
