"""The shared payload builders produce what the parser (and Meta's shapes) expect."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sevadwar.channels.base import DeliveryStatus, InboundMessage, MessageKind, StatusUpdate
from sevadwar.channels.whatsapp.payloads import parse_event, split_events
from sevadwar.fakes import whatsapp_payloads as wp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
USER = wp.WaUser()
AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def parsed(message: dict[str, Any], user: wp.WaUser = USER) -> InboundMessage:
    (event,) = split_events(wp.inbound_webhook(user, message))
    assert event.key == f"msg:{message['id']}"
    result = parse_event(event.data)
    assert isinstance(result, InboundMessage)
    return result


def fixture_message(name: str) -> dict[str, Any]:
    body = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    message: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


@pytest.mark.parametrize(
    ("name", "built"),
    [
        ("text", wp.text_message(USER, "hi", at=AT)),
        ("button_reply", wp.button_reply_message(USER, "a", "A", context_id="wamid.X")),
        ("list_reply", wp.list_reply_message(USER, "a", "A", "d", context_id="wamid.X")),
        ("nfm_reply", wp.nfm_reply_message(USER, {"flow_token": "t"}, context_id="wamid.X")),
        ("template_button", wp.template_button_message(USER, "p", "T", context_id="wamid.X")),
        (
            "audio_voice",
            wp.media_message(USER, "audio", "1", mime_type="audio/ogg", sha256="s", voice=True),
        ),
        (
            "video",
            wp.media_message(USER, "video", "1", mime_type="video/mp4", sha256="s", caption="c"),
        ),
        ("reaction", wp.reaction_message(USER, "wamid.X", "🙏")),
        ("unsupported", wp.unsupported_message(USER)),
    ],
)
def test_builders_match_the_golden_shapes(name: str, built: dict[str, Any]) -> None:
    golden = fixture_message(name)
    assert set(built) == set(golden)
    kind = golden["type"]
    if isinstance(golden.get(kind), dict):
        assert set(built[kind]) <= set(golden[kind]) | {"url"}


def test_every_kind_round_trips_through_the_parser() -> None:
    assert parsed(wp.text_message(USER, "नमस्ते", at=AT)).timestamp == AT
    assert parsed(wp.button_reply_message(USER, "yes", "Yes")).reply_id == "yes"
    assert parsed(wp.list_reply_message(USER, "svc", "Svc")).kind is MessageKind.LIST_REPLY
    assert parsed(wp.nfm_reply_message(USER, {"a": 1})).flow_response == {"a": 1}
    assert parsed(wp.template_button_message(USER, "p", "T")).reply_id == "p"
    image = parsed(
        wp.media_message(
            USER, "image", "9", mime_type="image/jpeg", sha256="x", url="https://l.test/x"
        )
    )
    assert image.media is not None
    assert image.media.media_id == "9"
    sticker = parsed(wp.media_message(USER, "sticker", "8", mime_type="image/webp", sha256="x"))
    assert sticker.kind is MessageKind.STICKER
    place = parsed(wp.location_message(USER, 28.6, 77.2, name="Home", address="Delhi"))
    assert place.location is not None
    assert place.location.address == "Delhi"
    cards = parsed(wp.contacts_message(USER, [("Suresh Sharma", "+919811144455")]))
    assert [(c.name, c.phones) for c in cards.contacts] == [("Suresh Sharma", ("+919811144455",))]
    assert parsed(wp.reaction_message(USER, "wamid.X", None)).text is None
    unsupported = parsed(wp.unsupported_message(USER))
    assert unsupported.kind is MessageKind.UNSUPPORTED
    assert unsupported.errors[0].code == 131051


def test_username_user_has_no_phone_number_anywhere() -> None:
    user = wp.WaUser(wa_id=None, user_id="IN.1", name="dilli_wali")
    message = wp.text_message(user, "hi")
    assert "from" not in message
    assert "wa_id" not in user.contact()
    assert parsed(message, user).citizen.key == "IN.1"


def test_user_key_needs_an_identity() -> None:
    assert wp.WaUser(wa_id="91", user_id=None).key == "91"
    with pytest.raises(ValueError, match="wa_id or a user_id"):
        _ = wp.WaUser(wa_id=None, user_id=None).key


def test_status_builders_and_merge() -> None:
    failed = wp.status_object(
        "wamid.O",
        "failed",
        USER,
        at=AT,
        pricing_info=wp.pricing(),
        errors=[wp.error_object(131026, "Message undeliverable")],
    )
    assert "pricing" not in failed  # failed messages are not priced
    sent = wp.status_object(
        "wamid.O", "sent", USER, at=AT, pricing_info=wp.pricing("utility", "regular")
    )
    body = wp.merge(wp.status_webhook(USER, [sent]), wp.status_webhook(USER, [failed]))
    assert len(body["entry"]) == 2
    events = [parse_event(e.data) for e in split_events(body)]
    assert all(isinstance(e, StatusUpdate) for e in events)
    assert [e.status for e in events if isinstance(e, StatusUpdate)] == [
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
    ]
    assert sent["pricing"]["billable"] is True


def test_media_kind_is_checked_and_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="media kind"):
        wp.media_message(USER, "gif", "1", mime_type="image/gif", sha256="x")
    with pytest.raises(ValueError, match="naive"):
        wp.unix(datetime(2026, 1, 1))


def test_wamids_are_unique_and_encode_is_compact_utf8() -> None:
    assert len({wp.new_wamid() for _ in range(100)}) == 100
    assert wp.encode({"t": "नमस्ते"}) == '{"t":"नमस्ते"}'.encode()
    assert wp.encode({"t": "न"}, ascii_only=True) == b'{"t":"\\u0928"}'
