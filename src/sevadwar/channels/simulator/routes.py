"""``/simulator``: a WhatsApp-like web chat that goes through the real inbox, engine and outbox."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from sevadwar.channels.base import Channel
from sevadwar.channels.simulator.payloads import SESSION, SimulatorMessage, citizen_key, to_payload
from sevadwar.messaging.inbox import NewEvent, store_events
from sevadwar.messaging.models import OutboxState
from sevadwar.messaging.outbox import messages_for
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

STATIC = Path(__file__).parent / "static"
MAX_UPLOAD = 20 * 1024 * 1024
router = APIRouter(tags=["simulator"])


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/simulator", response_class=HTMLResponse, include_in_schema=False)
def simulator_page() -> HTMLResponse:
    return HTMLResponse((STATIC / "simulator.html").read_text(encoding="utf-8"))


@router.get("/simulator/static/{name}", include_in_schema=False)
def simulator_static(name: str) -> FileResponse:
    path = STATIC / name
    if name not in {"simulator.js", "simulator.css"} or not path.exists():
        raise HTTPException(404)
    return FileResponse(path)


@router.post("/simulator/api/messages", status_code=202)
async def post_message(message: SimulatorMessage, request: Request) -> dict[str, Any]:
    runtime = _runtime(request)
    if not (message.text or message.reply_id or message.media):
        raise HTTPException(422, "empty message")
    event = NewEvent(
        key=f"sim:{message.session}:{message.id}",
        kind="message",
        citizen_key=citizen_key(message.session),
        payload=to_payload(message, runtime.clock()),
    )

    def store() -> int:
        with transaction(runtime.sessions) as session:
            return store_events(session, Channel.SIMULATOR, [event], now=runtime.clock())

    new = await run_in_threadpool(store)
    runtime.wake_inbox.set()
    return {"accepted": True, "duplicate": new == 0}


@router.get("/simulator/api/messages")
def get_messages(
    request: Request,
    session: str = Query(pattern=SESSION.pattern),
    after: int = Query(0, ge=0),
) -> dict[str, Any]:
    runtime = _runtime(request)
    with transaction(runtime.sessions) as db:
        rows = messages_for(db, citizen_key(session), after_id=after, limit=100)
        delivered: list[dict[str, Any]] = []
        for row in rows:
            if row.state not in (OutboxState.SENT, OutboxState.FAILED, OutboxState.DEAD):
                break  # keep the order: stop at the first message the sender has not reached
            delivered.append({"id": row.id, "message": row.payload})
    shown = [m for m in delivered if m["message"].get("kind") != "read"]
    return {"messages": shown, "last": delivered[-1]["id"] if delivered else after}


@router.post("/simulator/api/media")
async def upload_media(request: Request, file: UploadFile) -> dict[str, Any]:
    """Keep an uploaded file the way Meta keeps media: by id, until the worker fetches it."""
    runtime = _runtime(request)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, "file too large")
    media_id = secrets.token_urlsafe(16)
    folder = (runtime.settings.data_dir / "simulator-media").resolve()

    def save() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / media_id).write_bytes(data)

    await run_in_threadpool(save)
    return {
        "media_id": media_id,
        "mime_type": file.content_type or "application/octet-stream",
        "filename": file.filename,
    }
