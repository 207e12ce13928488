"""Builders for WhatsApp Cloud API webhook payloads, as Meta sends them.

Shared by the fake Graph API server (which plays Meta), the tests and the benchmarks (which play
citizens). Shapes follow ``reference/whatsapp-cloud-api.md`` §1.2, §1.5, §1.6, §2 and §3: every
contact carries the business-scoped ``user_id`` next to ``wa_id``, messages carry ``from`` and
``from_user_id``, statuses carry ``recipient_id`` and ``recipient_user_id`` and the per-message
pricing (PMP) object. Leave ``wa_id`` out of a :class:`WaUser` to play a username user whose
phone number Meta withholds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


@dataclass(frozen=True, slots=True)
class BusinessNumber:
    """The business side: WhatsApp Business Account and the phone number citizens write to."""

    waba_id: str = "102290129340398"
    phone_number_id: str = "106540352242922"
    display_phone_number: str = "911123456789"

    def metadata(self) -> dict[str, str]:
        return {
            "display_phone_number": self.display_phone_number,
            "phone_number_id": self.phone_number_id,
        }


DEFAULT_NUMBER = BusinessNumber()


@dataclass(frozen=True, slots=True)
class WaUser:
    """A WhatsApp user as Meta identifies them: phone number and/or business-scoped user id."""

    wa_id: str | None = "919876543210"
    user_id: str | None = "IN.13491208655302741918"
    name: str = "Priya Sharma"
    parent_user_id: str | None = None

    def contact(self) -> dict[str, Any]:
        contact: dict[str, Any] = {"profile": {"name": self.name}}
        if self.wa_id is not None:
            contact["wa_id"] = self.wa_id
        if self.user_id is not None:
            contact["user_id"] = self.user_id
        if self.parent_user_id is not None:
            contact["parent_user_id"] = self.parent_user_id
        return contact

    @property
    def key(self) -> str:
        key = self.user_id or self.wa_id
        if key is None:
            raise ValueError("a WhatsApp user needs a wa_id or a user_id")
        return key


def new_wamid() -> str:
    """A fresh id in Meta's style: ``wamid.`` and base64 of a protobuf-like blob."""
    blob = b"\x15\x02\x00\x11\x18\x12" + secrets.token_hex(10).upper().encode("ascii")
    return "wamid." + base64.b64encode(blob).decode("ascii")


def unix(at: datetime | None = None) -> str:
    """Unix seconds as a string, the way every webhook timestamp is written."""
    moment = at if at is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC")
    return str(int(moment.timestamp()))


def encode(body: dict[str, Any], *, ascii_only: bool = False) -> bytes:
    """Compact JSON bytes, as POSTed (sign exactly these bytes)."""
    return json.dumps(body, ensure_ascii=ascii_only, separators=(",", ":")).encode("utf-8")


def media_sha256(data: bytes) -> str:
    """The ``sha256`` field of inbound media: base64 of the digest (as in Meta's payloads)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


# --------------------------------------------------------------------------- envelopes


def webhook(
    *,
    number: BusinessNumber = DEFAULT_NUMBER,
    contacts: Sequence[dict[str, Any]] = (),
    messages: Sequence[dict[str, Any]] = (),
    statuses: Sequence[dict[str, Any]] = (),
    errors: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A ``messages``-field webhook body with one entry and one change."""
    value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": number.metadata()}
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    if errors:
        value["errors"] = list(errors)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def inbound_webhook(
    user: WaUser, message: dict[str, Any], *, number: BusinessNumber = DEFAULT_NUMBER
) -> dict[str, Any]:
    """One inbound message from ``user``, wrapped as Meta delivers it."""
    return webhook(number=number, contacts=[user.contact()], messages=[message])


def status_webhook(
    user: WaUser, statuses: Sequence[dict[str, Any]], *, number: BusinessNumber = DEFAULT_NUMBER
) -> dict[str, Any]:
    """One or more statuses of messages sent to ``user``."""
    return webhook(number=number, contacts=[user.contact()], statuses=statuses)


def merge(*bodies: dict[str, Any]) -> dict[str, Any]:
    """Several webhook bodies batched into one POST (their entries side by side)."""
    entries: list[dict[str, Any]] = []
    for body in bodies:
        entries.extend(body["entry"])
    return {"object": "whatsapp_business_account", "entry": entries}


# --------------------------------------------------------------------------- messages


def _message(
    user: WaUser,
    kind: str,
    content: dict[str, Any] | None,
    *,
    message_id: str | None,
    at: datetime | None,
    context_id: str | None,
    number: BusinessNumber = DEFAULT_NUMBER,
) -> dict[str, Any]:
    message: dict[str, Any] = {}
    if context_id is not None:
        message["context"] = {"from": number.display_phone_number, "id": context_id}
    if user.wa_id is not None:
        message["from"] = user.wa_id
    if user.user_id is not None:
        message["from_user_id"] = user.user_id
    message["id"] = message_id or new_wamid()
    message["timestamp"] = unix(at)
    message["type"] = kind
    if content is not None:
        message[kind] = content
    return message


