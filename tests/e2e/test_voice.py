"""Voice notes: transcribed through a configured speech-to-text service, or politely declined."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_stack import Stack, live_stack, text_of
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sevadwar.fakes.graph_api import serve_app_in_thread

received: list[bytes] = []


async def transcriptions(request: Request) -> JSONResponse:
    async with request.form() as form:
        upload = form["file"]
        received.append(await upload.read())  # type: ignore[union-attr]
    return JSONResponse({"text": "मुझे आय प्रमाण पत्र चाहिए"})


@pytest.fixture
def voiced(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    stt = Starlette(routes=[Route("/v1/audio/transcriptions", transcriptions, methods=["POST"])])
    with (
        serve_app_in_thread(stt) as stt_url,
        live_stack(database_url, tmp_path, stt_base_url=f"{stt_url}/v1") as stack,
    ):
        yield stack


def test_a_voice_note_is_transcribed_and_understood(voiced: Stack) -> None:
    asha = voiced.citizen()
    asha.says("नमस्ते")
    asha.taps("हिन्दी")
    asha.taps("मैं सहमत हूँ")
    replies = asha.sends_voice()
    assert "मैंने सुना" in text_of(replies[0]) and "आय प्रमाण पत्र" in text_of(replies[0])
    assert "आय प्रमाण पत्र" in text_of(replies[-1])  # the service card of what was said
    assert received and received[-1].startswith(b"OggS")


def test_without_a_transcription_service_the_citizen_is_asked_to_type(stack: Stack) -> None:
    asha = stack.citizen()
    asha.says("नमस्ते")
    asha.taps("हिन्दी")
    asha.taps("मैं सहमत हूँ")
    replies = asha.sends_voice()
    assert "लिखकर" in text_of(replies[0])
