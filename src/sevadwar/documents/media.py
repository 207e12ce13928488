"""Download a citizen's media from the WhatsApp Cloud API, never holding more than ``max_bytes``.

Two steps (reference ``whatsapp-cloud-api.md`` §4.10, Meta's *Media* page):

1. ``GET {base_url}/{media_id}`` with the bearer token answers
   ``{"url", "mime_type", "sha256", "file_size", "id", "messaging_product"}``; ``file_size`` may
   be a string. A declared size above ``max_bytes`` is refused before any download.
2. ``GET {url}`` with the same bearer token streams the bytes. The download stops as soon as
   ``max_bytes`` is passed, whatever ``Content-Length`` or ``file_size`` claimed.

Media URLs expire after five minutes: a 404 on the download fetches a fresh URL once. Network
errors, 429 and 5xx are retried with a short back-off; other 4xx are permanent.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class MediaError(Exception):
    """Base class; ``retryable`` tells the worker whether to try the whole job again later."""

    retryable = False


class MediaTooLarge(MediaError):
    """The media is larger than allowed (declared or actually streamed)."""


class MediaNotFound(MediaError):
    """Unknown or expired media id (webhook media ids live 7 days)."""


class MediaUnavailable(MediaError):
    """Transient failure that outlasted the retries (network, 429, 5xx)."""

    retryable = True


class MediaRejected(MediaError):
    """A permanent error from the API (bad token, bad request) or a malformed answer."""


class MediaIntegrityError(MediaError):
    """The bytes do not match the SHA-256 that WhatsApp announced."""


@dataclass(frozen=True, slots=True)
class _MediaInfo:
    url: str
    mime_type: str
    file_size: int | None


async def download_media(
    client: httpx.AsyncClient,
    base_url: str,
    token: str,
    media_id: str,
    max_bytes: int,
    *,
    expected_sha256: str | None = None,
    attempts: int = 3,
    backoff_seconds: float = 0.5,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bytes:
    """The media's bytes, at most ``max_bytes`` of them, or a :class:`MediaError`.

    ``expected_sha256`` is the hash from the webhook's media object; it is checked when it is a
    64-character hex digest (Meta's documented form) and ignored otherwise.
    """
    headers = {"Authorization": f"Bearer {token}"}
    info_url = f"{base_url.rstrip('/')}/{media_id}"
    last_error: MediaError = MediaUnavailable("no attempt made")
    refreshed = False
    attempt = 0
    while attempt < attempts:
        attempt += 1
        try:
            info = await _fetch_info(client, info_url, headers, max_bytes)
            data = await _stream(client, info.url, headers, max_bytes)
        except _ExpiredUrl:
            if refreshed:
                raise MediaNotFound(
                    f"media {media_id}: the download URL keeps answering 404"
                ) from None
            refreshed = True
            attempt -= 1  # a stale URL is not a failed attempt
            continue
        except (MediaUnavailable, httpx.TransportError) as exc:
            last_error = exc if isinstance(exc, MediaError) else MediaUnavailable(repr(exc))
            if attempt < attempts:
                await sleep(backoff_seconds * 2 ** (attempt - 1))
            continue
        _check_hash(data, expected_sha256)
        return data
    raise last_error


class _ExpiredUrl(Exception):
    pass


async def _fetch_info(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int
) -> _MediaInfo:
    response = await client.get(url, headers=headers)
    if response.status_code == 404:
        raise MediaNotFound(f"GET {url}: 404")
    _raise_for_status(response, "media lookup")
    try:
        body: Any = response.json()
        media_url = str(body["url"])
        mime_type = str(body.get("mime_type") or "")
        raw_size = body.get("file_size")
        file_size = int(raw_size) if raw_size not in (None, "") else None
    except (ValueError, KeyError, TypeError) as exc:
        raise MediaRejected(f"media lookup: malformed answer ({exc})") from None
    if file_size is not None and file_size > max_bytes:
        raise MediaTooLarge(f"declared file_size {file_size} > {max_bytes}")
    return _MediaInfo(media_url, mime_type, file_size)


async def _stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int
) -> bytes:
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 404:
            raise _ExpiredUrl
        _raise_for_status(response, "media download")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise MediaTooLarge(f"Content-Length {declared} > {max_bytes}")
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > max_bytes:
                raise MediaTooLarge(f"more than {max_bytes} bytes streamed")
            chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(response: httpx.Response, what: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in _RETRYABLE_STATUS:
        raise MediaUnavailable(f"{what}: HTTP {status}")
    raise MediaRejected(f"{what}: HTTP {status}")


def _check_hash(data: bytes, expected: str | None) -> None:
    if not expected or len(expected) != 64:
        return
    try:
        int(expected, 16)
    except ValueError:
        return
    if hashlib.sha256(data).hexdigest() != expected.lower():
        raise MediaIntegrityError("SHA-256 of the download differs from the webhook's")
