"""The outbox sender: delivers replies in order per citizen, within Meta's rate limits.

Transient failures retry with exponential back-off and jitter; throttling (130429, 131056)
empties the shared rate bucket so every process slows down; "outside the 24-hour window"
(131047) swaps the message for the approved utility template; permanent errors are recorded and
counted. The message is leased (``sending``) while the provider is called, outside any database
transaction, so a slow provider never holds a lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from prometheus_client import Counter

from sevadwar.channels.base import Outbound, TemplateMessage, Text, outbound_from_dict, outbound_to_dict
from sevadwar.channels.sending import ChannelSender, Failure, SendError
from sevadwar.messaging.outbox import backoff_delay, claim_next_message, mark_failed, mark_retry, mark_sent, replace_payload
from sevadwar.messaging.ratelimit import SharedRateLimiter
from sevadwar.storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

OUTBOUND = Counter("sevadwar_outbound_messages_total", "Outbound send attempts by outcome", ["channel", "outcome"])
SEND_ERRORS = Counter("sevadwar_send_errors_total", "Provider errors when sending", ["channel", "code"])


@dataclass
class OutboxSender:
    sessions: SessionFactory
    senders: Mapping[str, ChannelSender]
    limiters: Mapping[str, SharedRateLimiter] = field(default_factory=dict)
    fallback_template: str = "service_update"
    sleep: Callable[[float], None] = time.sleep

    def send_next(self) -> bool:
        with transaction(self.sessions) as session:
            row = claim_next_message(session, channels=list(self.senders))
            if row is None:
                return False
            message_id, channel, recipient = row.id, row.channel, dict(row.recipient)
            payload, attempts = dict(row.payload), row.attempts
        message = outbound_from_dict(payload)
        limiter = self.limiters.get(channel)
        if limiter is not None and not limiter.acquire(sleep=self.sleep, timeout=10):
            with transaction(self.sessions) as session:
                mark_retry(session, message_id, delay=1.0, error_code=None, detail="local rate limit")
            return True
        try:
            provider_id = self.senders[channel].send(recipient, message)
        except SendError as error:
            self._failed(message_id, channel, message, attempts, error, limiter)
            return True
        with transaction(self.sessions) as session:
            mark_sent(session, message_id, provider_id)
        OUTBOUND.labels(channel, "sent").inc()
        return True

    def _failed(
        self,
        message_id: int,
        channel: str,
        message: Outbound,
        attempts: int,
        error: SendError,
        limiter: SharedRateLimiter | None,
    ) -> None:
        SEND_ERRORS.labels(channel, str(error.code or 0)).inc()
        log.warning("send of outbox %s failed (%s): %s", message_id, error.failure, error.detail)
        with transaction(self.sessions) as session:
            if error.failure is Failure.THROTTLED:
                delay = max(backoff_delay(attempts, base=2.0, cap=60.0), 1.0)
                if limiter is not None:
                    limiter.penalise(delay)
                state = mark_retry(session, message_id, delay=delay, error_code=error.code, detail=error.detail)
            elif error.failure is Failure.OUTSIDE_WINDOW and not isinstance(message, TemplateMessage):
                replace_payload(session, message_id, outbound_to_dict(self._template_for(message)))
                state = "fallback"
            elif error.failure is Failure.RETRYABLE:
                delay = backoff_delay(attempts)
                state = mark_retry(session, message_id, delay=delay, error_code=error.code, detail=error.detail)
            else:
                mark_failed(session, message_id, error_code=error.code, detail=error.detail)
                state = "failed"
        OUTBOUND.labels(channel, state).inc()

    def _template_for(self, message: Outbound) -> TemplateMessage:
        """The approved utility template that carries a short form of the message."""
        body = message.body if isinstance(message, Text) else getattr(message, "body", "") or ""
        summary = " ".join(str(body).split())[:900] or "-"
        return TemplateMessage(name=self.fallback_template, language="en", body_params=(summary,))
