"""The I/O shell around the pure engine: load state, step, carry out the effects, save.

Everything here runs inside the worker's single transaction for one inbound event: the state,
the domain actions (consent, application, ticket, erasure), the audit rows and the replies in the
outbox commit together or not at all.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application, ApplicationStatus
from sevadwar.applications.queries import application_of, applications_of, count_applications_of
from sevadwar.applications.sla import compensation_rupees, days_late
from sevadwar.applications.workflow import Workflow
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.fees import quote_fee
from sevadwar.catalogue.schema import DocumentSpec
from sevadwar.catalogue.schema import Kind as ServiceKind
from sevadwar.catalogue.schema import Text as CatalogueText
from sevadwar.channels.base import InboundMessage, MessageKind, Outbound, ReadReceipt, Text
from sevadwar.conversation import views
from sevadwar.conversation.context import IST, Context, Department, Understander
from sevadwar.conversation.effects import (
    Effect,
    EraseData,
    FunnelStep,
    MessageHelpdesk,
    OpenTicket,
    ProvideInfo,
    RecordConsent,
    Reply,
    ShowStatus,
    SubmitApplication,
    WithdrawConsent,
)
from sevadwar.conversation.engine import step
from sevadwar.conversation.models import Conversation
from sevadwar.conversation.prompts import Commands, Prompts
from sevadwar.conversation.state import State, Step
from sevadwar.conversation.voice import VoiceNotes
from sevadwar.dashboard.actions import record
from sevadwar.dashboard.metrics import Kind
from sevadwar.documents.results import Refused
from sevadwar.documents.uploads import Stored, UploadService
from sevadwar.messaging.outbox import Recipient, enqueue
from sevadwar.privacy.actions import do_erase_citizen, do_record_consent, do_withdraw_consent
from sevadwar.tickets.actions import (
    GRIEVANCE_DAYS,
    do_add_ticket_message,
    do_open_ticket,
    due_of,
    open_human_ticket,
    open_tickets_of,
)
from sevadwar.tickets.models import Ticket, TicketKind

log = logging.getLogger(__name__)

DOCUMENT_KINDS = frozenset({MessageKind.IMAGE, MessageKind.DOCUMENT})
HELPDESK_FILES = "helpdesk"  # the "service" under which files for a helpdesk officer are kept
FUNNEL = Counter("sevadwar_funnel_steps_total", "Conversation funnel steps reached", ["step"])


@dataclass(frozen=True)
class ConversationService:
    catalogue: Catalogue
    understanding: Understander
    prompts: Prompts
    commands: Commands
    encrypt: Callable[[str], str]
    clock: Callable[[], datetime]
    uploads: UploadService | None = None
    workflow: Workflow | None = None
    voice: VoiceNotes | None = None
    read_receipts: bool = True

    def context(self, now: datetime, *, upload: Any = None) -> Context:
        departments = tuple(
            Department(d.department.id, d.department.title, tuple(s.id for s in d.services))
            for d in self.catalogue.departments()
        )
        return Context(
            services={s.id: s for s in self.catalogue},
            departments=departments,
            understanding=self.understanding,
            prompts=self.prompts,
            commands=self.commands,
            now=now,
            encrypt=self.encrypt,
            quote_fee=quote_fee,
            upload=upload,
        )

    def handle(self, session: Session, message: InboundMessage, *, cause: str) -> None:
        now = self.clock()
        conversation = self._load(session, message)
        rate = _count_message(conversation, now)
        flood = _flood_check(conversation, rate)
        if flood is not None:  # one number flooding us must not crowd out everyone's replies
            if flood:
                language = conversation.language or "hi"
                recipient = Recipient(
                    message.citizen.key,
                    message.citizen.channel,
                    conversation.wa_id,
                    conversation.user_id,
                )
                enqueue(
                    session,
                    recipient,
                    [Text(self.prompts.text(language, "rate_limited"))],
                    cause=cause,
                    now=now,
                )
            return
        state = State.load(conversation.state)
        heard: list[Outbound] = []
        if (
            message.kind is MessageKind.AUDIO
            and message.media is not None
            and self.voice is not None
        ):
            words = self.voice.transcribe(message, state.language)
            if words:  # the engine reads the voice note as if it had been typed
                message = dataclasses.replace(message, text=words)
                heard.append(
                    Text(self.prompts.text(state.language or "hi", "voice_heard", text=words))
                )
        ctx = self.context(now, upload=self._receive_upload(session, state, message))
        new_state, effects = step(state, message, ctx)
        recipient = Recipient(
            citizen_key=message.citizen.key,
            channel=message.citizen.channel,
            wa_id=message.citizen.wa_id or conversation.wa_id,
            user_id=message.citizen.user_id or conversation.user_id,
        )
        if (
            self.read_receipts and message.citizen.channel == "whatsapp"
        ):  # blue ticks and "typing…" first
            enqueue(session, recipient, [ReadReceipt(message.message_id)], cause=cause, now=now)
        replies: list[Outbound] = list(heard)
        language = new_state.language or state.language or "en"  # erasure forgets the language
        for effect in effects:
            if isinstance(effect, ProvideInfo):
                messages, still_waiting = self._provide_info(session, effect, message, language)
                replies += messages
                if still_waiting:  # the file was refused: the next message answers the officer
                    new_state = new_state.replace(awaiting_info=effect.reference)
            elif isinstance(effect, MessageHelpdesk):
                messages, still_open = self._to_helpdesk(session, effect, message, language, now)
                replies += messages
                if not still_open:
                    new_state = new_state.replace(helpdesk=None)
            elif isinstance(effect, OpenTicket) and effect.kind == TicketKind.HUMAN:
                ticket = self._open_ticket(session, effect, recipient, language, now)
                replies.append(Text(self.prompts.text(language, "human_created", ticket=ticket.id)))
                new_state = new_state.replace(helpdesk=ticket.id)  # what they write goes to it
            else:
                replies += self._apply(session, effect, recipient, language, ctx)
        if any(isinstance(effect, EraseData) for effect in effects):
            session.expunge(conversation)  # its row was deleted with the citizen's data
        else:
            self._save(conversation, new_state, message, now)
            conversation.state = {**conversation.state, "rate": rate}
        enqueue(session, recipient, replies, cause=cause, now=now)

    def _receive_upload(self, session: Session, state: State, message: InboundMessage) -> Any:
        """Fetch, inspect and store a document sent while one is asked for (None otherwise)."""
        if self.uploads is None or message.media is None or message.kind not in DOCUMENT_KINDS:
            return None
        if state.step is not Step.DOCUMENT or not state.service or not state.current:
            return None
        service = self.catalogue.get(state.service)
        if service is None:
            return None
        try:
            spec = service.document(state.current)
        except KeyError:
            return None
        # a card's back adds to its front; any other file replaces what was sent for it before
        front = state.documents.get(spec.id) or {}
        return self.uploads.receive(
            session, message, service.id, spec, replace=not front.get("awaiting_back")
        )

    def _provide_info(
        self, session: Session, effect: ProvideInfo, message: InboundMessage, language: str
    ) -> tuple[list[Outbound], bool]:
        """Attach the citizen's answer to the application an officer asked about.

        Returns the replies and whether the request is still waiting for an answer.
        """
        application = application_of(session, message.citizen.key, effect.reference)
        if application is None or self.workflow is None:
            return [], False
        document_id = None
        if effect.has_media and self.uploads is not None:
            spec = DocumentSpec(
                id="info_reply", label=CatalogueText(en="Additional document"), max_mb=10
            )
            result = self.uploads.receive(session, message, application.service_id, spec)
            if not isinstance(result, Stored):
                if isinstance(result, Refused):
                    return [Text(result.message(language))], True
                return [Text(self.prompts.text(language, "document_unavailable"))], True
            document_id = result.document_id
        self.workflow.receive_info(session, application, text=effect.text, document_id=document_id)
        return [], False

    def _open_ticket(
        self,
        session: Session,
        effect: OpenTicket,
        recipient: Recipient,
        language: str,
        now: datetime,
    ) -> Ticket:
        """A new ticket; asking for a person again while a request is open reuses it."""
        if effect.kind == TicketKind.HUMAN:
            open_request = open_human_ticket(session, recipient.citizen_key)
            if open_request is not None:
                return open_request
        return do_open_ticket(
            session,
            kind=TicketKind(effect.kind),
            citizen_key=recipient.citizen_key,
            channel=recipient.channel,
            language=language,
            text=effect.text,
            reference=effect.references[0] if effect.references else None,
            now=now,
        )

    def _to_helpdesk(
        self,
        session: Session,
        effect: MessageHelpdesk,
        message: InboundMessage,
        language: str,
        now: datetime,
    ) -> tuple[list[Outbound], bool]:
        """Add the citizen's message (and file) to the request's chat; the replies, and whether
        the request is still open. The first message after the officer's last word is
        acknowledged (the rest are seen in the office: WhatsApp's blue ticks show them read); a
        file that cannot be used is refused with the reason, as in a form."""
        t = self.prompts.text
        ticket = session.get(Ticket, effect.ticket)
        if ticket is None or ticket.citizen_key != message.citizen.key or ticket.status != "open":
            return [Text(t(language, "helpdesk_closed", ticket=effect.ticket))], False
        document_id = None
        if effect.has_media:
            result = (
                self.uploads.receive(
                    session, message, HELPDESK_FILES, _helpdesk_file(ticket.id), replace=False
                )
                if self.uploads is not None
                else None
            )
            if isinstance(result, Refused):
                return [Text(result.message(language))], True
            if not isinstance(result, Stored):
                return [Text(t(language, "document_unavailable"))], True
            document_id = result.document_id
        first = do_add_ticket_message(
            session, ticket, author="citizen", text=effect.text, now=now, document_id=document_id
        )
        return ([Text(t(language, "helpdesk_forwarded", ticket=ticket.id))] if first else []), True

    # ------------------------------------------------------------------ state

    def _load(self, session: Session, message: InboundMessage) -> Conversation:
        statement = select(Conversation).where(Conversation.citizen_key == message.citizen.key)
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        conversation = session.scalars(statement).first()
        if conversation is None:
            conversation = Conversation(
                citizen_key=message.citizen.key,
                channel=message.citizen.channel,
                state={},
                state_version=1,
            )
            session.add(conversation)
        return conversation

    def _save(
        self, conversation: Conversation, state: State, message: InboundMessage, now: datetime
    ) -> None:
        conversation.state = state.dump()
        conversation.language = state.language
        conversation.last_inbound_at = now
        conversation.updated_at = now
        if state.consented:  # the phone number is personal data: kept only after consent
            conversation.wa_id = message.citizen.wa_id or conversation.wa_id
            conversation.user_id = message.citizen.user_id or conversation.user_id

    # ------------------------------------------------------------------ effects

    def _apply(
        self, session: Session, effect: Effect, recipient: Recipient, language: str, ctx: Context
    ) -> list[Outbound]:
        t = self.prompts.text
        if isinstance(effect, Reply):
            return [effect.message]
        if isinstance(effect, FunnelStep):
            FUNNEL.labels(effect.name).inc()
            record(
                session,
                Kind.FUNNEL,
                step=effect.name,
                service=self.catalogue.get(effect.service_id or ""),
                language=language,
                at=ctx.now,
            )
            return []
        if isinstance(effect, RecordConsent):
            do_record_consent(
                session,
                citizen_key=recipient.citizen_key,
                notice_version=effect.notice_version,
                language=effect.language,
                channel=recipient.channel,
                now=ctx.now,
            )
            return []
        if isinstance(effect, WithdrawConsent):
            do_withdraw_consent(session, citizen_key=recipient.citizen_key, now=ctx.now)
            return [Text(t(language, "consent_withdrawn"))]
        if isinstance(effect, SubmitApplication):
            return self._submit(session, effect, recipient, ctx)
        if isinstance(effect, ShowStatus):
            return self._status(session, effect, recipient.citizen_key, language, ctx)
        if isinstance(effect, OpenTicket):  # a grievance: a request for a person is in handle()
            ticket = self._open_ticket(session, effect, recipient, language, ctx.now)
            return [Text(t(language, "grievance_created", ticket=ticket.id, days=GRIEVANCE_DAYS))]
        if isinstance(effect, EraseData):
            store = self.uploads.store if self.uploads else None
            kept = do_erase_citizen(
                session, citizen_key=recipient.citizen_key, now=ctx.now, store=store
            )
            summary = (
                t(language, "erase_kept_records", count=kept)
                if kept
                else t(language, "erase_kept_none")
            )
            return [Text(t(language, "erase_done", kept=summary))]
        raise TypeError(f"unknown effect {effect!r}")

    def _submit(
        self, session: Session, effect: SubmitApplication, recipient: Recipient, ctx: Context
    ) -> list[Outbound]:
        service = self.catalogue[effect.service_id]
        quote = quote_fee(service, effect.answers, ctx.today)
        application = do_submit_application(
            session,
            service,
            citizen_key=recipient.citizen_key,
            channel=recipient.channel,
            language=effect.language,
            answers=effect.answers,
            documents=effect.documents,
            fee_paise=quote.amount_paise,
            now=ctx.now,
        )
        FUNNEL.labels("submitted").inc()
        record(
            session,
            Kind.FUNNEL,
            step="submitted",
            service=service,
            language=effect.language,
            at=ctx.now,
        )
        lang = effect.language
        paying = service.kind is ServiceKind.PAYMENT  # a bill: nothing to decide, only to pay
        replies: list[Outbound] = [
            Text(
                self.prompts.text(
                    lang,
                    "submitted_payment" if paying else "submitted",
                    service=service.name.get(lang),
                    reference=application.reference,
                    due=_date(application.due_at),
                )
            )
        ]
        if quote.amount_paise:
            # The fee is paid from the chat (payments feature; imported here to keep its wiring
            # in this method). If the gateway is down, the citizen is told a link will follow:
            # the reconciliation loop sends it. Sessions without payments (pure tests) do the same.
            from sevadwar.channels.base import CtaUrl
            from sevadwar.payments.actions import do_request_payment
            from sevadwar.payments.base import GatewayError
            from sevadwar.payments.context import payments_of
            from sevadwar.payments.display import format_rupees

            payments = payments_of(session)
            payment = None
            if payments is not None:
                try:
                    payment = do_request_payment(
                        session, application, payments=payments, now=ctx.now
                    )
                except GatewayError:
                    log.warning("no payment link for %s yet", application.reference, exc_info=True)
            if payment is None:
                fee = views.fee_text(ctx, lang, service, effect.answers)
                replies.append(Text(self.prompts.text(lang, "submitted_fee", fee=fee)))
            else:
                body = self.prompts.text(
                    lang,
                    "payment_link_bill" if paying else "payment_link",
                    fee=format_rupees(payment.amount_paise),
                    reference=application.reference,
                )
                replies.append(
                    CtaUrl(
                        body=body, label=self.prompts.text(lang, "payment_button"), url=payment.url
                    )
                )
        return replies

    def _status(
        self, session: Session, effect: ShowStatus, citizen_key: str, language: str, ctx: Context
    ) -> list[Outbound]:
        t = self.prompts.text
        if effect.pay:
            links = self._payment_links(session, citizen_key, ctx)
            if links:
                return links
        if effect.reference:
            application = application_of(session, citizen_key, effect.reference)
            if application is None:
                return [Text(t(language, "status_not_found", reference=effect.reference))]
            return [Text(self._status_detail(application, language, ctx))]
        applications = applications_of(session, citizen_key)
        tickets = open_tickets_of(session, citizen_key)
        if not (applications or tickets):
            return [Text(t(language, "status_none"))]
        lines = []
        if applications:
            lines.append(t(language, "status_title"))
            lines += [self._status_line(a, language, ctx) for a in applications]
            total = count_applications_of(session, citizen_key)
            if total > len(applications):
                lines.append(f"(+{total - len(applications)})")
        if tickets:  # "what happened to my complaint?" is asked here too
            lines.append(t(language, "status_tickets_title"))
            lines += [
                t(
                    language,
                    f"status_ticket_{ticket.kind}",
                    ticket=ticket.id,
                    due=_date(due_of(ticket)),
                )
                for ticket in tickets
            ]
        return [Text("\n".join(lines))]

    def _payment_links(self, session: Session, citizen_key: str, ctx: Context) -> list[Outbound]:
        """Fresh payment links for the citizen's applications that await a fee (at most three)."""
        from sevadwar.payments.actions import payment_link_reply  # the payments feature's wiring
        from sevadwar.payments.base import GatewayError
        from sevadwar.payments.context import payments_of

        payments = payments_of(session)
        if payments is None:
            return []
        waiting = [
            a
            for a in applications_of(session, citizen_key)
            if a.status == ApplicationStatus.FEE_PENDING
        ]
        replies: list[Outbound] = []
        for application in waiting[:3]:
            try:
                replies += payment_link_reply(session, application, payments=payments, now=ctx.now)
            except GatewayError:
                log.warning("payment link for %s not available now", application.reference)
        return replies

    def _service_name(self, service_id: str, language: str) -> str:
        service = self.catalogue.get(service_id)
        return service.name.get(language) if service else service_id

    def _status_line(self, application: Application, language: str, ctx: Context) -> str:
        names = self.prompts.mapping(language, "status_names")
        values: dict[str, Any] = {
            "reference": application.reference,
            "service": self._service_name(application.service_id, language),
            "status": names.get(application.status, application.status),
            "due": _date(application.due_at),
        }
        late = days_late(application.due_at, ctx.now) if application.decided_at is None else 0
        if late:
            compensation = compensation_rupees(application.due_at, ctx.now)
            return self.prompts.text(
                language, "status_line_overdue", days=late, compensation=compensation, **values
            )
        return self.prompts.text(language, "status_line", **values)

    def _status_detail(self, application: Application, language: str, ctx: Context) -> str:
        names = self.prompts.mapping(language, "status_names")
        detail = self.prompts.text(
            language,
            "status_detail",
            reference=application.reference,
            service=self._service_name(application.service_id, language),
            status=names.get(application.status, application.status),
            submitted=_date(application.submitted_at),
            due=_date(application.due_at),
        )
        late = days_late(application.due_at, ctx.now) if application.decided_at is None else 0
        if late:
            detail += "\n" + self._status_line(application, language, ctx)
        return detail


FLOOD_WINDOW = 60.0  # seconds
FLOOD_LIMIT = 30  # messages a person could plausibly send in a minute


def _count_message(conversation: Conversation, now: datetime) -> dict[str, Any]:
    rate = (conversation.state or {}).get("rate") or {}
    start = rate.get("start")
    if not start or (now - datetime.fromisoformat(start)).total_seconds() > FLOOD_WINDOW:
        return {"start": now.isoformat(), "count": 1}
    return {"start": start, "count": int(rate.get("count", 0)) + 1}


def _flood_check(conversation: Conversation, rate: dict[str, Any]) -> bool | None:
    """None: go ahead. True: over the limit just now (say so once). False: still over (stay quiet).

    Messages over the limit are acknowledged and counted but not answered until the minute is over.
    """
    count = int(rate["count"])
    if count <= FLOOD_LIMIT:
        return None
    conversation.state = {**(conversation.state or {}), "rate": rate}
    return count == FLOOD_LIMIT + 1


def _date(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%d/%m/%Y")


def _helpdesk_file(ticket_id: int) -> DocumentSpec:
    """A photo or PDF sent to a helpdesk officer: checked and kept like a form's document, under
    the ticket; several add up (``replace=False``), each linked from its message."""
    return DocumentSpec(
        id=f"ticket_{ticket_id}",
        label=CatalogueText(en="File for the helpdesk"),  # never shown: refusals name the file type
        max_mb=10,
    )
