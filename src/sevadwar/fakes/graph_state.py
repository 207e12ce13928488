"""State and behaviour of the fake Graph API, independent of HTTP.

:class:`FakeGraph` is what tests inspect (``sent``, ``media``, ``read_marks``, ``webhooks``) and
steer (fault injection methods, also reachable over HTTP under ``/_fake/…``, see
:mod:`sevadwar.fakes.graph_api`). Time comes from an injectable clock so window and pair-rate
rules can be tested without sleeping.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_faults import GraphFault, title_for
from sevadwar.fakes.graph_validate import ReadRequest, SendRequest

DownMode = Literal["off", "unavailable", "drop"]
WebhookKind = Literal["inbound", "status"]
WINDOW = timedelta(hours=24)
MEDIA_URL_TTL = timedelta(minutes=5)

# Media types and sizes the Cloud API accepts (reference §5.4).
MEDIA_LIMITS: dict[str, int] = {
    "audio/aac": 16 << 20,
    "audio/amr": 16 << 20,
    "audio/mpeg": 16 << 20,
    "audio/mp4": 16 << 20,
    "audio/ogg": 16 << 20,
    "text/plain": 100 << 20,
    "application/pdf": 100 << 20,
    "application/msword": 100 << 20,
    "application/vnd.ms-excel": 100 << 20,
    "application/vnd.ms-powerpoint": 100 << 20,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 << 20,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 << 20,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 << 20,
    "image/jpeg": 5 << 20,
    "image/png": 5 << 20,
    "image/webp": 500 << 10,
    "video/3gpp": 16 << 20,
    "video/mp4": 16 << 20,
}


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """An approved template: its languages and, when known, how many body parameters it takes."""

    languages: frozenset[str]
    body_params: int | None = None


@dataclass(frozen=True, slots=True)
class FakeConfig:
    """How the fake behaves. Change it at run time with :meth:`FakeGraph.configure`."""

    access_token: str = "test-token"  # noqa: S105 - a fake's default, not a secret
    app_secret: str = "test-app-secret"  # noqa: S105
    api_versions: frozenset[str] = frozenset({"v24.0", "v25.0", "v26.0"})
    number: wp.BusinessNumber = wp.DEFAULT_NUMBER
    check_phone_number_id: bool = True
    webhook_url: str | None = None
    # delivery receipts emitted after each accepted send
    emit_statuses: bool = True
    skip_delivered: bool = False
    auto_read: bool = True
    duplicate_webhooks: bool = False
    reorder_statuses: bool = False
    batch_statuses: bool = False
    status_delay: float = 0.0
    ascii_json: bool = False  # sign and send \u-escaped JSON instead of raw UTF-8
    # redelivery of webhooks answered with anything but 200: a compressed stand-in for 7 days
    retry_delays: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)
    webhook_timeout: float = 5.0
    # limits
    enforce_window: bool = False
    pair_burst: int = 45
    pair_window_seconds: float = 6.0
    throughput_mps: int | None = None
    templates: dict[str, TemplateSpec] | None = None  # None: every template exists
    # faults
    down: DownMode = "off"
    slow_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class SentMessage:
    wamid: str
    body: dict[str, Any]
    user: wp.WaUser
    at: datetime


@dataclass(frozen=True, slots=True)
class ReadMark:
    message_id: str
    typing: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class MediaObject:
    id: str
    data: bytes
    mime_type: str
    filename: str | None
    created_at: datetime

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(slots=True)
class WebhookDelivery:
    """One webhook POST toward the app, with every attempt's outcome (status code or error)."""

    kind: WebhookKind
    body: dict[str, Any]
    raw: bytes
    signature: str
    attempts: list[int | str] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1] == 200


@dataclass(slots=True)
class _Fault:
    code: int
    remaining: int
    recipient: str | None


