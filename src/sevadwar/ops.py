"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from sqlalchemy import text

from sevadwar.messaging.inbox import queue_depth
from sevadwar.messaging.outbox import outbox_depth
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from sevadwar.storage.migrate import is_current

router = APIRouter(tags=["operations"])

INBOX_DEPTH = Gauge("sevadwar_inbox_pending", "Inbound events waiting to be processed")
INBOX_AGE = Gauge("sevadwar_inbox_oldest_age_seconds", "Age of the oldest pending inbound event")
OUTBOX_DEPTH = Gauge("sevadwar_outbox_unsent", "Replies waiting to be sent")
OUTBOX_AGE = Gauge("sevadwar_outbox_oldest_age_seconds", "Age of the oldest unsent reply")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = is_current(runtime.engine)
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"{type(exc).__name__}"}, status_code=503
        )
    if not current:
        return JSONResponse({"status": "unavailable", "migrations": "pending"}, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok", "migrations": "current"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        with transaction(runtime.sessions) as session:
            pending, oldest = queue_depth(session)
            unsent, age = outbox_depth(session, runtime.clock())
        INBOX_DEPTH.set(pending)
        INBOX_AGE.set((runtime.clock() - oldest).total_seconds() if oldest else 0)
        OUTBOX_DEPTH.set(unsent)
        OUTBOX_AGE.set(age)
    except Exception:  # noqa: S110 - metrics must answer even while the database is down
        pass
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
