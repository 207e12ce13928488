"""Voice notes: transcribed when a speech-to-text service is configured, so the chat goes on.

Off by default (``SEVADWAR_STT_BASE_URL``); without it the engine asks the citizen, in their
language, to type instead. The audio is fetched like any other media and never stored.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx

from sevadwar.channels.base import InboundMessage
from sevadwar.documents.media import MediaError
from sevadwar.documents.uploads import UploadService
from sevadwar.nlu.speech import TranscriptionError, transcriber_from_settings
from sevadwar.settings import Settings

log = logging.getLogger(__name__)

MAX_AUDIO = 16 * 1024 * 1024  # WhatsApp's limit for audio


@dataclass
class VoiceNotes:
    uploads: UploadService
    settings: Settings
    transport: httpx.AsyncBaseTransport | None = None

    def transcribe(self, message: InboundMessage, language: str | None) -> str | None:
        """The words of a voice note, or None when it cannot be understood right now."""
        assert message.media is not None
        try:
            audio = self.uploads.fetch(message, MAX_AUDIO)
        except (MediaError, OSError, httpx.HTTPError) as exc:
            log.warning("could not fetch a voice note: %s", exc)
            return None
        mime_type = message.media.mime_type or "audio/ogg"

        async def run() -> str:
            async with httpx.AsyncClient(transport=self.transport, timeout=30) as client:
                transcriber = transcriber_from_settings(self.settings, client)
                assert transcriber is not None
                transcript = await transcriber.transcribe(
                    audio, mime_type=mime_type, language=language
                )
                return transcript.text

        try:
            text = asyncio.run(run()).strip()
        except (TranscriptionError, httpx.HTTPError) as exc:
            log.warning("could not transcribe a voice note: %s", exc)
            return None
        return text or None
