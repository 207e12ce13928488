"""The sandbox checkout page as a FastAPI router, for the lead to include in the app.

``GET /pay/{link_id}`` shows the link (service, application, amount, expiry) with three choices;
``POST /pay/{link_id}`` records the choice, hands the **signed** webhook to ``deliver`` and
redirects back (POST-redirect-GET), where the page says what happens next. The page itself never
marks anything paid in the application: only the webhook does, through the same route and checks
as a real gateway (or reconciliation via :meth:`SandboxGateway.fetch_status` if delivery failed).

Wiring::

    ledger = FileLedger(data_dir / "sandbox-payments")
    gateway = SandboxGateway(public_url=public, secret=sandbox_secret, ledger=ledger)
    hook_url = f"{public}/webhooks/payments/sandbox"
    app.include_router(sandbox_router(gateway, post_webhook(client, hook_url)))

or pass a ``deliver`` that calls the payment-webhook action directly in-process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sevadwar.payments.base import LinkState
from sevadwar.payments.providers.sandbox import Outcome, SandboxGateway, SignedWebhook
from sevadwar.payments.providers.sandbox_page import render_checkout, render_message

Deliver = Callable[[SignedWebhook], Awaitable[None]]

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_MAX_FORM_BYTES = 4096
_RESULT_STATUS = {Outcome.FAILED.value: "result_failed", Outcome.PENDING.value: "result_pending"}


def post_webhook(client: httpx.AsyncClient, url: str) -> Deliver:
    """A ``deliver`` that POSTs the signed webhook to ``url`` like a real gateway would."""

    async def deliver(hook: SignedWebhook) -> None:
        response = await client.post(url, content=hook.body, headers=hook.headers)
        response.raise_for_status()

    return deliver


def _page(html: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def sandbox_router(gateway: SandboxGateway, deliver: Deliver) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/pay/{link_id}")
    async def show_checkout(link_id: str, result: str | None = None) -> HTMLResponse:
        link = gateway.link(link_id)
        if link is None:
            return _page(render_message("not_found"), 404)
        if link.state == LinkState.PAID:
            return _page(render_message("result_paid" if result == "paid" else "already_paid"))
        if link.state in (LinkState.EXPIRED, LinkState.CANCELLED):
            return _page(render_message("expired"), 410)
        status = _RESULT_STATUS.get(result or "")
        if link.state == LinkState.PENDING:
            status = "result_pending"
        html = render_checkout(
            link, action=f"/pay/{link.id}", token=gateway.form_token(link.id), status=status
        )
        return _page(html)

    @router.post("/pay/{link_id}")
    async def choose_outcome(link_id: str, request: Request) -> Response:
        body = await request.body()
        if len(body) > _MAX_FORM_BYTES:
            return _page(render_message("not_found"), 413)
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
        token = (form.get("token") or [""])[0]
        raw_outcome = (form.get("outcome") or [""])[0]
        if gateway.link(link_id) is None or not gateway.form_token_valid(link_id, token):
            return _page(render_message("not_found"), 403)
        try:
            outcome = Outcome(raw_outcome)
        except ValueError:
            return _page(render_message("not_found"), 400)
        hook = gateway.complete(link_id, outcome)
        if hook is not None:
            try:
                await deliver(hook)
            except Exception:  # the ledger has it; reconciliation will find it
                log.warning("sandbox webhook %s not delivered", hook.event_id, exc_info=True)
        return RedirectResponse(
            f"/pay/{link_id}?result={outcome.value}", status_code=303, headers=SECURITY_HEADERS
        )

    return router
