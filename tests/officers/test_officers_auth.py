"""Logging in: Argon2id, throttling without user enumeration, TOTP for approvers, expiry, logout."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from fastapi import Response
from office_desk import CSRF, PASSWORD, Desk, csrf_of
from sqlalchemy import select

from sevadwar.catalogue.schema import Role
from sevadwar.officers.models import Officer, OfficerSession
from sevadwar.officers.passwords import WeakPassword, check_password_policy
from sevadwar.officers.security import set_session_cookie
from sevadwar.officers.sessions import token_digest
from sevadwar.settings import Settings
from sevadwar.storage.db import transaction


def _attempt(desk: Desk, username: str, password: str, client=None):  # type: ignore[no-untyped-def]
    client = client or desk.new_client()
    page = client.get("/office/login")
    return client.post(
        "/office/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_passwords_are_argon2id_with_at_least_the_owasp_parameters(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    with transaction(desk.runtime.sessions) as session:
        stored = session.scalars(select(Officer.password_hash)).one()
    assert PASSWORD not in stored
    parameters = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short1", "too short"),
        ("password123", "common"),
        ("aaaaaaaaaaaa", "repeats"),
        ("revenue.clerk-2026", "user name"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why):
        check_password_policy(password, username="revenue.clerk")


def test_a_clerk_logs_in_with_a_password_and_sees_the_queue(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    response = _attempt(desk, "Revenue.Clerk", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/office"
    cookie = response.headers["set-cookie"]
    assert "office_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Secure" not in cookie  # the public URL is http in tests
    assert [e.action for e in desk.audit() if e.action.startswith("officer.")][
        -1
    ] == "officer.logged_in"


def test_only_the_token_digest_is_stored(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    client = desk.new_client()
    _attempt(desk, "revenue.clerk", PASSWORD, client)
    token = client.cookies.get("office_session")
    assert token
    with transaction(desk.runtime.sessions) as session:
        ids = list(session.scalars(select(OfficerSession.id)))
    assert ids == [token_digest(token)]


def test_the_cookie_is_secure_and_host_only_behind_https(settings: Settings) -> None:
    secure = settings.model_copy(update={"public_url": "https://seva.delhi.gov.in"})
    response = Response()
    set_session_cookie(response, secure, "token")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-office_session=token")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_wrong_password_and_unknown_user_get_the_same_answer(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    wrong = _attempt(desk, "revenue.clerk", "not the password at all")
    unknown = _attempt(desk, "nobody.here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "यूज़र नेम या पासवर्ड सही नहीं है" in wrong.text
    assert CSRF.sub("", wrong.text) == CSRF.sub("", unknown.text)


def test_five_failures_lock_the_user_name_even_for_the_right_password(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    for _ in range(5):
        assert _attempt(desk, "revenue.clerk", "wrong password here").status_code in (401, 429)
    locked = _attempt(desk, "revenue.clerk", PASSWORD)
    assert locked.status_code == 429
    assert "लॉगिन रोक दिया गया है" in locked.text
    # unknown names lock the same way: nothing tells whether an account exists
    for _ in range(5):
        _attempt(desk, "ghost.user", "wrong password here")
    assert _attempt(desk, "ghost.user", "wrong password here").status_code == 429
    desk.runtime.clock.advance(minutes=16)  # type: ignore[attr-defined]
    assert _attempt(desk, "revenue.clerk", PASSWORD).status_code == 303


def test_an_approver_needs_the_totp_code_and_a_code_works_once(desk: Desk) -> None:
    desk.officer("revenue.sdm", Role.APPROVING_OFFICER)
    assert desk.secrets["revenue.sdm"]  # created with a second factor, as the role requires
    client = desk.new_client()
    response = _attempt(desk, "revenue.sdm", PASSWORD, client)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/office/login/code")
    # half logged in: nothing but the code page opens
    assert client.get("/office", follow_redirects=False).headers["location"] == "/office/login/code"
    page = client.get("/office/login/code")
    wrong = client.post(
        "/office/login/code", data={"code": "000000", "csrf_token": csrf_of(page.text)}
    )
    assert wrong.status_code == 401
    code = desk.code("revenue.sdm")
    ok = client.post(
        "/office/login/code",
        data={"code": code, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert client.get("/office").status_code == 200
    # the same code cannot log in a second time (replay), even within its 30 seconds
    other = desk.new_client()
    _attempt(desk, "revenue.sdm", PASSWORD, other)
    page = other.get("/office/login/code")
    replay = other.post("/office/login/code", data={"code": code, "csrf_token": csrf_of(page.text)})
    assert replay.status_code == 401
    assert "पहले ही इस्तेमाल हो चुका है" in replay.text


def test_wrong_codes_lock_the_account(desk: Desk) -> None:
    desk.officer("revenue.sdm", Role.APPROVING_OFFICER)
    client = desk.new_client()
    _attempt(desk, "revenue.sdm", PASSWORD, client)
    statuses = []
    for _ in range(5):
        page = client.get("/office/login/code", follow_redirects=False)
        if page.status_code != 200:
            break
        statuses.append(
            client.post(
                "/office/login/code", data={"code": "123456", "csrf_token": csrf_of(page.text)}
            ).status_code
        )
    assert statuses[-1] == 429
    # and the session waiting for its code is gone
    assert client.get("/office/login/code", follow_redirects=False).status_code == 303


def test_department_admins_and_it_admins_also_need_a_code(desk: Desk) -> None:
    desk.officer("revenue.head", Role.DEPARTMENT_ADMIN)
    desk.officer("it.root", Role.IT_ADMIN, None)
    desk.officer("revenue.checker", Role.VERIFYING_OFFICER)
    assert desk.secrets["revenue.head"]
    assert desk.secrets["it.root"]
    assert desk.secrets["revenue.checker"] is None  # optional for verifiers


def test_an_idle_session_ends_after_30_minutes(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    clerk = desk.login("revenue.clerk")
    desk.runtime.clock.advance(minutes=29)  # type: ignore[attr-defined]
    assert clerk.get("/office").status_code == 200
    desk.runtime.clock.advance(minutes=31)  # type: ignore[attr-defined]
    response = clerk.get("/office/tickets")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/office/login?next=")


def test_a_session_ends_after_12_hours_however_busy(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    clerk = desk.login("revenue.clerk")
    for _ in range(35):  # 35 x 20 minutes = 11 h 40 min, never idle
        desk.runtime.clock.advance(minutes=20)  # type: ignore[attr-defined]
        assert clerk.get("/office").status_code == 200
    desk.runtime.clock.advance(minutes=21)  # type: ignore[attr-defined]
    assert clerk.get("/office").status_code == 303


def test_logout_ends_the_session_on_the_server(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    clerk = desk.login("revenue.clerk")
    token = clerk.client.cookies.get("office_session")
    response = clerk.post("/office/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/office/login"
    # the old cookie, replayed, opens nothing
    replay = desk.new_client()
    replay.cookies.set("office_session", token or "")
    assert replay.get("/office", follow_redirects=False).status_code == 303
    assert replay.post("/office/logout", data={"csrf_token": clerk.csrf}).status_code == 401
    assert desk.audit()[-1].action == "officer.logged_out"


def test_a_deactivated_officer_is_logged_out_at_once(desk: Desk) -> None:
    officer_id = desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    clerk = desk.login("revenue.clerk")
    with transaction(desk.runtime.sessions) as session:
        officer = session.get(Officer, officer_id)
        assert officer is not None
        officer.active = False
    assert clerk.get("/office").status_code == 303
    assert _attempt(desk, "revenue.clerk", PASSWORD).status_code == 401


def test_the_login_form_needs_its_csrf_token(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    client = desk.new_client()
    client.get("/office/login")
    response = client.post(
        "/office/login", data={"username": "revenue.clerk", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "office_session" not in client.cookies


def test_next_never_leaves_the_back_office(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    client = desk.new_client()
    page = client.get("/office/login")
    response = client.post(
        "/office/login",
        data={
            "username": "revenue.clerk",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/office",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/office"


def test_pages_carry_security_headers(desk: Desk) -> None:
    response = desk.new_client().get("/office/login")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert (
        "script-src" not in headers["content-security-policy"]
    )  # default-src 'none': no script at all
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "same-origin"


def test_the_language_switch_keeps_the_page(desk: Desk) -> None:
    client = desk.new_client()
    assert 'lang="hi"' in client.get("/office/login").text
    response = client.get("/office/language/en?next=/office/login", follow_redirects=False)
    assert response.headers["location"] == "/office/login"
    page = client.get("/office/login")
    assert '<html lang="en">' in page.text
    assert "Officer login" in page.text


def test_logging_in_again_replaces_the_old_session(desk: Desk) -> None:
    desk.officer("revenue.sdm", Role.APPROVING_OFFICER)
    client = desk.new_client()
    _attempt(desk, "revenue.sdm", PASSWORD, client)  # waiting for the code
    first = client.cookies.get("office_session")
    _attempt(desk, "revenue.sdm", PASSWORD, client)  # back to the login page, again
    second = client.cookies.get("office_session")
    assert first
    assert second
    assert first != second
    with transaction(desk.runtime.sessions) as session:
        ids = set(session.scalars(select(OfficerSession.id)))
    assert ids == {token_digest(second)}


def test_many_failures_from_one_address_lock_the_address(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    client = desk.new_client()
    for number in range(50):  # fifty different names from the same address
        _attempt(desk, f"guess{number}", "wrong password here", client)
    assert _attempt(desk, "revenue.clerk", PASSWORD, client).status_code == 429
