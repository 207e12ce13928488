"""Validate ``POST /{version}/{phone-number-id}/messages`` bodies the way Meta does.

Limits from ``reference/whatsapp-cloud-api.md`` §4.3 to §4.9 and §5.3. A problem raises
:class:`~sevadwar.fakes.graph_faults.GraphFault` with code 131008 (missing), 131009 (bad value)
or 100 (unknown type), and ``details`` naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sevadwar.fakes.graph_faults import GraphFault

_PHONE = re.compile(r"\+?[0-9]{6,15}")
_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")
_MEDIA_KINDS = ("image", "document", "audio", "video", "sticker")
_CAPTIONED = ("image", "document", "video")
_KNOWN_TYPES = frozenset(
    {"text", "interactive", "template", "location", "contacts", "reaction", *_MEDIA_KINDS}
)


def units(text: str) -> int:
    """Length in UTF-16 code units (what the limits are checked against)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What the fake needs from a valid send."""

    type: str
    to: str | None
    recipient: str | None
    template_name: str | None = None
    template_language: str | None = None
    template_body_params: tuple[str, ...] = ()
    media_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadRequest:
    message_id: str
    typing: bool


def validate_read(body: dict[str, Any]) -> ReadRequest:
    _product(body)
    message_id = _str(body, "message_id", "message_id")
    typing = body.get("typing_indicator")
    if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
        raise GraphFault(131009, "typing_indicator.type must be 'text'")
    return ReadRequest(message_id=message_id, typing=typing is not None)


def validate_send(body: dict[str, Any]) -> SendRequest:
    _product(body)
    to, recipient = body.get("to"), body.get("recipient")
    if to is None and recipient is None:
        raise GraphFault(131008, "The parameter to (or recipient) is required.")
    if to is not None and (not isinstance(to, str) or not _PHONE.fullmatch(to)):
        raise GraphFault(131009, "to must be a phone number (digits, optional leading +)")
    if recipient is not None and (
        not isinstance(recipient, str) or not _BSUID.fullmatch(recipient)
    ):
        raise GraphFault(131009, "recipient must be a business-scoped user id like IN.1234")
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise GraphFault(131009, "recipient_type must be 'individual'")
    kind = body.get("type", "text")
    if not isinstance(kind, str) or kind not in _KNOWN_TYPES:
        raise GraphFault(100, f"Unsupported message type: {kind!r}")
    context = body.get("context")
    if context is not None:
        _str(_obj(context, "context"), "message_id", "context.message_id")
    content = _obj(body.get(kind), kind)
    request = SendRequest(type=kind, to=to, recipient=recipient)
    if kind == "text":
        _text(content)
    elif kind == "interactive":
        _interactive(content)
    elif kind in _MEDIA_KINDS:
        request = SendRequest(type=kind, to=to, recipient=recipient, media_id=_media(kind, content))
    elif kind == "template":
        name, language, params = _template(content)
        request = SendRequest(
            type=kind,
            to=to,
            recipient=recipient,
            template_name=name,
            template_language=language,
            template_body_params=params,
        )
    elif kind == "reaction":
        _str(content, "message_id", "reaction.message_id")
        emoji = content.get("emoji", "")
        if not isinstance(emoji, str):
            raise GraphFault(131009, "reaction.emoji must be a string")
    elif kind == "location":
        for key in ("latitude", "longitude"):
            if not isinstance(content.get(key), int | float | str):
                raise GraphFault(131008, f"location.{key} is required")
    return request


# --------------------------------------------------------------------------- per type


def _text(text: dict[str, Any]) -> None:
    body = _str(text, "body", "text.body")
    _max(body, 4096, "text.body")
    preview = text.get("preview_url", False)
    if not isinstance(preview, bool):
        raise GraphFault(131009, "text.preview_url must be a boolean")


def _interactive(interactive: dict[str, Any]) -> None:
    kind = _str(interactive, "type", "interactive.type")
    if kind not in ("button", "list", "cta_url", "flow"):
        raise GraphFault(100, f"Unsupported interactive type: {kind!r}")
    body_limit = 4096 if kind == "list" else 1024
    body = _str(_obj(interactive.get("body"), "interactive.body"), "text", "interactive.body.text")
    _max(body, body_limit, "interactive.body.text")
    header = interactive.get("header")
    if header is not None:
        header = _obj(header, "interactive.header")
        header_type = _str(header, "type", "interactive.header.type")
        if header_type == "text":
            _max(_str(header, "text", "interactive.header.text"), 60, "interactive.header.text")
        elif kind == "list" or header_type not in ("image", "video", "document"):
            raise GraphFault(131009, f"interactive.header.type {header_type!r} is not allowed")
    footer = interactive.get("footer")
    if footer is not None:
        text = _str(_obj(footer, "interactive.footer"), "text", "interactive.footer.text")
        _max(text, 60, "interactive.footer.text")
    action = _obj(interactive.get("action"), "interactive.action")
    if kind == "button":
        _buttons(action)
    elif kind == "list":
        _list(action)
    elif kind == "cta_url":
        if action.get("name") != "cta_url":
            raise GraphFault(131009, "interactive.action.name must be 'cta_url'")
        parameters = _obj(action.get("parameters"), "interactive.action.parameters")
        label = _str(parameters, "display_text", "action.parameters.display_text")
        _max(label, 20, "action.parameters.display_text")
        _link(_str(parameters, "url", "action.parameters.url"), "action.parameters.url")
    else:
        parameters = _obj(action.get("parameters"), "interactive.action.parameters")
        _str(parameters, "flow_cta", "action.parameters.flow_cta")
        if ("flow_id" in parameters) == ("flow_name" in parameters):
            raise GraphFault(131009, "give exactly one of flow_id or flow_name")


def _buttons(action: dict[str, Any]) -> None:
    buttons = _array(action.get("buttons"), "action.buttons")
    if not 1 <= len(buttons) <= 3:
        raise GraphFault(131009, "action.buttons must hold 1 to 3 buttons")
    ids, titles = [], []
    for i, button in enumerate(buttons):
        where = f"action.buttons[{i}]"
        button = _obj(button, where)
        if button.get("type") != "reply":
            raise GraphFault(131009, f"{where}.type must be 'reply'")
        reply = _obj(button.get("reply"), f"{where}.reply")
        ids.append(_max(_str(reply, "id", f"{where}.reply.id"), 256, f"{where}.reply.id"))
        titles.append(
            _max(_str(reply, "title", f"{where}.reply.title"), 20, f"{where}.reply.title")
        )
    if len(set(ids)) != len(ids):
        raise GraphFault(131009, "button ids must be unique")
    if len(set(titles)) != len(titles):
        raise GraphFault(131009, "button titles must be unique")


def _list(action: dict[str, Any]) -> None:
    _max(_str(action, "button", "action.button"), 20, "action.button")
    sections = _array(action.get("sections"), "action.sections")
    if not 1 <= len(sections) <= 10:
        raise GraphFault(131009, "action.sections must hold 1 to 10 sections")
    ids: list[str] = []
    for i, section in enumerate(sections):
        where = f"action.sections[{i}]"
        section = _obj(section, where)
        title = section.get("title")
        if title is None:
            if len(sections) > 1:
                raise GraphFault(131008, f"{where}.title is required when there are sections")
        else:
            _max(_str(section, "title", f"{where}.title"), 24, f"{where}.title")
        rows = _array(section.get("rows"), f"{where}.rows")
        if not rows:
            raise GraphFault(131009, f"{where}.rows must not be empty")
        for j, row in enumerate(rows):
            at = f"{where}.rows[{j}]"
            row = _obj(row, at)
            ids.append(_max(_str(row, "id", f"{at}.id"), 200, f"{at}.id"))
            _max(_str(row, "title", f"{at}.title"), 24, f"{at}.title")
            if row.get("description") is not None:
                _max(_str(row, "description", f"{at}.description"), 72, f"{at}.description")
    if len(ids) > 10:
        raise GraphFault(131009, f"a list holds at most 10 rows in total, got {len(ids)}")
    if len(set(ids)) != len(ids):
        raise GraphFault(131009, "row ids must be unique")


def _media(kind: str, media: dict[str, Any]) -> str | None:
    has_id, has_link = "id" in media, "link" in media
    if has_id == has_link:
        raise GraphFault(131009, f"{kind} needs exactly one of id or link")
    if has_link:
        _link(_str(media, "link", f"{kind}.link"), f"{kind}.link")
    caption = media.get("caption")
    if caption is not None:
        if kind not in _CAPTIONED:
            raise GraphFault(131009, f"{kind} cannot have a caption")
        _max(_str(media, "caption", f"{kind}.caption"), 1024, f"{kind}.caption")
    if media.get("filename") is not None:
        _str(media, "filename", f"{kind}.filename")
    return _str(media, "id", f"{kind}.id") if has_id else None


def _template(template: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    name = _str(template, "name", "template.name")
    language = _obj(template.get("language"), "template.language")
    code = _str(language, "code", "template.language.code")
    params: list[str] = []
    for i, component in enumerate(_array(template.get("components", []), "template.components")):
        component = _obj(component, f"template.components[{i}]")
        if component.get("type") != "body":
            continue
        parameters = component.get("parameters", [])
        for j, parameter in enumerate(_array(parameters, f"template.components[{i}].parameters")):
            where = f"template.components[{i}].parameters[{j}]"
            parameter = _obj(parameter, where)
            if parameter.get("type") == "text":
                text = _str(parameter, "text", f"{where}.text")
                if re.search(r"[\n\t]| {5,}", text):
                    raise GraphFault(132018)
                params.append(text)
            else:
                params.append(str(parameter.get(parameter.get("type", ""), "")))
    return name, code, tuple(params)


# --------------------------------------------------------------------------- helpers


def _product(body: dict[str, Any]) -> None:
    if body.get("messaging_product") != "whatsapp":
        raise GraphFault(131008, "The parameter messaging_product is required.")


def _obj(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        raise GraphFault(131008, f"The parameter {where} is required.")
    if not isinstance(value, dict):
        raise GraphFault(131009, f"{where} must be an object")
    return value


def _array(value: Any, where: str) -> list[Any]:
    if value is None:
        raise GraphFault(131008, f"The parameter {where} is required.")
    if not isinstance(value, list):
        raise GraphFault(131009, f"{where} must be an array")
    return value


def _str(container: dict[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if value is None:
        raise GraphFault(131008, f"The parameter {where} is required.")
    if not isinstance(value, str) or not value.strip():
        raise GraphFault(131009, f"{where} must be a non-empty string")
    return value


def _max(value: str, limit: int, where: str) -> str:
    if units(value) > limit:
        raise GraphFault(131009, f"{where} is longer than {limit} characters ({units(value)})")
    return value


def _link(url: str, where: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise GraphFault(131009, f"{where} must be an http(s) URL")
