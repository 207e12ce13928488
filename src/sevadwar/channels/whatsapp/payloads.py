"""Parse WhatsApp Cloud API webhook bodies. The only module that indexes Meta's payloads.

Two steps, so the webhook route can store events before anything is interpreted:

1. :func:`split_events` walks a whole POST body (``entry[] → changes[] → value``; one POST may
   batch up to 1000 updates) and cuts it into self-contained :class:`RawEvent` mini-envelopes,
   each with a stable de-duplication key. Meta redelivers for days, so the key is what the inbox
   makes unique.
2. :func:`parse_event` turns one mini-envelope into the channel-neutral types of
   :mod:`sevadwar.channels.base`, strictly: missing or mistyped fields raise
   :class:`MalformedPayload`; unknown extra keys are ignored.

Shapes (mirrored in ``reference/whatsapp-cloud-api.md``), under
https://developers.facebook.com/documentation/business-messaging/whatsapp/ :

* envelope: ``webhooks/overview`` (§1.2, §1.5)
* messages: ``webhooks/reference/messages`` (§2)
* statuses: ``webhooks/reference/messages/status`` (§3)
* errors: ``webhooks/reference/messages/errors`` (§1.2)
* business-scoped user ids: ``business-scoped-user-ids`` (§1.6)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sevadwar.channels.base import (
    Channel,
    Citizen,
    DeliveryStatus,
    InboundMessage,
    Location,
    Media,
    MessageKind,
    ProviderError,
    SharedContact,
    StatusUpdate,
)

OBJECT = "whatsapp_business_account"
MESSAGES_FIELD = "messages"

EventKind = Literal["message", "status", "error"]
_Parser = Callable[[dict[str, Any], str], dict[str, Any]]


class MalformedPayload(Exception):
    """The payload is not what Meta documents (missing key, wrong type, bad value)."""


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One update cut out of a webhook POST, ready to be stored before it is interpreted.

    ``data`` is a self-contained mini-envelope: ``{"metadata", "contacts", "messages": [one]}``,
    or ``"statuses": [one]``, or ``"errors": [one]``. ``key`` is unique per update and stable
    across Meta's redeliveries: ``msg:<wamid>``, ``status:<wamid>:<status>`` or
    ``error:<sha256>``. ``citizen_key`` orders processing per citizen (None for value-level errors).
    """

    key: str
    kind: EventKind
    citizen_key: str | None
    data: dict[str, Any]


# --------------------------------------------------------------------------- split


def split_events(body: Any) -> list[RawEvent]:
    """Every message, status and value-level error in a webhook body, in payload order.

    Changes whose ``field`` is not ``messages`` (``account_update``, template updates…) yield no
    event. Statuses that are not delivery receipts of our messages (``type: "payment"``, or a
    status value such as ``played`` or ``deleted``) are skipped too. Raises
    :class:`MalformedPayload` when the body is not a ``whatsapp_business_account`` envelope.
    """
    body = _dict(body, "body")
    if body.get("object") != OBJECT:
        raise MalformedPayload(f"body.object is {body.get('object')!r}, expected {OBJECT!r}")
    events: list[RawEvent] = []
    for e, entry in enumerate(_list(body.get("entry"), "entry")):
        entry = _dict(entry, f"entry[{e}]")
        for c, change in enumerate(_list(entry.get("changes"), f"entry[{e}].changes")):
            where = f"entry[{e}].changes[{c}]"
            change = _dict(change, where)
            if change.get("field") != MESSAGES_FIELD:
                continue
            events.extend(_split_value(_dict(change.get("value"), f"{where}.value"), where))
    return events