class Emitter(Protocol):
    async def deliver(self, kind: WebhookKind, body: dict[str, Any]) -> WebhookDelivery: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FakeGraph:
    """Meta's side of the Cloud API, in memory."""

    def __init__(
        self, config: FakeConfig | None = None, *, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.config = config or FakeConfig()
        self.clock = clock
        self.emitter: Emitter | None = None
        self._url_key = secrets.token_bytes(16)
        self._tasks: set[asyncio.Task[None]] = set()
        self.reset()

    # ------------------------------------------------------------------ inspection

    def reset(self) -> None:
        """Forget everything that happened (configuration stays)."""
        self.sent: list[SentMessage] = []
        self.read_marks: list[ReadMark] = []
        self.media: dict[str, MediaObject] = {}
        self.webhooks: list[WebhookDelivery] = []
        self.public_keys: list[str] = []
        self.users: dict[str, wp.WaUser] = {}
        self._by_wa_id: dict[str, str] = {}
        self._last_inbound: dict[str, datetime] = {}
        self._pair_sends: dict[str, deque[datetime]] = {}
        self._recent_sends: deque[datetime] = deque()
        self._faults: list[_Fault] = []
        self._failing: dict[str, int] = {}

    def messages_to(self, key: str) -> list[SentMessage]:
        """Accepted messages to the user with this wa_id or user_id, in order."""
        user = self.find_user(key)
        return [m for m in self.sent if user is not None and m.user.key == user.key]

    def configure(self, **changes: Any) -> FakeConfig:
        """Replace configuration fields (unknown names raise ``TypeError``)."""
        if "templates" in changes and changes["templates"] is not None:
            changes["templates"] = dict(changes["templates"])
        self.config = dataclasses.replace(self.config, **changes)
        return self.config

    # ------------------------------------------------------------------ users

    def find_user(self, key: str) -> wp.WaUser | None:
        user_id = key if key in self.users else self._by_wa_id.get(key.lstrip("+"))
        return self.users.get(user_id) if user_id else None

    def user(
        self, *, wa_id: str | None = None, user_id: str | None = None, name: str | None = None
    ) -> wp.WaUser:
        """The user with this phone number and/or BSUID, created on first sight.

        A phone number seen for the first time gets a stable BSUID derived from it, as Meta
        assigns one to every user since 2026.
        """
        wa_id = wa_id.lstrip("+") if wa_id else None
        existing = self.users.get(user_id) if user_id else None
        if existing is None and wa_id is not None:
            existing = self.find_user(wa_id)
            if existing is not None and user_id is not None and existing.user_id != user_id:
                # The number was known under another BSUID: the one given now wins.
                assert existing.user_id is not None
                self._rekey(existing.user_id, user_id)
                existing = dataclasses.replace(existing, user_id=user_id)
        if existing is not None:
            updated = dataclasses.replace(
                existing,
                wa_id=existing.wa_id or wa_id,
                name=name or existing.name,
            )
        else:
            if user_id is None:
                if wa_id is None:
                    raise ValueError("a user needs a wa_id or a user_id")
                digest = hashlib.sha256(wa_id.encode("ascii")).digest()
                user_id = "IN." + str(int.from_bytes(digest[:8], "big")).zfill(20)
            updated = wp.WaUser(wa_id=wa_id, user_id=user_id, name=name or "WhatsApp User")
        assert updated.user_id is not None
        self.users[updated.user_id] = updated
        if updated.wa_id:
            self._by_wa_id[updated.wa_id] = updated.user_id
        return updated

    def _rekey(self, old: str, new: str) -> None:
        self.users.pop(old, None)
        if old in self._last_inbound:
            self._last_inbound[new] = self._last_inbound.pop(old)
        if old in self._pair_sends:
            self._pair_sends[new] = self._pair_sends.pop(old)
        if old in self._failing:
            self._failing[new] = self._failing.pop(old)

    def note_inbound(
        self, *, wa_id: str | None = None, user_id: str | None = None, at: datetime | None = None
    ) -> wp.WaUser:
        """Record that the user wrote to us (opens their 24-hour window)."""
        user = self.user(wa_id=wa_id, user_id=user_id)
        self._last_inbound[user.key] = at or self.clock()
        return user

    # ------------------------------------------------------------------ faults

    def throttle_next(self, count: int = 1) -> None:
        """The next ``count`` sends fail with 130429 (throughput reached)."""
        self.inject_error(130429, count)

    def inject_error(self, code: int, count: int = 1, *, recipient: str | None = None) -> None:
        """The next ``count`` sends (to ``recipient`` only, if given) fail with ``code``."""
        self._faults.append(_Fault(code, count, recipient))

    def fail_deliveries_to(self, recipient: str, code: int | None = 131026) -> None:
        """Sends to ``recipient`` are accepted, then a ``failed`` status with ``code`` follows.

        ``code=None`` stops failing them.
        """
        user = self.user(**_identify(recipient))
        if code is None:
            self._failing.pop(user.key, None)
        else:
            self._failing[user.key] = code

    def add_template(
        self, name: str, languages: Iterable[str] = ("en", "hi"), body_params: int | None = None
    ) -> None:
        """Register an approved template; once any is registered, unknown names fail (132001)."""
        templates = dict(self.config.templates or {})
        templates[name] = TemplateSpec(frozenset(languages), body_params)
        self.configure(templates=templates)

    # ------------------------------------------------------------------ sending

    def accept_send(self, body: dict[str, Any], request: SendRequest) -> dict[str, Any]:
        """Apply every rule to a valid send; raise :class:`GraphFault` or record and answer."""
        now = self.clock()
        user = self.user(wa_id=request.to) if request.to else self.user(user_id=request.recipient)
        self._take_fault(user)
        self._check_throughput(now)
        if request.type == "template":
            self._check_template(request)
        elif self.config.enforce_window and not self._window_open(user, now):
            raise GraphFault(131047)
        if request.media_id is not None and request.media_id not in self.media:
            raise GraphFault(131009, f"media id {request.media_id} does not exist")
        self._check_pair_rate(user, now)
        self._recent_sends.append(now)
        self._pair_sends.setdefault(user.key, deque()).append(now)
        wamid = wp.new_wamid()
        sent = SentMessage(wamid=wamid, body=body, user=user, at=now)
        self.sent.append(sent)
        self._schedule_statuses(sent)
        contact: dict[str, Any] = {"input": request.to or request.recipient}
        if user.wa_id:
            contact["wa_id"] = user.wa_id
        if request.recipient:
            contact["user_id"] = user.user_id
        message: dict[str, Any] = {"id": wamid}
        if request.type == "template":
            message["message_status"] = "accepted"
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}

    def accept_read(self, request: ReadRequest) -> dict[str, Any]:
        self.read_marks.append(ReadMark(request.message_id, request.typing, self.clock()))
        return {"success": True}

    def _take_fault(self, user: wp.WaUser) -> None:
        for fault in self._faults:
            if fault.recipient is not None:
                target = self.find_user(fault.recipient)
                if target is None or target.key != user.key:
                    continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            raise GraphFault(fault.code)

    def _check_throughput(self, now: datetime) -> None:
        limit = self.config.throughput_mps
        recent = self._recent_sends
        while recent and now - recent[0] >= timedelta(seconds=1):
            recent.popleft()
        if limit is not None and len(recent) >= limit:
            raise GraphFault(130429)

    def _check_template(self, request: SendRequest) -> None:
        templates = self.config.templates
        if templates is None:
            return
        spec = templates.get(request.template_name or "")
        if spec is None or request.template_language not in spec.languages:
            raise GraphFault(
                132001,
                f"template name ({request.template_name}) does not exist in "
                f"{request.template_language}",
            )
        if spec.body_params is not None and spec.body_params != len(request.template_body_params):
            raise GraphFault(
                132000,
                f"expected {spec.body_params} body parameters, "
                f"got {len(request.template_body_params)}",
            )

    def _window_open(self, user: wp.WaUser, now: datetime) -> bool:
        last = self._last_inbound.get(user.key)
        return last is not None and now - last < WINDOW

    def _check_pair_rate(self, user: wp.WaUser, now: datetime) -> None:
        sends = self._pair_sends.get(user.key)
        if not sends:
            return
        window = timedelta(seconds=self.config.pair_window_seconds)
        while sends and now - sends[0] >= window:
            sends.popleft()
        if len(sends) >= self.config.pair_burst:
            raise GraphFault(131056)

    # ------------------------------------------------------------------ media

    def store_media(self, data: bytes, mime_type: str, filename: str | None = None) -> MediaObject:
        """Keep uploaded (or citizen-sent) bytes; raises :class:`GraphFault` for bad types."""
        base_type = mime_type.split(";")[0].strip().lower()
        limit = MEDIA_LIMITS.get(base_type)
        if limit is None:
            raise GraphFault(131053, f"Unsupported media type {mime_type!r}")
        if not data:
            raise GraphFault(131053, "The file is empty")
        if len(data) > limit:
            raise GraphFault(131053, f"{base_type} files are limited to {limit} bytes")
        media_id = str(secrets.randbelow(9 * 10**15) + 10**15)
        media = MediaObject(media_id, data, mime_type, filename, self.clock())
        self.media[media_id] = media
        return media

    def media_query(self, media_id: str, now: datetime | None = None) -> dict[str, str]:
        """``ext`` (expiry) and ``hash`` query values of a download URL valid for 5 minutes."""
        expires = int(((now or self.clock()) + MEDIA_URL_TTL).timestamp())
        return {"mid": media_id, "ext": str(expires), "hash": self._url_hash(media_id, expires)}

    def check_media_query(self, mid: str, ext: str, digest: str) -> MediaObject | None:
        """The media a download URL points to, or None if it is forged, expired or deleted."""
        if not ext.isdigit():
            return None
        expected = self._url_hash(mid, int(ext))
        if not hmac.compare_digest(expected, digest):
            return None
        if self.clock().timestamp() > int(ext):
            return None
        return self.media.get(mid)

    def _url_hash(self, media_id: str, expires: int) -> str:
        message = f"{media_id}:{expires}".encode("ascii")
        return hmac.new(self._url_key, message, hashlib.sha256).hexdigest()[:32]

    # ------------------------------------------------------------------ webhooks

    def _schedule_statuses(self, sent: SentMessage) -> None:
        if self.emitter is None or not self.config.webhook_url or not self.config.emit_statuses:
            return
        self._spawn(self._emit_statuses(sent))

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every scheduled webhook (and its retries) is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel_pending(self) -> None:
        """Stop scheduled webhooks (the app is shutting down)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def idle(self) -> bool:
        return not self._tasks

    def status_bodies(self, sent: SentMessage) -> list[dict[str, Any]]:
        """The status webhook bodies that follow ``sent``, per the configuration."""
        config = self.config
        failing = self._failing.get(sent.user.key)
        steps: list[str] = ["sent"]
        if failing is not None:
            steps.append("failed")
        else:
            if not config.skip_delivered:
                steps.append("delivered")
            if config.auto_read:
                steps.append("read")
        is_template = sent.body.get("type") == "template"
        in_window = self._window_open(sent.user, sent.at)
        price = wp.pricing(
            "utility" if is_template else "service",
            "free_customer_service" if in_window or not is_template else "regular",
        )
        statuses = []
        for offset, step in enumerate(steps):
            errors = []
            if step == "failed" and failing is not None:
                errors = [wp.error_object(failing, title_for(failing))]
            statuses.append(
                wp.status_object(
                    sent.wamid,
                    step,
                    sent.user,
                    at=sent.at + timedelta(seconds=offset),
                    pricing_info=price,
                    errors=errors,
                )
            )
        if config.reorder_statuses:
            statuses.reverse()
        if config.batch_statuses:
            return [wp.status_webhook(sent.user, statuses, number=config.number)]
        return [wp.status_webhook(sent.user, [s], number=config.number) for s in statuses]

    async def _emit_statuses(self, sent: SentMessage) -> None:
        for body in self.status_bodies(sent):
            if self.config.status_delay:
                await asyncio.sleep(self.config.status_delay)
            await self._deliver("status", body)

    async def _deliver(self, kind: WebhookKind, body: dict[str, Any]) -> WebhookDelivery:
        if self.emitter is None:
            raise RuntimeError("no webhook emitter: create the app with create_app(fake)")
        delivery = await self.emitter.deliver(kind, body)
        if self.config.duplicate_webhooks:
            await self.emitter.deliver(kind, body)
        return delivery

    async def emit_status(
        self, wamid: str, status: str, *, error_code: int | None = None
    ) -> WebhookDelivery:
        """Send one status webhook for a message the fake accepted earlier."""
        sent = next((m for m in self.sent if m.wamid == wamid), None)
        if sent is None:
            raise KeyError(wamid)
        errors = [wp.error_object(error_code, title_for(error_code))] if error_code else []
        item = wp.status_object(wamid, status, sent.user, at=self.clock(), errors=errors)
        return await self._deliver("status", wp.status_webhook(sent.user, [item]))

    def resolve_user(self, user: wp.WaUser) -> wp.WaUser:
        """``user`` as Meta would present it: with a BSUID, and without ``wa_id`` if it had none."""
        stored = self.user(wa_id=user.wa_id, user_id=user.user_id, name=user.name)
        return dataclasses.replace(stored, wa_id=user.wa_id, name=user.name)

    async def emit_inbound(self, user: wp.WaUser, message: dict[str, Any]) -> WebhookDelivery:
        """Play a citizen: record the inbound message (opening the window) and POST it, signed.

        Build ``message`` with :meth:`resolve_user`'s result so it carries the user's BSUID.
        """
        resolved = self.resolve_user(user)
        self.note_inbound(wa_id=resolved.wa_id, user_id=resolved.user_id)
        if resolved.user_id and "from_user_id" not in message:
            message = {**message, "from_user_id": resolved.user_id}
        body = wp.inbound_webhook(resolved, message, number=self.config.number)
        return await self._deliver("inbound", body)


def _identify(key: str) -> dict[str, str]:
    """``wa_id`` or ``user_id`` keyword for a recipient string (BSUIDs contain a dot)."""
    return {"user_id": key} if "." in key else {"wa_id": key}
