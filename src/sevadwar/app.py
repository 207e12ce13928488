"""``create_app(settings)``: the FastAPI application, its routes and its background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.types import Receive, Scope, Send

from sevadwar import __version__
from sevadwar.api.routes import install as install_api
from sevadwar.certificates.routes import router as verify_router
from sevadwar.channels.simulator.routes import router as simulator_router
from sevadwar.channels.whatsapp.routes import WebhookFastPath, close_writer
from sevadwar.channels.whatsapp.routes import router as whatsapp_router
from sevadwar.dashboard.routes import router as dashboard_router
from sevadwar.documents.routes import router as files_router
from sevadwar.officers.routes import router as office_router
from sevadwar.ops import router as ops_router
from sevadwar.payments.routes import payment_routers
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings


class SevadwarApp(FastAPI):
    """FastAPI, but the hottest request, Meta's webhook POST, skips its router and middleware
    (``WebhookFastPath``)."""

    webhook = WebhookFastPath()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.webhook.handles(scope):
            scope["app"] = self
            await self.webhook(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, start_workers: bool = True
) -> FastAPI:
    """The app for ``settings`` (or a prepared ``runtime``). Workers run while the app is served."""
    if runtime is None:
        runtime = build_runtime(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            runtime.start_workers()
        try:
            yield
        finally:
            await close_writer(app)
            runtime.stop_workers()

    app = SevadwarApp(
        title="Sevadwar",
        version=__version__,
        description="Citizen services over WhatsApp: webhook, simulator, back office and department API.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.include_router(ops_router)
    app.include_router(whatsapp_router)
    app.include_router(simulator_router)
    app.include_router(office_router)
    app.include_router(dashboard_router)
    app.include_router(files_router)
    app.include_router(verify_router)
    install_api(app)
    for payment_router in payment_routers(runtime):
        app.include_router(payment_router)

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/simulator")

    return app
