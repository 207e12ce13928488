"""Telling a citizen something they did not just ask for: a status change, a helpdesk reply.

WhatsApp delivers free-form messages only inside the 24-hour customer service window that the
citizen's last message opened; outside it, only an approved template goes through. So every
notice is written twice, from data files: the message as the chat shows it, and the utility
template (``templates.yaml``) with the same facts as parameters. :func:`do_notify` picks by the
window when it enqueues; the message also carries its template as ``fallback``, which the sender
swaps in if the window closes while the message waits (Meta error 131047).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from sevadwar.channels.base import DocumentMessage, Outbound, TemplateMessage, Text
from sevadwar.conversation.models import Conversation
from sevadwar.messaging.outbox import Recipient, enqueue

WINDOW = timedelta(hours=24)  # WhatsApp's customer service window
LANGUAGES = ("en", "hi")


@dataclass(frozen=True, slots=True)
class Template:
    """One utility template as registered with Meta: its name, parameters and bodies."""

    key: str
    name: str
    params: tuple[str, ...]
    body: dict[str, str]
    header: str | None = None  # "document": the template carries a file in its header

    def message(
        self, language: str, values: dict[str, Any], *, document: DocumentMessage | None = None
    ) -> TemplateMessage:
        """The template filled with ``values`` (by parameter name), in ``language``."""
        missing = [p for p in self.params if str(values.get(p) or "").strip() == ""]
        if missing:
            raise ValueError(f"template {self.key!r} needs {', '.join(missing)}")
        if (self.header == "document") != (document is not None):
            raise ValueError(f"template {self.key!r}: a document header is {self.header!r}")
        header = replace(document, caption=None, fallback=None) if document else None
        return TemplateMessage(
            name=self.name,
            language=language if language in self.body else "hi",
            body_params=tuple(str(values[p]) for p in self.params),
            document=header,
        )


@cache
def templates() -> dict[str, Template]:
    """Every utility template, by the key of the notice it stands in for."""
    data = yaml.safe_load((Path(__file__).parent / "templates.yaml").read_text(encoding="utf-8"))
    found: dict[str, Template] = {}
    for key, spec in data.items():
        body = {language: str(spec["body"][language]) for language in LANGUAGES}
        params = tuple(spec["params"])
        for language, text in body.items():
            placeholders = {f"{{{{{n}}}}}" for n in range(1, len(params) + 1)}
            if not all(p in text for p in placeholders):
                raise ValueError(
                    f"templates.yaml: {key}.{language} must use {sorted(placeholders)}"
                )
        found[key] = Template(key, str(spec["name"]), params, body, spec.get("header"))
    return found


def window_open(conversation: Conversation | None, now: datetime) -> bool:
    """Whether WhatsApp would deliver a free-form message to this citizen now, as far as we know."""
    last = conversation.last_inbound_at if conversation else None
    return last is not None and now - last < WINDOW


def window_closed(conversation: Conversation | None, now: datetime) -> bool:
    """Whether the window has surely closed: the citizen's last message is over 24 hours old.

    With no record of their last message (an application from another system), the message is
    tried; Meta answers 131047 if the window is closed and the sender swaps in the template.
    """
    last = conversation.last_inbound_at if conversation else None
    return last is not None and now - last >= WINDOW


def recipient_of(session: Session, citizen_key: str, channel: str) -> Recipient:
    """Where a citizen's notices go: the identifiers their conversation last used."""
    conversation = session.get(Conversation, citizen_key)
    recipient = Recipient(
        citizen_key=citizen_key,
        channel=channel,
        wa_id=conversation.wa_id if conversation else None,
        user_id=conversation.user_id if conversation else None,
    )
    if channel == "whatsapp" and not (recipient.wa_id or recipient.user_id):
        recipient = Recipient(citizen_key, channel, user_id=citizen_key)
    return recipient


def do_notify(
    session: Session,
    *,
    citizen_key: str,
    channel: str,
    messages: list[Outbound],
    cause: str,
    now: datetime,
) -> None:
    """Enqueue a notice: ``messages`` inside the window, the first one's template outside it.

    The first message carries its template as ``fallback``; inside the window it stays there, so
    a window that closes while the message waits still ends in a delivered template.
    """
    fallback = getattr(messages[0], "fallback", None) if messages else None
    closed = channel == "whatsapp" and window_closed(session.get(Conversation, citizen_key), now)
    if fallback is not None and closed:
        messages = [fallback]
    enqueue(session, recipient_of(session, citizen_key, channel), messages, cause=cause, now=now)


def notice(key: str, language: str, text: str, values: dict[str, Any]) -> Text:
    """The chat message ``text`` with the template ``key`` filled from ``values`` as fallback."""
    return Text(text, fallback=templates()[key].message(language, values))
