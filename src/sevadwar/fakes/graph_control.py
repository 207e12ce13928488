"""The fake Graph API's control API, under ``/_fake/…`` (no auth; a local test double).

Benchmarks and demos that run the fake as a separate process steer it here; tests in the same
process may call the :class:`~sevadwar.fakes.graph_state.FakeGraph` methods directly.

==========================  ================================================================
``GET /_fake/state``        sent messages, read marks, media, webhook deliveries, ``idle``
``POST /_fake/reset``       forget everything (configuration stays)
``POST /_fake/config``      change :class:`~sevadwar.fakes.graph_state.FakeConfig` fields
``POST /_fake/faults``      ``{"code", "count", "recipient"?}``: the next sends fail
``POST /_fake/throttle``    ``{"count"}``: the next sends fail with 130429
``POST /_fake/fail_deliveries``  ``{"recipient", "code"}``: accepted, then a ``failed`` status
``POST /_fake/down``        ``{"mode": "off" | "unavailable" | "drop"}``
``POST /_fake/slow``        ``{"seconds"}``: delay every Graph API answer
``POST /_fake/templates``   ``{"name", "languages", "body_params"?}``: register a template
``POST /_fake/note_inbound``  ``{"wa_id"?, "user_id"?}``: open the 24-hour window
``POST /_fake/inbound``     play a citizen (see :meth:`ControlRoutes.inbound`)
``POST /_fake/status``      ``{"wamid", "status", "error_code"?}``: emit one status webhook
``POST /_fake/drain``       wait until every scheduled webhook is delivered
==========================  ================================================================
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_faults import GraphFault
from sevadwar.fakes.graph_state import FakeGraph, TemplateSpec
from sevadwar.fakes.placeholder_media import placeholder

Handler = Callable[[Request], Awaitable[Response]]


class _ControlError(Exception):
    pass


_BOOL_FIELDS = frozenset(
    {
        "emit_statuses",
        "skip_delivered",
        "auto_read",
        "duplicate_webhooks",
        "reorder_statuses",
        "batch_statuses",
        "ascii_json",
        "enforce_window",
        "check_phone_number_id",
    }
)
_FLOAT_FIELDS = frozenset(
    {"status_delay", "webhook_timeout", "pair_window_seconds", "slow_seconds"}
)
_OPTIONAL_STR_FIELDS = frozenset({"webhook_url", "access_token", "app_secret"})


class ControlRoutes:
    def __init__(self, fake: FakeGraph) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        handlers: dict[str, tuple[str, Handler]] = {
            "state": ("GET", self.state),
            "reset": ("POST", self.reset),
            "config": ("POST", self.config),
            "faults": ("POST", self.faults),
            "throttle": ("POST", self.throttle),
            "fail_deliveries": ("POST", self.fail_deliveries),
            "down": ("POST", self.down),
            "slow": ("POST", self.slow),
            "templates": ("POST", self.templates),
            "note_inbound": ("POST", self.note_inbound),
            "inbound": ("POST", self.inbound),
            "status": ("POST", self.status),
            "drain": ("POST", self.drain),
        }
        return [
            Route(f"/_fake/{name}", self._wrap(handler), methods=[method])
            for name, (method, handler) in handlers.items()
        ]

    @staticmethod
    def _wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except (_ControlError, TypeError, ValueError, KeyError) as exc:
                return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)

        return endpoint

    async def state(self, request: Request) -> Response:
        fake = self.fake
        return JSONResponse(
            {
                "sent": [
                    {
                        "wamid": m.wamid,
                        "wa_id": m.user.wa_id,
                        "user_id": m.user.user_id,
                        "at": m.at.isoformat(),
                        "body": m.body,
                    }
                    for m in fake.sent
                ],
                "read_marks": [
                    {"message_id": r.message_id, "typing": r.typing, "at": r.at.isoformat()}
                    for r in fake.read_marks
                ],
                "media": [
                    {
                        "id": m.id,
                        "mime_type": m.mime_type,
                        "size": len(m.data),
                        "filename": m.filename,
                    }
                    for m in fake.media.values()
                ],
                "webhooks": [
                    {
                        "kind": w.kind,
                        "attempts": w.attempts,
                        "delivered": w.delivered,
                        "body": w.body,
                    }
                    for w in fake.webhooks
                ],
                "idle": fake.idle,
            }
        )

    async def reset(self, request: Request) -> Response:
        self.fake.reset()
        return JSONResponse({"ok": True})

    async def config(self, request: Request) -> Response:
        changes: dict[str, Any] = {}
        for key, value in (await _control_json(request)).items():
            changes[key] = _config_value(key, value)
        config = self.fake.configure(**changes)
        return JSONResponse({"ok": True, "webhook_url": config.webhook_url})

    async def faults(self, request: Request) -> Response:
        data = await _control_json(request)
        self.fake.inject_error(
            _int(data, "code"), _int(data, "count", 1), recipient=_opt_str(data, "recipient")
        )
        return JSONResponse({"ok": True})

    async def throttle(self, request: Request) -> Response:
        self.fake.throttle_next(_int(await _control_json(request), "count", 1))
        return JSONResponse({"ok": True})

    async def fail_deliveries(self, request: Request) -> Response:
        data = await _control_json(request)
        code = data.get("code", 131026)
        if code is not None and not isinstance(code, int):
            raise _ControlError("code must be an integer or null")
        self.fake.fail_deliveries_to(_str(data, "recipient"), code)
        return JSONResponse({"ok": True})

    async def down(self, request: Request) -> Response:
        mode = _str(await _control_json(request), "mode")
        if mode not in ("off", "unavailable", "drop"):
            raise _ControlError("mode must be off, unavailable or drop")
        self.fake.configure(down=mode)
        return JSONResponse({"ok": True})

    async def slow(self, request: Request) -> Response:
        seconds = (await _control_json(request)).get("seconds", 0)
        self.fake.configure(slow_seconds=_config_value("slow_seconds", seconds))
        return JSONResponse({"ok": True})

    async def templates(self, request: Request) -> Response:
        data = await _control_json(request)
        languages = data.get("languages", ["en", "hi"])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise _ControlError("languages must be a list of strings")
        body_params = data.get("body_params")
        if body_params is not None and not isinstance(body_params, int):
            raise _ControlError("body_params must be an integer")
        self.fake.add_template(_str(data, "name"), languages, body_params)
        return JSONResponse({"ok": True})

    async def note_inbound(self, request: Request) -> Response:
        data = await _control_json(request)
        user = self.fake.note_inbound(
            wa_id=_opt_str(data, "wa_id"), user_id=_opt_str(data, "user_id")
        )
        return JSONResponse({"wa_id": user.wa_id, "user_id": user.user_id})

    async def inbound(self, request: Request) -> Response:
        """Play a citizen: build an inbound webhook, sign it and POST it to the app.

        Body: ``wa_id`` and/or ``user_id``, optional ``name``, ``message_id``, ``context_id``,
        and one of ``text``, ``button_reply`` ``{id, title}``, ``list_reply``
        ``{id, title, description?}``, ``template_button`` ``{payload, text}``,
        ``flow_response`` (object), ``location`` ``{latitude, longitude, name?, address?}``,
        ``reaction`` ``{message_id, emoji?}`` or ``media`` ``{type, mime_type?, data_base64?,
        caption?, filename?, voice?}`` (stored so the app can download it; a small valid file
        stands in when no bytes are given). Answers ``{message_id, media_id, delivered,
        attempts, user_id}``.
        """
        data = await _control_json(request)
        wa_id, user_id = _opt_str(data, "wa_id"), _opt_str(data, "user_id")
        if wa_id is None and user_id is None:
            raise _ControlError("give wa_id and/or user_id")
        name = _opt_str(data, "name") or "WhatsApp User"
        user = self.fake.resolve_user(wp.WaUser(wa_id=wa_id, user_id=user_id, name=name))
        message, media_id = self._inbound_message(user, data)
        delivery = await self.fake.emit_inbound(user, message)
        return JSONResponse(
            {
                "message_id": message["id"],
                "media_id": media_id,
                "delivered": delivery.delivered,
                "attempts": delivery.attempts,
                "user_id": user.user_id,
            }
        )

    def _inbound_message(
        self, user: wp.WaUser, data: dict[str, Any]
    ) -> tuple[dict[str, Any], str | None]:
        common: dict[str, Any] = {"message_id": _opt_str(data, "message_id")}
        context_id = _opt_str(data, "context_id")
        if "text" in data:
            text = _str(data, "text")
            return wp.text_message(user, text, context_id=context_id, **common), None
        if "button_reply" in data:
            reply = _dict(data, "button_reply")
            message = wp.button_reply_message(
                user, _str(reply, "id"), _str(reply, "title"), context_id=context_id, **common
            )
            return message, None
        if "list_reply" in data:
            reply = _dict(data, "list_reply")
            message = wp.list_reply_message(
                user,
                _str(reply, "id"),
                _str(reply, "title"),
                _opt_str(reply, "description"),
                context_id=context_id,
                **common,
            )
            return message, None
        if "template_button" in data:
            button = _dict(data, "template_button")
            message = wp.template_button_message(
                user, _str(button, "payload"), _str(button, "text"), context_id=context_id, **common
            )
            return message, None
        if "flow_response" in data:
            response = _dict(data, "flow_response")
            return wp.nfm_reply_message(user, response, context_id=context_id, **common), None
        if "location" in data:
            place = _dict(data, "location")
            latitude, longitude = place.get("latitude"), place.get("longitude")
            if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
                raise _ControlError("location needs numeric latitude and longitude")
            message = wp.location_message(
                user,
                latitude,
                longitude,
                name=_opt_str(place, "name"),
                address=_opt_str(place, "address"),
                **common,
            )
            return message, None
        if "reaction" in data:
            reaction = _dict(data, "reaction")
            message = wp.reaction_message(
                user, _str(reaction, "message_id"), _opt_str(reaction, "emoji"), **common
            )
            return message, None
        if "media" in data:
            return self._inbound_media(user, _dict(data, "media"), context_id, common)
        raise _ControlError(
            "give one of text, button_reply, list_reply, template_button, flow_response, "
            "location, reaction, media"
        )

    def _inbound_media(
        self,
        user: wp.WaUser,
        media: dict[str, Any],
        context_id: str | None,
        common: dict[str, Any],
    ) -> tuple[dict[str, Any], str]:
        kind = _str(media, "type")
        mime_type = _opt_str(media, "mime_type") or _DEFAULT_MIME.get(kind, "")
        encoded = _opt_str(media, "data_base64")
        try:
            data = base64.b64decode(encoded, validate=True) if encoded else placeholder(mime_type)
        except binascii.Error as exc:
            raise _ControlError("data_base64 is not base64") from exc
        try:
            stored = self.fake.store_media(data, mime_type, _opt_str(media, "filename"))
        except GraphFault as fault:
            raise _ControlError(fault.details) from fault
        voice = media.get("voice")
        if voice is not None and not isinstance(voice, bool):
            raise _ControlError("voice must be a boolean")
        message = wp.media_message(
            user,
            kind,
            stored.id,
            mime_type=mime_type,
            sha256=wp.media_sha256(data),
            caption=_opt_str(media, "caption"),
            filename=_opt_str(media, "filename"),
            voice=voice if kind == "audio" else None,
            context_id=context_id,
            **common,
        )
        return message, stored.id

    async def status(self, request: Request) -> Response:
        data = await _control_json(request)
        error_code = data.get("error_code")
        if error_code is not None and not isinstance(error_code, int):
            raise _ControlError("error_code must be an integer")
        delivery = await self.fake.emit_status(
            _str(data, "wamid"), _str(data, "status"), error_code=error_code
        )
        return JSONResponse({"delivered": delivery.delivered, "attempts": delivery.attempts})

    async def drain(self, request: Request) -> Response:
        await self.fake.drain()
        return JSONResponse({"ok": True})


_DEFAULT_MIME = {
    "image": "image/jpeg",
    "document": "application/pdf",
    "audio": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "sticker": "image/webp",
}


async def _control_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _ControlError("body is not JSON") from exc
    if not isinstance(data, dict):
        raise _ControlError("body must be a JSON object")
    return data


def _config_value(key: str, value: Any) -> Any:
    if key in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise _ControlError(f"{key} must be a boolean")
        return value
    if key in _FLOAT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _ControlError(f"{key} must be a non-negative number")
        return float(value)
    if key in _OPTIONAL_STR_FIELDS:
        if value is not None and not isinstance(value, str):
            raise _ControlError(f"{key} must be a string or null")
        return value
    if key == "pair_burst":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _ControlError("pair_burst must be a positive integer")
        return value
    if key == "throughput_mps":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _ControlError("throughput_mps must be an integer or null")
        return value
    if key == "retry_delays":
        if not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise _ControlError("retry_delays must be a list of non-negative numbers")
        return tuple(float(v) for v in value)
    if key == "api_versions":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _ControlError("api_versions must be a list of strings")
        return frozenset(value)
    if key == "down":
        if value not in ("off", "unavailable", "drop"):
            raise _ControlError("down must be off, unavailable or drop")
        return value
    if key == "templates":
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _ControlError("templates must be an object or null")
        return {
            name: TemplateSpec(frozenset(spec.get("languages", [])), spec.get("body_params"))
            for name, spec in value.items()
        }
    raise _ControlError(f"unknown or read-only config field: {key}")


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _ControlError(f"{key} must be a non-empty string")
    return value


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _ControlError(f"{key} must be a string")
    return value


def _int(data: dict[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _ControlError(f"{key} must be an integer")
    return value


def _dict(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise _ControlError(f"{key} must be an object")
    return value
