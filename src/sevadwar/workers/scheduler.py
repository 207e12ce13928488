"""Jobs that run on a clock: SLA escalation, draft reminders, retention.

Each job is one short transaction and is safe to run in any number of processes: on PostgreSQL a
transaction-scoped advisory lock lets one process run a job at a time; on SQLite there is only
one process. Time comes from the runtime's clock, so tests travel in time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from sevadwar.api.models import WebhookDelivery, WebhookState
from sevadwar.applications.models import OPEN_STATUSES, Application, ApplicationStatus
from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.channels.base import Text
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.prompts import Prompts
from sevadwar.conversation.state import DRAFT_STEPS, State
from sevadwar.dashboard.actions import do_compact_counters, record
from sevadwar.dashboard.metrics import Kind
from sevadwar.dashboard.models import DashboardEvent
from sevadwar.dashboard.rollups import build_rollups
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage, OutboxState
from sevadwar.messaging.outbox import Recipient, enqueue
from sevadwar.officers.models import Officer
from sevadwar.storage.base import fixed_in
from sevadwar.storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

REMIND_AFTER = timedelta(hours=23)  # inside WhatsApp's 24-hour window when possible
DRAFT_TTL = timedelta(days=30)
INBOX_RETENTION = timedelta(days=30)  # processed events (already minimised) and quarantined bodies
DASHBOARD_EVENT_RETENTION = timedelta(days=7)  # live feed only; the counters keep the history
OUTBOX_RETENTION = timedelta(days=90)  # sent replies may hold personal data: scrub after this
WEBHOOK_RETENTION = timedelta(days=30)  # department webhooks delivered or let go (dead ones stay)
FINISHED_DELIVERIES = (WebhookState.DELIVERED, WebhookState.DISCARDED)  # none holds back others
JOB_LOCKS = {"escalate": 0x5E7A01, "remind": 0x5E7A02, "retention": 0x5E7A03}


def _lock(session: Session, job: str) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": JOB_LOCKS[job]}))


@dataclass
class Scheduler:
    sessions: SessionFactory
    catalogue: Catalogue
    prompts: Prompts
    clock: Callable[[], datetime]

    def run_due_jobs(self) -> dict[str, int]:
        return {
            "escalated": self.escalate_breaches(),
            "reminded": self.remind_drafts(),
            "purged": self.enforce_retention(),
        }

    def escalate_breaches(self) -> int:
        """Stages past their time limit go to the department's supervisor, once per stage."""
        now = self.clock()
        with transaction(self.sessions) as session:
            if not _lock(session, "escalate"):
                return 0
            late = session.scalars(
                select(Application)
                .where(
                    fixed_in(
                        Application.status, sorted(OPEN_STATUSES - {ApplicationStatus.FEE_PENDING})
                    ),
                    Application.stage_due_at < now,
                    Application.escalated_at.is_(None),
                )
                .limit(500)
            ).all()
            for application in late:
                supervisor = session.scalars(
                    select(Officer.id).where(
                        Officer.department == application.department,
                        Officer.role == "department_admin",
                        Officer.active.is_(True),
                    )
                ).first()
                application.escalated_at = now
                record(session, Kind.ESCALATED, application=application, at=now)
                do_append_audit(
                    session,
                    actor="system:scheduler",
                    action="application.escalated",
                    subject=f"application:{application.reference}",
                    data={
                        "stage": application.stage,
                        "to": supervisor,
                        "due": application.stage_due_at.isoformat()
                        if application.stage_due_at
                        else None,
                    },
                    at=now,
                )
            return len(late)

    def remind_drafts(self) -> int:
        """One reminder for a draft left unfinished for a day; the state notes it was sent."""
        now = self.clock()
        with transaction(self.sessions) as session:
            if not _lock(session, "remind"):
                return 0
            idle = session.scalars(
                select(Conversation)
                .where(
                    Conversation.updated_at < now - REMIND_AFTER,
                    Conversation.updated_at > now - DRAFT_TTL,
                )
                .limit(500)
            ).all()
            sent = 0
            for conversation in idle:
                state = State.load(conversation.state)
                if (
                    state.step not in DRAFT_STEPS
                    or not state.service
                    or conversation.state.get("reminded_at")
                ):
                    continue
                service = self.catalogue.get(state.service)
                if service is None:
                    continue
                language = state.language or "hi"
                body = self.prompts.text(
                    language,
                    "draft_reminder",
                    service=service.name.get(language),
                    days=DRAFT_TTL.days,
                )
                recipient = Recipient(
                    conversation.citizen_key,
                    conversation.channel,
                    conversation.wa_id,
                    conversation.user_id,
                )
                enqueue(session, recipient, [Text(body)], cause="scheduler:draft_reminder", now=now)
                conversation.state = {**conversation.state, "reminded_at": now.isoformat()}
                sent += 1
            return sent

    def enforce_retention(self) -> int:
        """Delete what is no longer needed: stale drafts, old inbox rows, old reply contents,
        the live feed's old events, department webhooks finished long ago."""
        now = self.clock()
        with transaction(self.sessions) as session:
            if not _lock(session, "retention"):
                return 0
            purged = 0
            for conversation in session.scalars(
                select(Conversation).where(Conversation.updated_at < now - DRAFT_TTL)
            ):
                state = State.load(conversation.state)
                if state.service or state.answers or state.documents:
                    conversation.state = state.clear_draft().dump()
                    purged += 1
            result = session.execute(
                delete(InboxEvent).where(
                    InboxEvent.state.in_((InboxState.DONE, InboxState.QUARANTINED)),
                    InboxEvent.received_at < now - INBOX_RETENTION,
                )
            )
            purged += result.rowcount or 0  # type: ignore[attr-defined]
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.state.in_(
                        (OutboxState.SENT, OutboxState.FAILED, OutboxState.DEAD)
                    ),
                    OutboxMessage.created_at < now - OUTBOX_RETENTION,
                    OutboxMessage.payload["kind"].as_string() != "retained",
                )
                .values(payload={"kind": "retained"})
            )
            purged += result.rowcount or 0  # type: ignore[attr-defined]
            result = session.execute(
                delete(DashboardEvent).where(DashboardEvent.at < now - DASHBOARD_EVENT_RETENTION)
            )
            purged += result.rowcount or 0  # type: ignore[attr-defined]
            result = session.execute(
                delete(WebhookDelivery).where(  # ix_webhook_deliveries_state: (state, not_before)
                    fixed_in(WebhookDelivery.state, FINISHED_DELIVERIES),
                    WebhookDelivery.not_before < now - WEBHOOK_RETENTION,  # the last try
                )
            )
            purged += result.rowcount or 0  # type: ignore[attr-defined]
            do_compact_counters(session, now=now)  # dashboard shards of finished days
            build_rollups(session, now=now)  # and their roll-up blocks
            return purged
