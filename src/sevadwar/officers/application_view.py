"""What the application page shows: answers, documents, SLA clock, timeline and the forms allowed.

Pure reading: the page is built from rows the access function already let through. Aadhaar
numbers appear masked only (``display_answer``); nothing here decrypts citizen data.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sevadwar.applications.models import OPEN_STATUSES, Application, ApplicationStatus
from sevadwar.applications.sla import compensation_rupees, days_late
from sevadwar.applications.workflow import rejection_reasons
from sevadwar.audit.models import AuditEntry
from sevadwar.catalogue.schema import Role, Service
from sevadwar.conversation.answers import display_answer
from sevadwar.conversation.context import IST
from sevadwar.documents.models import Document
from sevadwar.officers.auth import OfficerContext
from sevadwar.officers.pages import format_date
from sevadwar.officers.queries import (
    application_documents,
    department_officers,
    officers_by_id,
    timeline,
)
from sevadwar.officers.roles import FIELD_VERIFIERS, Permission, may_finish_stage
from sevadwar.officers.texts import Texts

HIDDEN_ACTIONS = frozenset({"application.document_viewed"})  # logged, but not part of the story


@dataclass(frozen=True, slots=True)
class AnswerRow:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    rows: list[AnswerRow]


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    label: str
    mime: str
    size_kb: int
    verified: str | None
    url: str

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


@dataclass(frozen=True, slots=True)
class SlaClock:
    due_at: datetime
    stage_due_at: datetime | None
    days_left: int  # negative when late
    late_days: int
    compensation: int
    stage_late: bool
    closed: bool


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    who: str
    what: str
    details: str


@dataclass
class ApplicationView:
    application: Application
    service: Service
    stage_name: str
    stage_role: Role | None
    sections: list[Section]
    documents: list[DocumentView]
    missing_documents: list[str]
    info_replies: list[dict[str, Any]]
    sla: SlaClock
    events: list[TimelineItem]
    assigned_to: str | None
    allowed: dict[str, bool] = field(default_factory=dict)
    field_officers: list[tuple[int, str]] = field(default_factory=list)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    is_open: bool = True


def _words(t: Texts) -> dict[str, str]:
    return {"skipped": t("answer_skipped"), "yes": t("answer_yes"), "no": t("answer_no")}


def _sections(service: Service, answers: dict[str, Any], t: Texts) -> list[Section]:
    sections: list[Section] = []
    words = _words(t)
    for spec in service.fields:
        if spec.id not in answers:
            continue
        title = spec.section.get(t.language) if spec.section else t("answers_other")
        row = AnswerRow(
            spec.label.get(t.language),
            display_answer(spec, answers[spec.id], t.language, words=words),
        )
        if sections and sections[-1].title == title:
            sections[-1].rows.append(row)
        else:
            sections.append(Section(title, [row]))
    return sections


def _document_label(service: Service, document: Document, t: Texts, also: list[str]) -> str:
    """The document's label, with the others the citizen sent the same file for ("same")."""
    labels = []
    for spec_id in [document.spec_id, *(s for s in also if s != document.spec_id)]:
        try:
            labels.append(service.document(spec_id).label.get(t.language))
        except KeyError:
            labels.append(t.get(f"doc_{spec_id}", spec_id))
    return " · ".join(labels)


def _files_of(submitted: dict[str, Any]) -> tuple[dict[int, list[str]], set[int]]:
    """Document id → the service's documents it was sent for (one file may serve several), and
    the ids that are the back of a two-sided card."""
    slots: dict[int, list[str]] = {}
    backs: set[int] = set()
    for spec_id, info in submitted.items():
        if not isinstance(info, dict):
            continue
        for side, is_back in ((info, False), (info.get("back"), True)):
            if isinstance(side, dict) and str(side.get("document_id", "")).isdigit():
                slots.setdefault(int(side["document_id"]), []).append(spec_id)
                if is_back:
                    backs.add(int(side["document_id"]))
    return slots, backs


def sla_clock(application: Application, now: datetime) -> SlaClock:
    closed = application.status not in OPEN_STATUSES
    until = application.decided_at if closed and application.decided_at else now
    today = until.astimezone(IST).date()
    days_left = (application.due_at.astimezone(IST).date() - today).days
    return SlaClock(
        due_at=application.due_at,
        stage_due_at=application.stage_due_at,
        days_left=max(days_left, 0),
        late_days=days_late(application.due_at, until),
        compensation=compensation_rupees(application.due_at, until),
        stage_late=bool(application.stage_due_at and not closed and application.stage_due_at < now),
        closed=closed,
    )


def _who(entry: AuditEntry, officers: dict[int, Any], t: Texts) -> str:
    kind, _, ident = entry.actor.partition(":")
    if kind == "officer" and ident.isdigit() and int(ident) in officers:
        officer = officers[int(ident)]
        return f"{officer.full_name or officer.username} ({t('role_' + officer.role)})"
    return t.get(f"actor_{kind}", entry.actor)


