"""Graph API error envelopes the fake answers with (``reference/whatsapp-cloud-api.md`` §4.2, §5.2).

HTTP statuses per code are not published by Meta; the fake uses 400 for request problems, 401 for
tokens, 429 for throughput and 5xx for outages. Clients should decide on ``code``, never on the
HTTP status alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class _Known:
    http_status: int
    message: str
    details: str


KNOWN_ERRORS: dict[int, _Known] = {
    100: _Known(400, "(#100) Invalid parameter", "Invalid parameter"),
    190: _Known(
        401,
        "Error validating access token: Session has expired or the token is invalid.",
        "The access token is missing, invalid or expired.",
    ),
    2500: _Known(400, "Unknown path components", "Unsupported Graph API version or path."),
    130429: _Known(
        429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."
    ),
    131000: _Known(500, "(#131000) Something went wrong", "Something went wrong."),
    131008: _Known(
        400, "(#131008) Required parameter is missing", "A required parameter is missing."
    ),
    131009: _Known(
        400, "(#131009) Parameter value is not valid", "A parameter value is not valid."
    ),
    131016: _Known(503, "(#131016) Service unavailable", "A service is temporarily unavailable."),
    131026: _Known(
        400,
        "(#131026) Message undeliverable",
        "Unable to deliver the message: the recipient is not a WhatsApp user, has not accepted "
        "the latest Terms of Service, or uses an old WhatsApp version.",
    ),
    131047: _Known(
        400,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
    ),
    131053: _Known(400, "(#131053) Media upload error", "Unable to upload the media."),
    131056: _Known(
        400,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
    ),
    132000: _Known(
        400,
        "(#132000) Number of parameters does not match the expected number of params",
        "The number of body parameters does not match the template.",
    ),
    132001: _Known(
        404,
        "(#132001) Template name does not exist in the translation",
        "The template does not exist in this language.",
    ),
    132018: _Known(
        400,
        "(#132018) There was an issue with the parameters in your template.",
        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces.",
    ),
}


class GraphFault(Exception):
    """Raised inside the fake to answer with a Graph error envelope."""

    def __init__(
        self, code: int, details: str | None = None, *, http_status: int | None = None
    ) -> None:
        known = KNOWN_ERRORS.get(code)
        self.code = code
        self.message = known.message if known else f"(#{code}) Error"
        self.details = details if details is not None else (known.details if known else "")
        self.http_status = http_status or (known.http_status if known else 400)
        super().__init__(f"{self.message}: {self.details}")

    def body(self) -> dict[str, Any]:
        return error_envelope(self.code, self.message, self.details)


def error_envelope(code: int, message: str, details: str) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "A" + secrets.token_urlsafe(16),
    }
    if code == 190:
        error["error_subcode"] = 463
    return {"error": error}


def title_for(code: int) -> str:
    """A webhook ``errors[].title`` for ``code`` (the message without its ``(#code)`` prefix)."""
    known = KNOWN_ERRORS.get(code)
    if known is None:
        return "Error"
    return known.message.split(") ", 1)[1] if known.message.startswith("(#") else known.message
