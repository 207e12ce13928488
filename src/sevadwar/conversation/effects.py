"""What a conversation step asks the outside world to do. The engine returns these; the shell
(``conversation/service.py``) carries them out in the same transaction as the state change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sevadwar.channels.base import Outbound


@dataclass(frozen=True, slots=True)
class Reply:
    message: Outbound


@dataclass(frozen=True, slots=True)
class RecordConsent:
    notice_version: str
    language: str


@dataclass(frozen=True, slots=True)
class WithdrawConsent:
    pass


@dataclass(frozen=True, slots=True)
class SubmitApplication:
    service_id: str
    answers: dict[str, Any]
    documents: dict[str, dict[str, Any]]
    language: str


@dataclass(frozen=True, slots=True)
class ShowStatus:
    reference: str | None = None  # None: list every application of the citizen
    pay: bool = False  # the citizen asked to pay: send the links of applications awaiting a fee


@dataclass(frozen=True, slots=True)
class OpenTicket:
    kind: str  # "human" or "grievance"
    text: str = ""
    references: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ProvideInfo:
    """The citizen's answer to an officer's request for more information."""

    reference: str
    text: str = ""
    has_media: bool = False


@dataclass(frozen=True, slots=True)
class MessageHelpdesk:
    """What the citizen wrote to the helpdesk officer of an open request for a person."""

    ticket: int
    text: str
    has_media: bool = False  # a photo or PDF for the officer (its caption, if any, is ``text``)


@dataclass(frozen=True, slots=True)
class EraseData:
    pass


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """A step of the conversation funnel reached (for the dashboard)."""

    name: str  # started, consented, service_chosen, form_completed, documents, submitted
    service_id: str | None = None


Effect = (
    Reply
    | RecordConsent
    | WithdrawConsent
    | SubmitApplication
    | ShowStatus
    | OpenTicket
    | ProvideInfo
    | MessageHelpdesk
    | EraseData
    | FunnelStep
)