def _details(entry: AuditEntry, service: Service, officers: dict[int, Any], t: Texts) -> str:
    data = entry.data or {}
    stages = {s.id: s.name.get(t.language) for s in service.workflow.stages}
    parts: list[str] = []
    if "document" in data:
        spec_id = str(data["document"])
        try:
            parts.append(service.document(spec_id).label.get(t.language))
        except KeyError:  # not one of the service's documents: e.g. one sent in reply
            parts.append(t.get(f"doc_{spec_id}", spec_id))
    if "accepted" in data:
        parts.append(t("doc_accepted") if data["accepted"] else t("doc_rejected"))
    if "from" in data and "to" in data:
        source, target = str(data["from"]), str(data["to"])
        parts.append(f"{stages.get(source, source)} → {stages.get(target, target)}")
    if entry.action == "application.rejected" and data.get("reason") in rejection_reasons():
        reason = rejection_reasons()[str(data["reason"])]
        parts.append(reason.get(t.language) or reason["en"])
    elif data.get("reason"):
        parts.append(str(data["reason"]))
    if data.get("officer") in officers:
        officer = officers[data["officer"]]
        parts.append(officer.full_name or officer.username)
    if data.get("due"):
        with contextlib.suppress(ValueError):
            due = datetime.fromisoformat(str(data["due"]))
            parts.append(t("due_on", date=format_date(due)))
    for key in ("request", "note", "text"):
        if data.get(key):
            parts.append(f"“{data[key]}”")
    return " · ".join(parts)


def build_view(
    session: Session,
    application: Application,
    service: Service,
    context: OfficerContext,
    t: Texts,
    *,
    now: datetime,
) -> ApplicationView:
    stage = next((s for s in service.workflow.stages if s.id == application.stage), None)
    documents = application_documents(session, application)
    submitted = application.answers.get("documents", {}) or {}
    slots, backs = _files_of(submitted)
    provided = {d.spec_id for d in documents} | {s for d in documents for s in slots.get(d.id, [])}
    missing = [
        spec.label.get(t.language)
        for spec in service.documents
        if spec.id in submitted and spec.id not in provided and isinstance(submitted[spec.id], dict)
    ]
    entries = [
        e
        for e in timeline(session, f"application:{application.reference}")
        if e.action not in HIDDEN_ACTIONS
    ]
    ids: set[int] = set()
    for e in entries:
        kind, _, ident = e.actor.partition(":")
        if kind == "officer" and ident.isdigit():
            ids.add(int(ident))
        if isinstance((e.data or {}).get("officer"), int):
            ids.add(int(e.data["officer"]))
    if application.assigned_to:
        ids.add(application.assigned_to)
    officers = officers_by_id(session, ids)
    assigned = officers.get(application.assigned_to) if application.assigned_to else None
    is_open = application.status in OPEN_STATUSES
    paid = application.status != ApplicationStatus.FEE_PENDING
    view = ApplicationView(
        application=application,
        service=service,
        stage_name=stage.name.get(t.language) if stage else (application.stage or "—"),
        stage_role=stage.role if stage else None,
        sections=_sections(service, application.answers.get("fields", {}) or {}, t),
        documents=[
            DocumentView(
                id=d.id,
                label=_document_label(service, d, t, slots.get(d.id, []))
                + (f" {t('document_back_side')}" if d.id in backs else ""),
                mime=d.mime_type,
                size_kb=max(1, d.size // 1024),
                verified=d.verified,
                url=f"/office/applications/{application.reference}/documents/{d.id}",
            )
            for d in documents
        ],
        missing_documents=missing,
        info_replies=list(application.answers.get("info_replies", []) or []),
        sla=sla_clock(application, now),
        events=[
            TimelineItem(
                at=e.at,
                who=_who(e, officers, t),
                what=t.get("event_" + e.action.replace(".", "_"), e.action),
                details=_details(e, service, officers, t),
            )
            for e in entries
        ],
        assigned_to=(assigned.full_name or assigned.username) if assigned else None,
        is_open=is_open,
    )
    is_last = bool(stage) and stage == service.workflow.stages[-1]
    view.allowed = {
        "verify": is_open and context.can(Permission.VERIFY_DOCUMENTS),
        "request_info": is_open and context.can(Permission.REQUEST_INFO),
        "field_verification": is_open and paid and context.can(Permission.FIELD_VERIFICATION),
        "forward": is_open
        and paid
        and not is_last
        and stage is not None
        and may_finish_stage(context.role, stage.role),
        "decide": is_open and paid and context.can(Permission.DECIDE),
    }
    if view.allowed["field_verification"] and context.department:
        view.field_officers = [
            (o.id, f"{o.full_name or o.username} ({t('role_' + o.role)})")
            for o in department_officers(session, context.department, roles=FIELD_VERIFIERS)
        ]
    if view.allowed["decide"]:
        view.reasons = [
            (code, texts.get(t.language) or texts["en"])
            for code, texts in rejection_reasons().items()
        ]
    return view
