"""The access matrix: every role × every /office endpoint × another department's application.

The inventory of back-office routes is read from the app, so a new route that is not in
``ENDPOINTS`` fails here until it is placed in the matrix. Every refused request must change
nothing: not the application, its documents, the ticket, the audit log or the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from office_desk import Desk, LoggedIn

from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.storage.db import transaction
from sevadwar.tickets.actions import do_add_ticket_message
from sevadwar.tickets.models import Ticket, TicketKind

# Every back-office route: (method, path) -> what the matrix does with it.
OBJECT = "object"  # names an application, a document or a ticket: the matrix target
PAGE = "page"  # a page or file without an object
SESSION = "session"  # logging in and out
ENDPOINTS: dict[tuple[str, str], str] = {
    ("GET", "/office"): PAGE,
    ("GET", "/office/static/{name}"): PAGE,
    ("GET", "/office/tickets"): PAGE,
    ("GET", "/office/language/{language}"): PAGE,
    ("GET", "/office/login"): SESSION,
    ("POST", "/office/login"): SESSION,
    ("GET", "/office/login/code"): SESSION,
    ("POST", "/office/login/code"): SESSION,
    ("POST", "/office/logout"): SESSION,
    ("GET", "/office/applications/{reference}"): OBJECT,
    ("GET", "/office/applications/{reference}/documents/{document_id}"): OBJECT,
    ("POST", "/office/applications/{reference}/documents/{document_id}/verify"): OBJECT,
    ("POST", "/office/applications/{reference}/request-info"): OBJECT,
    ("POST", "/office/applications/{reference}/field-verification"): OBJECT,
    ("POST", "/office/applications/{reference}/forward"): OBJECT,
    ("POST", "/office/applications/{reference}/approve"): OBJECT,
    ("POST", "/office/applications/{reference}/reject"): OBJECT,
    ("GET", "/office/tickets/{ticket_id}"): OBJECT,
    ("POST", "/office/tickets/{ticket_id}/reply"): OBJECT,
    ("POST", "/office/tickets/{ticket_id}/close"): OBJECT,
    ("GET", "/office/tickets/{ticket_id}/files/{document_id}"): OBJECT,
}


def _walk(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, inside included routers too (FastAPI keeps them nested, unprefixed here)."""
    found: list[APIRoute] = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            found.extend(_walk(nested.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def office_routes(desk: Desk) -> set[tuple[str, str]]:
    found = set()
    for route in _walk(desk.client.app.routes):  # type: ignore[attr-defined]
        if route.path.startswith("/office"):
            for method in route.methods:
                found.add((method, route.path))
    return found


@dataclass
class Target:
    reference: str
    document_id: int
    ticket_id: int
    verifier_id: int
    due: str

    def url(self, path: str) -> str:
        return (
            path.replace("{reference}", self.reference)
            .replace("{document_id}", str(self.document_id))
            .replace("{ticket_id}", str(self.ticket_id))
        )

    def form(self, path: str) -> dict[str, str]:
        """Data that would make the action succeed if access were not checked."""
        if path.endswith("/verify"):
            return {"decision": "reject", "reason": "forged"}
        if path.endswith("/request-info"):
            return {"message": "send everything again"}
        if path.endswith("/field-verification"):
            return {"officer_id": str(self.verifier_id), "due_date": self.due}
        if path.endswith("/reject"):
            return {"reason_code": "not_eligible", "text": "forged"}
        if path.endswith("/reply"):
            return {"text": "forged reply"}
        if path.endswith("/close"):
            return {"outcome": "forged outcome"}
        return {"note": "forged"}


def _revenue_target(desk: Desk) -> Target:
    verifier = desk.officer("revenue.inspector", Role.VERIFYING_OFFICER)
    reference = desk.income_application()
    document = desk.documents(reference)[0]
    ticket = desk.ticket(TicketKind.GRIEVANCE, reference=reference)
    with transaction(desk.runtime.sessions) as session:  # the citizen sent it in the ticket too
        row = session.get(Ticket, ticket)
        assert row is not None
        do_add_ticket_message(
            session,
            row,
            author="citizen",
            text="",
            now=desk.runtime.clock(),
            document_id=document.id,
        )
    due = (desk.runtime.clock().astimezone(IST) + timedelta(days=3)).date().isoformat()
    return Target(reference, document.id, ticket, verifier, due)


def snapshot(desk: Desk, target: Target) -> tuple[Any, ...]:
    application = desk.application(target.reference)
    ticket = desk.ticket_row(target.ticket_id)
    return (
        application.status,
        application.stage,
        application.verified_by,
        application.assigned_to,
        application.info_request,
        application.decision_reason,
        application.updated_at,
        tuple(d.verified for d in desk.documents(target.reference)),
        ticket.status,
        ticket.assigned_to,
        ticket.outcome,
        desk.counts(),
    )


def test_the_route_inventory_is_the_matrix(desk: Desk) -> None:
    assert office_routes(desk) == set(ENDPOINTS), "place every new /office route in ENDPOINTS"


MCD_ROLES = [
    ("mcd.assistant", Role.DEALING_ASSISTANT, "mcd"),
    ("mcd.verifier", Role.VERIFYING_OFFICER, "mcd"),
    ("mcd.approver", Role.APPROVING_OFFICER, "mcd"),
    ("mcd.admin", Role.DEPARTMENT_ADMIN, "mcd"),
    ("it.admin", Role.IT_ADMIN, None),
]


@pytest.mark.parametrize(
    ("username", "role", "department"), MCD_ROLES, ids=[r[1].value for r in MCD_ROLES]
)
def test_another_departments_application_is_out_of_reach(
    desk: Desk, username: str, role: Role, department: str | None
) -> None:
    target = _revenue_target(desk)
    desk.officer(username, role, department)
    officer = desk.login(username)
    # control: the same officer reaches their own department's work (not IT admins: no casework)
    if role is not Role.IT_ADMIN:
        own = desk.birth_application()
        assert officer.get(f"/office/applications/{own}").status_code == 200
    before = snapshot(desk, target)
    refused = []
    for (method, path), kind in ENDPOINTS.items():
        if kind != OBJECT:
            continue
        url = target.url(path)
        response = officer.get(url) if method == "GET" else officer.post(url, target.form(path))
        if response.status_code not in (403, 404):
            refused.append(f"{method} {url} -> {response.status_code}")
        assert "Ramesh" not in response.text  # the applicant's answers never leak into a refusal
    assert refused == [], "\n".join(refused)
    assert snapshot(desk, target) == before
    # and the queue and the ticket list do not show it either
    assert target.reference not in officer.get("/office?status=all").text
    assert f"G-{target.ticket_id}" not in officer.get("/office/tickets?status=all").text


def _department_admin(desk: Desk) -> LoggedIn:
    desk.officer("revenue.head", Role.DEPARTMENT_ADMIN)
    return desk.login("revenue.head")


def test_every_state_change_needs_the_csrf_token_and_the_same_origin(desk: Desk) -> None:
    target = _revenue_target(desk)
    head = _department_admin(desk)
    posts = [
        path for (method, path), kind in ENDPOINTS.items() if method == "POST" and kind == OBJECT
    ]
    posts.append("/office/logout")
    before = snapshot(desk, target)
    failures = []
    for path in posts:
        url = target.url(path)
        form = target.form(path)
        attempts = {
            "missing": head.client.post(url, data=form, follow_redirects=False),
            "wrong": head.client.post(
                url, data={**form, "csrf_token": "x" * 43}, follow_redirects=False
            ),
            "empty": head.client.post(url, data={**form, "csrf_token": ""}, follow_redirects=False),
            "foreign origin": head.post(url, form, headers={"Origin": "https://evil.example"}),
            "cross-site fetch": head.post(url, form, headers={"Sec-Fetch-Site": "cross-site"}),
        }
        for name, response in attempts.items():
            if response.status_code != 403:
                failures.append(f"{name}: POST {url} -> {response.status_code}")
    assert failures == [], "\n".join(failures)
    assert snapshot(desk, target) == before
    # the session survived every forged logout, and a same-origin request with the token works
    assert head.get("/office").status_code == 200
    ok = head.post(
        target.url("/office/applications/{reference}/forward"),
        headers={"Origin": "http://testserver"},
    )
    assert ok.status_code == 303


def test_the_login_forms_need_their_tokens_too(desk: Desk) -> None:
    desk.officer("revenue.sdm", Role.APPROVING_OFFICER)
    client = desk.new_client()
    client.get("/office/login")
    assert (
        client.post(
            "/office/login", data={"username": "revenue.sdm", "password": "x" * 12}
        ).status_code
        == 403
    )
    page = client.get("/office/login")
    from office_desk import PASSWORD, csrf_of

    response = client.post(
        "/office/login",
        data={"username": "revenue.sdm", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    login = client.post(
        "/office/login",
        data={"username": "revenue.sdm", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert login.status_code == 303
    code = client.post("/office/login/code", data={"code": desk.code("revenue.sdm")})
    assert code.status_code == 403


def test_logged_out_requests_go_to_the_login_page_or_get_401(desk: Desk) -> None:
    target = _revenue_target(desk)
    anonymous = desk.new_client()
    before = snapshot(desk, target)
    for (method, path), kind in ENDPOINTS.items():
        if kind == SESSION or path in ("/office/static/{name}", "/office/language/{language}"):
            continue
        url = target.url(path)
        if method == "GET":
            response = anonymous.get(url, follow_redirects=False)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/office/login"), url
        else:
            response = anonymous.post(
                url, data={**target.form(path), "csrf_token": "x"}, follow_redirects=False
            )
            assert response.status_code == 401, url
    assert anonymous.post("/office/logout", data={"csrf_token": "x"}).status_code == 401
    assert (
        anonymous.post("/office/login/code", data={"code": "123456", "csrf_token": "x"}).status_code
        == 401
    )
    assert snapshot(desk, target) == before


def test_it_admins_see_no_citizen_data(desk: Desk) -> None:
    target = _revenue_target(desk)
    desk.officer("it.admin", Role.IT_ADMIN, None)
    admin = desk.login("it.admin")
    home = admin.get("/office")
    assert home.status_code == 200
    assert "आईटी प्रशासक यहाँ नागरिकों के आवेदन नहीं खोलते" in home.text
    assert admin.get(target.url("/office/applications/{reference}")).status_code == 403
    assert admin.get("/office/tickets").status_code == 403


def test_a_guessed_document_id_of_another_application_is_not_found(desk: Desk) -> None:
    target = _revenue_target(desk)
    other = desk.income_application(citizen="919810000077")
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    clerk = desk.login("revenue.clerk")
    # a document of application A asked for under application B (which the clerk may see)
    url = f"/office/applications/{other}/documents/{target.document_id}"
    assert clerk.get(url).status_code == 404
    assert clerk.post(f"{url}/verify", {"decision": "accept"}).status_code == 409
    assert desk.documents(target.reference)[0].verified is None
    assert clerk.get("/office/applications/not-a-reference").status_code == 404
    assert clerk.get(f"/office/applications/{other}/documents/abc").status_code == 404
