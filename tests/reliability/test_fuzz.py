"""Hostile input: signed random payloads never make the webhook fail; parsers never crash."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sevadwar.applications.reference import find_references, parse_reference
from sevadwar.catalogue.schema import FileType
from sevadwar.documents.inspect import inspect_upload
from sevadwar.documents.results import Accepted, Refused
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.nlu import entities
from sevadwar.runtime import Runtime
from support import drain, signed_post

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "object",
        "entry",
        "changes",
        "value",
        "messages",
        "statuses",
        "contacts",
        "id",
        "type",
        "from",
    ]
)


def mangled_webhook(draw: Any) -> dict[str, Any]:
    """A realistic envelope with random parts replaced by random JSON."""
    user = wp.WaUser(wa_id="919810012345", user_id="IN.1", name="x")
    body = wp.inbound_webhook(user, wp.text_message(user, draw(st.text(max_size=50))))
    value = body["entry"][0]["changes"][0]["value"]
    places = [
        body,
        body["entry"][0],
        value,
        value["messages"][0],
        value["contacts"][0],
    ]  # before any change
    for _ in range(draw(st.integers(0, 3))):
        draw(st.sampled_from(places))[draw(KEYS)] = draw(JSON)
    return body


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_signed_random_payloads_never_cause_a_server_error(
    client: TestClient, runtime: Runtime, data: Any
) -> None:
    shape = data.draw(st.sampled_from(["mangled", "json", "bytes"]))
    if shape == "mangled":
        raw = json.dumps(mangled_webhook(data.draw), ensure_ascii=False).encode()
    elif shape == "json":
        raw = json.dumps(data.draw(JSON)).encode()
    else:
        raw = data.draw(st.binary(max_size=200))
    response = signed_post(client, raw)
    assert response.status_code == 200  # stored, or quarantined: never 5xx
    drain(runtime)  # and the worker survives whatever was stored


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parsers_never_crash(text: str) -> None:
    today = date(2026, 11, 28)
    parsed = entities.parse_date(text, today)
    assert parsed is None or isinstance(parsed, date)
    assert entities.parse_yes_no(text) in (True, False, None)
    aadhaar = entities.parse_aadhaar(text)
    assert aadhaar is None or (len(aadhaar) == 12 and aadhaar.isdigit())
    reference = parse_reference(text)
    assert reference is None or reference in find_references(reference)
    entities.parse_amount(text)
    entities.parse_phone(text)


@settings(max_examples=80, deadline=None)
@given(
    st.binary(max_size=4096), st.sampled_from([None, "image/jpeg", "application/pdf", "text/plain"])
)
def test_upload_type_detection_never_crashes(data: bytes, declared: str | None) -> None:
    result = inspect_upload(
        data,
        declared_mime=declared,
        accept={FileType.PDF, FileType.JPEG, FileType.PNG},
        max_bytes=2048,
    )
    assert isinstance(result, Accepted | Refused)
    if isinstance(result, Refused):
        assert result.message("hi") and result.message("en")
