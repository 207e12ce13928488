"""Reconciliation: ask the gateway about payments nobody has heard of for a while.

Webhooks get lost (the gateway gives up, our server was down, the sandbox could not deliver).
Every minute :func:`reconcile_once` takes payments awaiting for more than 15 minutes that were not
checked in the last 15, asks the gateway where each link stands
(:meth:`~sevadwar.payments.base.PaymentGateway.fetch_status`), and applies what it learns as a
synthetic event through the same action as a webhook
(:func:`~sevadwar.payments.rules.event_from_status` gives it a stable id, so a state seen twice is
a duplicate like any redelivery). The gateway is asked outside any database transaction.

It also sends a link to applications waiting for their fee that never got one (the gateway was
unreachable when they were submitted and the citizen was told a link would follow).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter

from sevadwar.applications.models import Application
from sevadwar.messaging.outbox import enqueue
from sevadwar.payments.actions import (
    PaymentNotDue,
    do_apply_payment_event,
    note_payment_checked,
    payment_link_reply,
)
from sevadwar.payments.base import GatewayError
from sevadwar.payments.context import PaymentContext
from sevadwar.payments.queries import fee_pending_without_link, payments_due_for_check
from sevadwar.payments.replies import recipient_of
from sevadwar.payments.rules import event_from_status
from sevadwar.storage.db import SessionFactory, is_unavailable, transaction
from sevadwar.workers.loop import Loop

log = logging.getLogger(__name__)

CHECK_AFTER = timedelta(minutes=15)  # awaiting this long: ask the gateway (then every 15 minutes)
LINK_AFTER = timedelta(minutes=1)  # fee pending this long without any link: issue one
BATCH = 50
INTERVAL = 60.0  # seconds between runs

RECONCILED = Counter(
    "sevadwar_payment_reconciliations_total", "Payments checked with the gateway", ["outcome"]
)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    checked: int = 0
    applied: int = 0  # events that were new and about one of our payments
    failures: int = 0  # the gateway could not answer
    links_sent: int = 0

    @property
    def full(self) -> bool:
        """Whether a batch was full (there may be more to do right away)."""
        return self.checked >= BATCH or self.links_sent >= BATCH


def reconcile_once(
    sessions: SessionFactory, payments: PaymentContext, now: datetime, *, batch: int = BATCH
) -> ReconcileReport:
    with transaction(sessions) as session:
        due = payments_due_for_check(session, now=now, older_than=CHECK_AFTER, limit=batch)
    applied = failures = 0
    for payment_id, link_id in due:
        try:
            status = payments.fetch_status(link_id)
        except GatewayError as exc:
            failures += 1
            RECONCILED.labels("gateway_error").inc()
            log.warning("reconciliation: %s link %s: %s", payments.provider, link_id, exc)
            with transaction(sessions) as session:
                note_payment_checked(session, payment_id, now=now)
            continue
        event = event_from_status(status, now=now)
        with transaction(sessions) as session:
            note_payment_checked(session, payment_id, now=now)
            if event is not None:
                result = do_apply_payment_event(
                    session, payments.provider, event, raw_body=None, now=now, payments=payments
                )
                applied += 0 if result.duplicate else 1
        RECONCILED.labels("open" if event is None else event.kind.value).inc()
    links = _send_missing_links(sessions, payments, now, batch)
    return ReconcileReport(checked=len(due), applied=applied, failures=failures, links_sent=links)


def _send_missing_links(
    sessions: SessionFactory, payments: PaymentContext, now: datetime, batch: int
) -> int:
    with transaction(sessions) as session:
        waiting = fee_pending_without_link(session, now=now, older_than=LINK_AFTER, limit=batch)
    sent = 0
    for application_id in waiting:
        try:
            with transaction(sessions) as session:
                application = session.get(Application, application_id)
                if application is None:
                    continue
                replies = payment_link_reply(session, application, payments=payments, now=now)
                enqueue(
                    session,
                    recipient_of(session, application),
                    replies,
                    cause=f"payment-link:{application.reference}",
                    now=now,
                )
                sent += 1
        except (GatewayError, PaymentNotDue) as exc:
            log.warning("reconciliation: no link for application %s yet: %s", application_id, exc)
            break  # the gateway is still down (or the case moved on); try again next run
    return sent


class ReconcileLoop(Loop):
    """Runs ``reconcile_once`` every :data:`INTERVAL` seconds until ``stop`` is set (and at once
    again while batches come back full). Waits on ``stop`` itself, so it ends promptly."""

    def __init__(
        self,
        sessions: SessionFactory,
        payments: PaymentContext,
        clock: Callable[[], datetime],
        *,
        stop: threading.Event,
        interval: float = INTERVAL,
    ) -> None:
        super().__init__("payments-reconcile", self._run_once, wake=stop, stop=stop, idle=interval)
        self._sessions = sessions
        self._payments = payments
        self._clock = clock
        self._halt = stop
        self._interval = interval

    def _run_once(self) -> bool:
        return reconcile_once(self._sessions, self._payments, self._clock()).full

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                more = self._run_once()
            except Exception as exc:
                if is_unavailable(exc):
                    log.warning("database unavailable in payment reconciliation; retrying")
                else:
                    log.exception("payment reconciliation failed")
                more = False
            if not more:
                self._halt.wait(self._interval)
