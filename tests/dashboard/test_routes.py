"""/dashboard through HTTP: who sees what, drill-down lists, CSV, the live stream, languages."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor

from dashboard_support import SYSTEM, load, officer_client, submit
from fastapi.testclient import TestClient
from sqlalchemy import select

from sevadwar.catalogue.schema import Role
from sevadwar.dashboard.live import Viewer, stream
from sevadwar.dashboard.snapshot import Scope
from sevadwar.dashboard.view import Texts
from sevadwar.officers.tickets import do_close_ticket
from sevadwar.privacy.actions import do_erase_citizen
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from sevadwar.tickets.actions import do_open_ticket
from sevadwar.tickets.models import Ticket, TicketKind
from support import Clock


def _mcd_service(runtime: Runtime) -> str:
    return next(s.id for s in runtime.catalogue if s.department == "mcd")


def test_it_admin_sees_every_department_and_department_head_only_theirs(
    runtime: Runtime, client: TestClient
) -> None:
    revenue_ref = submit(runtime, "income")
    mcd_ref = submit(runtime, _mcd_service(runtime))
    admin = officer_client(runtime, client, "it.admin", Role.IT_ADMIN, None)
    head = officer_client(runtime, client, "revenue.head", Role.DEPARTMENT_ADMIN, "revenue")

    page = admin.get("/dashboard?lang=en")
    assert page.status_code == 200
    assert "All departments" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    listing = admin.get("/dashboard/applications?tile=open&lang=en")
    assert revenue_ref in listing.text
    assert mcd_ref in listing.text

    page = head.get("/dashboard?lang=hi")
    assert page.status_code == 200
    assert 'lang="hi"' in page.text
    listing = head.get("/dashboard/applications?tile=open")
    assert revenue_ref in listing.text
    assert mcd_ref not in listing.text
    other = head.get("/dashboard/applications?tile=open&department=mcd")
    assert other.status_code == 404
    assert mcd_ref not in other.text
    assert head.get("/dashboard/applications.csv?tile=open&department=mcd").status_code == 404


def test_dashboard_needs_a_signed_in_officer(client: TestClient) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code in (302, 303) or "login" in response.text.lower()
    assert (
        client.get("/dashboard/applications.csv?tile=open", follow_redirects=False).status_code
        != 200
    )


def test_csv_export_lists_the_drill_down(runtime: Runtime, client: TestClient) -> None:
    first, second = submit(runtime), submit(runtime)
    with transaction(runtime.sessions) as session:
        runtime.workflow.reject(
            session, load(session, second), reason_code="documents_mismatch", actor=SYSTEM
        )
    head = officer_client(runtime, client, "revenue.head", Role.DEPARTMENT_ADMIN, "revenue")
    response = head.get("/dashboard/applications.csv?tile=rejected")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["reference", "service", "department", "status"]
    assert [row[0] for row in rows[1:]] == [second]
    assert first not in response.text


def test_tiles_show_the_counts(runtime: Runtime, client: TestClient) -> None:
    head = officer_client(runtime, client, "revenue.head", Role.DEPARTMENT_ADMIN, "revenue")
    before = head.get("/dashboard?lang=en").text
    assert 'data-tile="received-0">0<' in before
    submit(runtime)
    submit(runtime)
    after = head.get("/dashboard?lang=en").text
    assert 'data-tile="received-0">2<' in after
    assert 'data-tile="open-0">2<' in after


def _collect(
    runtime: Runtime, *, last_event_id: str | None, act: bool, count: int
) -> list[dict[str, str]]:
    from dashboard_support import period_of

    viewer = Viewer(Scope("revenue"), period_of(runtime), Texts("en"))
    polls = {"n": 0}

    async def disconnected() -> bool:
        polls["n"] += 1
        if polls["n"] == 2 and act:
            await asyncio.to_thread(submit, runtime)
        return polls["n"] > 6

    async def run() -> list[dict[str, str]]:
        out = []
        async for message in stream(
            sessions=runtime.sessions,
            catalogue=runtime.catalogue,
            viewer=viewer,
            clock=runtime.clock,
            last_event_id=last_event_id,
            disconnected=disconnected,
        ):
            out.append(message)
            if len(out) >= count:
                break
        return out

    # In a thread of its own: the browser tests' Playwright keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_stream_sends_snapshot_then_events_and_resumes_after_reconnect(runtime: Runtime) -> None:
    submit(runtime)
    messages = _collect(runtime, last_event_id=None, act=True, count=3)
    assert [m["event"] for m in messages] == ["snapshot", "change", "view"]
    assert 'data-tile="received-0">1<' in json.loads(messages[0]["data"])["panels"]["tiles"]
    assert 'data-tile="received-0">2<' in json.loads(messages[2]["data"])["panels"]["tiles"]
    seen = int(messages[1]["id"])
    # Offline, two more arrive; the browser reconnects with the last id it saw.
    submit(runtime)
    submit(runtime)
    resumed = _collect(runtime, last_event_id=str(seen), act=False, count=3)
    assert resumed[0]["event"] == "snapshot"
    assert 'data-tile="received-0">4<' in json.loads(resumed[0]["data"])["panels"]["tiles"]
    replayed = [int(m["id"]) for m in resumed[1:]]
    assert [m["event"] for m in resumed[1:]] == ["change", "change"]
    assert replayed == sorted(replayed)
    assert min(replayed) > seen


def _helpdesk_row(page: str, kind: str) -> list[str]:
    row = re.search(rf'<tr id="tickets-{kind}">(.*?)</tr>', page, re.S)
    assert row, page
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


def test_helpdesk_panel_counts_open_overdue_and_on_time_tickets(
    runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    with transaction(runtime.sessions) as session:
        for kind, citizen in (
            (TicketKind.HUMAN, "sim:helpdesk01"),
            (TicketKind.GRIEVANCE, "sim:helpdesk02"),
        ):
            do_open_ticket(
                session,
                kind=kind,
                citizen_key=citizen,
                channel="simulator",
                language="hi",
                text="पेंशन नहीं आई",
                now=clock(),
            )
    clock.advance(days=2)  # the request for a person (1 day) is overdue, the grievance is not
    head = officer_client(runtime, client, "revenue.head", Role.DEPARTMENT_ADMIN, "revenue")
    page = head.get("/dashboard?lang=en").text
    # open, overdue, opened, closed, closed on time
    assert _helpdesk_row(page, "human") == ["1", "1", "1", "0", "—"]
    assert _helpdesk_row(page, "grievance") == ["1", "0", "1", "0", "—"]
    with transaction(runtime.sessions) as session:
        grievance = session.scalars(select(Ticket).where(Ticket.kind == "grievance")).one()
        do_close_ticket(session, grievance, outcome="पेंशन जारी हो गई।", actor=SYSTEM, now=clock())
        do_erase_citizen(session, citizen_key="sim:helpdesk01", now=clock())  # withdrawn
    page = head.get("/dashboard?lang=en").text
    assert _helpdesk_row(page, "grievance") == ["0", "0", "1", "1", "100%"]
    # an erased citizen's request is open no more, but nobody answered it late either
    assert _helpdesk_row(page, "human") == ["0", "0", "1", "0", "—"]


def test_an_erased_citizens_open_application_leaves_the_open_count(
    runtime: Runtime, client: TestClient
) -> None:
    head = officer_client(runtime, client, "revenue.head", Role.DEPARTMENT_ADMIN, "revenue")
    reference = submit(runtime)
    assert 'data-tile="open-0">1<' in head.get("/dashboard?lang=en").text
    with transaction(runtime.sessions) as session:
        do_erase_citizen(session, citizen_key=load(session, reference).citizen_key)
    assert 'data-tile="open-0">0<' in head.get("/dashboard?lang=en").text
