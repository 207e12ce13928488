"""download_media through a tiny local Graph API fake (ASGI, via httpx.ASGITransport)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sevadwar.documents.media import (
    MediaIntegrityError,
    MediaNotFound,
    MediaRejected,
    MediaTooLarge,
    MediaUnavailable,
    download_media,
)

BASE = "http://graph.test/v24.0"
TOKEN = "EAAtest"
CONTENT = b"\xff\xd8\xff" + bytes(range(256)) * 40


@dataclass
class FakeGraph:
    content: bytes = CONTENT
    declared_size: object = None  # what file_size says; default: the real size, as a string
    info_failures: list[int] = field(default_factory=list)  # statuses to answer first
    download_failures: list[int] = field(default_factory=list)
    info_calls: int = 0
    download_calls: int = 0
    url_version: int = 0

    def app(self) -> Starlette:
        async def info(request: Request) -> Response:
            self.info_calls += 1
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return JSONResponse({"error": {"code": 190}}, status_code=401)
            if self.info_failures:
                return JSONResponse({"error": {}}, status_code=self.info_failures.pop(0))
            if request.path_params["media_id"] != "1234":
                return JSONResponse({"error": {"code": 100}}, status_code=404)
            self.url_version += 1
            size = str(len(self.content)) if self.declared_size is None else self.declared_size
            return JSONResponse(
                {
                    "messaging_product": "whatsapp",
                    "url": f"http://lookaside.test/media?mid=1234&v={self.url_version}",
                    "mime_type": "image/jpeg",
                    "sha256": hashlib.sha256(self.content).hexdigest(),
                    "file_size": size,
                    "id": "1234",
                }
            )

        async def download(request: Request) -> Response:
            self.download_calls += 1
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return Response(status_code=401)
            if self.download_failures:
                return Response(status_code=self.download_failures.pop(0))
            return Response(self.content, media_type="image/jpeg")

        return Starlette(routes=[Route("/v24.0/{media_id}", info), Route("/media", download)])


async def _no_sleep(_: float) -> None:
    return None


def fetch(
    fake: FakeGraph, media_id: str = "1234", max_bytes: int = 1_000_000, **kw: object
) -> bytes:
    async def go() -> bytes:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app())) as client:
            return await download_media(
                client,
                BASE,
                TOKEN,
                media_id,
                max_bytes,
                sleep=_no_sleep,
                **kw,  # type: ignore[arg-type]
            )

    return asyncio.run(go())


def test_downloads_with_the_bearer_token() -> None:
    fake = FakeGraph()
    assert fetch(fake, expected_sha256=hashlib.sha256(CONTENT).hexdigest()) == CONTENT
    assert (fake.info_calls, fake.download_calls) == (1, 1)


def test_declared_size_over_the_limit_is_refused_before_downloading() -> None:
    fake = FakeGraph(declared_size="6000000")
    with pytest.raises(MediaTooLarge):
        fetch(fake, max_bytes=5_000_000)
    assert fake.download_calls == 0


def test_a_lying_file_size_is_caught_while_streaming() -> None:
    fake = FakeGraph(declared_size=10)
    with pytest.raises(MediaTooLarge):
        fetch(fake, max_bytes=1000)


def test_streaming_stops_as_soon_as_the_limit_is_passed() -> None:
    """With a real stream (MockTransport), only the chunks up to the limit are pulled."""
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(10_000):
            pulled += 1
            yield bytes(64 * 1024)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "graph.test":
            return httpx.Response(200, json={"url": "http://cdn.test/x", "mime_type": "image/jpeg"})
        return httpx.Response(200, content=endless())

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await download_media(client, BASE, TOKEN, "1", 1_000_000, sleep=_no_sleep)

    with pytest.raises(MediaTooLarge):
        asyncio.run(go())
    assert pulled <= 17  # 1 MB / 64 KiB, plus the chunk that crossed the line


def test_transient_errors_are_retried() -> None:
    fake = FakeGraph(info_failures=[503], download_failures=[502])
    assert fetch(fake) == CONTENT
    assert fake.info_calls == 3
    assert fake.download_calls == 2


def test_persistent_server_errors_give_up_as_retryable() -> None:
    fake = FakeGraph(info_failures=[500, 500, 500, 500])
    with pytest.raises(MediaUnavailable) as raised:
        fetch(fake, attempts=3)
    assert raised.value.retryable
    assert fake.info_calls == 3


def test_expired_download_url_is_fetched_again_once() -> None:
    fake = FakeGraph(download_failures=[404])
    assert fetch(fake) == CONTENT
    assert fake.info_calls == 2
    assert fake.download_calls == 2


def test_unknown_media_id_is_not_found() -> None:
    with pytest.raises(MediaNotFound):
        fetch(FakeGraph(), media_id="999")


def test_bad_token_is_permanent() -> None:
    async def go() -> bytes:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=FakeGraph().app())
        ) as client:
            return await download_media(client, BASE, "wrong", "1234", 1000, sleep=_no_sleep)

    with pytest.raises(MediaRejected) as raised:
        asyncio.run(go())
    assert not raised.value.retryable


def test_hash_mismatch_is_detected() -> None:
    with pytest.raises(MediaIntegrityError):
        fetch(FakeGraph(), expected_sha256="0" * 64)
    # a non-hex form (as in some samples) is not compared
    assert (
        fetch(FakeGraph(), expected_sha256="grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc=")
        == CONTENT
    )
