"""The department API's request and response shapes: the OpenAPI document is built from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sevadwar.api.webhooks import DepartmentEvent
from sevadwar.applications.models import ApplicationStatus
from sevadwar.applications.workflow import rejection_reasons
from sevadwar.certificates.schemas import LocalizedText

ReasonCode = Annotated[str, Field(json_schema_extra={"enum": sorted(rejection_reasons())})]
ActorKind = Literal["citizen", "officer", "api", "system"]
Detail = str | int | float | bool | None
NO_NUL = r"^[^\x00]*$"  # text that any database stores (PostgreSQL refuses NUL characters)


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, for programs", examples=["closed"])
    message: str = Field(description="For people")
    fields: list[FieldError] | None = Field(
        default=None, description="What was wrong with the request"
    )


class FieldError(BaseModel):
    location: str = Field(examples=["body.decision"])
    message: str


class ApiError(BaseModel):
    """Every error of ``/api/v1`` has this shape."""

    error: ErrorBody


ErrorBody.model_rebuild()


class ServiceRef(BaseModel):
    id: str = Field(examples=["income"])
    name: LocalizedText


class StageRef(BaseModel):
    id: str
    name: LocalizedText


class Sla(BaseModel):
    """The time limit (Delhi Right of Citizen to Time Bound Delivery of Services Act 2011)."""

    due_at: datetime
    days_late: int = Field(ge=0)
    compensation_rupees: int = Field(ge=0, le=200, description="₹10 a day late, at most ₹200")


class TimelineEvent(BaseModel):
    at: datetime
    event: str = Field(examples=["submitted", "forwarded", "approved", "certificate.issued"])
    actor: ActorKind
    details: dict[str, Detail] = Field(default_factory=dict)


class CertificateRef(BaseModel):
    number: str = Field(examples=["DLC-7KQM-X4R9-2BCD"])
    url: str = Field(description="The public verification page")
    pdf_url: str | None = Field(
        description="A signed link to the PDF, valid for a limited time; null once erased"
    )
    issued_at: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


class Application(BaseModel):
    reference: str = Field(examples=["DL-7KQM-X4R9"])
    service: ServiceRef
    department: str
    status: ApplicationStatus
    stage: StageRef | None
    language: str = Field(description="The citizen's language for messages", examples=["hi"])
    fee_paise: int = Field(ge=0)
    submitted_at: datetime
    due_at: datetime
    stage_due_at: datetime | None
    updated_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    sla: Sla
    answers: dict[str, Any] = Field(
        description="The form's answers by field id; Aadhaar numbers masked"
    )
    timeline: list[TimelineEvent]
    certificate: CertificateRef | None


class ApplicationSummary(BaseModel):
    reference: str
    service: str
    department: str
    status: ApplicationStatus
    stage: str | None
    submitted_at: datetime
    due_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    certificate_number: str | None


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


class Decision(BaseModel):
    """A decision from the department's system: the same effects as an officer's."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field(
        default="",
        max_length=2000,
        pattern=NO_NUL,
        description="A note on approval; the reason for a rejection",
    )
    reason_code: ReasonCode | None = Field(
        default=None,
        description="For a rejection: a standard reason (default `other`, which needs `reason`)",
    )


class WebhookEventData(BaseModel):
    """What was true at the moment of the event."""

    reference: str = Field(examples=["DL-7KQM-X4R9"])
    status: ApplicationStatus = Field(description="The status the event left the application in")
    stage: str | None
    certificate: str | None = Field(
        default=None, description="For `certificate.revoked`: the certificate's number"
    )


class WebhookEvent(BaseModel):
    """What Sevadwar POSTs to a department system's webhook URL, signed (see the description
    of the `application-event` webhook)."""

    id: str = Field(
        description="Unique per event and the same on every retry: skip one you already have",
        examples=["evt_5f0c1d7e9a8b4c3d2e1f00112233aabb"],
    )
    type: DepartmentEvent
    occurred_at: datetime
    department: str = Field(examples=["revenue"])
    data: WebhookEventData
    application: Application = Field(
        description="The application as `GET /api/v1/applications/{reference}` shows it when the "
        "event is delivered: never older than the event, possibly newer"
    )
