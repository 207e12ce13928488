"""The outbox sender: delivers replies in order per citizen, within Meta's rate limits.

Transient failures retry with exponential back-off and jitter; throttling (130429, 131056)
empties the shared rate bucket so every process slows down; "outside the 24-hour window"
(131047) swaps the message for the approved utility template; permanent errors are recorded and
counted. The message is leased (``sending``) while the provider is called, outside any database
transaction, so a slow provider never holds a lock.

``send_batch`` (what the sender threads run) claims the oldest sendable message of up to
``batch_size`` citizens together with the replies queued right behind each, and takes their
rate-limit tokens, in ONE transaction; each message is still marked sent in its own transaction
right after Meta accepts it, so the duplicate window stays what docs/operations.md describes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sevadwar.channels.base import (
    Outbound,
    TemplateMessage,
    Text,
    outbound_from_dict,
    outbound_to_dict,
)
from sevadwar.channels.sending import ChannelSender, Failure, SendError
from sevadwar.messaging.models import OutboxMessage
from sevadwar.messaging.outbox import (
    backoff_delay,
    claimable_messages,
    count_sent,
    lease,
    mark_failed,
    mark_retry,
    next_in_line,
    release,
    replace_payload,
    set_sent,
)
from sevadwar.messaging.ratelimit import RateLimiter
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import SessionFactory, one_statement, transaction

log = logging.getLogger(__name__)

OUTBOUND = Counter(
    "sevadwar_outbound_messages_total", "Outbound send attempts by outcome", ["channel", "outcome"]
)
SEND_ERRORS = Counter(
    "sevadwar_send_errors_total", "Provider errors when sending", ["channel", "code"]
)


@dataclass(frozen=True, slots=True)
class _Claimed:
    """What a sender needs of a leased message once its transaction is over."""

    id: int
    citizen_key: str
    channel: str
    recipient: dict[str, Any]
    payload: dict[str, Any]
    attempts: int


@dataclass
class OutboxSender:
    sessions: SessionFactory
    senders: Mapping[str, ChannelSender]
    limiters: Mapping[str, RateLimiter] = field(default_factory=dict)
    fallback_template: str = "service_update"
    sleep: Callable[[float], None] = time.sleep

    batch_size: int = 20

    @cached_property
    def _engine(self) -> Engine:
        engine: Engine = self.sessions.kw["bind"]
        return engine

    def send_next(self) -> bool:
        """Send the one message that may go next; False when there is none."""
        return self._send(limit=1, follow=False)

    def send_batch(self) -> bool:
        """Send a batch (see the module docstring); False when there was nothing to send."""
        return self._send(limit=self.batch_size, follow=True)

    def _send(self, *, limit: int, follow: bool) -> bool:
        claimed, wait = self._claim(limit, follow=follow)
        if not claimed:
            if wait > 0:  # messages are waiting for the shared rate limit
                self.sleep(min(wait, 1.0))
                return True
            return False
        remaining = list(claimed)
        sent = 0
        while remaining:
            item = remaining.pop(0)
            failure = self._deliver(item)
            if failure is None:
                sent += 1
                continue
            # A citizen's later messages wait behind a failed one; after throttling, all wait.
            held = [
                r.id
                for r in remaining
                if failure is Failure.THROTTLED or r.citizen_key == item.citizen_key
            ]
            remaining = [r for r in remaining if r.id not in held]
            with transaction(self.sessions) as session:
                release(session, held)
        if sent:  # the dashboard hears of the batch once (lost only if the process dies first)
            with transaction(self.sessions) as session:
                count_sent(session, sent)
        return True

    def _claim(self, limit: int, *, follow: bool) -> tuple[list[_Claimed], float]:
        """Lease what may be sent now (with its rate-limit tokens) in one transaction."""
        channels = list(self.senders)
        with transaction(self.sessions) as session:
            now = utcnow()
            heads = claimable_messages(session, channels=channels, limit=limit, now=now)
            if not heads:
                return [], 0.0
            queued = (
                next_in_line(session, heads, channels=channels, limit=limit - len(heads), now=now)
                if follow
                else []
            )
            allowed, wait = self._take_tokens(session, heads, queued)
            lease(allowed, now=now)
            claimed = [
                _Claimed(
                    m.id, m.citizen_key, m.channel, dict(m.recipient), dict(m.payload), m.attempts
                )
                for m in _fair_order(allowed)
            ]
        return claimed, wait

    def _take_tokens(
        self, session: Session, heads: Sequence[OutboxMessage], queued: Sequence[OutboxMessage]
    ) -> tuple[list[OutboxMessage], float]:
        """The claimed messages that got a token: heads first, then each citizen's queue."""
        needed: dict[str, int] = {}
        for message in (*heads, *queued):
            if message.channel in self.limiters:
                needed[message.channel] = needed.get(message.channel, 0) + 1
        tokens: dict[str, int] = {}
        wait = 0.0
        for channel, count in needed.items():
            granted, channel_wait = self.limiters[channel].take(session, count)
            tokens[channel] = granted
            wait = max(wait, channel_wait)
        allowed: list[OutboxMessage] = []
        heads_allowed: set[str] = set()
        for message in heads:
            if message.channel in tokens:
                if tokens[message.channel] <= 0:
                    continue
                tokens[message.channel] -= 1
            allowed.append(message)
            heads_allowed.add(message.citizen_key)
        stopped: set[str] = set()
        for message in queued:
            key = message.citizen_key
            if key not in heads_allowed or key in stopped:
                continue
            if message.channel in tokens:
                if tokens[message.channel] <= 0:
                    stopped.add(key)
                    continue
                tokens[message.channel] -= 1
            allowed.append(message)
        return allowed, wait if not allowed else 0.0

    def _deliver(self, item: _Claimed) -> Failure | None:
        """Send one leased message and record the outcome; the failure class, or None if sent."""
        message = outbound_from_dict(item.payload)
        try:
            provider_id = self.senders[item.channel].send(item.recipient, message)
        except SendError as error:
            limiter = self.limiters.get(item.channel)
            self._failed(item.id, item.channel, message, item.attempts, error, limiter)
            return error.failure
        with one_statement(self._engine) as connection:  # on PostgreSQL: one round trip
            set_sent(connection, item.id, provider_id, now=utcnow())
        OUTBOUND.labels(item.channel, "sent").inc()
        return None

    def _failed(
        self,
        message_id: int,
        channel: str,
        message: Outbound,
        attempts: int,
        error: SendError,
        limiter: RateLimiter | None,
    ) -> None:
        SEND_ERRORS.labels(channel, str(error.code or 0)).inc()
        log.warning("send of outbox %s failed (%s): %s", message_id, error.failure, error.detail)
        with transaction(self.sessions) as session:
            if error.failure is Failure.THROTTLED:
                delay = max(backoff_delay(attempts, base=2.0, cap=60.0), 1.0)
                if limiter is not None:
                    limiter.penalise(delay)
                state = mark_retry(
                    session, message_id, delay=delay, error_code=error.code, detail=error.detail
                )
            elif error.failure is Failure.OUTSIDE_WINDOW and not isinstance(
                message, TemplateMessage
            ):
                replace_payload(session, message_id, outbound_to_dict(self._template_for(message)))
                state = "fallback"
            elif error.failure is Failure.RETRYABLE:
                delay = backoff_delay(attempts)
                state = mark_retry(
                    session, message_id, delay=delay, error_code=error.code, detail=error.detail
                )
            else:
                mark_failed(session, message_id, error_code=error.code, detail=error.detail)
                state = "failed"
        OUTBOUND.labels(channel, state).inc()

    def _template_for(self, message: Outbound) -> TemplateMessage:
        """The message's own template (a notice's facts as parameters), or the generic one."""
        own = getattr(message, "fallback", None)
        if isinstance(own, TemplateMessage):
            return own
        body = message.body if isinstance(message, Text) else getattr(message, "body", "") or ""
        summary = " ".join(str(body).split())[:900] or "-"
        return TemplateMessage(name=self.fallback_template, language="en", body_params=(summary,))


def _fair_order(messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """Every citizen's first message before anyone's second, each citizen's own order kept."""
    position: dict[str, int] = {}
    head: dict[str, int] = {}
    keyed = []
    for message in sorted(messages, key=lambda m: m.id):
        n = position.get(message.citizen_key, 0)
        position[message.citizen_key] = n + 1
        head.setdefault(message.citizen_key, message.id)
        keyed.append(((n, head[message.citizen_key]), message))
    return [message for _, message in sorted(keyed, key=lambda pair: pair[0])]
