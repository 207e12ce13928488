"""A plain list of open tickets for the helpdesk, until the back office takes them over.

It shows no personal data (no names, numbers or complaint text): only what a supervisor needs
to see that requests are waiting.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from sevadwar.tickets.models import Ticket

router = APIRouter(tags=["tickets"])

_PAGE = """<!doctype html><html lang="hi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>खुले अनुरोध · Open tickets</title>
<style>body{{font-family:"Noto Sans Devanagari","Noto Sans",system-ui,sans-serif;margin:2rem;color:#111}}
table{{border-collapse:collapse}}th,td{{border:1px solid #777;padding:.4rem .7rem;text-align:left}}</style>
</head><body><main><h1>खुले अनुरोध <span lang="en">· Open tickets</span></h1>
<table><caption>अधिकारी से बात और शिकायतें <span lang="en">· Requests to talk to an officer, and grievances</span></caption>
<thead><tr><th scope="col">संख्या · No.</th><th scope="col">प्रकार · Kind</th><th scope="col">आवेदन · Application</th>
<th scope="col">भाषा · Language</th><th scope="col">खोला गया (UTC) · Opened (UTC)</th></tr></thead>
<tbody>{rows}</tbody></table></main></body></html>"""


@router.get("/office/tickets", response_class=HTMLResponse, include_in_schema=False)
def open_tickets(request: Request) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        tickets = list(
            session.scalars(select(Ticket).where(Ticket.status == "open").order_by(Ticket.created_at).limit(500))
        )
    prefix = {"human": "T", "grievance": "G"}
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(f"{prefix.get(t.kind, '?')}-{t.id}"),
            html.escape(t.kind),
            html.escape(t.reference or "—"),
            html.escape(t.language),
            html.escape(t.created_at.strftime("%Y-%m-%d %H:%M")),
        )
        for t in tickets
    )
    return HTMLResponse(_PAGE.format(rows=rows or '<tr><td colspan="5">—</td></tr>'))