def text_message(
    user: WaUser,
    body: str,
    *,
    message_id: str | None = None,
    at: datetime | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    return _message(
        user, "text", {"body": body}, message_id=message_id, at=at, context_id=context_id
    )


def button_reply_message(
    user: WaUser,
    reply_id: str,
    title: str,
    *,
    message_id: str | None = None,
    at: datetime | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    content = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return _message(
        user, "interactive", content, message_id=message_id, at=at, context_id=context_id
    )


def list_reply_message(
    user: WaUser,
    reply_id: str,
    title: str,
    description: str | None = None,
    *,
    message_id: str | None = None,
    at: datetime | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    reply = {"id": reply_id, "title": title}
    if description is not None:
        reply["description"] = description
    content = {"type": "list_reply", "list_reply": reply}
    return _message(
        user, "interactive", content, message_id=message_id, at=at, context_id=context_id
    )


def nfm_reply_message(
    user: WaUser,
    response: dict[str, Any],
    *,
    body: str = "Sent",
    message_id: str | None = None,
    at: datetime | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    """A Flow completion; ``response_json`` is a JSON *string* (§2.4)."""
    content = {
        "type": "nfm_reply",
        "nfm_reply": {"name": "flow", "body": body, "response_json": json.dumps(response)},
    }
    return _message(
        user, "interactive", content, message_id=message_id, at=at, context_id=context_id
    )


def template_button_message(
    user: WaUser,
    payload: str,
    text: str,
    *,
    message_id: str | None = None,
    at: datetime | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    """A quick-reply button tapped on a template (``type: "button"``, §2.5)."""
    content = {"text": text, "payload": payload}
    return _message(user, "button", content, message_id=message_id, at=at, context_id=context_id)


def media_message(
    user: WaUser,
    kind: str,
    media_id: str,
    *,
    mime_type: str,
    sha256: str,
    caption: str | None = None,
    filename: str | None = None,
    voice: bool | None = None,
    url: str | None = None,
    message_id: str | None = None,
    at: datetime | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    """An image, document, audio (``voice=True`` for a voice note), video or sticker."""
    if kind not in ("image", "document", "audio", "video", "sticker"):
        raise ValueError(f"not a media kind: {kind}")
    content: dict[str, Any] = {}
    if caption is not None:
        content["caption"] = caption
    if filename is not None:
        content["filename"] = filename
    content.update({"mime_type": mime_type, "sha256": sha256, "id": media_id})
    if voice is not None:
        content["voice"] = voice
    if kind == "sticker":
        content["animated"] = False
    if url is not None:
        content["url"] = url
    return _message(user, kind, content, message_id=message_id, at=at, context_id=context_id)


def location_message(
    user: WaUser,
    latitude: float,
    longitude: float,
    *,
    name: str | None = None,
    address: str | None = None,
    message_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if name is not None:
        content["name"] = name
    if address is not None:
        content["address"] = address
    return _message(user, "location", content, message_id=message_id, at=at, context_id=None)


def contacts_message(
    user: WaUser,
    cards: Iterable[tuple[str, str]],
    *,
    message_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Shared contact cards, each given as ``(formatted name, phone)``."""
    message = _message(user, "contacts", None, message_id=message_id, at=at, context_id=None)
    message["contacts"] = [
        {
            "name": {"formatted_name": name, "first_name": name.split(" ")[0]},
            "phones": [{"phone": phone, "type": "CELL"}],
        }
        for name, phone in cards
    ]
    return message


def reaction_message(
    user: WaUser,
    to_message_id: str,
    emoji: str | None,
    *,
    message_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """A reaction; ``emoji=None`` plays an un-react (no ``emoji`` key)."""
    content = {"message_id": to_message_id}
    if emoji is not None:
        content["emoji"] = emoji
    return _message(user, "reaction", content, message_id=message_id, at=at, context_id=None)


def unsupported_message(
    user: WaUser,
    unsupported_type: str = "pool",
    *,
    message_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """What Meta sends for a poll, a deleted message or any type the Cloud API cannot show."""
    message = _message(
        user,
        "unsupported",
        {"type": unsupported_type},
        message_id=message_id,
        at=at,
        context_id=None,
    )
    message["errors"] = [
        error_object(
            131051,
            "Message type unknown",
            details="Message type is currently not supported.",
            href=False,
        )
    ]
    return message


# --------------------------------------------------------------------------- statuses


def pricing(
    category: str = "service", pricing_type: str = "free_customer_service"
) -> dict[str, Any]:
    """A per-message pricing (PMP) object (§3.3)."""
    return {
        "billable": pricing_type == "regular",
        "pricing_model": "PMP",
        "category": category,
        "type": pricing_type,
    }


def status_object(
    message_id: str,
    status: str,
    recipient: WaUser,
    *,
    at: datetime | None = None,
    pricing_info: dict[str, Any] | None = None,
    errors: Sequence[dict[str, Any]] = (),
    biz_opaque_callback_data: str | None = None,
) -> dict[str, Any]:
    """One ``statuses[]`` item for a message we (the business) sent to ``recipient``."""
    item: dict[str, Any] = {"id": message_id, "status": status, "timestamp": unix(at)}
    if recipient.wa_id is not None:
        item["recipient_id"] = recipient.wa_id
    if recipient.user_id is not None:
        item["recipient_user_id"] = recipient.user_id
    if pricing_info is not None and status != "failed":
        item["pricing"] = pricing_info
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    if errors:
        item["errors"] = list(errors)
    return item


def error_object(
    code: int,
    title: str,
    *,
    message: str | None = None,
    details: str | None = None,
    href: bool = True,
) -> dict[str, Any]:
    """A Cloud API error as it appears inside webhooks (statuses, messages, value)."""
    error: dict[str, Any] = {"code": code, "title": title, "message": message or title}
    if details is not None:
        error["error_data"] = {"details": details}
    if href:
        error["href"] = ERROR_CODES_URL
    return error
