"""The ingest ceiling: a bare ASGI app that verifies the signature, parses and answers 200.

It uses the same signature check and the same payload splitter as the real webhook route, on the
same server stack (uvicorn with httptools and uvloop), and stores nothing. Serve it with
``uvicorn bench.ceiling:app``; the app secret comes from ``SEVADWAR_WHATSAPP_APP_SECRET``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sevadwar.channels.whatsapp.payloads import MalformedPayload, split_events
from sevadwar.channels.whatsapp.signature import SignatureCheck, verify

SECRET = os.environ.get("SEVADWAR_WHATSAPP_APP_SECRET", "bench-app-secret")
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["method"] == "GET":  # readiness probe
        await _answer(send, 200, b"ok")
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    header = None
    for name, value in scope["headers"]:
        if name == b"x-hub-signature-256":
            header = value.decode("latin-1")
    check = verify(body, header, SECRET)
    if check is not SignatureCheck.VALID:
        await _answer(send, 401 if check is SignatureCheck.MISSING else 403, b"no")
        return
    try:
        events = split_events(json.loads(body))
    except (ValueError, MalformedPayload):
        events = []
    await _answer(send, 200, b"OK" if events else b"OK ")


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": _TEXT})
    await send({"type": "http.response.body", "body": body})
