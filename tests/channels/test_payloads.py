"""Webhook parsing: golden payloads (tests/fixtures/whatsapp) and malformed variations."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sevadwar.channels.base import (
    Channel,
    DeliveryStatus,
    InboundMessage,
    Location,
    MessageKind,
    ProviderError,
    StatusUpdate,
)
from sevadwar.channels.whatsapp.payloads import (
    MalformedPayload,
    RawEvent,
    parse_event,
    split_events,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
PRIYA_WA_ID = "919876543210"
PRIYA_USER_ID = "IN.13491208655302741918"
OUT_ID = "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSNzExOTI1QTkxNzA5OUFFRTNGAA=="


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return body


def only_event(name: str) -> RawEvent:
    events = split_events(load(name))
    assert len(events) == 1, events
    return events[0]


def message(name: str) -> InboundMessage:
    parsed = parse_event(only_event(name).data)
    assert isinstance(parsed, InboundMessage)
    return parsed


def status(name: str) -> StatusUpdate:
    parsed = parse_event(only_event(name).data)
    assert isinstance(parsed, StatusUpdate)
    return parsed


# --------------------------------------------------------------------------- golden payloads

EXPECTED_FIXTURES = {
    "text",
    "text_hindi_emoji",
    "button_reply",
    "list_reply",
    "nfm_reply",
    "template_button",
    "image",
    "document",
    "audio_voice",
    "video",
    "sticker",
    "location",
    "contacts",
    "reaction",
    "unsupported",
    "status_sent",
    "status_delivered",
    "status_read",
    "status_failed",
    "batch",
    "no_user_id",
    "username_only",
    "account_update",
}


def test_every_fixture_is_covered_here() -> None:
    assert {p.stem for p in FIXTURES.glob("*.json")} == EXPECTED_FIXTURES


@pytest.mark.parametrize("name", sorted(EXPECTED_FIXTURES - {"account_update"}))
def test_every_event_parses_and_its_data_is_self_contained(name: str) -> None:
    for event in split_events(load(name)):
        assert event.data["metadata"]["phone_number_id"] == "106540352242922"
        # The stored mini-envelope survives a JSON round trip (the inbox stores JSON).
        assert parse_event(json.loads(json.dumps(event.data))) == parse_event(event.data)


def test_text() -> None:
    event = only_event("text")
    assert event.kind == "message"
    assert event.key == "msg:wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUM0E0QTY1OTlBRUUwMzgxMDE0NEYA"
    assert event.citizen_key == PRIYA_USER_ID
    parsed = message("text")
    assert parsed.kind is MessageKind.TEXT
    assert parsed.text == "I want to apply for an income certificate"
    assert parsed.message_id == "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUM0E0QTY1OTlBRUUwMzgxMDE0NEYA"
    assert parsed.timestamp == datetime(2026, 11, 28, 9, 33, 3, tzinfo=UTC)
    assert parsed.timestamp.tzinfo is UTC
    citizen = parsed.citizen
    assert (citizen.key, citizen.user_id, citizen.wa_id) == (
        PRIYA_USER_ID,
        PRIYA_USER_ID,
        PRIYA_WA_ID,
    )
    assert citizen.channel is Channel.WHATSAPP
    assert parsed.context_id is None
    assert parsed.errors == ()


def test_text_in_hindi_with_emoji_is_kept_exactly() -> None:
    assert message("text_hindi_emoji").text == "नमस्ते 🙏 मुझे आय प्रमाण पत्र चाहिए। क्या फीस लगेगी? 👍🏽"


def test_button_reply() -> None:
    parsed = message("button_reply")
    assert parsed.kind is MessageKind.BUTTON_REPLY
    assert parsed.reply_id == "consent:yes"
    assert parsed.text == "हाँ, सहमत हूँ"
    assert parsed.context_id == "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSMDI4NEZDMThDMjJDREFBRUQ4AA=="


def test_list_reply() -> None:
    parsed = message("list_reply")
    assert parsed.kind is MessageKind.LIST_REPLY
    assert parsed.reply_id == "svc:income-certificate"
    assert parsed.text == "Income Certificate"


def test_nfm_reply_parses_the_nested_json_string() -> None:
    parsed = message("nfm_reply")
    assert parsed.kind is MessageKind.FLOW_REPLY
    assert parsed.flow_response == {
        "flow_token": "APP-2026-000123",
        "applicant_name": "Priya Sharma",
        "annual_income": "240000",
        "district": "South West",
    }
    assert parsed.reply_id == "APP-2026-000123"
    assert parsed.text == "Sent"


def test_template_quick_reply_button() -> None:
    parsed = message("template_button")
    assert parsed.kind is MessageKind.TEMPLATE_BUTTON
    assert parsed.reply_id == "status:DL-REV-2026-000123"
    assert parsed.text == "Check status"
    assert parsed.context_id == "wamid.gBGGFlCGg0cvAgkLFm4e9tICiTI"


def test_image() -> None:
    parsed = message("image")
    assert parsed.kind is MessageKind.IMAGE
    assert parsed.text == "Aadhaar card front"
    assert parsed.media is not None
    assert parsed.media.media_id == "2754859441498128"
    assert parsed.media.mime_type == "image/jpeg"
    assert parsed.media.sha256 == "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3"
    assert parsed.media.voice is False


def test_document_keeps_filename_and_tolerates_forwarded_context() -> None:
    parsed = message("document")
    assert parsed.kind is MessageKind.DOCUMENT
    assert parsed.media is not None
    assert parsed.media.filename == "salary_slip_oct_2026.pdf"
    assert parsed.media.mime_type == "application/pdf"
    assert parsed.text == "Salary slip"
    assert parsed.context_id is None  # {"forwarded": true} has no id


def test_voice_note() -> None:
    parsed = message("audio_voice")
    assert parsed.kind is MessageKind.AUDIO
    assert parsed.media is not None
    assert parsed.media.voice is True
    assert parsed.media.mime_type == "audio/ogg; codecs=opus"
    assert parsed.text is None


def test_video() -> None:
    parsed = message("video")
    assert parsed.kind is MessageKind.VIDEO
    assert parsed.media is not None
    assert parsed.media.media_id == "765756756"
    assert parsed.text == "Water leakage near meter"


def test_sticker() -> None:
    parsed = message("sticker")
    assert parsed.kind is MessageKind.STICKER
    assert parsed.media is not None
    assert parsed.media.mime_type == "image/webp"


def test_location() -> None:
    parsed = message("location")
    assert parsed.kind is MessageKind.LOCATION
    assert parsed.location == Location(
        latitude=28.6289206,
        longitude=77.2065322,
        name="Delhi Secretariat",
        address="IP Estate, New Delhi, Delhi 110002",
    )


def test_shared_contacts() -> None:
    parsed = message("contacts")
    assert parsed.kind is MessageKind.CONTACTS
    assert [(c.name, c.phones) for c in parsed.contacts] == [
        ("Suresh Sharma", ("+91 98111 44455", "+91 11 2345 6789")),
        ("Meena Devi", ("919822233344",)),  # no formatted_name, no phone: built from parts
    ]


def test_reaction() -> None:
    parsed = message("reaction")
    assert parsed.kind is MessageKind.REACTION
    assert parsed.reaction_to == "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQUJDREVGMDEyMzQ1Njc4OQA="
    assert parsed.text == "🙏"


def test_unsupported_keeps_its_errors() -> None:
    parsed = message("unsupported")
    assert parsed.kind is MessageKind.UNSUPPORTED
    assert parsed.errors == (
        ProviderError(
            code=131051,
            title="Message type unknown",
            message="Message type unknown",
            details="Message type is currently not supported.",
        ),
    )


@pytest.mark.parametrize(
    ("name", "state", "timestamp"),
    [
        ("status_sent", DeliveryStatus.SENT, 1795858800),
        ("status_delivered", DeliveryStatus.DELIVERED, 1795858801),
        ("status_read", DeliveryStatus.READ, 1795858830),
        ("status_failed", DeliveryStatus.FAILED, 1795858802),
    ],
)
def test_statuses(name: str, state: DeliveryStatus, timestamp: int) -> None:
    event = only_event(name)
    assert event.kind == "status"
    assert event.key == f"status:{OUT_ID}:{state.value}"
    assert event.citizen_key == PRIYA_USER_ID
    parsed = status(name)
    assert parsed.message_id == OUT_ID
    assert parsed.status is state
    assert parsed.timestamp == datetime.fromtimestamp(timestamp, UTC)
    assert parsed.recipient == PRIYA_USER_ID


def test_failed_status_keeps_errors() -> None:
    parsed = status("status_failed")
    assert [e.code for e in parsed.errors] == [131026]
    assert parsed.errors[0].title == "Message undeliverable"
    assert parsed.errors[0].details == "Message Undeliverable."


def test_batch_across_entries_in_payload_order() -> None:
    events = split_events(load("batch"))
    assert [(e.kind, e.citizen_key) for e in events] == [
        ("message", PRIYA_USER_ID),
        ("message", "IN.22018837461029384756"),
        ("status", PRIYA_USER_ID),
        ("status", "IN.22018837461029384756"),
        ("status", "IN.22018837461029384756"),
    ]
    assert len({e.key for e in events}) == len(events)
    # each message carries its own sender's contact, not its neighbour's
    rahul = parse_event(events[1].data)
    assert isinstance(rahul, InboundMessage)
    assert rahul.citizen.wa_id == "919811122233"
    assert events[1].data["contacts"][0]["profile"]["name"] == "राहुल कुमार"
    assert rahul.kind is MessageKind.BUTTON_REPLY
    assert rahul.reply_id == "lang:hi"
    parsed = [parse_event(e.data) for e in events[2:]]
    assert [p.status for p in parsed if isinstance(p, StatusUpdate)] == [
        DeliveryStatus.DELIVERED,
        DeliveryStatus.SENT,
        DeliveryStatus.READ,
    ]


def test_redelivered_body_gives_the_same_keys() -> None:
    first = [e.key for e in split_events(load("batch"))]
    assert first == [e.key for e in split_events(load("batch"))]


def test_legacy_payload_without_user_id_falls_back_to_wa_id() -> None:
    event = only_event("no_user_id")
    assert event.citizen_key == "919876500001"
    parsed = message("no_user_id")
    assert (parsed.citizen.key, parsed.citizen.user_id, parsed.citizen.wa_id) == (
        "919876500001",
        None,
        "919876500001",
    )


def test_username_user_without_phone_number() -> None:
    event = only_event("username_only")
    assert event.citizen_key == "IN.98765432109876543210"
    parsed = message("username_only")
    assert parsed.citizen.wa_id is None
    assert parsed.citizen.user_id == "IN.98765432109876543210"
    assert parsed.text == "hi"


def test_other_fields_are_ignored() -> None:
    assert split_events(load("account_update")) == []


# --------------------------------------------------------------------------- split_events


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": {}},
        {"object": "whatsapp_business_account", "entry": ["x"]},
        {"object": "whatsapp_business_account", "entry": [{"changes": "x"}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]},
    ],
)
def test_not_an_envelope_raises(body: Any) -> None:
    with pytest.raises(MalformedPayload):
        split_events(body)


def value_of(body: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = body["entry"][0]["changes"][0]["value"]
    return value


def test_messages_that_is_not_a_list_raises() -> None:
    body = load("text")
    value_of(body)["messages"] = {"id": "x"}
    with pytest.raises(MalformedPayload):
        split_events(body)


def test_message_without_id_is_still_stored_under_a_content_key() -> None:
    body = load("text")
    del value_of(body)["messages"][0]["id"]
    (event,) = split_events(body)
    assert event.key.startswith("msg:sha256:")
    with pytest.raises(MalformedPayload, match="id"):
        parse_event(event.data)


def test_payment_and_played_statuses_are_not_delivery_receipts() -> None:
    body = load("status_sent")
    statuses = value_of(body)["statuses"]
    statuses.append(
        {
            "id": "wamid.PAY",
            "from": PRIYA_WA_ID,
            "type": "payment",
            "status": "captured",
            "payment": {"reference_id": "ref-1"},
            "timestamp": "1795858800",
        }
    )
    statuses.append({**statuses[0], "status": "played"})
    assert [e.key for e in split_events(body)] == [f"status:{OUT_ID}:sent"]


def test_value_level_errors_become_error_events() -> None:
    error = {
        "code": 131000,
        "title": "Something went wrong",
        "message": "Something went wrong",
        "error_data": {"details": "Unknown error"},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
    body = load("account_update")
    body["entry"][0]["changes"] = [
        {
            "field": "messages",
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "911123456789", "phone_number_id": "1065"},
                "errors": [error],
            },
        }
    ]
    (event,) = split_events(body)
    assert event.kind == "error"
    assert event.citizen_key is None
    assert event.key.startswith("error:")
    assert len(event.key) == len("error:") + 64
    assert split_events(copy.deepcopy(body))[0].key == event.key  # redelivery dedupes
    assert parse_event(event.data) == [
        ProviderError(131000, "Something went wrong", "Something went wrong", "Unknown error")
    ]


# --------------------------------------------------------------------------- parse_event


def message_data(name: str = "text") -> dict[str, Any]:
    return copy.deepcopy(only_event(name).data)


def msg(data: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = data["messages"][0]
    return item


def test_extra_keys_are_tolerated() -> None:
    data = message_data()
    data["future"] = {"x": 1}
    msg(data)["referral"] = {"source_type": "ad"}
    msg(data)["text"]["new_field"] = True
    assert parse_event(data).text == "I want to apply for an income certificate"  # type: ignore[union-attr]


def test_text_reply_to_a_business_message_has_context() -> None:
    data = message_data()
    msg(data)["context"] = {"from": "911123456789", "id": "wamid.PREV"}
    parsed = parse_event(data)
    assert isinstance(parsed, InboundMessage)
    assert parsed.context_id == "wamid.PREV"


def test_string_coordinates_from_metas_older_sample() -> None:
    data = message_data("location")
    msg(data)["location"].update({"latitude": "28.61", "longitude": "77.20"})
    parsed = parse_event(data)
    assert isinstance(parsed, InboundMessage)
    assert parsed.location is not None
    assert (parsed.location.latitude, parsed.location.longitude) == (28.61, 77.20)


@pytest.mark.parametrize("reaction", [{"emoji": ""}, {}])
def test_unreaction(reaction: dict[str, str]) -> None:
    data = message_data("reaction")
    msg(data)["reaction"] = {"message_id": "wamid.X", **reaction}
    parsed = parse_event(data)
    assert isinstance(parsed, InboundMessage)
    assert parsed.kind is MessageKind.REACTION
    assert parsed.text is None
    assert parsed.reaction_to == "wamid.X"


@pytest.mark.parametrize("kind", ["unknown", "order", "system", "request_welcome"])
def test_types_we_do_not_handle_are_unsupported(kind: str) -> None:
    data = message_data()
    msg(data)["type"] = kind
    parsed = parse_event(data)
    assert isinstance(parsed, InboundMessage)
    assert parsed.kind is MessageKind.UNSUPPORTED


def test_unknown_interactive_reply_is_unsupported() -> None:
    data = message_data("button_reply")
    msg(data)["interactive"] = {"type": "call_permission_reply", "call_permission_reply": {}}
    parsed = parse_event(data)
    assert isinstance(parsed, InboundMessage)
    assert parsed.kind is MessageKind.UNSUPPORTED


def test_integer_timestamp_is_accepted() -> None:
    data = message_data()
    msg(data)["timestamp"] = 1795858383
    assert parse_event(data).timestamp == datetime(2026, 11, 28, 9, 33, 3, tzinfo=UTC)  # type: ignore[union-attr]


def test_string_error_code_from_relays_is_accepted() -> None:
    data = message_data("unsupported")
    msg(data)["errors"][0]["code"] = "131051"
    parsed = parse_event(data)
    assert isinstance(parsed, InboundMessage)
    assert parsed.errors[0].code == 131051


def _set(path: str, value: Any) -> Any:
    def change(item: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = item
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return change


_DELETE = object()

MALFORMED_MESSAGES = [
    ("text", _set("id", _DELETE)),
    ("text", _set("id", 12)),
    ("text", _set("id", "")),
    ("text", _set("timestamp", _DELETE)),
    ("text", _set("timestamp", "yesterday")),
    ("text", _set("timestamp", "-5")),
    ("text", _set("timestamp", True)),
    ("text", _set("timestamp", "99999999999999999999")),
    ("text", _set("type", _DELETE)),
    ("text", _set("text", _DELETE)),
    ("text", _set("text", "hello")),
    ("text", _set("text.body", None)),
    ("button_reply", _set("interactive", _DELETE)),
    ("button_reply", _set("interactive.type", _DELETE)),
    ("button_reply", _set("interactive.button_reply", _DELETE)),
    ("button_reply", _set("interactive.button_reply.id", _DELETE)),
    ("button_reply", _set("interactive.button_reply.title", 3)),
    ("list_reply", _set("interactive.list_reply.id", None)),
    ("list_reply", _set("interactive.list_reply.description", ["x"])),
    ("nfm_reply", _set("interactive.nfm_reply.response_json", "{not json")),
    ("nfm_reply", _set("interactive.nfm_reply.response_json", "[1, 2]")),
    ("nfm_reply", _set("interactive.nfm_reply.response_json", {"flow_token": "x"})),
    ("template_button", _set("button.payload", _DELETE)),
    ("image", _set("image.id", _DELETE)),
    ("image", _set("image.caption", 5)),
    ("document", _set("document.filename", 5)),
    ("audio_voice", _set("audio.voice", "yes")),
    ("location", _set("location.latitude", _DELETE)),
    ("location", _set("location.latitude", "north")),
    ("location", _set("location.latitude", 91.0)),
    ("location", _set("location.longitude", True)),
    ("location", _set("location.longitude", float("nan"))),
    ("contacts", _set("contacts", {"name": "x"})),
    ("contacts", _set("contacts", [{"phones": []}])),
    ("reaction", _set("reaction.message_id", _DELETE)),
    ("reaction", _set("reaction.emoji", 1)),
    ("unsupported", _set("errors", [{"title": "no code"}])),
    ("unsupported", _set("errors", [{"code": True}])),
    ("unsupported", _set("errors", "oops")),
    ("text", _set("context", "wamid.X")),
    ("text", _set("from_user_id", 7)),
    ("text", _set("from", ["919876543210"])),
]


@pytest.mark.parametrize(("name", "change"), MALFORMED_MESSAGES)
def test_malformed_messages_raise(name: str, change: Any) -> None:
    data = message_data(name)
    change(msg(data))
    with pytest.raises(MalformedPayload):
        parse_event(data)


def test_message_without_any_sender_identity_raises() -> None:
    data = message_data()
    data["contacts"] = []
    del msg(data)["from"]
    del msg(data)["from_user_id"]
    with pytest.raises(MalformedPayload, match="sender"):
        parse_event(data)


def test_mistyped_contact_raises() -> None:
    data = message_data()
    data["contacts"][0]["user_id"] = 42
    with pytest.raises(MalformedPayload):
        parse_event(data)


@pytest.mark.parametrize(
    "change",
    [
        _set("id", _DELETE),
        _set("status", _DELETE),
        _set("status", "deleted"),
        _set("timestamp", "later"),
        _set("recipient_id", 919876543210),
        _set("errors", [{"code": "x"}]),
    ],
)
def test_malformed_statuses_raise(change: Any) -> None:
    data = copy.deepcopy(only_event("status_failed").data)
    change(data["statuses"][0])
    with pytest.raises(MalformedPayload):
        parse_event(data)


def test_status_addressed_by_phone_only() -> None:
    data = copy.deepcopy(only_event("status_read").data)
    del data["statuses"][0]["recipient_user_id"]
    parsed = parse_event(data)
    assert isinstance(parsed, StatusUpdate)
    assert parsed.recipient == PRIYA_WA_ID


@pytest.mark.parametrize(
    "data",
    [
        None,
        "x",
        {},
        {"metadata": {}},
        {"messages": [], "metadata": {}},
        {"messages": [{}, {}]},
        {"messages": ["x"]},
        {"messages": [{"id": "a"}], "statuses": [{"id": "b"}]},
        {"errors": "x"},
        {"errors": [{"code": 1}], "contacts": "x"},
    ],
)
def test_malformed_envelopes_raise(data: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse_event(data)
