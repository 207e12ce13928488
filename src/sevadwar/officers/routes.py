"""``/office``: the officer back office (server-rendered, Hindi and English, no script needed).

This module holds the queue and the stylesheet and gathers the other back-office routers; the
application page and its actions are in ``application_routes``, tickets in ``ticket_routes``,
logging in and out in ``auth_routes``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sevadwar.applications.access import NotVisible
from sevadwar.applications.reference import parse_reference
from sevadwar.officers import application_routes, auth_routes, ticket_routes
from sevadwar.officers.application_view import sla_clock
from sevadwar.officers.auth import OfficerContext, officer_page, runtime_of
from sevadwar.officers.pages import language_of, render
from sevadwar.officers.queries import QueueFilters, SlaFilter, StatusFilter, office_of, queue
from sevadwar.officers.roles import Permission
from sevadwar.officers.security import OfficeRoute
from sevadwar.officers.texts import Texts
from sevadwar.storage.db import transaction

STATIC = Path(__file__).parent / "static"
STYLESHEETS = {"office.css": "text/css; charset=utf-8"}

router = APIRouter(route_class=OfficeRoute, include_in_schema=False)


@router.get("/office/static/{name}")
def static_file(name: str) -> Response:
    if name not in STYLESHEETS:
        raise NotVisible(name)
    return Response(
        (STATIC / name).read_bytes(),
        media_type=STYLESHEETS[name],
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _filters(
    service: str, stage: str, sla: str, status: str, reference: str, mine: str, page: str
) -> QueueFilters:
    return QueueFilters(
        service=service[:48],
        stage=stage[:48],
        sla=SlaFilter(sla) if sla in {s.value for s in SlaFilter} else SlaFilter.ANY,
        status=StatusFilter(status)
        if status in {s.value for s in StatusFilter}
        else StatusFilter.OPEN,
        reference=reference[:40],
        mine=mine == "1",
        page=int(page) if page.isdigit() and len(page) < 6 else 1,
    )


@router.get("/office")
def home(
    request: Request,
    context: Annotated[OfficerContext, Depends(officer_page)],
    service: str = "",
    stage: str = "",
    sla: str = "",
    status: str = "open",
    reference: str = "",
    mine: str = "",
    page: str = "1",
) -> Response:
    """The queue of the officer's department (and office), most urgent first."""
    if not context.can(Permission.VIEW_APPLICATIONS):
        return render(request, "admin_home.html", officer=context)
    runtime = runtime_of(request)
    t = Texts(language_of(request))
    filters = _filters(service, stage, sla, status, reference, mine, page)
    now = runtime.clock()
    services = runtime.catalogue.services_in(context.department) if context.department else ()
    stage_names: dict[str, str] = {}
    for offered in services:
        for s in offered.workflow.stages:
            stage_names.setdefault(s.id, s.name.get(t.language))
    with transaction(runtime.sessions) as session:
        result = queue(session, context.actor, filters, office_id=context.office_id, now=now)
        office = office_of(session, context.office_id)
    rows = []
    for application in result.applications:
        item = runtime.catalogue.get(application.service_id)
        stage_name = application.stage or ""
        if item is not None:
            stage_name = next(
                (s.name.get(t.language) for s in item.workflow.stages if s.id == application.stage),
                stage_name,
            )
        rows.append(
            {
                "application": application,
                "service": item.name.get(t.language) if item else application.service_id,
                "stage": stage_name,
                "sla": sla_clock(application, now),
            }
        )
    query = {
        "service": filters.service,
        "stage": filters.stage,
        "sla": filters.sla.value,
        "status": filters.status.value,
        "reference": filters.reference,
        "mine": "1" if filters.mine else "",
    }
    base = {k: v for k, v in query.items() if v}

    def page_link(number: int) -> str:
        return "/office?" + urlencode({**base, "page": str(number)})

    exact = parse_reference(filters.reference) if filters.reference else None
    return render(
        request,
        "queue.html",
        officer=context,
        office=office,
        rows=rows,
        result=result,
        filters=filters,
        services=[(s.id, s.name.get(t.language)) for s in services],
        stages=sorted(stage_names.items(), key=lambda kv: kv[1]),
        previous_link=page_link(result.page - 1) if result.page > 1 else "",
        next_link=page_link(result.page + 1) if result.page < result.pages else "",
        searched_reference=exact,
    )


router.include_router(auth_routes.router)
router.include_router(application_routes.router)
router.include_router(ticket_routes.router)
