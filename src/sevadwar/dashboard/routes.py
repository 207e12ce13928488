"""``/dashboard``: live monitoring for the IT department (every department) and department heads
(their own), server-rendered, Hindi and English, with drill-down lists and CSV export.

Who is asking comes from the back office's session (``officers.auth.officer_page``); what an
officer may list comes from the one access function (``applications.access.visibility``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sse_starlette.sse import EventSourceResponse

from sevadwar.applications.access import NotVisible
from sevadwar.applications.models import Application
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.dashboard.live import Viewer, consistent_snapshot, stream
from sevadwar.dashboard.queries import TILES, Drill, day_bounds, drill_page, drill_statement
from sevadwar.dashboard.render import render_page, render_panels
from sevadwar.dashboard.snapshot import Period, Scope
from sevadwar.dashboard.view import Texts
from sevadwar.officers.auth import OfficerContext, officer_page, runtime_of
from sevadwar.officers.pages import language_of
from sevadwar.officers.security import OfficeRoute
from sevadwar.runtime import Runtime

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_SIZE = 50
CSV_LIMIT = 50_000
DEFAULT_DAYS = 7
MAX_DAYS = 366

router = APIRouter(route_class=OfficeRoute, include_in_schema=False)
Officer = Annotated[OfficerContext, Depends(officer_page)]

# The events the page's activity list names (the others only move the figures).
FEED_KINDS = (
    "received",
    "moved",
    "decided",
    "escalated",
    "fee_paid",
    "ticket_opened",
    "ticket_closed",
)


def scope_of(officer: OfficerContext) -> Scope:
    return Scope(None if officer.role is Role.IT_ADMIN else officer.department or "-")


def _language(request: Request, lang: str) -> str:
    return lang if lang in ("hi", "en") else language_of(request)


def _date(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return default


def period_of(runtime: Runtime, start: str, end: str) -> Period:
    today = runtime.clock().astimezone(IST).date()
    last = min(_date(end, today), today + timedelta(days=1))
    first = _date(start, today - timedelta(days=DEFAULT_DAYS - 1))
    first = max(min(first, last), last - timedelta(days=MAX_DAYS))
    return Period(today=today, start=first, end=last)


def _scope_label(runtime: Runtime, scope: Scope, t: Texts) -> str:
    if scope.department is None:
        return t("scope_all")
    try:
        name = runtime.catalogue.department(scope.department).name.get(t.language)
    except KeyError:
        name = scope.department
    return t("scope_department", department=name)


def _html(body: str) -> HTMLResponse:
    return HTMLResponse(body, headers={"Content-Security-Policy": CSP})


@router.get("/dashboard/static/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_TYPES:
        raise NotVisible(name)
    return Response(
        (STATIC / name).read_bytes(),
        media_type=STATIC_TYPES[name],
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/dashboard")
def dashboard(request: Request, officer: Officer, lang: str = "") -> Response:
    runtime = runtime_of(request)
    start, end = request.query_params.get("from", ""), request.query_params.get("to", "")
    t = Texts(_language(request, lang))
    viewer = Viewer(scope_of(officer), period_of(runtime, start, end), t)
    now = runtime.clock()
    snapshot, _cursor, gauges = consistent_snapshot(runtime.sessions, viewer, now)
    query = {
        "from": viewer.period.start.isoformat(),
        "to": viewer.period.end.isoformat(),
        "lang": t.language,
    }
    other = "en" if t.language == "hi" else "hi"
    labels = {k: t(f"event_{k}") for k in FEED_KINDS}
    return _html(
        render_page(
            "page.html",
            t=t,
            period=viewer.period,
            panels=render_panels(snapshot, runtime.catalogue, t, gauges),
            stream_url="/dashboard/stream?" + urlencode(query),
            updated=now.astimezone(IST).strftime("%H:%M:%S"),
            scope_label=_scope_label(runtime, viewer.scope, t),
            switch_href="/dashboard?" + urlencode({**query, "lang": other}),
            event_labels=json.dumps(labels, ensure_ascii=False),
        )
    )


@router.get("/dashboard/stream")
async def live(request: Request, officer: Officer, lang: str = "") -> EventSourceResponse:
    runtime = runtime_of(request)
    viewer = Viewer(
        scope_of(officer),
        period_of(
            runtime, request.query_params.get("from", ""), request.query_params.get("to", "")
        ),
        Texts(_language(request, lang)),
    )
    events = stream(
        sessions=runtime.sessions,
        catalogue=runtime.catalogue,
        viewer=viewer,
        clock=runtime.clock,
        last_event_id=request.headers.get("last-event-id"),
        disconnected=request.is_disconnected,
    )
    return EventSourceResponse(
        events, ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


# ------------------------------------------------------------------------------ drill-down


def drill_of(request: Request, runtime: Runtime, officer: OfficerContext) -> Drill:
    params = request.query_params
    tile = params.get("tile", "")
    if tile not in TILES:
        raise NotVisible(tile)
    scope = scope_of(officer)
    department = params.get("department", "")[:32]
    if scope.department is not None and department and department != scope.department:
        raise NotVisible(department)  # another department's list: "not found"
    period = period_of(runtime, params.get("from", ""), params.get("to", ""))
    start, end = day_bounds(period.start, period.end)
    return Drill(
        tile=tile,
        start=start,
        end=end,
        department=department,
        service=params.get("service", "")[:48],
        stage=params.get("stage", "")[:48],
        status=params.get("status", "")[:24],
    )


def _row(application: Application) -> list[str]:
    def when(value: object) -> str:
        return (
            value.astimezone(IST).strftime("%d-%m-%Y %H:%M") if hasattr(value, "astimezone") else ""
        )

    return [
        application.reference,
        application.service_id,
        application.department,
        str(application.status),
        application.stage or "",
        when(application.submitted_at),
        when(application.due_at),
        when(application.decided_at),
    ]


@router.get("/dashboard/applications")
def drill_down(request: Request, officer: Officer, lang: str = "", page: int = 1) -> Response:
    """The applications behind a tile: reference, service, status and dates (no personal data)."""
    runtime = runtime_of(request)
    t = Texts(_language(request, lang))
    drill = drill_of(request, runtime, officer)
    page = max(1, min(page, 10_000))
    with runtime.sessions() as session:
        rows = drill_page(
            session,
            officer.actor,
            drill,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
            office_id=officer.office_id,
        )
    more = len(rows) > PAGE_SIZE
    base = {k: v for k, v in request.query_params.items() if k != "page"}
    other = "en" if t.language == "hi" else "hi"
    return _html(
        render_page(
            "drill.html",
            t=t,
            heading=t("drill_title", tile=t(f"tile_{drill.tile}")),
            rows=[_row(a) for a in rows[:PAGE_SIZE]],
            back_href="/dashboard?" + urlencode({"lang": t.language}),
            csv_href="/dashboard/applications.csv?" + urlencode(base),
            next_href=("/dashboard/applications?" + urlencode({**base, "page": page + 1}))
            if more
            else "",
            previous_href=("/dashboard/applications?" + urlencode({**base, "page": page - 1}))
            if page > 1
            else "",
            scope_label=_scope_label(runtime, scope_of(officer), t),
            switch_href="/dashboard/applications?" + urlencode({**base, "lang": other}),
        )
    )


@router.get("/dashboard/applications.csv")
def drill_csv(request: Request, officer: Officer) -> Response:
    runtime = runtime_of(request)
    drill = drill_of(request, runtime, officer)
    header = [
        "reference",
        "service",
        "department",
        "status",
        "stage",
        "submitted_at",
        "due_at",
        "decided_at",
    ]

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        with runtime.sessions() as session:
            statement = drill_statement(officer.actor, drill, office_id=officer.office_id).limit(
                CSV_LIMIT
            )
            for application in session.scalars(statement.execution_options(yield_per=1000)):
                writer.writerow(_row(application))
                if buffer.tell() > 64_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    name = f"sevadwar-{drill.tile}-{runtime.clock().astimezone(IST).date().isoformat()}.csv"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
