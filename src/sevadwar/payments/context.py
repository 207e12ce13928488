"""What the payment actions need from the running process, built once by the runtime.

:class:`PaymentContext` holds the configured gateway (with the runner that lets synchronous code
call it), the blob store receipts go to, the catalogue (service names for links and receipts),
the public URL and the secret key that signs file links.

The conversation shell reaches it through its database session (:func:`payments_of`): the
runtime binds the context to its session factory (:func:`bind_payments`), so every session made
by the process carries it and code that builds its own sessions (pure tests) simply has none.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.documents.base import BlobStore
from sevadwar.payments.base import PaymentGateway, PaymentLink, PaymentOrder, PaymentStatus
from sevadwar.payments.runner import GatewayRunner
from sevadwar.storage.db import SessionFactory

SESSION_KEY = "sevadwar.payments"
LINK_LIFETIME = timedelta(hours=24)
RECEIPT_LINK_LIFETIME = timedelta(days=7)  # long enough for the outbox's retries
GATEWAY_TIMEOUT = 20.0


@dataclass(frozen=True)
class PaymentContext:
    gateway: PaymentGateway
    blobs: BlobStore
    catalogue: Catalogue
    public_url: str
    secret_key: bytes
    runner: GatewayRunner = field(default_factory=GatewayRunner)
    link_lifetime: timedelta = LINK_LIFETIME
    receipt_link_lifetime: timedelta = RECEIPT_LINK_LIFETIME
    timeout: float = GATEWAY_TIMEOUT
    cleanup: Callable[[], Coroutine[Any, Any, Any]] | None = None  # closes the gateway's client

    @property
    def provider(self) -> str:
        return self.gateway.name

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")

    def create_link(self, order: PaymentOrder) -> PaymentLink:
        return self.runner.run(self.gateway.create_link(order), timeout=self.timeout)

    def fetch_status(self, link_id: str) -> PaymentStatus:
        return self.runner.run(self.gateway.fetch_status(link_id), timeout=self.timeout)

    def close(self) -> None:
        self.runner.close(self.cleanup() if self.cleanup is not None else None)


def bind_payments(sessions: SessionFactory, payments: PaymentContext) -> None:
    """Make ``payments`` reachable from every session ``sessions`` creates."""
    info: dict[Any, Any] = dict(sessions.kw.get("info") or {})
    info[SESSION_KEY] = payments
    sessions.configure(info=info)


def payments_of(session: Session) -> PaymentContext | None:
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, PaymentContext) else None
