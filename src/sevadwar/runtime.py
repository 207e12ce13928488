"""Everything a running Sevadwar process shares, built once from the settings.

``Runtime`` owns the database engine, the loaded catalogue and NLU, the outbound HTTP clients and
the background loops. Routes reach it through ``request.app.state.runtime``; tests build one
with their own settings, clock and transports instead of patching anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

import httpx
import redis
from sqlalchemy import Engine

from sevadwar.applications.workflow import Workflow
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.certificates.issuer import certificate_issuer
from sevadwar.channels.sending import ChannelSender
from sevadwar.channels.simulator.sender import SimulatorSender
from sevadwar.channels.whatsapp.client import WhatsAppSender
from sevadwar.conversation.prompts import default_commands, default_prompts
from sevadwar.conversation.service import ConversationService
from sevadwar.conversation.voice import VoiceNotes
from sevadwar.documents.base import BlobStore
from sevadwar.documents.store import LocalBlobStore, load_or_create_key
from sevadwar.documents.uploads import UploadService
from sevadwar.messaging.ratelimit import RateLimiter, RedisRateLimiter, SharedRateLimiter
from sevadwar.nlu.understanding import Understanding
from sevadwar.payments.context import PaymentContext, bind_payments
from sevadwar.payments.reconcile import ReconcileLoop
from sevadwar.payments.setup import build_payments
from sevadwar.security.crypto import FieldCipher
from sevadwar.settings import Settings
from sevadwar.storage.base import utcnow
from sevadwar.storage.db import (
    SessionFactory,
    bookkeeping_engine,
    create_db_engine,
    create_session_factory,
    libpq_conninfo,
)
from sevadwar.storage.encrypted import use_field_cipher
from sevadwar.workers.inbox import InboxWorker
from sevadwar.workers.loop import Loop
from sevadwar.workers.scheduler import Scheduler
from sevadwar.workers.sender import OutboxSender
from sevadwar.workers.webhooks import WebhookDeliverer

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    catalogue: Catalogue
    understanding: Understanding
    cipher: FieldCipher
    clock: Callable[[], datetime]
    conversations: ConversationService
    workflow: Workflow
    graph_http: httpx.Client | None = None
    blobs: BlobStore | None = None
    payments: PaymentContext | None = None
    webhook_http: httpx.Client | None = None
    bookkeeping: Engine | None = None  # the sender's engine (PostgreSQL: commits without flush)
    ingest_conninfo: str | None = None  # PostgreSQL: the webhook writer's own connection
    wake_inbox: threading.Event = field(default_factory=threading.Event)
    wake_outbox: threading.Event = field(default_factory=threading.Event)
    wake_scheduler: threading.Event = field(default_factory=threading.Event)
    stop_event: threading.Event = field(default_factory=threading.Event)
    loops: list[Loop] = field(default_factory=list)

    def senders(self) -> dict[str, ChannelSender]:
        senders: dict[str, ChannelSender] = {"simulator": SimulatorSender()}
        settings = self.settings
        if settings.whatsapp_enabled and self.graph_http is not None:
            assert settings.whatsapp_access_token is not None
            assert settings.whatsapp_phone_number_id
            senders["whatsapp"] = WhatsAppSender(
                self.graph_http,
                phone_number_id=settings.whatsapp_phone_number_id,
                token=settings.whatsapp_access_token.get_secret_value(),
            )
        return senders

    @cached_property
    def redis(self) -> redis.Redis | None:
        """The Redis client when ``SEVADWAR_REDIS_URL`` is set (the shared rate limit uses it),
        made on first use: nothing connects until a sender takes a token."""
        url = self.settings.redis_url
        if url is None:
            return None
        return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)

    @cached_property
    def sender_sessions(self) -> SessionFactory:
        if self.bookkeeping is None:
            return self.sessions
        return create_session_factory(self.bookkeeping)

    def outbox_sender(self) -> OutboxSender:
        sessions = self.sender_sessions
        limiters: dict[str, RateLimiter] = {}
        if self.settings.whatsapp_phone_number_id:
            key = f"whatsapp:{self.settings.whatsapp_phone_number_id}"
            rate = self.settings.whatsapp_rate_per_second
            limiters["whatsapp"] = (
                RedisRateLimiter(self.redis, key, rate=rate)
                if self.redis is not None
                else SharedRateLimiter(sessions, key, rate=rate)
            )
        return OutboxSender(
            sessions,
            self.senders(),
            limiters,
            fallback_template=self.settings.whatsapp_fallback_template,
        )

    def inbox_worker(self) -> InboxWorker:
        return InboxWorker(self.sessions, self.conversations)

    def scheduler(self) -> Scheduler:
        return Scheduler(self.sessions, self.catalogue, self.conversations.prompts, self.clock)

    def webhook_deliverer(self) -> WebhookDeliverer:
        assert self.webhook_http is not None
        return WebhookDeliverer(
            self.sessions,
            self.webhook_http,
            self.catalogue,
            self.settings.public_base,
            issuer=self.workflow.issue_certificate,
            clock=self.clock,
        )

    def start_workers(self) -> None:
        if self.loops:
            return
        self.stop_event.clear()
        inbox_threads = 1 if self.settings.is_sqlite else self.settings.workers
        sender_threads = 1 if self.settings.is_sqlite else self.settings.senders
        worker = self.inbox_worker()
        sender = self.outbox_sender()

        def process() -> bool:
            worked = worker.process_next()
            if worked:
                self.wake_outbox.set()
            return worked

        for i in range(inbox_threads if self.settings.workers else 0):
            self.loops.append(
                Loop(f"inbox-{i}", process, wake=self.wake_inbox, stop=self.stop_event)
            )
        for i in range(sender_threads if self.settings.senders else 0):
            self.loops.append(
                Loop(f"sender-{i}", sender.send_batch, wake=self.wake_outbox, stop=self.stop_event)
            )
        if self.settings.workers:  # the scheduler runs beside the inbox workers
            scheduler = self.scheduler()

            def tick() -> bool:
                scheduler.run_due_jobs()
                self.wake_outbox.set()
                return False  # then sleep a minute

            self.loops.append(
                Loop("scheduler", tick, wake=self.wake_scheduler, stop=self.stop_event, idle=60.0)
            )
        if self.settings.senders:  # department webhooks: polled, one thread is plenty
            deliver = self.webhook_deliverer().deliver_due
            self.loops.append(
                Loop("webhooks", deliver, wake=threading.Event(), stop=self.stop_event, idle=1.0)
            )
        if self.payments is not None:
            self.loops.append(
                ReconcileLoop(self.sessions, self.payments, self.clock, stop=self.stop_event)
            )
        for loop in self.loops:
            loop.start()

    def stop_workers(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.wake_inbox.set()
        self.wake_outbox.set()
        self.wake_scheduler.set()
        for loop in self.loops:
            loop.join(timeout)
        self.loops.clear()

    def close(self) -> None:
        self.stop_workers()
        if self.graph_http is not None:
            self.graph_http.close()
        if self.payments is not None:
            self.payments.close()
        if self.webhook_http is not None:
            self.webhook_http.close()
        if self.bookkeeping is not None:
            self.bookkeeping.dispose()
        client = self.__dict__.get("redis")  # only if it was made
        if client is not None:
            client.close()
        self.engine.dispose()


def catalogue_dir(settings: Settings) -> Path:
    return settings.catalogue_dir or default_catalogue_dir()


def load_services(directory: Path) -> tuple[Catalogue, Understanding]:
    """The catalogue and the NLU built from it, once per process for the same files.

    Both are immutable, and building them is most of a runtime's start (about 2 s: YAML and
    the indexes). Keyed by every file's name, size and modification time, so an edited catalogue
    is read again; an invalid one raises each time (nothing cached).
    """
    files = tuple(
        (str(path.relative_to(directory)), stat.st_size, stat.st_mtime_ns)
        for path in sorted(directory.rglob("*.yaml"))
        for stat in (path.stat(),)
    )
    return _load_services(directory.resolve(), files)


@lru_cache(maxsize=4)
def _load_services(
    directory: Path, files: tuple[tuple[str, int, int], ...]
) -> tuple[Catalogue, Understanding]:
    catalogue = load_catalogue(directory)
    return catalogue, Understanding.from_services(catalogue)


def build_runtime(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    graph_transport: httpx.BaseTransport | None = None,
    payment_transport: httpx.AsyncBaseTransport | None = None,
    webhook_transport: httpx.BaseTransport | None = None,
) -> Runtime:
    """Everything but the running loops. Raises on an invalid catalogue (the server must not start)."""
    catalogue, understanding = load_services(catalogue_dir(settings))
    engine = create_db_engine(
        settings.database_url, pool_size=max(settings.workers + settings.senders + 4, 5)
    )
    sessions = create_session_factory(engine)
    cipher = FieldCipher(settings.resolved_secret_key())
    use_field_cipher(cipher)
    graph_http = None
    if settings.whatsapp_enabled:
        graph_http = httpx.Client(
            base_url=str(settings.whatsapp_api_base_url).rstrip("/") + "/",
            timeout=httpx.Timeout(10.0, connect=5.0),
            transport=graph_transport,
        )
    data_dir = settings.data_dir
    blobs = LocalBlobStore(
        data_dir / "documents", load_or_create_key(data_dir / "keys" / "documents.key")
    )
    payments = build_payments(
        settings, catalogue=catalogue, blobs=blobs, clock=clock, transport=payment_transport
    )
    bind_payments(sessions, payments)  # the conversation reaches the gateway through its session
    uploads = UploadService(
        store=blobs,
        simulator_media=(data_dir / "simulator-media").resolve(),
        graph_base_url=str(settings.whatsapp_api_base_url).rstrip("/")
        if settings.whatsapp_enabled
        else None,
        graph_token=settings.whatsapp_access_token.get_secret_value()
        if settings.whatsapp_access_token
        else None,
    )
    workflow = Workflow(catalogue=catalogue, clock=clock)
    workflow.issue_certificate = certificate_issuer(settings, catalogue, blobs)
    conversations = ConversationService(
        catalogue=catalogue,
        understanding=understanding,
        prompts=default_prompts(),
        commands=default_commands(),
        encrypt=cipher.encrypt,
        clock=clock,
        uploads=uploads,
        workflow=workflow,
        voice=VoiceNotes(uploads, settings) if settings.stt_base_url else None,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        catalogue=catalogue,
        understanding=understanding,
        cipher=cipher,
        clock=clock,
        conversations=conversations,
        workflow=workflow,
        graph_http=graph_http,
        blobs=blobs,
        payments=payments,
        webhook_http=httpx.Client(  # department webhooks: no redirects, bounded time
            timeout=httpx.Timeout(10.0, connect=5.0), transport=webhook_transport
        ),
        bookkeeping=bookkeeping_engine(settings.database_url, pool_size=settings.senders + 2),
        ingest_conninfo=libpq_conninfo(settings.database_url),
    )
