"""Graph error envelopes and their classes (reference §4.2, §5.2)."""

from __future__ import annotations

from typing import Any

import pytest

from sevadwar.channels.whatsapp.errors import (
    ErrorClass,
    GraphError,
    classify,
    classify_http_status,
    parse_graph_error,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (130429, ErrorClass.THROTTLED),
        (131056, ErrorClass.THROTTLED),
        (80007, ErrorClass.THROTTLED),
        (4, ErrorClass.THROTTLED),
        (131048, ErrorClass.THROTTLED),
        (131047, ErrorClass.OUTSIDE_WINDOW),
        (470, ErrorClass.OUTSIDE_WINDOW),
        (131000, ErrorClass.RETRYABLE),
        (131016, ErrorClass.RETRYABLE),
        (1, ErrorClass.RETRYABLE),
        (2, ErrorClass.RETRYABLE),
        (131026, ErrorClass.PERMANENT),
        (132001, ErrorClass.PERMANENT),
        (100, ErrorClass.PERMANENT),
        (131051, ErrorClass.PERMANENT),
        (190, ErrorClass.PERMANENT),
        (131009, ErrorClass.PERMANENT),
        (999999, ErrorClass.PERMANENT),
    ],
)
def test_classify(code: int, expected: ErrorClass) -> None:
    assert classify(code) is expected


def test_pair_rate_envelope_as_meta_sends_it() -> None:
    body = {
        "error": {
            "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "type": "OAuthException",
            "code": 131056,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "Message failed to send because there were too many messages sent "
                "from this phone number to the same phone number in a short period of time.",
            },
            "fbtrace_id": "A4O5a8RAgePwbcGSu",
        }
    }
    error = parse_graph_error(400, body)
    assert isinstance(error, GraphError)
    assert error.code == 131056
    assert error.error_class is ErrorClass.THROTTLED
    assert error.retryable
    assert error.http_status == 400
    assert error.title == "(Business Account, Consumer Account) pair rate limit hit"
    assert error.message.startswith("(#131056)")
    assert error.details.startswith("Message failed to send")
    assert error.fbtrace_id == "A4O5a8RAgePwbcGSu"
    assert "131056" in str(error)


def test_code_as_string_from_relays() -> None:
    error = parse_graph_error(400, {"error": {"code": "131047", "message": "Re-engagement"}})
    assert error.code == 131047
    assert error.error_class is ErrorClass.OUTSIDE_WINDOW
    assert not error.retryable


def test_expired_token_is_permanent_with_subcode() -> None:
    body = {
        "error": {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        }
    }
    error = parse_graph_error(401, body)
    assert (error.code, error.subcode, error.error_class) == (190, 463, ErrorClass.PERMANENT)


def test_user_title_wins_over_message() -> None:
    body = {
        "error": {"code": 100, "message": "(#100) Invalid parameter", "error_user_title": "Bad"}
    }
    assert parse_graph_error(400, body).title == "Bad"


def test_is_transient_makes_a_permanent_code_retryable() -> None:
    body = {"error": {"code": 100, "message": "(#100) Temporary", "is_transient": True}}
    assert parse_graph_error(400, body).error_class is ErrorClass.RETRYABLE
    # but never downgrades a throttle into a plain retry
    body = {"error": {"code": 130429, "message": "Rate limit hit", "is_transient": True}}
    assert parse_graph_error(429, body).error_class is ErrorClass.THROTTLED


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (502, None, ErrorClass.RETRYABLE),
        (503, "<html>Service Unavailable</html>", ErrorClass.RETRYABLE),
        (500, {"unexpected": True}, ErrorClass.RETRYABLE),
        (429, {}, ErrorClass.THROTTLED),
        (408, {"error": "timeout"}, ErrorClass.RETRYABLE),
        (404, {"error": {"message": "no code"}}, ErrorClass.PERMANENT),
        (400, [], ErrorClass.PERMANENT),
    ],
)
def test_bodies_without_a_code_fall_back_to_http_status(
    status: int, body: Any, expected: ErrorClass
) -> None:
    error = parse_graph_error(status, body)
    assert error.code == 0
    assert error.error_class is expected
    assert error.http_status == status


def test_classify_http_status() -> None:
    assert classify_http_status(500) is ErrorClass.RETRYABLE
    assert classify_http_status(429) is ErrorClass.THROTTLED
    assert classify_http_status(403) is ErrorClass.PERMANENT


def test_graph_error_classifies_itself_when_no_class_given() -> None:
    assert GraphError(code=131056, http_status=400).error_class is ErrorClass.THROTTLED
    assert GraphError(code=0, http_status=503).error_class is ErrorClass.RETRYABLE
