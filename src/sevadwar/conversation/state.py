"""Conversation state: a small, versioned, JSON-safe record per citizen.

The engine never trusts a stored state blindly: ``State.load`` turns anything it cannot use (an
old version, a step that no longer exists, a service or field removed from the catalogue) into a
safe state at the menu, flagged so the citizen is told why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

VERSION = 1


class Step(StrEnum):
    NEW = "new"  # never spoken to
    LANGUAGE = "language"  # waiting for a language choice
    CONSENT = "consent"  # waiting for consent to the privacy notice
    MENU = "menu"  # idle: free text is understood, the menu is shown
    DEPARTMENTS = "departments"  # browsing departments
    SERVICES = "services"  # browsing one department's services
    CLARIFY = "clarify"  # choosing between candidate services
    CARD = "card"  # looking at a service card
    QUESTION = "question"  # answering a form field
    DOCUMENT = "document"  # sending a document
    REVIEW = "review"  # checking answers before submitting
    EDIT = "edit"  # choosing which answer to change
    GRIEVANCE = "grievance"  # typing a complaint
    ERASE = "erase"  # confirming "delete my data"


DRAFT_STEPS = frozenset({Step.QUESTION, Step.DOCUMENT, Step.REVIEW, Step.EDIT})


@dataclass(frozen=True, slots=True)
class State:
    step: Step = Step.NEW
    language: str | None = None
    consented: bool = False
    service: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: str | None = None  # the field or document being asked
    editing: bool = False  # answering one field again from the review
    department: str | None = None
    page: int = 0
    candidates: tuple[str, ...] = ()
    pending: dict[str, Any] | None = (
        None  # what the first message asked for, kept until onboarding ends
    )
    updated_at: str | None = None  # ISO time of the last citizen message
    notice: str | None = None  # a one-off note for the next reply ("upgraded")
    awaiting_info: str | None = None  # an officer asked for more on this application reference
    helpdesk: int | None = None  # the open ticket the citizen's texts go to (an officer's chat)

    def replace(self, **changes: Any) -> State:
        return dataclasses.replace(self, **changes)

    def clear_draft(self) -> State:
        return self.replace(
            service=None,
            answers={},
            documents={},
            current=None,
            editing=False,
            page=0,
            candidates=(),
        )

    def dump(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["step"] = self.step.value
        data["candidates"] = list(self.candidates)
        data["v"] = VERSION
        return data

    @property
    def last_seen(self) -> datetime | None:
        if not self.updated_at:
            return None
        moment = datetime.fromisoformat(self.updated_at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> State:
        """A usable state from stored JSON; anything unknown resumes safely at the menu."""
        if not data:
            return cls()
        language = data.get("language") if isinstance(data.get("language"), str) else None
        consented = bool(data.get("consented"))
        safe = cls(
            step=Step.MENU if language else Step.NEW,
            language=language,
            consented=consented,
            updated_at=data.get("updated_at"),
            awaiting_info=data.get("awaiting_info")
            if isinstance(data.get("awaiting_info"), str)
            else None,
            helpdesk=_ticket_id(data.get("helpdesk")),
        )
        if data.get("v") != VERSION:
            return safe.replace(notice="upgraded") if language else safe
        try:
            step = Step(data.get("step", "new"))
            return cls(
                step=step,
                language=language,
                consented=consented,
                service=data.get("service"),
                answers=dict(data.get("answers") or {}),
                documents=dict(data.get("documents") or {}),
                current=data.get("current"),
                editing=bool(data.get("editing")),
                department=data.get("department"),
                page=int(data.get("page") or 0),
                candidates=tuple(data.get("candidates") or ()),
                pending=data.get("pending"),
                updated_at=data.get("updated_at"),
                notice=data.get("notice"),
                awaiting_info=data.get("awaiting_info"),
                helpdesk=_ticket_id(data.get("helpdesk")),
            )
        except (ValueError, TypeError):
            return safe.replace(notice="upgraded") if language else safe


def _ticket_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
