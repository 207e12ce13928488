"""A fake department system (e-District style) that receives Sevadwar's webhooks.

It implements the receiver's side of the contract in docs/department-webhooks.md on its own (it
does not import Sevadwar's signing code, so a mistake there is not mirrored here):

* ``POST /{receiver}``: checks ``X-Sevadwar-Signature`` (``t=<unix>,v1=<hex HMAC-SHA256 of
  "<t>." + body>``, one ``v1`` per secret while one is being rotated) with the receiver's secret
  and a 5-minute tolerance; a bad signature is 401. A valid request is answered with the next scripted failure if any (``fail``), else 200;
  an event id already accepted is answered 200 and not recorded again (idempotency).
* Control API (no auth): ``POST /_fake/receivers/{receiver}`` ``{"secret"}``,
  ``POST /_fake/receivers/{receiver}/fail`` ``{"statuses": [500, 500], "retry_after": "5"}``,
  ``GET /_fake/receivers/{receiver}/events``.

Run it: ``python -m sevadwar.fakes.department --port 9200``; in tests use
:func:`sevadwar.fakes.graph_api.serve_app_in_thread` with :func:`create_app` and drive the
:class:`FakeDepartment` object directly.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived: raw body and headers, and what the receiver made of it."""

    receiver: str
    body: bytes
    headers: dict[str, str]
    signature_ok: bool
    status: int

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    secret: str
    failures: list[int] = field(default_factory=list)
    retry_after: str | None = None
    requests: list[ReceivedRequest] = field(default_factory=list)
    accepted: list[ReceivedRequest] = field(
        default_factory=list
    )  # first 2xx per event id, in order


@dataclass
class FakeDepartment:
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    receivers: dict[str, Receiver] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, name: str, secret: str) -> None:
        with self.lock:
            self.receivers[name] = Receiver(secret=secret)

    def fail(self, name: str, statuses: Sequence[int], *, retry_after: str | None = None) -> None:
        """Answer the next valid requests with ``statuses``, in turn, then 200 again."""
        with self.lock:
            self.receivers[name].failures = list(statuses)
            self.receivers[name].retry_after = retry_after

    def events(self, name: str) -> list[dict[str, Any]]:
        """The events accepted by ``name``, in the order they arrived, each once."""
        with self.lock:
            return [r.event for r in self.receivers[name].accepted]

    def requests(self, name: str) -> list[ReceivedRequest]:
        with self.lock:
            return list(self.receivers[name].requests)

    def receive(self, name: str, body: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
        """Record one request; the status to answer and a ``Retry-After`` value, if any."""
        with self.lock:
            receiver = self.receivers.get(name)
            if receiver is None:
                return 404, None
            ok = valid_signature(
                receiver.secret, headers.get("x-sevadwar-signature", ""), body, self.clock()
            )
            status, retry_after = (401, None) if not ok else self._answer(receiver)
            request = ReceivedRequest(name, body, headers, ok, status)
            receiver.requests.append(request)
            event_id = headers.get("x-sevadwar-event-id")
            seen = {r.headers.get("x-sevadwar-event-id") for r in receiver.accepted}
            if 200 <= status < 300 and event_id not in seen:
                receiver.accepted.append(request)
            return status, retry_after

    @staticmethod
    def _answer(receiver: Receiver) -> tuple[int, str | None]:
        if receiver.failures:
            return receiver.failures.pop(0), receiver.retry_after
        return 200, None


def valid_signature(secret: str, header: str, body: bytes, now: datetime) -> bool:
    """The receiver's check: parse ``t`` and every ``v1``, recompute, compare in constant time."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for name, value in parts if name == "t"]
    given = [value for name, value in parts if name == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not given:
        return False
    if abs(now.timestamp() - int(timestamps[0])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), timestamps[0].encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


def create_app(fake: FakeDepartment) -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, retry_after = fake.receive(request.path_params["receiver"], body, headers)
        extra = {"Retry-After": retry_after} if retry_after else {}
        return JSONResponse({"status": status}, status_code=status, headers=extra)

    async def configure(request: Request) -> Response:
        data = await request.json()
        fake.register(request.path_params["receiver"], str(data["secret"]))
        return JSONResponse({"ok": True})

    async def fail(request: Request) -> Response:
        data = await request.json()
        statuses = [int(s) for s in data.get("statuses", [])]
        fake.fail(request.path_params["receiver"], statuses, retry_after=data.get("retry_after"))
        return JSONResponse({"ok": True})

    async def events(request: Request) -> Response:
        name = request.path_params["receiver"]
        if name not in fake.receivers:
            return JSONResponse({"error": "unknown receiver"}, status_code=404)
        return JSONResponse({"events": fake.events(name)})

    return Starlette(
        routes=[
            Route("/_fake/receivers/{receiver}", configure, methods=["POST"]),
            Route("/_fake/receivers/{receiver}/fail", fail, methods=["POST"]),
            Route("/_fake/receivers/{receiver}/events", events, methods=["GET"]),
            Route("/{receiver}", hook, methods=["POST"]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sevadwar.fakes.department", description="Fake department webhook receiver"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(FakeDepartment()), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
