"""A fake WhatsApp Cloud (Graph) API server, built from ``reference/whatsapp-cloud-api.md`` §10.

What it serves (checklist items 1 to 4 and 6):

* ``POST|PUT /{version}/{phone-number-id}/messages``: sends (validated like Meta, answered with a
  new wamid), read receipts and typing indicators.
* ``POST /{version}/{phone-number-id}/media`` (multipart), ``GET|DELETE /{version}/{media-id}``,
  and the 5-minute download URL ``GET /whatsapp_business/attachments/?mid=…`` (bearer required).
* ``GET|POST /{version}/{phone-number-id}/whatsapp_business_encryption``.
* A webhook emitter: signed status callbacks after each send, inbound messages on request.
* A control API under ``/_fake/…`` (no auth) for processes that run the fake separately:
  ``state``, ``reset``, ``config``, ``faults``, ``throttle``, ``fail_deliveries``, ``down``,
  ``slow``, ``templates``, ``note_inbound``, ``inbound``, ``status``, ``drain``.

Run it: ``python -m sevadwar.fakes.graph_api --port 8900 --app-secret S --token T
--webhook-url http://127.0.0.1:8000/webhooks/whatsapp``. In tests, either use
``httpx.ASGITransport(app=create_app(fake, webhook_client=...))`` or :func:`run_fake_graph`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import uvicorn
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_control import ControlRoutes
from sevadwar.fakes.graph_emitter import WebhookEmitter
from sevadwar.fakes.graph_faults import GraphFault
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph
from sevadwar.fakes.graph_validate import validate_read, validate_send

Handler = Callable[[Request], Awaitable[Response]]
DOWNLOAD_PATH = "/whatsapp_business/attachments/"


def create_app(fake: FakeGraph, *, webhook_client: httpx.AsyncClient | None = None) -> Starlette:
    """The fake's ASGI app. Webhooks go through ``webhook_client`` (owned by the caller) or,
    when none is given, through a client the app opens in its lifespan and closes at shutdown.
    """
    if webhook_client is not None:
        fake.emitter = WebhookEmitter(fake, webhook_client)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if webhook_client is not None:
            yield
            return
        async with httpx.AsyncClient(trust_env=False) as client:
            fake.emitter = WebhookEmitter(fake, client)
            try:
                yield
            finally:
                await fake.cancel_pending()
                fake.emitter = None

    graph = _GraphRoutes(fake)
    control = ControlRoutes(fake)
    routes = [
        *control.routes(),
        Route(DOWNLOAD_PATH, graph.guard(graph.download, versioned=False), methods=["GET"]),
        Route(
            "/{version}/{phone_id}/messages",
            graph.guard(graph.messages),
            methods=["POST", "PUT"],
        ),
        Route("/{version}/{phone_id}/media", graph.guard(graph.upload), methods=["POST"]),
        Route(
            "/{version}/{phone_id}/whatsapp_business_encryption",
            graph.guard(graph.encryption),
            methods=["GET", "POST"],
        ),
        Route("/{version}/{media_id}", graph.guard(graph.media), methods=["GET", "DELETE"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _error(fault: GraphFault) -> JSONResponse:
    return JSONResponse(fault.body(), status_code=fault.http_status)


class _DroppedConnection(Response):
    """Start a response, then break the connection (a network failure, seen by the client)."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"512")],
            }
        )
        # In-process (httpx.ASGITransport) the client receives this very exception; under
        # uvicorn the server closes the socket mid-response and the client sees it likewise.
        raise httpx.RemoteProtocolError("fake Graph API dropped the connection")


# --------------------------------------------------------------------------- Graph API


