"""The workflow: every decision on an application goes through here, whoever makes it.

Officers in the back office, department systems through the REST API and the scheduler all call
the same methods, so the same rules hold for all of them: the workflow stages of the catalogue,
maker–checker (the officer who decides is not the one who verified), one audit row per change,
the citizen told in their language through the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sevadwar.api.webhooks import DepartmentEvent, do_enqueue_department_event, event_for_action
from sevadwar.applications.models import OPEN_STATUSES, Application, ApplicationStatus
from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.schema import Role, Service
from sevadwar.channels.base import Outbound, Text
from sevadwar.conversation.context import IST
from sevadwar.conversation.models import Conversation
from sevadwar.dashboard.actions import record, state_of
from sevadwar.dashboard.metrics import Kind
from sevadwar.documents.models import Document, DocumentStatus
from sevadwar.messaging.notices import do_notify, notice, templates

DATA = Path(__file__).parent

DECIDERS = frozenset({Role.APPROVING_OFFICER, Role.DEPARTMENT_ADMIN})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an officer, a department's system (API key) or the scheduler."""

    kind: Literal["officer", "api", "system"]
    name: str
    id: int | None = None
    role: Role | None = None
    department: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id if self.id is not None else self.name}"


class WorkflowError(Exception):
    """A refused action. ``code`` is stable (for the API); the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@cache
def citizen_messages() -> dict[str, dict[str, str]]:
    with (DATA / "messages.yaml").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, str]] = yaml.safe_load(handle)
    return data


@cache
def rejection_reasons() -> dict[str, dict[str, str]]:
    with (DATA / "rejection_reasons.yaml").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, str]] = yaml.safe_load(handle)
    return data


def _pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


CertificateIssuer = Callable[[Session, Application, Actor, datetime], list[Outbound]]


@dataclass
class Workflow:
    catalogue: Catalogue
    clock: Callable[[], datetime]
    issue_certificate: CertificateIssuer | None = None  # set by the certificates feature

    # ------------------------------------------------------------------ helpers

    def service(self, application: Application) -> Service:
        return self.catalogue[application.service_id]

    def _stage_index(self, application: Application) -> int:
        stages = [s.id for s in self.service(application).workflow.stages]
        return stages.index(application.stage) if application.stage in stages else 0

    def _audit(
        self, session: Session, application: Application, actor: Actor, action: str, **data: Any
    ) -> None:
        do_append_audit(
            session,
            actor=actor.label,
            action=f"application.{action}",
            subject=f"application:{application.reference}",
            data=data,
            at=self.clock(),
        )
        event = event_for_action(f"application.{action}")  # status changes tell the department
        if event is not None:
            do_enqueue_department_event(session, application, event, at=self.clock())

    def notify(self, session: Session, application: Application, key: str, **values: Any) -> None:
        """Tell the citizen, in their language, through the outbox (same transaction).

        Where an approved template exists for ``key`` (messaging/templates.yaml), the message
        carries it, so a citizen whose 24-hour window has closed still hears of the change.
        """
        language = application.language if application.language in ("en", "hi") else "hi"
        values = {
            "reference": application.reference,
            "service": self.service(application).name.get(language),
            **values,
        }
        text = _pick(citizen_messages()[key], language).format(**values)
        message = notice(key, language, text, values) if key in templates() else Text(text)
        self.send(session, application, [message])

    def send(self, session: Session, application: Application, messages: list[Outbound]) -> None:
        do_notify(
            session,
            citizen_key=application.citizen_key,
            channel=application.channel,
            messages=messages,
            cause=f"application:{application.reference}",
            now=self.clock(),
        )

    @staticmethod
    def _require_open(application: Application) -> None:
        if application.status not in OPEN_STATUSES:
            raise WorkflowError(
                "closed", f"application {application.reference} is {application.status}"
            )

    @staticmethod
    def _require_paid(application: Application) -> None:
        if application.status == ApplicationStatus.FEE_PENDING:
            raise WorkflowError("fee_pending", "the fee has not been paid yet")

    # ------------------------------------------------------------------ officer actions

    def verify_document(
        self,
        session: Session,
        application: Application,
        document_id: int,
        *,
        accepted: bool,
        reason: str,
        actor: Actor,
    ) -> Document:
        self._require_open(application)
        document = session.get(Document, document_id)
        if document is None or document.application_id != application.id:
            raise WorkflowError("not_found", "no such document on this application")
        if not accepted and not reason.strip():
            raise WorkflowError("reason_required", "say why the document is not acceptable")
        document.verified = "accepted" if accepted else "rejected"
        if application.verified_by is None and actor.kind == "officer":
            application.verified_by = actor.id
        self._touch(application)
        self._audit(
            session,
            application,
            actor,
            "document_verified",
            document=document.spec_id,
            accepted=accepted,
            reason=reason,
        )
        return document

    def forward(
        self, session: Session, application: Application, *, actor: Actor, note: str = ""
    ) -> None:
        """The current stage is done: move to the next one (its own time limit starts)."""
        self._require_open(application)
        self._require_paid(application)
        stages = self.service(application).workflow.stages
        index = self._stage_index(application)
        if index + 1 >= len(stages):
            raise WorkflowError("last_stage", "this is the last stage: approve or reject")
        before = state_of(application)
        if actor.kind == "officer" and actor.role in (
            Role.DEALING_ASSISTANT,
            Role.VERIFYING_OFFICER,
        ):
            application.verified_by = application.verified_by or actor.id
        previous, nxt = stages[index].id, stages[index + 1]
        application.stage = nxt.id
        application.status = ApplicationStatus.IN_PROGRESS
        application.stage_due_at = self.clock() + timedelta(days=nxt.days)
        application.escalated_at = None
        self._touch(application)
        self._audit(
            session,
            application,
            actor,
            "forwarded",
            **{"from": previous, "to": nxt.id, "note": note},
        )
        record(session, Kind.MOVED, application=application, before=before, at=self.clock())

    def request_info(
        self, session: Session, application: Application, *, request: str, actor: Actor
    ) -> None:
        self._require_open(application)
        if not request.strip():
            raise WorkflowError("reason_required", "say what the citizen should send")
        before = state_of(application)
        application.status = ApplicationStatus.INFO_REQUESTED
        application.info_request = request.strip()[:2000]
        self._touch(application)
        conversation = session.get(Conversation, application.citizen_key)
        if conversation is not None:  # the citizen's next message answers this request
            conversation.state = {
                **(conversation.state or {}),
                "awaiting_info": application.reference,
            }
        self._audit(session, application, actor, "info_requested", request=application.info_request)
        record(session, Kind.MOVED, application=application, before=before, at=self.clock())
        self.notify(session, application, "info_requested", request=application.info_request)

    def receive_info(
        self,
        session: Session,
        application: Application,
        *,
        text: str = "",
        document_id: int | None = None,
    ) -> None:
        """The citizen answered an information request: back to the office's queue."""
        if application.status != ApplicationStatus.INFO_REQUESTED:
            return
        before = state_of(application)
        replies = list(application.answers.get("info_replies", []))
        replies.append(
            {"at": self.clock().isoformat(), "text": text[:4000], "document_id": document_id}
        )
        application.answers = {**application.answers, "info_replies": replies}
        if document_id is not None:
            session.execute(
                update(Document)
                .where(Document.id == document_id)
                .values(application_id=application.id)
            )
        application.status = ApplicationStatus.IN_PROGRESS
        self._touch(application)
        do_append_audit(
            session,
            actor=f"citizen:{application.citizen_key}",
            action="application.info_received",
            subject=f"application:{application.reference}",
            data={"document_id": document_id},
            at=self.clock(),
        )
        do_enqueue_department_event(
            session, application, DepartmentEvent.INFO_RECEIVED, at=self.clock()
        )
        record(session, Kind.MOVED, application=application, before=before, at=self.clock())
        self.notify(session, application, "info_received")

    def send_for_field_verification(
        self,
        session: Session,
        application: Application,
        *,
        officer_id: int,
        due_at: datetime,
        actor: Actor,
    ) -> None:
        self._require_open(application)
        self._require_paid(application)
        before = state_of(application)
        application.assigned_to = officer_id
        application.assigned_due_at = due_at
        application.status = ApplicationStatus.IN_PROGRESS
        if actor.kind == "officer":
            application.verified_by = application.verified_by or actor.id
        self._touch(application)
        self._audit(
            session,
            application,
            actor,
            "field_verification",
            officer=officer_id,
            due=due_at.isoformat(),
        )
        record(session, Kind.MOVED, application=application, before=before, at=self.clock())
        self.notify(
            session,
            application,
            "field_verification",
            due=due_at.astimezone(IST).strftime("%d/%m/%Y"),
        )

    # ------------------------------------------------------------------ decisions

    def _check_decider(self, application: Application, actor: Actor) -> None:
        self._require_open(application)
        self._require_paid(application)
        if actor.kind == "officer":
            if actor.role not in DECIDERS:
                raise WorkflowError("not_permitted", "only an approving officer decides")
            if application.verified_by is not None and application.verified_by == actor.id:
                raise WorkflowError("maker_checker", "the officer who verified cannot also decide")

    def approve(
        self, session: Session, application: Application, *, actor: Actor, note: str = ""
    ) -> None:
        self._check_decider(application, actor)
        before = state_of(application)
        now = self.clock()
        application.status = ApplicationStatus.APPROVED
        application.decided_at = now
        application.decision_reason = note or None
        self._touch(application)
        self._audit(session, application, actor, "approved", note=note)
        self.notify(session, application, "approved")
        if self.issue_certificate is not None and self.service(application).certificate is not None:
            messages = self.issue_certificate(session, application, actor, now)
            application.status = ApplicationStatus.ISSUED
            do_enqueue_department_event(
                session, application, DepartmentEvent.CERTIFICATE_ISSUED, at=now
            )
            self.send(session, application, messages)
        record(session, Kind.DECIDED, application=application, before=before, at=now)

    def reject(
        self,
        session: Session,
        application: Application,
        *,
        reason_code: str,
        text: str = "",
        actor: Actor,
    ) -> None:
        self._check_decider(application, actor)
        reasons = rejection_reasons()
        if reason_code not in reasons:
            raise WorkflowError("unknown_reason", f"unknown rejection reason {reason_code!r}")
        if reason_code == "other" and not text.strip():
            raise WorkflowError("reason_required", "explain the reason")
        language = application.language if application.language in ("en", "hi") else "hi"
        reason = _pick(reasons[reason_code], language) + (
            f" {text.strip()}" if text.strip() else ""
        )
        before = state_of(application)
        application.status = ApplicationStatus.REJECTED
        application.decided_at = self.clock()
        application.decision_reason = reason
        self._touch(application)
        self._audit(session, application, actor, "rejected", reason=reason_code, text=text)
        record(
            session,
            Kind.DECIDED,
            application=application,
            before=before,
            at=application.decided_at,
            reason=reason_code,
        )
        self.notify(session, application, "rejected", reason=reason)

    def _touch(self, application: Application) -> None:
        application.updated_at = self.clock()


def find_by_reference(session: Session, reference: str) -> Application | None:
    return session.scalars(select(Application).where(Application.reference == reference)).first()


def active_document_ids(session: Session, application: Application) -> list[int]:
    statement = select(Document.id).where(
        Document.application_id == application.id, Document.status == DocumentStatus.ACTIVE
    )
    return list(session.scalars(statement))
