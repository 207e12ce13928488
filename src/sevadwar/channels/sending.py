"""The interface every channel's sender implements, and the errors it may raise."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from sevadwar.channels.base import Outbound


class Failure(StrEnum):
    RETRYABLE = "retryable"  # try again later with back-off
    THROTTLED = "throttled"  # slow every sender down, then try again
    OUTSIDE_WINDOW = "outside_window"  # only a template may be sent now
    PERMANENT = "permanent"  # record, count, tell someone; never retry


class SendError(Exception):
    def __init__(self, failure: Failure, detail: str, *, code: int | None = None) -> None:
        super().__init__(detail)
        self.failure = failure
        self.code = code
        self.detail = detail


class ChannelSender(Protocol):
    channel: str

    def send(self, recipient: dict[str, Any], message: Outbound) -> str:
        """Deliver one message; return the provider's message id. Raise SendError on failure."""
        ...
