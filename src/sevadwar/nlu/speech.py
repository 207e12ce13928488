"""Voice notes to text, through an OpenAI-compatible transcription endpoint (off by default).

With ``SEVADWAR_STT_BASE_URL`` set, :func:`transcriber_from_settings` returns a
:class:`Transcriber` that posts the audio to ``{base}/audio/transcriptions`` (multipart: ``file``,
``model``, optionally ``language``) and reads ``{"text": ...}`` back. Without it there is no
transcriber and the conversation asks the citizen, in their language, to type instead.

The HTTP client is injected (an ``httpx.AsyncClient``); tests hand one whose transport talks to a
fake server. See https://platform.openai.com/docs/api-reference/audio/createTranscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

_EXTENSIONS = {
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/webm": "webm",
}
_MAX_BYTES = 16 * 1024 * 1024  # WhatsApp's limit for audio


class TranscriptionError(Exception):
    """The audio could not be transcribed. ``retryable``: worth trying again later."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str | None = None  # as the service reports it, when it does


class Transcriber(Protocol):
    async def transcribe(
        self, audio: bytes, *, mime_type: str, language: str | None = None
    ) -> Transcript: ...


@dataclass(frozen=True, slots=True)
class TranscriptionConfig:
    base_url: str
    model: str = "whisper-1"
    api_key: str | None = None
    timeout: float = 30.0


class OpenAITranscriber:
    """An OpenAI-compatible ``/audio/transcriptions`` client."""

    def __init__(self, config: TranscriptionConfig, client: httpx.AsyncClient) -> None:
        self._config = config
        self._client = client
        self._url = config.base_url.rstrip("/") + "/audio/transcriptions"

    async def transcribe(
        self, audio: bytes, *, mime_type: str, language: str | None = None
    ) -> Transcript:
        if not audio:
            raise TranscriptionError("empty audio", retryable=False)
        if len(audio) > _MAX_BYTES:
            raise TranscriptionError("audio too large", retryable=False)
        base_type = mime_type.split(";")[0].strip().lower()
        extension = _EXTENSIONS.get(base_type, "ogg")
        data = {"model": self._config.model, "response_format": "json"}
        if language in ("hi", "en"):
            data["language"] = language
        headers = {}
        if self._config.api_key:
            headers["Authorization"] = f"Bearer {self._config.api_key}"
        try:
            response = await self._client.post(
                self._url,
                data=data,
                files={"file": (f"voice.{extension}", audio, base_type or "audio/ogg")},
                headers=headers,
                timeout=self._config.timeout,
            )
        except httpx.TransportError as exc:
            raise TranscriptionError(
                f"transcription service unreachable: {exc}", retryable=True
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TranscriptionError(
                f"transcription service said {response.status_code}", retryable=True
            )
        if response.status_code >= 400:
            raise TranscriptionError(
                f"transcription refused: {response.status_code}", retryable=False
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise TranscriptionError("transcription reply is not JSON", retryable=False) from exc
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise TranscriptionError("transcription reply has no text", retryable=False)
        reported = body.get("language")
        return Transcript(text.strip(), reported if isinstance(reported, str) else None)


class _SttSettings(Protocol):
    @property
    def stt_base_url(self) -> object: ...
    @property
    def stt_model(self) -> str: ...
    @property
    def stt_api_key(self) -> object: ...


def transcriber_from_settings(
    settings: _SttSettings, client: httpx.AsyncClient
) -> Transcriber | None:
    """A transcriber when ``SEVADWAR_STT_BASE_URL`` is set, else None (voice notes are declined
    politely)."""
    if not settings.stt_base_url:
        return None
    return OpenAITranscriber(
        TranscriptionConfig(
            base_url=str(settings.stt_base_url),
            model=settings.stt_model,
            api_key=_secret(settings.stt_api_key),
        ),
        client,
    )


def _secret(value: object) -> str | None:
    if value is None:
        return None
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal()) if callable(reveal) else str(value)
