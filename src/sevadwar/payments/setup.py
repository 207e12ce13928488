"""The gateway the settings ask for, and the payment context around it (built by the runtime).

- ``sandbox`` (default): the built-in checkout at ``{public_url}/pay/{id}``, its webhook secret
  derived from the secret key, its ledger under ``DATA_DIR/sandbox-payments``.
- ``razorpay``: Payment Links with ``SEVADWAR_RAZORPAY_KEY_ID``, ``_KEY_SECRET`` and
  ``_WEBHOOK_SECRET`` (all required) against ``SEVADWAR_RAZORPAY_API_BASE_URL``, through an
  ``httpx.AsyncClient`` whose transport tests may inject.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

import httpx

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.documents.base import BlobStore
from sevadwar.payments.base import PaymentGateway
from sevadwar.payments.context import PaymentContext
from sevadwar.payments.providers.razorpay import RazorpayGateway
from sevadwar.payments.providers.sandbox import SandboxGateway
from sevadwar.payments.providers.sandbox_ledger import FileLedger
from sevadwar.settings import PaymentProvider, Settings


def derived_secret(secret_key: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the settings' secret key (HMAC-SHA256)."""
    return hmac.new(secret_key, f"sevadwar/{purpose}".encode(), hashlib.sha256).digest()


def build_payments(
    settings: Settings,
    *,
    catalogue: Catalogue,
    blobs: BlobStore,
    clock: Callable[[], datetime],
    transport: httpx.AsyncBaseTransport | None = None,
) -> PaymentContext:
    secret_key = settings.resolved_secret_key()
    gateway: PaymentGateway
    cleanup = None
    if settings.payment_provider == PaymentProvider.RAZORPAY:
        key_secret, webhook_secret = settings.razorpay_key_secret, settings.razorpay_webhook_secret
        if not (settings.razorpay_key_id and key_secret and webhook_secret):
            raise ValueError(
                "SEVADWAR_PAYMENT_PROVIDER=razorpay needs SEVADWAR_RAZORPAY_KEY_ID, "
                "SEVADWAR_RAZORPAY_KEY_SECRET and SEVADWAR_RAZORPAY_WEBHOOK_SECRET"
            )
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(10.0, connect=5.0),
            transport=transport,
            headers={"User-Agent": "Sevadwar"},
        )
        gateway = RazorpayGateway(
            client,
            key_id=settings.razorpay_key_id,
            key_secret=key_secret.get_secret_value(),
            webhook_secret=webhook_secret.get_secret_value(),
            api_base_url=str(settings.razorpay_api_base_url),
        )
        cleanup = client.aclose
    else:
        gateway = SandboxGateway(
            public_url=settings.public_base,
            secret=derived_secret(secret_key, "sandbox-payments"),
            ledger=FileLedger(settings.data_dir / "sandbox-payments"),
            clock=clock,
        )
    return PaymentContext(
        gateway=gateway,
        blobs=blobs,
        catalogue=catalogue,
        public_url=settings.public_base,
        secret_key=secret_key,
        cleanup=cleanup,
    )
