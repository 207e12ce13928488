"""Render channel-neutral :data:`~sevadwar.channels.base.Outbound` messages as Cloud API bodies.

Each body is ready for ``POST /{version}/{phone-number-id}/messages``. The renderer enforces
Meta's content limits (``reference/whatsapp-cloud-api.md`` §5.3) so a send is never rejected for
its shape:

* text longer than 4096 units is split at paragraph, line, sentence or word boundaries into
  several messages (:func:`~sevadwar.channels.whatsapp.textfit.split_text`);
* an interactive body longer than 1024 goes out as leading text messages plus the last part;
* titles, labels, headers and footers are clipped with an ellipsis;
* ids are never changed: an id that is too long or repeated is a bug and raises ``ValueError``;
* more than 3 buttons become a list; a list with more than 10 rows raises ``ValueError``
  (the engine pages long lists with :func:`paginate_rows`).

Meta's pages, under https://developers.facebook.com/documentation/business-messaging/whatsapp/ :
``messages/text-messages``, ``messages/interactive-reply-buttons-messages``,
``messages/interactive-list-messages``, ``messages/interactive-cta-url-messages``,
``messages/document-messages``, ``messages/image-messages``, ``messages/template-messages``,
``typing-indicators`` (§4.3 to §4.9).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sevadwar.channels.base import (
    Buttons,
    Citizen,
    CtaUrl,
    DocumentMessage,
    ImageMessage,
    ListMenu,
    Outbound,
    Row,
    Section,
    TemplateMessage,
    Text,
)
from sevadwar.channels.whatsapp.textfit import clip, split_tail, split_text, units

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
CAPTION_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_ROWS_MAX = 10
LIST_SECTIONS_MAX = 10
LIST_BUTTON_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
CTA_LABEL_MAX = 20
TEMPLATE_PARAM_MAX = 1024

PAGE_SIZE = 9  # rows per page of a long list; the tenth row is "more"
MORE_ROW_PREFIX = "__more__:"

# A label without words, used only when the engine did not pass one (buttons turned into a list).
DEFAULT_LIST_BUTTON = "☰"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom to address: the phone number (``to``) when known, else the BSUID (``recipient``)."""

    wa_id: str | None = None
    user_id: str | None = None

    @classmethod
    def from_citizen(cls, citizen: Citizen) -> Recipient:
        return cls(wa_id=citizen.wa_id, user_id=citizen.user_id)


def render(
    message: Outbound,
    recipient: Recipient,
    *,
    list_button: str = DEFAULT_LIST_BUTTON,
    reply_to: str | None = None,
) -> list[dict[str, Any]]:
    """The ``/messages`` bodies for ``message``, in sending order (usually one).

    ``list_button`` labels the list that more than three buttons turn into (pass the citizen's
    language; the default is a symbol). ``reply_to`` quotes an inbound wamid on the first body.
    Raises ``ValueError`` for what no rendering can fix: no recipient, an empty body, an id that
    is too long or repeated, more than 10 list rows, a link that is not http(s).
    """
    address = _address(recipient)
    if isinstance(message, Text):
        parts = _text_parts(message.body)
    elif isinstance(message, Buttons):
        parts = _buttons(message, list_button)
    elif isinstance(message, ListMenu):
        parts = _list(message)
    elif isinstance(message, CtaUrl):
        parts = _cta_url(message)
    elif isinstance(message, DocumentMessage):
        parts = _media(
            "document", message.link, message.media_id, message.caption, message.filename
        )
    elif isinstance(message, ImageMessage):
        parts = _media("image", message.link, message.media_id, message.caption, None)
    elif isinstance(message, TemplateMessage):
        parts = [_template(message)]
    else:  # pragma: no cover - exhaustive over Outbound
        raise TypeError(f"cannot render {type(message).__name__}")
    bodies = [{**address, **part} for part in parts]
    if reply_to:
        bodies[0]["context"] = {"message_id": reply_to}
    return bodies


def mark_read(message_id: str, typing: bool = False) -> dict[str, Any]:
    """Mark an inbound message read; with ``typing``, also show "typing…" (up to 25 s, §4.9)."""
    if not message_id:
        raise ValueError("message_id is required")
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": message_id,
    }
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body


