"""Voice notes through an OpenAI-compatible transcription endpoint (a local fake server)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from nlu.fake_openai import FakeOpenAI
from sevadwar.nlu.speech import (
    OpenAITranscriber,
    Transcript,
    TranscriptionConfig,
    TranscriptionError,
    transcriber_from_settings,
)

BASE = "http://stt.test/v1"


def transcribe(fake: FakeOpenAI, audio: bytes, **kwargs: str | None) -> Transcript:
    async def go() -> Transcript:
        transport = httpx.ASGITransport(app=fake.app())
        async with httpx.AsyncClient(transport=transport) as client:
            config = TranscriptionConfig(base_url=BASE, model="whisper-test", api_key="k-123")
            mime = kwargs.pop("mime_type", None) or "audio/ogg; codecs=opus"
            return await OpenAITranscriber(config, client).transcribe(
                audio, mime_type=mime, **kwargs
            )

    return asyncio.run(go())


def test_transcribes_a_voice_note() -> None:
    fake = FakeOpenAI(transcript="mera application kahan tak pahuncha")
    result = transcribe(fake, b"OggS fake opus", language="hi")
    assert result.text == "mera application kahan tak pahuncha"
    sent = fake.requests[0]
    assert sent["path"] == "/v1/audio/transcriptions"
    assert sent["model"] == "whisper-test"
    assert sent["language"] == "hi"
    assert sent["authorization"] == "Bearer k-123"
    assert sent["filename"] == "voice.ogg"
    assert sent["content_type"] == "audio/ogg"
    assert sent["audio"] == b"OggS fake opus"


def test_an_unknown_language_is_not_sent() -> None:
    fake = FakeOpenAI()
    transcribe(fake, b"x", language="pa", mime_type="audio/mpeg")
    assert fake.requests[0]["language"] is None
    assert fake.requests[0]["filename"] == "voice.mp3"


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (503, True), (400, False)])
def test_errors_say_whether_to_retry(status: int, retryable: bool) -> None:
    with pytest.raises(TranscriptionError) as error:
        transcribe(FakeOpenAI(status=status), b"x")
    assert error.value.retryable is retryable


def test_empty_audio_is_refused_without_a_request() -> None:
    fake = FakeOpenAI()
    with pytest.raises(TranscriptionError):
        transcribe(fake, b"")
    assert fake.requests == []


@dataclass
class _Settings:
    stt_base_url: str | None
    stt_model: str = "whisper-1"
    stt_api_key: SecretStr | None = None


def test_off_unless_configured() -> None:
    async def go() -> None:
        async with httpx.AsyncClient() as client:
            assert transcriber_from_settings(_Settings(None), client) is None
            on = transcriber_from_settings(_Settings(BASE, stt_api_key=SecretStr("s")), client)
            assert isinstance(on, OpenAITranscriber)

    asyncio.run(go())
