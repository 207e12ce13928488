"""POST signed webhooks from the fake Graph API to the app, retrying like Meta does.

Meta retries any non-200 answer "with decreasing frequency" for up to 7 days
(``reference/whatsapp-cloud-api.md`` §1.4); the fake compresses that into
``FakeConfig.retry_delays``. The ``httpx.AsyncClient`` is handed in by the app that owns it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from sevadwar.channels.whatsapp.signature import HEADER, sign
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_state import FakeGraph, WebhookDelivery, WebhookKind


class WebhookEmitter:
    def __init__(self, fake: FakeGraph, client: httpx.AsyncClient) -> None:
        self.fake = fake
        self.client = client

    async def deliver(self, kind: WebhookKind, body: dict[str, Any]) -> WebhookDelivery:
        """POST ``body`` until the app answers 200 or the retry schedule runs out."""
        config = self.fake.config
        raw = wp.encode(body, ascii_only=config.ascii_json)
        signature = sign(raw, config.app_secret)
        delivery = WebhookDelivery(kind=kind, body=body, raw=raw, signature=signature)
        self.fake.webhooks.append(delivery)
        if not config.webhook_url:
            delivery.attempts.append("no webhook_url configured")
            return delivery
        headers = {
            "Content-Type": "application/json",
            HEADER: signature,
            "User-Agent": "facebookexternalua",
        }
        for delay in (0.0, *config.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            try:
                response = await self.client.post(
                    config.webhook_url,
                    content=raw,
                    headers=headers,
                    timeout=config.webhook_timeout,
                )
            except httpx.HTTPError as exc:
                delivery.attempts.append(f"{type(exc).__name__}: {exc}")
                continue
            delivery.attempts.append(response.status_code)
            if response.status_code == 200:
                break
        return delivery
