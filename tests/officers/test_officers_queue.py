"""The queue: only the department's applications, filters, search, most urgent first."""

from __future__ import annotations

from office_desk import Desk

from sevadwar.catalogue.schema import Role
from sevadwar.officers.actions import do_create_office
from sevadwar.officers.models import Officer
from sevadwar.storage.db import transaction


def test_the_queue_lists_only_the_departments_applications(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    desk.officer("mcd.clerk", Role.DEALING_ASSISTANT, "mcd")
    income = desk.income_application()
    birth = desk.birth_application()
    revenue = desk.login("revenue.clerk").get("/office").text
    mcd = desk.login("mcd.clerk").get("/office").text
    assert income in revenue
    assert birth not in revenue
    assert birth in mcd
    assert income not in mcd
    assert "मिले आवेदन: 1" in revenue


def test_filters_by_service_stage_status_and_search(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    first = desk.income_application(citizen="919810000011")
    second = desk.income_application(citizen="919810000012")
    clerk = desk.login("revenue.clerk")
    clerk.post(f"/office/applications/{second}/forward")
    at_scrutiny = clerk.get("/office?stage=scrutiny").text
    assert first in at_scrutiny
    assert second not in at_scrutiny
    at_verification = clerk.get("/office?stage=verification").text
    assert second in at_verification
    assert first not in at_verification
    assert first in clerk.get("/office?service=income").text
    assert first not in clerk.get("/office?service=domicile").text
    # search: exact reference in any case and spacing, or a fragment of it
    exact = clerk.get("/office", params={"reference": first.lower().replace("-", " ")}).text
    assert first in exact
    assert second not in exact
    fragment = clerk.get("/office", params={"reference": second[-4:]}).text
    assert second in fragment
    # decided applications leave the pending list
    desk.officer("revenue.sdm", Role.APPROVING_OFFICER)
    sdm = desk.login("revenue.sdm")
    sdm.post(f"/office/applications/{first}/reject", {"reason_code": "not_eligible"})
    assert first not in clerk.get("/office").text
    assert first in clerk.get("/office?status=decided").text
    assert first in clerk.get("/office?status=all").text


def test_sla_filters_follow_the_clock(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    early = desk.income_application(citizen="919810000021")
    desk.runtime.clock.advance(days=10)  # type: ignore[attr-defined]
    late = desk.income_application(citizen="919810000022")
    clerk = desk.login("revenue.clerk")
    # now: "early" is 10 days old, its scrutiny stage (2 days) is long overdue; "late" is fresh
    overdue = clerk.get("/office?sla=overdue").text
    assert early in overdue
    assert late not in overdue
    soon = clerk.get(
        "/office?sla=due_soon"
    ).text  # the fresh one's 2-day stage is due within 2 days
    assert late in soon
    assert early not in soon
    desk.runtime.clock.advance(days=5)  # type: ignore[attr-defined]
    clerk = desk.login("revenue.clerk")
    page = clerk.get("/office").text
    assert "1 दिन की देरी" in page  # 15 days after the first one: 1 day past its 14
    application_page = clerk.get(f"/office/applications/{early}").text
    assert "₹10" in application_page  # compensation under the 2011 Act


def test_most_urgent_first_and_pages(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    older = desk.income_application(citizen="919810000031")
    desk.runtime.clock.advance(hours=1)  # type: ignore[attr-defined]
    newer = desk.income_application(citizen="919810000032")
    page = desk.login("revenue.clerk").get("/office").text
    assert page.index(older) < page.index(newer)


def test_an_office_sees_its_own_and_unassigned_applications(desk: Desk) -> None:
    desk.officer("revenue.clerk", Role.DEALING_ASSISTANT)
    reference = desk.income_application()
    with transaction(desk.runtime.sessions) as session:
        east, _ = do_create_office(
            session,
            code="revenue-east",
            department="revenue",
            name_en="SDM East",
            name_hi="एसडीएम पूर्व",
            district="east",
            actor="system:test",
            now=desk.runtime.clock(),
        )
        north, _ = do_create_office(
            session,
            code="revenue-north",
            department="revenue",
            name_en="SDM North",
            name_hi="एसडीएम उत्तर",
            district="north",
            actor="system:test",
            now=desk.runtime.clock(),
        )
        officer = session.query(Officer).filter_by(username="revenue.clerk").one()
        officer.office_id = east.id
        north_id = north.id
    clerk = desk.login("revenue.clerk")
    assert (
        reference in clerk.get("/office").text
    )  # no office yet: every office of the department sees it
    assert "एसडीएम पूर्व" in clerk.get("/office").text
    from sevadwar.applications.models import Application

    with transaction(desk.runtime.sessions) as session:
        application = session.query(Application).filter_by(reference=reference).one()
        application.office_id = north_id
    assert reference not in clerk.get("/office").text
    assert clerk.get(f"/office/applications/{reference}").status_code == 404