def _split_value(value: dict[str, Any], where: str) -> list[RawEvent]:
    metadata = value.get("metadata")
    where = f"{where}.value"
    raw_contacts = _optional_list(value.get("contacts"), f"{where}.contacts")
    contacts = [_dict(c, f"{where}.contacts[{i}]") for i, c in enumerate(raw_contacts)]
    events: list[RawEvent] = []
    messages = _optional_list(value.get("messages"), f"{where}.messages")
    for i, message in enumerate(messages):
        message = _dict(message, f"{where}.messages[{i}]")
        contact = _matching_contact(message, contacts)
        data = {
            "metadata": metadata,
            "contacts": [contact] if contact is not None else [],
            "messages": [message],
        }
        wamid = message.get("id")
        key = f"msg:{wamid}" if isinstance(wamid, str) and wamid else f"msg:sha256:{_digest(data)}"
        events.append(RawEvent(key, "message", _message_citizen_key(message, contact), data))
    statuses = _optional_list(value.get("statuses"), f"{where}.statuses")
    for i, status in enumerate(statuses):
        status = _dict(status, f"{where}.statuses[{i}]")
        if not _is_delivery_receipt(status):
            continue
        contact = _status_contact(status, contacts)
        data = {
            "metadata": metadata,
            "contacts": [contact] if contact is not None else [],
            "statuses": [status],
        }
        wamid, state = status.get("id"), status.get("status")
        key = (
            f"status:{wamid}:{state}"
            if isinstance(wamid, str) and wamid and isinstance(state, str)
            else f"status:sha256:{_digest(data)}"
        )
        events.append(RawEvent(key, "status", _status_citizen_key(status), data))
    for i, error in enumerate(_optional_list(value.get("errors"), f"{where}.errors")):
        error = _dict(error, f"{where}.errors[{i}]")
        data = {"metadata": metadata, "contacts": [], "errors": [error]}
        events.append(RawEvent(f"error:{_digest(data)}", "error", None, data))
    return events


def _is_delivery_receipt(status: dict[str, Any]) -> bool:
    if status.get("type") == "payment":
        return False  # payment notifications reach us through the payment gateway instead
    state = status.get("status")
    # A missing or mistyped status is kept so parse_event can report it as malformed.
    return not isinstance(state, str) or state in _DELIVERY_STATUSES


_DELIVERY_STATUSES = frozenset(s.value for s in DeliveryStatus)