def paginate_rows(
    rows: Sequence[Row], page: int, *, more_title: str | None = None
) -> tuple[tuple[Row, ...], bool]:
    """Page ``page`` (from 0) of a long list: at most 9 rows, and whether more follow.

    Up to 10 rows fit in one list, so a list of 10 or fewer is one page. Longer lists go 9 rows
    a page, leaving the tenth place for a "more" row. Given ``more_title`` (in the citizen's
    language), that row is appended with id :func:`more_row_id` of the next page.
    """
    if page < 0:
        raise ValueError("page must be >= 0")
    remaining = tuple(rows[page * PAGE_SIZE :])
    if len(remaining) <= LIST_ROWS_MAX:
        return remaining, False
    page_rows = remaining[:PAGE_SIZE]
    if more_title is not None:
        page_rows += (Row(id=more_row_id(page + 1), title=more_title),)
    return page_rows, True


def more_row_id(page: int) -> str:
    """The id of the row that asks for ``page`` of a paginated list."""
    return f"{MORE_ROW_PREFIX}{page}"


def parse_more_row_id(reply_id: str | None) -> int | None:
    """The page asked for by a "more" row's id, or None for any other reply."""
    if not reply_id or not reply_id.startswith(MORE_ROW_PREFIX):
        return None
    number = reply_id[len(MORE_ROW_PREFIX) :]
    return int(number) if number.isascii() and number.isdigit() else None


# --------------------------------------------------------------------------- pieces


def _address(recipient: Recipient) -> dict[str, Any]:
    address: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    if recipient.wa_id:
        address["to"] = recipient.wa_id
    elif recipient.user_id:
        address["recipient"] = recipient.user_id
    else:
        raise ValueError("recipient has neither wa_id nor user_id")
    return address


def _text_parts(body: str) -> list[dict[str, Any]]:
    chunks = split_text(body, TEXT_MAX)
    if not chunks:
        raise ValueError("text body is empty")
    return [{"type": "text", "text": {"body": chunk, "preview_url": False}} for chunk in chunks]


def _interactive(
    kind: str, body: str, header: str | None, footer: str | None, action: dict[str, Any]
) -> list[dict[str, Any]]:
    head, tail = split_tail(body, INTERACTIVE_BODY_MAX)
    if not tail:
        raise ValueError(f"{kind} message body is empty")
    interactive: dict[str, Any] = {"type": kind}
    header_text = clip(header, HEADER_MAX) if header else ""
    if header_text:
        interactive["header"] = {"type": "text", "text": header_text}
    interactive["body"] = {"text": tail}
    footer_text = clip(footer, FOOTER_MAX) if footer else ""
    if footer_text:
        interactive["footer"] = {"text": footer_text}
    interactive["action"] = action
    leading = _text_parts(head) if head else []
    return [*leading, {"type": "interactive", "interactive": interactive}]


def _buttons(message: Buttons, list_button: str) -> list[dict[str, Any]]:
    if not message.buttons:
        raise ValueError("a buttons message needs at least one button")
    if len(message.buttons) > BUTTONS_MAX:
        rows = tuple(Row(id=b.id, title=b.title) for b in message.buttons)
        as_list = ListMenu(
            body=message.body,
            button=list_button,
            sections=(Section(title="", rows=rows),),
            header=message.header,
            footer=message.footer,
        )
        return _list(as_list)
    ids = [b.id for b in message.buttons]
    _check_ids(ids, BUTTON_ID_MAX, "button")
    titles = _unique_titles([b.title for b in message.buttons], BUTTON_TITLE_MAX)
    action = {
        "buttons": [
            {"type": "reply", "reply": {"id": button_id, "title": title}}
            for button_id, title in zip(ids, titles, strict=True)
        ]
    }
    return _interactive("button", message.body, message.header, message.footer, action)


def _list(message: ListMenu) -> list[dict[str, Any]]:
    sections = [s for s in message.sections if s.rows]
    rows = [row for s in sections for row in s.rows]
    if not rows:
        raise ValueError("a list needs at least one row")
    if len(rows) > LIST_ROWS_MAX:
        raise ValueError(
            f"a list holds at most {LIST_ROWS_MAX} rows, got {len(rows)}; "
            "page it with paginate_rows"
        )
    if len(sections) > LIST_SECTIONS_MAX:  # pragma: no cover - implied by the row limit
        raise ValueError(f"a list holds at most {LIST_SECTIONS_MAX} sections")
    _check_ids([row.id for row in rows], ROW_ID_MAX, "row")
    label = clip(message.button, LIST_BUTTON_MAX)
    if not label:
        raise ValueError("a list needs a button label")
    rendered_sections = []
    for section in sections:
        title = clip(section.title, SECTION_TITLE_MAX)
        if not title and len(sections) > 1:
            raise ValueError("every section needs a title when a list has several")
        rendered: dict[str, Any] = {"title": title} if title else {}
        rendered["rows"] = [_row(row) for row in section.rows]
        rendered_sections.append(rendered)
    action = {"button": label, "sections": rendered_sections}
    return _interactive("list", message.body, message.header, message.footer, action)


