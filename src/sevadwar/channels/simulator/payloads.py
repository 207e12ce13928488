"""The web simulator's wire format: what the browser posts, as a stored inbox payload.

The simulator is a channel like WhatsApp: its messages go through the same inbox, engine and
outbox, so the demo shows exactly what a citizen would see.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sevadwar.channels.base import Channel, Citizen, InboundMessage, Media, MessageKind

SESSION = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")


class SimulatorMedia(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    media_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{8,64}$")
    mime_type: str = Field(max_length=100)
    filename: str | None = Field(default=None, max_length=200)


class SimulatorMessage(BaseModel):
    """What the simulator page posts: a text, a tapped button/row, or an uploaded file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    session: str = Field(pattern=SESSION.pattern)
    id: str = Field(
        pattern=r"^[A-Za-z0-9_\-]{8,64}$"
    )  # client-made id: a retried post is one message
    text: str | None = Field(default=None, max_length=4096)
    reply_id: str | None = Field(default=None, max_length=256)
    media: SimulatorMedia | None = None


def citizen_key(session: str) -> str:
    return f"sim:{session}"


def to_payload(message: SimulatorMessage, received_at: datetime) -> dict[str, Any]:
    return {**message.model_dump(), "timestamp": received_at.isoformat()}


def parse_event(payload: dict[str, Any]) -> InboundMessage:
    message = SimulatorMessage.model_validate(
        {k: v for k, v in payload.items() if k != "timestamp"}
    )
    moment = (
        datetime.fromisoformat(payload["timestamp"])
        if payload.get("timestamp")
        else datetime.now(UTC)
    )
    citizen = Citizen(key=citizen_key(message.session), channel=Channel.SIMULATOR)
    if message.media is not None:
        kind = (
            MessageKind.IMAGE
            if message.media.mime_type.startswith("image/")
            else MessageKind.DOCUMENT
        )
        media = Media(
            media_id=message.media.media_id,
            mime_type=message.media.mime_type,
            filename=message.media.filename,
        )
        return InboundMessage(message.id, citizen, moment, kind, text=message.text, media=media)
    kind = MessageKind.BUTTON_REPLY if message.reply_id else MessageKind.TEXT
    return InboundMessage(
        message.id, citizen, moment, kind, text=message.text or "", reply_id=message.reply_id
    )