class _GraphRoutes:
    def __init__(self, fake: FakeGraph) -> None:
        self.fake = fake

    def guard(self, handler: Handler, *, versioned: bool = True) -> Handler:
        """Slow and down modes, API version, bearer token and phone number id, then ``handler``."""

        async def endpoint(request: Request) -> Response:
            config = self.fake.config
            if config.slow_seconds > 0:
                await asyncio.sleep(config.slow_seconds)
            if config.down == "unavailable":
                return _error(GraphFault(131016))
            if config.down == "drop":
                return _DroppedConnection()
            if versioned and request.path_params["version"] not in config.api_versions:
                return _error(GraphFault(2500, f"Unknown path components: {request.url.path}"))
            if not self._authorised(request):
                return _error(GraphFault(190))
            phone_id = request.path_params.get("phone_id")
            if (
                phone_id is not None
                and config.check_phone_number_id
                and phone_id != config.number.phone_number_id
            ):
                return _error(
                    GraphFault(
                        100,
                        f"Unsupported post request. Object with ID '{phone_id}' does not exist.",
                    )
                )
            try:
                return await handler(request)
            except GraphFault as fault:
                return _error(fault)

        return endpoint

    def _authorised(self, request: Request) -> bool:
        expected = self.fake.config.access_token
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer ") and header[7:].strip() == expected:
            return True
        return request.query_params.get("access_token") == expected

    async def messages(self, request: Request) -> Response:
        body = await _json_object(request)
        if body.get("status") == "read":
            return JSONResponse(self.fake.accept_read(validate_read(body)))
        if request.method == "PUT":
            raise GraphFault(100, "PUT is only supported for marking messages as read")
        return JSONResponse(self.fake.accept_send(body, validate_send(body)))

    async def upload(self, request: Request) -> Response:
        fields = _multipart(request.headers.get("content-type", ""), await request.body())
        product = fields.get("messaging_product")
        if product is None or product.data != b"whatsapp":
            raise GraphFault(131008, "The parameter messaging_product is required.")
        file = fields.get("file")
        if file is None or file.filename is None:
            raise GraphFault(131008, "The parameter file is required.")
        declared = fields.get("type")
        mime = declared.data.decode("utf-8", "replace") if declared else file.content_type
        if not mime:
            raise GraphFault(131008, "The parameter type is required.")
        media = self.fake.store_media(file.data, mime, file.filename)
        return JSONResponse({"id": media.id})

    async def media(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        media = self.fake.media.get(media_id)
        if media is None:
            raise GraphFault(
                100,
                f"Unsupported {request.method.lower()} request. Object with ID '{media_id}' "
                "does not exist, cannot be loaded due to missing permissions, or does not "
                "support this operation.",
            )
        if request.method == "DELETE":
            del self.fake.media[media_id]
            return JSONResponse({"success": True})
        query = urlencode(self.fake.media_query(media_id))
        url = str(request.base_url).rstrip("/") + DOWNLOAD_PATH + "?" + query
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": media.mime_type,
                "sha256": media.sha256_hex,
                "file_size": str(len(media.data)),
                "id": media.id,
            }
        )

    async def download(self, request: Request) -> Response:
        params = request.query_params
        media = self.fake.check_media_query(
            params.get("mid", ""), params.get("ext", ""), params.get("hash", "")
        )
        if media is None:
            return Response(status_code=404)
        return Response(media.data, media_type=media.mime_type)

    async def encryption(self, request: Request) -> Response:
        if request.method == "GET":
            data = [
                {"business_public_key": key, "business_public_key_signature_status": "VALID"}
                for key in self.fake.public_keys[-1:]
            ]
            return JSONResponse({"data": data})
        content_type = request.headers.get("content-type", "")
        raw = await request.body()
        if content_type.startswith("multipart/form-data"):
            part = _multipart(content_type, raw).get("business_public_key")
            pem = part.data.decode("utf-8", "replace") if part else ""
        else:
            pem = parse_qs(raw.decode("utf-8", "replace")).get("business_public_key", [""])[0]
        if not pem:
            raise GraphFault(131008, "The parameter business_public_key is required.")
        try:
            load_pem_public_key(pem.encode("utf-8"))
        except ValueError as exc:
            raise GraphFault(131009, "business_public_key is not a PEM public key") from exc
        self.fake.public_keys.append(pem)
        return JSONResponse({"success": True})


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise GraphFault(100, "The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise GraphFault(100, "The request body must be a JSON object")
    return body


class _Part:
    __slots__ = ("content_type", "data", "filename")

    def __init__(self, data: bytes, filename: str | None, content_type: str | None) -> None:
        self.data = data
        self.filename = filename
        self.content_type = content_type


def _multipart(content_type: str, body: bytes) -> dict[str, _Part]:
    """A small ``multipart/form-data`` reader (the fake needs no extra dependency)."""
    media_type, _, params = content_type.partition(";")
    boundary = ""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip().strip('"')
    if media_type.strip().lower() != "multipart/form-data" or not boundary:
        raise GraphFault(100, "Expected a multipart/form-data body")
    fields: dict[str, _Part] = {}
    delimiter = b"--" + boundary.encode("latin-1")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _disposition(headers.get("content-disposition", ""))
        if "name" in disposition:
            fields[disposition["name"]] = _Part(
                data, disposition.get("filename"), headers.get("content-type")
            )
    return fields


def _disposition(value: str) -> dict[str, str]:
    result = {}
    for item in value.split(";")[1:]:
        key, _, raw = item.strip().partition("=")
        result[key.lower()] = raw.strip().strip('"')
    return result


# --------------------------------------------------------------------------- running it


@contextmanager
def serve_app_in_thread(app: ASGIApp, *, startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 and a free port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()


@contextmanager
def run_fake_graph(
    fake: FakeGraph | None = None, *, config: FakeConfig | None = None
) -> Iterator[tuple[FakeGraph, str]]:
    """Run a fake Graph API under uvicorn in a background thread; yield ``(fake, base_url)``.

    ``base_url`` is the server root (``http://127.0.0.1:PORT``); the Graph API lives under
    ``{base_url}/v24.0`` (or any configured version) and the control API under
    ``{base_url}/_fake/``. The server's event loop runs in its own thread, so drive webhooks
    through the control API (``/_fake/inbound``, ``/_fake/drain``), not the async methods.
    """
    fake = fake or FakeGraph(config)
    with serve_app_in_thread(create_app(fake)) as base_url:
        yield fake, base_url


def main(argv: Sequence[str] | None = None) -> None:
    defaults = FakeConfig()
    parser = argparse.ArgumentParser(
        prog="python -m sevadwar.fakes.graph_api", description="Fake WhatsApp Cloud API server"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--app-secret", default=defaults.app_secret)
    parser.add_argument("--token", default=defaults.access_token)
    parser.add_argument("--webhook-url", default=None, help="where to POST signed webhooks")
    parser.add_argument("--phone-number-id", default=wp.DEFAULT_NUMBER.phone_number_id)
    parser.add_argument("--display-phone-number", default=wp.DEFAULT_NUMBER.display_phone_number)
    parser.add_argument("--waba-id", default=wp.DEFAULT_NUMBER.waba_id)
    parser.add_argument("--enforce-window", action="store_true", help="131047 outside 24 h")
    parser.add_argument("--no-statuses", action="store_true", help="emit no status webhooks")
    parser.add_argument("--pair-burst", type=int, default=defaults.pair_burst)
    parser.add_argument("--throughput-mps", type=int, default=None)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    config = FakeConfig(
        access_token=args.token,
        app_secret=args.app_secret,
        webhook_url=args.webhook_url,
        number=wp.BusinessNumber(
            waba_id=args.waba_id,
            phone_number_id=args.phone_number_id,
            display_phone_number=args.display_phone_number,
        ),
        enforce_window=args.enforce_window,
        emit_statuses=not args.no_statuses,
        pair_burst=args.pair_burst,
        throughput_mps=args.throughput_mps,
    )
    uvicorn.run(
        create_app(FakeGraph(config)), host=args.host, port=args.port, log_level=args.log_level
    )


if __name__ == "__main__":
    main()
