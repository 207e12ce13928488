"""Sending through the Cloud API: ``POST /{phone-number-id}/messages`` with the bearer token.

The sender renders channel-neutral messages with ``render.py`` (which enforces Meta's limits)
and maps Graph errors to the sender's failure classes (``errors.py``).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from prometheus_client import Histogram

from sevadwar.channels.base import Outbound, ReadReceipt
from sevadwar.channels.sending import Failure, SendError
from sevadwar.channels.whatsapp.errors import ErrorClass, GraphError, parse_graph_error
from sevadwar.channels.whatsapp.render import Recipient, mark_read, render

SEND_LATENCY = Histogram(
    "sevadwar_whatsapp_send_seconds",
    "Time for one Graph API /messages call",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_FAILURE = {
    ErrorClass.THROTTLED: Failure.THROTTLED,
    ErrorClass.OUTSIDE_WINDOW: Failure.OUTSIDE_WINDOW,
    ErrorClass.RETRYABLE: Failure.RETRYABLE,
    ErrorClass.PERMANENT: Failure.PERMANENT,
}


class WhatsAppSender:
    channel = "whatsapp"

    def __init__(self, http: httpx.Client, *, phone_number_id: str, token: str) -> None:
        self._http = (
            http  # base_url = the Graph API version root, e.g. https://graph.facebook.com/v24.0
        )
        self._path = f"{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            response = self._http.post(self._path, json=body, headers=self._headers)
        except httpx.TimeoutException as exc:
            raise SendError(Failure.RETRYABLE, f"timeout: {exc}") from exc
        except httpx.TransportError as exc:
            raise SendError(Failure.RETRYABLE, f"transport: {exc}") from exc
        finally:
            SEND_LATENCY.observe(time.perf_counter() - started)
        try:
            data: Any = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, dict):
            error: GraphError = parse_graph_error(response.status_code, data)
            raise SendError(_FAILURE[error.error_class], str(error), code=error.code or None)
        return data

    def send(self, recipient: dict[str, Any], message: Outbound) -> str:
        if isinstance(message, ReadReceipt):
            self.post(mark_read(message.message_id, typing=message.typing))
            return ""
        address = Recipient(wa_id=recipient.get("wa_id"), user_id=recipient.get("user_id"))
        try:
            bodies = render(message, address)
        except ValueError as exc:
            raise SendError(Failure.PERMANENT, f"cannot render: {exc}") from exc
        provider_id = ""
        for body in bodies:
            data = self.post(body)
            messages = data.get("messages") or [{}]
            provider_id = str(messages[0].get("id", ""))
        return provider_id
