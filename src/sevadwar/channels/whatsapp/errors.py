"""Graph API errors: parse the synchronous error envelope and sort codes into what to do next.

Meta asks integrators to "build your app's error handling logic around ``code`` values and
``details``" (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
The envelope (``reference/whatsapp-cloud-api.md`` §4.2)::

    {"error": {"message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
               "type": "OAuthException", "code": 131056,
               "error_data": {"messaging_product": "whatsapp", "details": "..."},
               "error_subcode": 2494055, "fbtrace_id": "A4O5a8RAgePwbcGSu"}}

The classes drive the outbox (§5.1, §5.2, §6):

* THROTTLED: back off and retry the same message later (throughput, pair rate, spam rate).
* OUTSIDE_WINDOW: the 24-hour customer service window is closed; only a template can go out.
* RETRYABLE: Meta had a transient problem; retry with backoff.
* PERMANENT: retrying the same request will fail the same way; fail it and tell someone.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any


class ErrorClass(StrEnum):
    THROTTLED = "throttled"
    OUTSIDE_WINDOW = "outside_window"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


_THROTTLED = frozenset(
    {
        4,  # application request limit reached
        17,  # user request limit reached
        32,  # page-level request limit
        613,  # calls within one hour exceed the rate limit
        80007,  # WhatsApp Business Account rate limit
        130429,  # Cloud API throughput reached
        131048,  # spam rate limit hit
        131056,  # (business, consumer) pair rate limit hit
        131057,  # account in maintenance mode (throughput upgrade, up to a minute)
        133016,  # register/deregister rate limit
    }
)
_OUTSIDE_WINDOW = frozenset(
    {
        131047,  # re-engagement message: more than 24 hours since the user last wrote
        470,  # the On-Premises API's code for the same condition
    }
)
_RETRYABLE = frozenset(
    {
        1,  # API unknown
        2,  # API service (temporarily unavailable)
        131000,  # something went wrong
        131016,  # service unavailable
        133004,  # server temporarily unavailable
    }
)


def classify(code: int) -> ErrorClass:
    """What to do about a Graph / Cloud API error code (sync response or ``statuses[].errors``)."""
    if code in _THROTTLED:
        return ErrorClass.THROTTLED
    if code in _OUTSIDE_WINDOW:
        return ErrorClass.OUTSIDE_WINDOW
    if code in _RETRYABLE:
        return ErrorClass.RETRYABLE
    return ErrorClass.PERMANENT


def classify_http_status(http_status: int) -> ErrorClass:
    """The class for a response without a usable Graph error code (proxy pages, outages)."""
    if http_status == 429:
        return ErrorClass.THROTTLED
    if http_status >= 500 or http_status in (408, 409, 425):
        return ErrorClass.RETRYABLE
    return ErrorClass.PERMANENT


class GraphError(Exception):
    """A failed Graph API call. ``code`` is 0 when the body carried no Graph error."""

    def __init__(
        self,
        *,
        code: int,
        title: str = "",
        message: str = "",
        details: str = "",
        http_status: int = 0,
        error_class: ErrorClass | None = None,
        subcode: int | None = None,
        fbtrace_id: str | None = None,
    ) -> None:
        self.code = code
        self.title = title
        self.message = message
        self.details = details
        self.http_status = http_status
        self.subcode = subcode
        self.fbtrace_id = fbtrace_id
        if error_class is None:
            error_class = classify(code) if code else classify_http_status(http_status)
        self.error_class = error_class
        super().__init__(f"Graph API error {code} (HTTP {http_status}): {message or title}")

    @property
    def retryable(self) -> bool:
        """True when sending the same request again later can succeed."""
        return self.error_class in (ErrorClass.THROTTLED, ErrorClass.RETRYABLE)


_CODE_PREFIX = re.compile(r"^\(#\d+\)\s*")


def parse_graph_error(status_code: int, json_body: Any) -> GraphError:
    """Build a :class:`GraphError` from an HTTP status and the decoded JSON body (any shape).

    ``code`` may arrive as a number or, through some relays, as a numeric string. A body that is
    not a Graph error envelope falls back to classifying by HTTP status. ``is_transient: true``
    turns an otherwise permanent code into a retryable one.
    """
    error = json_body.get("error") if isinstance(json_body, dict) else None
    if not isinstance(error, dict):
        return GraphError(code=0, message=_short(json_body), http_status=status_code)
    code = _as_int(error.get("code"))
    message = _as_str(error.get("message"))
    error_data = error.get("error_data")
    details = _as_str(error_data.get("details")) if isinstance(error_data, dict) else ""
    title = _as_str(error.get("error_user_title")) or _CODE_PREFIX.sub("", message)
    subcode = _as_int(error.get("error_subcode")) or None
    fbtrace = error.get("fbtrace_id")
    error_class = classify(code) if code else classify_http_status(status_code)
    if error_class is ErrorClass.PERMANENT and error.get("is_transient") is True:
        error_class = ErrorClass.RETRYABLE
    return GraphError(
        code=code,
        title=title,
        message=message,
        details=details,
        http_status=status_code,
        error_class=error_class,
        subcode=subcode,
        fbtrace_id=fbtrace if isinstance(fbtrace, str) else None,
    )


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


def _as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else repr(body)
    return text[:200]