def _matching_contact(
    message: dict[str, Any], contacts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The ``contacts[]`` entry describing the sender of ``message``.

    Matched on ``user_id``/``from_user_id`` or ``wa_id``/``from``. A lone contact is taken when
    nothing in the message contradicts it (username users come without ``from``).
    """
    sender_user_id, sender_wa_id = message.get("from_user_id"), message.get("from")
    for contact in contacts:
        if sender_user_id is not None and contact.get("user_id") == sender_user_id:
            return contact
        if sender_wa_id is not None and contact.get("wa_id") == sender_wa_id:
            return contact
    if len(contacts) != 1:
        return None
    (contact,) = contacts
    contradicts = (
        sender_user_id is not None and contact.get("user_id") not in (None, sender_user_id)
    ) or (sender_wa_id is not None and contact.get("wa_id") not in (None, sender_wa_id))
    return None if contradicts else contact


def _status_contact(
    status: dict[str, Any], contacts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    user_id, wa_id = status.get("recipient_user_id"), status.get("recipient_id")
    for contact in contacts:
        if user_id is not None and contact.get("user_id") == user_id:
            return contact
        if wa_id is not None and contact.get("wa_id") == wa_id:
            return contact
    return None


def _message_citizen_key(message: dict[str, Any], contact: dict[str, Any] | None) -> str | None:
    contact = contact or {}
    for candidate in (
        contact.get("user_id"),
        message.get("from_user_id"),
        contact.get("wa_id"),
        message.get("from"),
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def _status_citizen_key(status: dict[str, Any]) -> str | None:
    for candidate in (status.get("recipient_user_id"), status.get("recipient_id")):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def _digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- parse


def parse_event(data: Any) -> InboundMessage | StatusUpdate | list[ProviderError]:
    """Turn one :class:`RawEvent` ``data`` mini-envelope into typed objects.

    Returns an :class:`InboundMessage` for ``messages``, a :class:`StatusUpdate` for
    ``statuses`` and a list of :class:`ProviderError` for value-level ``errors``.
    """
    data = _dict(data, "event")
    contacts = [
        _dict(c, f"contacts[{i}]")
        for i, c in enumerate(_optional_list(data.get("contacts"), "contacts"))
    ]
    present = [name for name in ("messages", "statuses", "errors") if name in data]
    if len(present) != 1:
        raise MalformedPayload(f"expected one of messages/statuses/errors, found {present}")
    items = _list(data[present[0]], present[0])
    if len(items) != 1:
        raise MalformedPayload(f"{present[0]} must hold exactly one item, found {len(items)}")
    item = _dict(items[0], f"{present[0]}[0]")
    if present[0] == "messages":
        return parse_message(item, contacts[0] if contacts else None)
    if present[0] == "statuses":
        return parse_status(item)
    return [parse_error(item, "errors[0]")]


def parse_message(message: dict[str, Any], contact: dict[str, Any] | None) -> InboundMessage:
    """One ``messages[]`` object (with its ``contacts[]`` entry, if Meta sent one)."""
    where = "messages[0]"
    message_id = _str(message, "id", where)
    timestamp = _timestamp(message.get("timestamp"), f"{where}.timestamp")
    kind_name = _str(message, "type", where)
    citizen = _citizen(message, contact)
    context = message.get("context")
    context_id = None
    if context is not None:
        context_id = _opt_str(_dict(context, f"{where}.context"), "id", f"{where}.context")
    errors = tuple(
        parse_error(e, f"{where}.errors[{i}]")
        for i, e in enumerate(_optional_list(message.get("errors"), f"{where}.errors"))
    )
    common: dict[str, Any] = {
        "message_id": message_id,
        "citizen": citizen,
        "timestamp": timestamp,
        "context_id": context_id,
        "errors": errors,
    }
    parser = _MESSAGE_PARSERS.get(kind_name)
    if parser is None:  # unsupported, unknown, and types we do not handle (order, system…)
        return InboundMessage(kind=MessageKind.UNSUPPORTED, **common)
    return InboundMessage(**common, **parser(message, where))


def _citizen(message: dict[str, Any], contact: dict[str, Any] | None) -> Citizen:
    where = "contacts[0]"
    contact_user_id = _opt_str(contact, "user_id", where) if contact else None
    contact_wa_id = _opt_str(contact, "wa_id", where) if contact else None
    from_user_id = _opt_str(message, "from_user_id", "messages[0]")
    from_wa_id = _opt_str(message, "from", "messages[0]")
    user_id = contact_user_id or from_user_id
    wa_id = contact_wa_id or from_wa_id
    key = user_id or wa_id
    if not key:
        raise MalformedPayload("message has no sender: no user_id, from_user_id, wa_id or from")
    return Citizen(key=key, channel=Channel.WHATSAPP, user_id=user_id, wa_id=wa_id)


def _parse_text(message: dict[str, Any], where: str) -> dict[str, Any]:
    text = _dict(message.get("text"), f"{where}.text")
    return {"kind": MessageKind.TEXT, "text": _str(text, "body", f"{where}.text", allow_empty=True)}


def _parse_interactive(message: dict[str, Any], where: str) -> dict[str, Any]:
    where = f"{where}.interactive"
    interactive = _dict(message.get("interactive"), where)
    subtype = _str(interactive, "type", where)
    if subtype == "button_reply":
        reply = _dict(interactive.get("button_reply"), f"{where}.button_reply")
        return {
            "kind": MessageKind.BUTTON_REPLY,
            "reply_id": _str(reply, "id", f"{where}.button_reply"),
            "text": _str(reply, "title", f"{where}.button_reply", allow_empty=True),
        }
    if subtype == "list_reply":
        reply = _dict(interactive.get("list_reply"), f"{where}.list_reply")
        _opt_str(reply, "description", f"{where}.list_reply")
        return {
            "kind": MessageKind.LIST_REPLY,
            "reply_id": _str(reply, "id", f"{where}.list_reply"),
            "text": _str(reply, "title", f"{where}.list_reply", allow_empty=True),
        }
    if subtype == "nfm_reply":
        reply = _dict(interactive.get("nfm_reply"), f"{where}.nfm_reply")
        raw = _str(reply, "response_json", f"{where}.nfm_reply")
        try:
            response = json.loads(raw)
        except ValueError as exc:
            raise MalformedPayload(f"{where}.nfm_reply.response_json is not JSON") from exc
        response = _dict(response, f"{where}.nfm_reply.response_json")
        token = response.get("flow_token")
        return {
            "kind": MessageKind.FLOW_REPLY,
            "text": _opt_str(reply, "body", f"{where}.nfm_reply"),
            "reply_id": token if isinstance(token, str) else None,
            "flow_response": response,
        }
    return {"kind": MessageKind.UNSUPPORTED}


def _parse_template_button(message: dict[str, Any], where: str) -> dict[str, Any]:
    button = _dict(message.get("button"), f"{where}.button")
    return {
        "kind": MessageKind.TEMPLATE_BUTTON,
        "reply_id": _str(button, "payload", f"{where}.button", allow_empty=True),
        "text": _str(button, "text", f"{where}.button", allow_empty=True),
    }


def _media_parser(kind: MessageKind) -> _Parser:
    def parse(message: dict[str, Any], where: str) -> dict[str, Any]:
        where = f"{where}.{kind.value}"
        media = _dict(message.get(kind.value), where)
        voice = media.get("voice", False)
        if not isinstance(voice, bool):
            raise MalformedPayload(f"{where}.voice must be a boolean")
        return {
            "kind": kind,
            "text": _opt_str(media, "caption", where),
            "media": Media(
                media_id=_str(media, "id", where),
                mime_type=_opt_str(media, "mime_type", where) or "",
                sha256=_opt_str(media, "sha256", where),
                filename=_opt_str(media, "filename", where),
                voice=voice,
            ),
        }

    return parse


def _parse_location(message: dict[str, Any], where: str) -> dict[str, Any]:
    where = f"{where}.location"
    location = _dict(message.get("location"), where)
    return {
        "kind": MessageKind.LOCATION,
        "location": Location(
            latitude=_coordinate(location.get("latitude"), f"{where}.latitude", 90.0),
            longitude=_coordinate(location.get("longitude"), f"{where}.longitude", 180.0),
            name=_opt_str(location, "name", where),
            address=_opt_str(location, "address", where),
        ),
    }


def _parse_contacts(message: dict[str, Any], where: str) -> dict[str, Any]:
    shared = []
    for i, card in enumerate(_list(message.get("contacts"), f"{where}.contacts")):
        at = f"{where}.contacts[{i}]"
        card = _dict(card, at)
        name = _dict(card.get("name"), f"{at}.name")
        formatted = _opt_str(name, "formatted_name", f"{at}.name")
        if not formatted:
            parts = [_opt_str(name, part, f"{at}.name") for part in ("first_name", "last_name")]
            formatted = " ".join(p for p in parts if p)
        phones = []
        for j, phone in enumerate(_optional_list(card.get("phones"), f"{at}.phones")):
            phone = _dict(phone, f"{at}.phones[{j}]")
            number = _opt_str(phone, "phone", f"{at}.phones[{j}]")
            number = number or _opt_str(phone, "wa_id", f"{at}.phones[{j}]")
            if number:
                phones.append(number)
        shared.append(SharedContact(name=formatted, phones=tuple(phones)))
    return {"kind": MessageKind.CONTACTS, "contacts": tuple(shared)}


def _parse_reaction(message: dict[str, Any], where: str) -> dict[str, Any]:
    where = f"{where}.reaction"
    reaction = _dict(message.get("reaction"), where)
    emoji = _opt_str(reaction, "emoji", where)
    return {
        "kind": MessageKind.REACTION,
        "reaction_to": _str(reaction, "message_id", where),
        "text": emoji or None,  # "" or no emoji: the citizen removed their reaction
    }


_MESSAGE_PARSERS: dict[str, _Parser] = {
    "text": _parse_text,
    "interactive": _parse_interactive,
    "button": _parse_template_button,
    "image": _media_parser(MessageKind.IMAGE),
    "document": _media_parser(MessageKind.DOCUMENT),
    "audio": _media_parser(MessageKind.AUDIO),
    "video": _media_parser(MessageKind.VIDEO),
    "sticker": _media_parser(MessageKind.STICKER),
    "location": _parse_location,
    "contacts": _parse_contacts,
    "reaction": _parse_reaction,
}


def parse_status(status: dict[str, Any]) -> StatusUpdate:
    """One ``statuses[]`` object: a delivery receipt for a message we sent."""
    where = "statuses[0]"
    state = _str(status, "status", where)
    try:
        delivery = DeliveryStatus(state)
    except ValueError as exc:
        raise MalformedPayload(f"{where}.status {state!r} is not a delivery status") from exc
    user_id = _opt_str(status, "recipient_user_id", where)
    wa_id = _opt_str(status, "recipient_id", where)
    recipient = user_id or wa_id
    errors = tuple(
        parse_error(e, f"{where}.errors[{i}]")
        for i, e in enumerate(_optional_list(status.get("errors"), f"{where}.errors"))
    )
    return StatusUpdate(
        message_id=_str(status, "id", where),
        status=delivery,
        timestamp=_timestamp(status.get("timestamp"), f"{where}.timestamp"),
        recipient=recipient,
        errors=errors,
    )


def parse_error(error: Any, where: str = "error") -> ProviderError:
    """One Cloud API error object (``errors[]`` in values, messages and statuses)."""
    error = _dict(error, where)
    code = error.get("code")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        raise MalformedPayload(f"{where}.code must be an integer")
    error_data = error.get("error_data")
    details = None
    if error_data is not None:
        details = _opt_str(_dict(error_data, f"{where}.error_data"), "details", where)
    return ProviderError(
        code=code,
        title=_opt_str(error, "title", where) or "",
        message=_opt_str(error, "message", where) or "",
        details=details or "",
    )


# --------------------------------------------------------------------------- helpers


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where} must be an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedPayload(f"{where} must be an array, got {type(value).__name__}")
    return value


def _optional_list(value: Any, where: str) -> list[Any]:
    return [] if value is None else _list(value, where)


def _str(container: dict[str, Any], key: str, where: str, *, allow_empty: bool = False) -> str:
    value = container.get(key)
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}.{key} must be a string, got {type(value).__name__}")
    if not value and not allow_empty:
        raise MalformedPayload(f"{where}.{key} must not be empty")
    return value


def _opt_str(container: dict[str, Any], key: str, where: str) -> str | None:
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}.{key} must be a string, got {type(value).__name__}")
    return value


def _timestamp(value: Any, where: str) -> datetime:
    """Unix seconds, sent by Meta as a string ("1749416383"); a bare integer is accepted too."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        seconds = int(value)
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        seconds = value
    else:
        raise MalformedPayload(f"{where} must be unix seconds as a string, got {value!r}")
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedPayload(f"{where} is out of range: {value!r}") from exc


def _coordinate(value: Any, where: str, bound: float) -> float:
    """Numbers in current payloads, strings in Meta's older samples; both accepted."""
    if isinstance(value, bool):
        raise MalformedPayload(f"{where} must be a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError as exc:
            raise MalformedPayload(f"{where} must be a number, got {value!r}") from exc
    else:
        raise MalformedPayload(f"{where} must be a number, got {type(value).__name__}")
    if not math.isfinite(number) or abs(number) > bound:
        raise MalformedPayload(f"{where} is out of range: {value!r}")
    return number
