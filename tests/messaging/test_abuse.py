"""Abuse: a flood from one number is not answered past a limit and does not delay anyone else."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sevadwar.conversation.service import FLOOD_LIMIT
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from support import drain, signed_post

FLOODER = wp.WaUser(wa_id="919800000001", user_id="IN.10000000000000000001", name="Flood")
NEIGHBOUR = wp.WaUser(wa_id="919800000002", user_id="IN.10000000000000000002", name="Calm")


def replies_to(runtime: Runtime, user: wp.WaUser) -> int:
    with transaction(runtime.sessions) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    OutboxMessage.citizen_key == user.user_id,
                    OutboxMessage.payload["kind"].as_string() != "read",
                )
            )
            or 0
        )


def test_a_flood_is_acknowledged_but_answered_only_up_to_the_limit(
    client: TestClient, runtime: Runtime
) -> None:
    flood = [wp.text_message(FLOODER, f"spam {i}") for i in range(FLOOD_LIMIT + 20)]
    body = wp.encode(wp.webhook(contacts=[FLOODER.contact()], messages=flood))
    assert signed_post(client, body).status_code == 200
    calm = wp.encode(wp.inbound_webhook(NEIGHBOUR, wp.text_message(NEIGHBOUR, "hi")))
    assert signed_post(client, calm).status_code == 200
    drain(runtime)
    with transaction(runtime.sessions) as session:
        states = set(session.scalars(select(InboxEvent.state)))
    assert states == {InboxState.DONE}  # nothing acknowledged is lost, even in a flood
    answered = replies_to(runtime, FLOODER)
    # onboarding replies for the first messages, then one "slow down" notice, then silence
    assert answered <= 2 * FLOOD_LIMIT + 1
    with transaction(runtime.sessions) as session:
        last = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.citizen_key == FLOODER.user_id)
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert last is not None
        assert "very fast" in str(last.payload) or "जल्दी-जल्दी" in str(last.payload)
    assert (
        replies_to(runtime, NEIGHBOUR) == 2
    )  # the neighbour got the welcome and the language choice


def test_very_long_and_unknown_messages_get_a_sensible_reply(
    client: TestClient, runtime: Runtime
) -> None:
    long_text = "मुझे आय प्रमाण पत्र चाहिए " * 2000  # ~50,000 characters
    body = wp.encode(wp.inbound_webhook(NEIGHBOUR, wp.text_message(NEIGHBOUR, long_text)))
    assert signed_post(client, body).status_code == 200
    unknown = wp.encode(wp.inbound_webhook(NEIGHBOUR, wp.unsupported_message(NEIGHBOUR)))
    assert signed_post(client, unknown).status_code == 200
    drain(runtime)
    with transaction(runtime.sessions) as session:
        assert set(session.scalars(select(InboxEvent.state))) == {InboxState.DONE}
    assert replies_to(runtime, NEIGHBOUR) >= 3
