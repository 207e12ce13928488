"""The payment gateway interface and the frozen types that cross it.

A gateway turns a :class:`PaymentOrder` (what we want paid) into a :class:`PaymentLink` the
citizen opens, tells signed webhooks from forgeries, parses them into :class:`PaymentEvent`, and
answers :meth:`PaymentGateway.fetch_status` for reconciliation. Money is always integer paise.

Rules the callers keep (security-compliance §2.2): only a verified webhook or a server-side
:meth:`~PaymentGateway.fetch_status` marks a payment paid, never the browser's return; the
event's amount and currency are checked against the stored order (see
:mod:`sevadwar.payments.rules`); ``(provider, event_id)`` is unique so a redelivered event has no
second effect.

Errors split into :class:`RetryableGatewayError` (network, 429, 5xx: try again later) and
:class:`PermanentGatewayError` (bad credentials, invalid request: tell someone).
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CURRENCY = "INR"


class GatewayError(Exception):
    retryable = False


class RetryableGatewayError(GatewayError):
    retryable = True


class PermanentGatewayError(GatewayError):
    pass


class InvalidWebhook(PermanentGatewayError):
    """A verified body that does not parse into an event: store it for a human, answer 200."""


class EventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"  # one attempt failed; the link stays payable
    PENDING = "pending"  # the bank has not confirmed yet (UPI collect awaiting approval)
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    OTHER = "other"  # an event we do not act on; acknowledge it


class LinkState(StrEnum):
    """Where a link stands according to the gateway (reconciliation)."""

    OPEN = "open"  # created, not (yet) paid
    PENDING = "pending"  # a payment is awaiting confirmation
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """What we ask the citizen to pay. ``reference`` is ours, unique per attempt (idempotency
    key and the gateway's ``reference_id``, at most 40 characters)."""

    reference: str
    application_reference: str
    amount_paise: int
    expires_at: datetime
    description_en: str
    description_hi: str
    currency: str = CURRENCY
    callback_url: str | None = None  # where the browser returns after paying (shows "confirming")

    def __post_init__(self) -> None:
        if self.amount_paise <= 0:
            raise ValueError("amount_paise must be positive (free services need no payment)")
        if not 0 < len(self.reference) <= 40:
            raise ValueError("reference must be 1 to 40 characters")
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class PaymentLink:
    provider: str
    id: str
    url: str
    reference: str
    amount_paise: int
    currency: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """One webhook delivery, parsed. ``event_id`` is the de-duplication key per provider."""

    provider: str
    event_id: str
    kind: EventKind
    raw_type: str  # the provider's own name, e.g. "payment_link.paid"
    occurred_at: datetime
    link_id: str | None = None
    reference: str | None = None  # our PaymentOrder.reference, when the event carries it
    payment_id: str | None = None
    amount_paise: int | None = None
    currency: str | None = None
    error: str | None = None  # why a payment failed, as the gateway says it


@dataclass(frozen=True, slots=True)
class PaymentStatus:
    """A link's state as the gateway sees it now (for the reconciliation job)."""

    provider: str
    link_id: str
    state: LinkState
    amount_paise: int
    amount_paid_paise: int
    currency: str
    reference: str | None = None
    payment_id: str | None = None  # the successful payment, when paid
    paid_at: datetime | None = None


class PaymentGateway(ABC):
    """One payment provider. Implementations take their HTTP client and secrets in ``__init__``."""

    name: str

    @abstractmethod
    async def create_link(self, order: PaymentOrder) -> PaymentLink:
        """Create (or, for a reference already used, return) the payment link for ``order``."""

    @abstractmethod
    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether ``raw_body`` carries a valid signature. Constant time; fails closed."""

    @abstractmethod
    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """The event in a *verified* body; :class:`InvalidWebhook` when it does not parse."""

    @abstractmethod
    async def fetch_status(self, link_id: str) -> PaymentStatus:
        """Ask the gateway where the link stands (reconciliation, dropped webhooks)."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup for plain dicts as well as Starlette's ``Headers``."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


def hmac_sha256_hex(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, signature: str | None, secrets: Iterable[bytes]) -> bool:
    """Whether ``signature`` is the hex HMAC-SHA256 of ``body`` under any of ``secrets`` (the
    current one and those being rotated out). Compared in constant time."""
    if not signature:
        return False
    given = signature.strip().lower().encode()
    matched = False
    for secret in secrets:
        if secret:
            matched |= hmac.compare_digest(hmac_sha256_hex(secret, body).encode(), given)
    return matched
