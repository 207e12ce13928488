"""The inbox worker: one event at a time per citizen, in order; many citizens at once.

Each event is processed in ONE transaction: claim (row-locked on PostgreSQL), engine step,
domain actions, audit rows, outbox replies, event marked done. A crash anywhere rolls all of it
back and the event is simply processed again. An event that keeps failing is retried a few times,
then parked as dead (visible on /metrics and replayable) so one bad message cannot block a citizen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from prometheus_client import Counter
from sqlalchemy.orm import Session

from sevadwar.channels.base import Channel, InboundMessage, ProviderError, StatusUpdate
from sevadwar.channels.simulator import payloads as simulator_payloads
from sevadwar.channels.whatsapp import payloads as whatsapp_payloads
from sevadwar.conversation.service import ConversationService
from sevadwar.messaging.inbox import claim_next_event, mark_done, record_failure
from sevadwar.messaging.models import InboxEvent, InboxState
from sevadwar.messaging.outbox import merge_delivery_status
from sevadwar.storage.db import SessionFactory, is_unavailable, transaction

log = logging.getLogger(__name__)

INBOUND = Counter(
    "sevadwar_inbound_messages_total", "Inbound messages processed", ["channel", "type"]
)
STATUSES = Counter("sevadwar_delivery_statuses_total", "Delivery statuses received", ["status"])
WA_ERRORS = Counter(
    "sevadwar_whatsapp_errors_total", "WhatsApp error codes seen", ["code", "where"]
)
INBOX_FAILURES = Counter(
    "sevadwar_inbox_failures_total", "Inbox events that failed processing", ["outcome"]
)


def parse_inbox_event(event: InboxEvent) -> InboundMessage | StatusUpdate | list[ProviderError]:
    if event.channel == Channel.SIMULATOR:
        return simulator_payloads.parse_event(event.payload)
    return whatsapp_payloads.parse_event(event.payload)


def minimised(message: InboundMessage) -> dict[str, object]:
    """What stays of a processed message: enough to count it, nothing personal."""
    return {"processed": True, "type": message.kind.value, "channel": message.citizen.channel}


@dataclass
class InboxWorker:
    sessions: SessionFactory
    conversations: ConversationService

    def process_next(self) -> bool:
        """Process one event; False when there was nothing to do."""
        event_id: int | None = None
        try:
            with transaction(self.sessions) as session:
                event = claim_next_event(session)
                if event is None:
                    return False
                event_id = event.id
                self._process(session, event)
        except Exception as exc:
            if event_id is None or is_unavailable(exc):
                raise
            log.exception("inbox event %s failed", event_id)
            with transaction(self.sessions) as session:
                outcome = record_failure(session, event_id, f"{type(exc).__name__}: {exc}")
            INBOX_FAILURES.labels(outcome).inc()
        return True

    def _process(self, session: Session, event: InboxEvent) -> None:
        try:
            parsed = parse_inbox_event(event)
        except (whatsapp_payloads.MalformedPayload, ValueError) as exc:
            event.state = InboxState.QUARANTINED
            event.last_error = f"unparseable: {exc}"[:2000]
            return
        if isinstance(parsed, InboundMessage):
            INBOUND.labels(parsed.citizen.channel, parsed.kind.value).inc()
            for error in parsed.errors:
                WA_ERRORS.labels(str(error.code), "inbound").inc()
            self.conversations.handle(session, parsed, cause=event.event_key)
            mark_done(session, event)
            event.payload = minimised(parsed)
            return
        if isinstance(parsed, StatusUpdate):
            STATUSES.labels(parsed.status.value).inc()
            errors = [
                {"code": e.code, "title": e.title, "message": e.message, "details": e.details}
                for e in parsed.errors
            ]
            for error in parsed.errors:
                WA_ERRORS.labels(str(error.code), "status").inc()
            merge_delivery_status(
                session, parsed.message_id, parsed.status, errors=errors, at=parsed.timestamp
            )
            mark_done(session, event)
            event.payload = {"processed": True, "type": "status", "status": parsed.status.value}
            return
        for error in parsed:
            WA_ERRORS.labels(str(error.code), "webhook").inc()
            log.warning("WhatsApp reported an error: %s", error)
        mark_done(session, event)
