"""The body of a webhook: the event's facts and the application as the department API shows it.

The application is rendered when the event is delivered, through the same function as
``GET /api/v1/applications/{reference}``, so a department system learns nothing by webhook that
its key could not read (answers with Aadhaar masked, a short-lived PDF link), and an erased
application's answers are gone from every later delivery too.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from sevadwar.api import schemas
from sevadwar.api.models import WebhookDelivery
from sevadwar.api.queries import application_detail
from sevadwar.api.webhooks import DepartmentEvent
from sevadwar.applications.models import Application
from sevadwar.catalogue.catalogue import Catalogue


def event_body(
    session: Session,
    delivery: WebhookDelivery,
    application: Application,
    *,
    catalogue: Catalogue,
    public_base: str,
    issuer: object,
    now: datetime,
) -> bytes:
    """The exact bytes to sign and POST (compact UTF-8 JSON)."""
    event = schemas.WebhookEvent(
        id=delivery.event_id,
        type=DepartmentEvent(delivery.event_type),
        occurred_at=delivery.occurred_at,
        department=application.department,
        data=schemas.WebhookEventData(reference=delivery.reference, **delivery.data),
        application=application_detail(
            session, catalogue, application, public_base=public_base, issuer=issuer, now=now
        ),
    )
    return json.dumps(
        event.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