def _row(row: Row) -> dict[str, Any]:
    title = clip(row.title, ROW_TITLE_MAX)
    if not title:
        raise ValueError(f"row {row.id!r} has an empty title")
    rendered = {"id": row.id, "title": title}
    description = clip(row.description, ROW_DESCRIPTION_MAX) if row.description else ""
    if description:
        rendered["description"] = description
    return rendered


def _cta_url(message: CtaUrl) -> list[dict[str, Any]]:
    _check_link(message.url)
    label = clip(message.label, CTA_LABEL_MAX)
    if not label:
        raise ValueError("a CTA URL button needs a label")
    action = {"name": "cta_url", "parameters": {"display_text": label, "url": message.url}}
    return _interactive("cta_url", message.body, message.header, message.footer, action)


def _media(
    kind: str, link: str | None, media_id: str | None, caption: str | None, filename: str | None
) -> list[dict[str, Any]]:
    if bool(link) == bool(media_id):
        raise ValueError(f"a {kind} needs exactly one of link or media_id")
    media: dict[str, Any] = {"id": media_id} if media_id else {"link": _check_link(link or "")}
    leading: list[dict[str, Any]] = []
    caption = (caption or "").strip()
    if caption and units(caption) <= CAPTION_MAX:
        media["caption"] = caption
    elif caption:  # too long to be a caption: send it as text first
        leading = _text_parts(caption)
    if filename:
        media["filename"] = filename
    return [*leading, {"type": kind, kind: media}]


_TEMPLATE_BREAKS = re.compile(r"\s*[\n\t\r]+\s*")
_MANY_SPACES = re.compile(r" {4,}")


def _template(message: TemplateMessage) -> dict[str, Any]:
    if not message.name or not message.language:
        raise ValueError("a template needs a name and a language")
    template: dict[str, Any] = {"name": message.name, "language": {"code": message.language}}
    components: list[dict[str, Any]] = []
    if message.document is not None:  # a document header: the file travels with the template
        document = message.document
        if bool(document.link) == bool(document.media_id):
            raise ValueError("a template's document header needs exactly one of link or media_id")
        header: dict[str, Any] = (
            {"id": document.media_id}
            if document.media_id
            else {"link": _check_link(document.link or "")}
        )
        if document.filename:
            header["filename"] = document.filename
        components.append(
            {"type": "header", "parameters": [{"type": "document", "document": header}]}
        )
    if message.body_params:
        parameters = []
        for value in message.body_params:
            # Meta refuses parameters with newlines, tabs or more than 4 consecutive spaces.
            text = _MANY_SPACES.sub("   ", _TEMPLATE_BREAKS.sub(" ", value)).strip()
            if not text:
                raise ValueError(f"template {message.name!r} has an empty body parameter")
            if units(text) > TEMPLATE_PARAM_MAX:
                text = clip(text, TEMPLATE_PARAM_MAX)
            parameters.append({"type": "text", "text": text})
        components.append({"type": "body", "parameters": parameters})
    if components:
        template["components"] = components
    return {"type": "template", "template": template}


def _check_ids(ids: Sequence[str], limit: int, what: str) -> None:
    for item in ids:
        if not item:
            raise ValueError(f"a {what} id is empty")
        if len(item) > limit:
            raise ValueError(f"{what} id longer than {limit} characters: {item[:40]!r}…")
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} ids must be unique: {list(ids)}")


def _unique_titles(titles: Sequence[str], limit: int) -> list[str]:
    """Clip each title; titles that collide after clipping get a counter (Meta wants unique)."""
    result: list[str] = []
    for title in titles:
        candidate = clip(title, limit)
        if not candidate:
            raise ValueError("a button title is empty")
        counter = 2
        while candidate in result:
            suffix = f" {counter}"
            candidate = clip(title, limit - len(suffix)) + suffix
            counter += 1
        result.append(candidate)
    return result


def _check_link(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"links must be http(s) URLs: {url[:60]!r}")
    return url
