"""Channel-neutral message types: what the engine reads and what it asks to send.

Every channel (WhatsApp Cloud API, the web simulator, the terminal chat) parses its own wire
format into :class:`InboundMessage` at the edge and renders :class:`Outbound` messages back into
its own format. Nothing past the edge sees a provider payload.

Outbound types follow the WhatsApp message kinds because WhatsApp is the most constrained
channel; renderers enforce its limits (see ``channels/whatsapp/render.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    SIMULATOR = "simulator"


class MessageKind(StrEnum):
    TEXT = "text"
    BUTTON_REPLY = "button_reply"  # interactive reply button tapped
    LIST_REPLY = "list_reply"  # interactive list row chosen
    FLOW_REPLY = "nfm_reply"  # WhatsApp Flow completed
    TEMPLATE_BUTTON = "button"  # quick-reply button on a template
    IMAGE = "image"
    DOCUMENT = "document"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"


MEDIA_KINDS = frozenset(
    {
        MessageKind.IMAGE,
        MessageKind.DOCUMENT,
        MessageKind.AUDIO,
        MessageKind.VIDEO,
        MessageKind.STICKER,
    }
)


@dataclass(frozen=True, slots=True)
class Citizen:
    """Who wrote. ``key`` is the stable identity used everywhere inside Sevadwar.

    On WhatsApp the key is the business-scoped user id (``contacts[].user_id``, Meta's 2026
    change) and falls back to ``wa_id`` for payloads without one. ``wa_id`` is kept when Meta sends
    it, because replies address the phone number when it is known.
    """

    key: str
    channel: Channel
    user_id: str | None = None
    wa_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderError:
    code: int
    title: str = ""
    message: str = ""
    details: str = ""


@dataclass(frozen=True, slots=True)
class Media:
    media_id: str
    mime_type: str = ""
    sha256: str | None = None
    filename: str | None = None
    voice: bool = False


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class SharedContact:
    name: str
    phones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a citizen, parsed and frozen.

    ``text`` holds what a person would read: the body of a text, the title of a tapped button or
    list row, a media caption. ``reply_id`` holds the machine id behind a tap (button id, list row
    id, template button payload).
    """

    message_id: str
    citizen: Citizen
    timestamp: datetime
    kind: MessageKind
    text: str | None = None
    reply_id: str | None = None
    media: Media | None = None
    location: Location | None = None
    contacts: tuple[SharedContact, ...] = ()
    flow_response: dict[str, Any] | None = None
    reaction_to: str | None = None
    context_id: str | None = None
    errors: tuple[ProviderError, ...] = ()


class DeliveryStatus(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Order for monotonic merging: a later rank never goes back to an earlier one."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
}


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery receipt for a message we sent (``statuses[]`` on WhatsApp)."""

    message_id: str  # the provider id we got when sending (wamid)
    status: DeliveryStatus
    timestamp: datetime
    recipient: str | None = None
    errors: tuple[ProviderError, ...] = ()


# --------------------------------------------------------------------------- outbound


@dataclass(frozen=True, slots=True)
class Button:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Text:
    body: str
    fallback: TemplateMessage | None = None  # sent instead if the 24-hour window has closed
    kind: str = field(default="text", init=False)


@dataclass(frozen=True, slots=True)
class Buttons:
    body: str
    buttons: tuple[Button, ...]
    header: str | None = None
    footer: str | None = None
    kind: str = field(default="buttons", init=False)


@dataclass(frozen=True, slots=True)
class ListMenu:
    body: str
    button: str  # the label of the button that opens the list
    sections: tuple[Section, ...]
    header: str | None = None
    footer: str | None = None
    kind: str = field(default="list", init=False)


@dataclass(frozen=True, slots=True)
class CtaUrl:
    body: str
    label: str
    url: str
    header: str | None = None
    footer: str | None = None
    kind: str = field(default="cta_url", init=False)


@dataclass(frozen=True, slots=True)
class DocumentMessage:
    """A file sent to the citizen, by public link or by an uploaded provider media id."""

    filename: str
    link: str | None = None
    media_id: str | None = None
    caption: str | None = None
    fallback: TemplateMessage | None = None  # sent instead if the 24-hour window has closed
    kind: str = field(default="document", init=False)


@dataclass(frozen=True, slots=True)
class ImageMessage:
    link: str | None = None
    media_id: str | None = None
    caption: str | None = None
    kind: str = field(default="image", init=False)


@dataclass(frozen=True, slots=True)
class TemplateMessage:
    """An approved template, the only thing WhatsApp lets us send outside the 24-hour window."""

    name: str
    language: str  # e.g. "en", "hi"
    body_params: tuple[str, ...] = ()
    document: DocumentMessage | None = None  # a document header (the file, not its caption)
    kind: str = field(default="template", init=False)


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """Mark the citizen's message as read (blue ticks) and show "typing…" while we answer."""

    message_id: str
    typing: bool = True
    kind: str = field(default="read", init=False)


Outbound = (
    Text
    | Buttons
    | ListMenu
    | CtaUrl
    | DocumentMessage
    | ImageMessage
    | TemplateMessage
    | ReadReceipt
)

_OUTBOUND_TYPES: dict[str, type[Any]] = {
    "text": Text,
    "buttons": Buttons,
    "list": ListMenu,
    "cta_url": CtaUrl,
    "document": DocumentMessage,
    "image": ImageMessage,
    "template": TemplateMessage,
    "read": ReadReceipt,
}


def outbound_to_dict(message: Outbound) -> dict[str, Any]:
    """Serialise an outbound message for the outbox (JSON-safe, round-trips with ``from_dict``)."""
    data = dataclasses.asdict(message)
    for optional in ("fallback", "document"):  # absent rather than null: most messages have none
        if optional in data and data[optional] is None:
            del data[optional]
    for nested in ("fallback", "document"):
        if isinstance(data.get(nested), dict):
            data[nested] = outbound_to_dict(getattr(message, nested))
    return data


def outbound_from_dict(data: dict[str, Any]) -> Outbound:
    kind = data["kind"]
    cls = _OUTBOUND_TYPES[kind]
    values = {k: v for k, v in data.items() if k != "kind"}
    if cls is Buttons:
        values["buttons"] = tuple(Button(**b) for b in values["buttons"])
    elif cls is ListMenu:
        values["sections"] = tuple(
            Section(title=s["title"], rows=tuple(Row(**r) for r in s["rows"]))
            for s in values["sections"]
        )
    elif cls is TemplateMessage:
        values["body_params"] = tuple(values.get("body_params", ()))
    for nested in ("fallback", "document"):
        if isinstance(values.get(nested), dict):
            values[nested] = outbound_from_dict(values[nested])
    result: Outbound = cls(**values)
    return result
