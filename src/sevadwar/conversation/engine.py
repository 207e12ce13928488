"""The conversation engine: ``step(state, message, context) -> (state, effects)``.

Pure: it reads the state, the message and the context (catalogue, NLU, words, time) and returns
the next state and what should happen (replies, consent records, submissions, tickets). It never
touches the database or the network, so every path is testable as a table and by property tests.

The journey: greeting → language → consent (DPDP Act 2023) → service (menu or free text) → service
card → questions one at a time → documents → review (edit any answer) → submit → reference.
Commands (menu, help, back, cancel, language, status, officer) work at every step.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sevadwar.applications.reference import find_references, parse_reference
from sevadwar.catalogue.schema import DocumentSpec, FieldType, FormField, Service
from sevadwar.channels.base import MEDIA_KINDS, InboundMessage, MessageKind, Outbound, Text
from sevadwar.conversation import views
from sevadwar.conversation.answers import read_answer
from sevadwar.conversation.context import Context
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
from sevadwar.conversation.state import DRAFT_STEPS, State, Step
from sevadwar.documents.results import Refused
from sevadwar.documents.uploads import Stored, Unavailable
from sevadwar.nlu import entities
from sevadwar.nlu.types import Parse

DOCUMENT_MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
MAX_TEXT = 4000  # longer messages are cut before they are read
# What a message may ask for before language and consent are settled, done once they are.
ONBOARDING_REQUESTS = frozenset({"apply", "info", "status", "services", "human", "grievance"})
_WORDED = frozenset(
    {FieldType.YES_NO, FieldType.CHOICE, FieldType.MULTI_CHOICE}
)  # answers that are words
RESUME_AFTER = timedelta(
    hours=1
)  # a greeting after this long in a form is a greeting, not an answer
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def step(state: State, message: InboundMessage, ctx: Context) -> tuple[State, list[Effect]]:
    turn = _Turn(ctx, state, message)
    turn.run()
    return turn.state.replace(updated_at=ctx.now.isoformat(), notice=None), turn.effects


@dataclass
class _Turn:
    ctx: Context
    state: State
    message: InboundMessage
    effects: list[Effect] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers

    @property
    def lang(self) -> str:
        return self.state.language or "en"

    @property
    def text(self) -> str:
        return (self.message.text or "").strip()[:MAX_TEXT]

    @property
    def reply_id(self) -> str | None:
        return self.message.reply_id

    def t(self, key: str, **values: Any) -> str:
        return self.ctx.t(self.lang, key, **values)

    def say(self, *messages: Outbound | str) -> None:
        for message in messages:
            self.effects.append(Reply(Text(message) if isinstance(message, str) else message))

    def funnel(self, name: str, service_id: str | None = None) -> None:
        self.effects.append(FunnelStep(name, service_id))

    def go(self, step: Step, **changes: Any) -> None:
        self.state = self.state.replace(step=step, **changes)

    @property
    def service(self) -> Service | None:
        return self.ctx.services.get(self.state.service) if self.state.service else None

    # ------------------------------------------------------------------ entry

    def run(self) -> None:
        if self.state.step is Step.NEW:
            self.start()
            return
        self.drop_lost_draft()
        if self.state.notice == "upgraded":
            self.say(self.t("upgraded"))
        self.expire_stale_draft()
        if self.message.kind is MessageKind.REACTION:
            return  # a 👍 on one of our messages needs no answer
        if self.welcome_back():
            return
        if self.state.step is Step.LANGUAGE:
            self.on_language()
            return
        if self.on_info_reply():
            return
        if self.state.step is Step.CONSENT:
            self.on_consent()
            return
        if self.on_helpdesk_message():
            return
        if self.state.step is Step.DOCUMENT and self.message.kind in (
            MessageKind.IMAGE,
            MessageKind.DOCUMENT,
        ):
            self.on_document()
            return
        if self.message.kind in MEDIA_KINDS and not self.text:
            self.on_unexpected_media()
            return
        if self.message.kind is MessageKind.LOCATION and self.state.step is not Step.QUESTION:
            self.say(self.t("location_unexpected"))
            return
        if self.on_command() or self.on_reference() or self.on_navigation():
            return
        handler = {
            Step.QUESTION: self.on_answer,
            Step.DOCUMENT: self.on_document,
            Step.REVIEW: self.on_review,
            Step.EDIT: self.on_edit,
            Step.GRIEVANCE: self.on_grievance,
            Step.ERASE: self.on_erase,
            Step.CLARIFY: self.on_pick_from_page,
            Step.DEPARTMENTS: self.on_pick_from_page,
            Step.SERVICES: self.on_pick_from_page,
            Step.CARD: self.on_card,
        }.get(self.state.step, self.on_free_text)
        handler()

    def on_info_reply(self) -> bool:
        """An officer asked for more: the next message that is not a command answers it."""
        reference = self.state.awaiting_info
        if not reference or self.state.step in DRAFT_STEPS or self.state.step is Step.CONSENT:
            return False
        has_media = (
            self.message.kind in (MessageKind.IMAGE, MessageKind.DOCUMENT)
            and self.message.media is not None
        )
        if not (self.text or has_media) or self.reply_id or self.ctx.commands.command(self.text):
            return False
        self.effects.append(ProvideInfo(reference, self.text, has_media))
        self.state = self.state.replace(awaiting_info=None)
        return True

    def on_helpdesk_message(self) -> bool:
        """After asking for a person, what the citizen types or sends (a photo, a PDF) goes to the
        helpdesk officer — a reference number or "officer?" too — until the request is closed.
        *menu*, *cancel* or a tapped button brings the bot back; other commands (status, help) are
        the bot's, and a document asked for by a form goes to the form."""
        ticket = self.state.helpdesk
        if ticket is None:
            return False
        if self.reply_id:
            self.state = self.state.replace(helpdesk=None)
            return False
        has_media = (
            self.message.kind in (MessageKind.IMAGE, MessageKind.DOCUMENT)
            and self.message.media is not None
            and self.state.step is not Step.DOCUMENT  # a form's document goes to the form
        )
        if has_media:
            self.effects.append(MessageHelpdesk(ticket, self.text, has_media=True))
            return True
        if not self.text:
            return False
        command = self.ctx.commands.command(self.text)
        if command in ("menu", "cancel"):  # "cancel" ends the chat with the officer, not a draft
            self.state = self.state.replace(helpdesk=None)
            self.say(self.t("helpdesk_left", ticket=ticket))
            if command == "menu":
                self.show_menu()
            elif self.state.step in DRAFT_STEPS:
                self.reprompt()
            else:
                self.say(views.main_menu(self.ctx, self.lang))
            return True
        if command not in (None, "human"):
            return False
        self.effects.append(MessageHelpdesk(ticket, self.text))
        return True

    def drop_lost_draft(self) -> None:
        """A draft whose service, question or document left the catalogue resumes at the menu."""
        if self.state.step not in DRAFT_STEPS:
            return
        service, current = self.service, self.state.current
        if service is not None and (
            current is None
            or (self.state.step is Step.QUESTION and any(f.id == current for f in service.fields))
            or (
                self.state.step is Step.DOCUMENT and any(d.id == current for d in service.documents)
            )
        ):
            return
        self.state = self.state.clear_draft().replace(step=Step.MENU, notice="upgraded")

    def welcome_back(self) -> bool:
        """A greeting after a pause in a form reminds the citizen where it was, instead of being
        taken as the answer ("hi" is not a name)."""
        last, service = self.state.last_seen, self.service
        if self.state.step not in DRAFT_STEPS or service is None or self.reply_id or not self.text:
            return False
        if last is None or self.ctx.now - last < RESUME_AFTER:
            return False
        if self.ctx.understanding.parse(self.text).intent != "greeting":
            return False
        self.say(self.t("draft_resume", service=service.name.get(self.lang)))
        if self.state.step is Step.EDIT:
            self.show_review()
        else:
            self.reprompt()
        return True

    def expire_stale_draft(self) -> None:
        last = self.state.last_seen
        if not (self.state.service and last) or self.state.step not in DRAFT_STEPS:
            return
        if self.ctx.now - last <= timedelta(days=self.ctx.draft_ttl_days):
            return
        name = self.service.name.get(self.lang) if self.service else self.state.service
        self.say(self.t("draft_expired", service=name, days=self.ctx.draft_ttl_days))
        self.state = self.state.clear_draft().replace(step=Step.MENU)

    # ------------------------------------------------------------------ onboarding

    def start(self) -> None:
        parse = self.ctx.understanding.parse(self.text) if self.text else None
        language = "en" if parse is None or parse.language == "en" else "hi"
        if language not in self.ctx.prompts.languages:
            language = self.ctx.prompts.languages[0]
        pending = self.request_in(parse) if parse is not None else None
        self.state = self.state.replace(step=Step.LANGUAGE, language=language, pending=pending)
        self.funnel("started")
        self.say(self.t("welcome"), views.language_choice(self.ctx, self.lang))

    def request_in(self, parse: Parse) -> dict[str, Any] | None:
        """What a message sent during onboarding asks for, to be done once onboarding ends."""
        if parse.intent not in ONBOARDING_REQUESTS:
            return None
        pending: dict[str, Any] = {
            "intent": parse.intent,
            "service": parse.service,
            "topic": parse.info_topic,
        }
        references = find_references(parse.text)
        if references:  # "status of DL-7KQM-X4R9": shown once onboarding ends
            pending["references"] = references[:3]
        return pending

    def chosen_language(self) -> str | None:
        if self.reply_id and self.reply_id.startswith("lang:"):
            code = self.reply_id.removeprefix("lang:")
            return code if code in self.ctx.prompts.languages else None
        named = self.ctx.commands.language(self.text)
        if named:
            return named
        number = _NUMBER.match(self.text)
        if number and 1 <= int(number.group(1)) <= len(self.ctx.prompts.languages):
            return self.ctx.prompts.languages[int(number.group(1)) - 1]
        return None

    def on_language(self) -> None:
        chosen = self.chosen_language()
        if chosen is None and self.state.consented:
            if not (self.on_command() or self.on_reference()):  # "menu", "help"... work here too
                self.say(views.language_choice(self.ctx, self.lang))
            return
        if chosen is not None:
            self.state = self.state.replace(language=chosen)
            self.say(self.t("language_set"))
        elif self.text and (request := self.request_in(self.ctx.understanding.parse(self.text))):
            self.state = self.state.replace(pending=request)  # asked again: the newer request
        if not self.state.consented:
            self.go(Step.CONSENT)
            self.say(views.consent_request(self.ctx, self.lang))
            return
        self.go(Step.MENU)
        self.resume()

    def on_consent(self) -> None:
        answer: bool | None = None
        if self.reply_id in ("consent:yes", "consent:no"):
            answer = self.reply_id == "consent:yes"
        elif self.ctx.commands.command(self.text) == "agree":
            answer = True
        elif self.text:
            answer = entities.parse_yes_no(self.text)
        if answer is None:
            if not (self.on_command() or self.on_reference()):
                self.on_request_before_consent()
            return
        if not answer:
            self.go(Step.MENU, pending=None)
            self.say(self.t("consent_declined"))
            return
        self.state = self.state.replace(consented=True, step=Step.MENU)
        self.effects.append(RecordConsent(self.ctx.notice_version, self.lang))
        self.funnel("consented")
        self.say(self.t("consent_thanks"))
        self.resume()

    def on_request_before_consent(self) -> None:
        """Not an answer to the consent question. A question about a service needs no personal
        data and is answered; any other request is kept and done once the citizen agrees. The
        notice is above in the chat: a short reminder with the two buttons, not the notice again."""
        parse = self.ctx.understanding.parse(self.text) if self.text else None
        if parse is not None and parse.intent == "info" and parse.service in self.ctx.services:
            self.answer_info(self.ctx.services[parse.service], parse.info_topic)
            return
        request = self.request_in(parse) if parse is not None else None
        body = self.t("consent_needed")
        if request is not None:
            self.state = self.state.replace(pending=request)
            service = self.ctx.services.get(request["service"] or "")
            kept = (
                self.t("consent_then_service", service=service.name.get(self.lang))
                if service is not None
                else self.t("consent_then_request")
            )
            body = f"{kept} {body}"
        self.say(views.consent_reminder(self.ctx, self.lang, body))

    def resume(self) -> None:
        """After onboarding or a language change: continue what the citizen was doing."""
        pending, self.state = self.state.pending, self.state.replace(pending=None)
        if pending and pending.get("references"):
            self.effects.extend(ShowStatus(reference) for reference in pending["references"])
            return
        if pending:
            self.act_on(
                pending.get("intent"),
                pending.get("service"),
                pending.get("topic"),
                pending.get("text", ""),
            )
            return
        if self.state.service and self.state.step in DRAFT_STEPS:
            self.ask_next()
            return
        self.go(Step.MENU)
        self.say(views.main_menu(self.ctx, self.lang))

    def need_consent(self, pending: dict[str, Any]) -> bool:
        if self.state.consented:
            return False
        self.go(Step.CONSENT, pending=pending)
        self.say(self.t("consent_first"), views.consent_request(self.ctx, self.lang))
        return True

    # ------------------------------------------------------------------ commands

    def on_command(self) -> bool:
        command = self.ctx.commands.command(self.text) if not self.reply_id else None
        if command is None or command in ("agree", "skip"):
            return False
        if command == "menu":
            self.show_menu()
        elif command == "help":
            self.say(self.t("help"))
            self.reprompt()
        elif command == "back":
            self.on_back()
        elif command == "cancel":
            self.on_cancel()
        elif command == "language":
            self.on_language_command()
        elif command == "status":
            self.effects.append(ShowStatus())
            self.reprompt()
        elif command == "human":
            self.effects.append(OpenTicket("human"))
        elif command == "withdraw":
            self.effects.append(WithdrawConsent())
            self.state = self.state.clear_draft().replace(
                step=Step.MENU, consented=False, pending=None
            )
        return True

    def show_menu(self) -> None:
        self.go(Step.MENU, page=0, candidates=(), pending=None)
        self.say(views.main_menu(self.ctx, self.lang))

    def on_language_command(self) -> None:
        named = self.ctx.commands.language(self.text)
        if named and named in self.ctx.prompts.languages:
            self.state = self.state.replace(language=named)
            self.say(self.t("language_set"))
            if self.state.step in DRAFT_STEPS:
                self.reprompt()
            else:
                self.show_menu()
            return
        if self.state.step not in DRAFT_STEPS:
            self.go(Step.LANGUAGE)
        else:  # once the language is chosen, the form goes on where it was
            self.go(Step.LANGUAGE, pending={"intent": "form", "service": self.state.service})
        self.say(views.language_choice(self.ctx, self.lang))

    def on_cancel(self) -> None:
        if self.state.service and self.state.step in DRAFT_STEPS:
            self.state = self.state.clear_draft()
            self.go(Step.MENU)
            self.say(self.t("cancel_done"))
        elif self.state.step in (Step.GRIEVANCE, Step.ERASE, Step.CLARIFY, Step.EDIT):
            self.show_menu()
        else:
            self.say(self.t("cancel_nothing"))

    def on_back(self) -> None:
        step = self.state.step
        if step is Step.QUESTION and self.state.editing:
            self.show_review()
        elif step is Step.QUESTION:
            self.back_to_previous_field()
        elif step is Step.DOCUMENT:
            self.back_from_document()
        elif step in (Step.REVIEW, Step.EDIT):
            self.back_from_review()
        elif step is Step.SERVICES:
            self.go(Step.DEPARTMENTS, page=0)
            self.say(views.departments_list(self.ctx, self.lang, 0))
        elif step in (Step.DEPARTMENTS, Step.CARD, Step.CLARIFY, Step.GRIEVANCE, Step.ERASE):
            self.show_menu()
        else:
            self.say(self.t("back_nothing"))
            self.say(views.main_menu(self.ctx, self.lang))

    def reprompt(self) -> None:
        """Ask again whatever the citizen was in the middle of."""
        if self.state.step in (Step.QUESTION, Step.DOCUMENT) and self.service:
            self.ask_current()
        elif self.state.step is Step.REVIEW and self.service:
            self.show_review()

    # ------------------------------------------------------------------ navigation (taps)

    def on_reference(self) -> bool:
        if self.state.step is Step.GRIEVANCE:
            return False  # a complaint quotes its reference: it goes with the complaint
        if self.state.step is Step.QUESTION:
            reference = parse_reference(self.text)
            references = [reference] if reference else []
        else:
            references = find_references(self.text)
        if not references:
            return False
        for reference in references[:3]:
            self.effects.append(ShowStatus(reference))
        self.reprompt()
        return True

    def on_navigation(self) -> bool:
        rid = self.reply_id or ""
        prefix, _, value = rid.partition(":")
        if prefix == "menu":
            self.on_menu_row(value)
        elif prefix == "deptpage":
            self.go(Step.DEPARTMENTS, page=_page(value))
            self.say(views.departments_list(self.ctx, self.lang, self.state.page))
        elif prefix == "dept" and any(d.id == value for d in self.ctx.departments):
            self.go(Step.SERVICES, department=value, page=0)
            self.say(views.services_list(self.ctx, self.lang, value, 0))
        elif prefix == "svcpage" and self.state.department:
            self.go(Step.SERVICES, page=_page(value))
            self.say(
                views.services_list(self.ctx, self.lang, self.state.department, self.state.page)
            )
        elif prefix == "svc" and value in self.ctx.services:
            self.show_card(self.ctx.services[value])
        elif prefix == "apply" and value in self.ctx.services:
            self.start_form(self.ctx.services[value])
        elif prefix == "lang":
            self.go(Step.LANGUAGE)
            self.on_language()
        else:
            return False
        return True

    def on_menu_row(self, value: str) -> None:
        if value == "apply":
            self.go(Step.DEPARTMENTS, page=0)
            self.say(views.departments_list(self.ctx, self.lang, 0))
        elif value == "status":
            self.effects.append(ShowStatus())
        elif value == "human":
            self.effects.append(OpenTicket("human"))
        elif value == "grievance":
            self.start_grievance("")
        elif value == "language":
            self.go(Step.LANGUAGE)
            self.say(views.language_choice(self.ctx, self.lang))
        elif value == "help":
            self.say(self.t("help"))
        else:
            self.show_menu()

    def on_pick_from_page(self) -> None:
        """A number typed instead of tapping a row of the list on screen."""
        number = _NUMBER.match(self.text)
        if number:
            index = int(number.group(1)) - 1
            rows = self.current_rows()
            if 0 <= index < len(rows):
                self.message = _with_reply(self.message, rows[index])
                if self.on_navigation():
                    return
        self.on_free_text()

    def current_rows(self) -> list[str]:
        page = self.state.page
        step = self.state.step
        if step is Step.CLARIFY:
            return [f"svc:{s}" for s in self.state.candidates]
        if step is Step.DEPARTMENTS:
            ids = [f"dept:{d.id}" for d in self.ctx.departments if d.service_ids]
        elif step is Step.SERVICES and self.state.department:
            department = next(d for d in self.ctx.departments if d.id == self.state.department)
            ids = [f"svc:{s}" for s in department.service_ids]
        else:
            return []
        if len(ids) <= views.PAGE_ROWS + 1:
            return ids
        return ids[page * views.PAGE_ROWS : (page + 1) * views.PAGE_ROWS]

    def on_card(self) -> None:
        """Words instead of a tap under a service's card: "हाँ" or "आवेदन करना है" start its form,
        "नहीं" goes back to the menu, a question without a service is about this one."""
        shown = self.ctx.services.get(self.state.candidates[0]) if self.state.candidates else None
        if shown is None or not self.text:
            self.on_free_text()
            return
        parse = self.ctx.understanding.parse(self.text)
        named = None if parse.needs_clarification else parse.service
        if named not in (None, shown.id):  # another service named clearly: that one
            self.on_free_text()
        elif parse.intent == "info":
            self.answer_info(shown, parse.info_topic)
        elif (agreed := entities.parse_yes_no(self.text)) is True:
            self.start_form(shown)
        elif agreed is False:
            self.show_menu()
        elif parse.intent in ("apply", "form") and not (parse.service or parse.alternatives):
            self.start_form(shown)  # "I want to apply", no service named: the one shown
        else:
            self.on_free_text()

    # ------------------------------------------------------------------ understanding free text

    def on_free_text(self) -> None:
        if not self.text:
            self.say(views.main_menu(self.ctx, self.lang))
            return
        parse = self.ctx.understanding.parse(self.text)
        if getattr(parse, "needs_clarification", False) and parse.intent in (
            "apply",
            "info",
            "unknown",
        ):
            candidates = tuple(
                a[0] if isinstance(a, tuple) else a.service for a in parse.alternatives
            )
            candidates = tuple(c for c in candidates if c in self.ctx.services)
            if len(candidates) >= 2:
                self.go(Step.CLARIFY, candidates=candidates)
                self.say(views.candidates_list(self.ctx, self.lang, candidates))
                return
        self.act_on(parse.intent, parse.service, getattr(parse, "info_topic", None), self.text)

    def act_on(
        self, intent: str | None, service_id: str | None, topic: str | None, text: str
    ) -> None:
        service = self.ctx.services.get(service_id) if service_id else None
        if intent == "form" and service:
            self.start_form(service)
        elif intent == "apply" and service:
            self.show_card(service)
        elif intent == "info" and service:
            self.answer_info(service, topic)
        elif intent in ("apply", "info", "services"):
            self.go(Step.DEPARTMENTS, page=0)
            self.say(views.departments_list(self.ctx, self.lang, 0))
        elif intent == "status":
            self.effects.append(ShowStatus())
        elif intent == "pay":
            self.effects.append(ShowStatus(pay=True))
        elif intent == "greeting":
            self.go(Step.MENU)
            self.say(self.t("greeting_back"), views.main_menu(self.ctx, self.lang))
        elif intent == "help":
            self.say(self.t("help"))
        elif intent == "language":
            self.on_language_command()
        elif intent == "human":  # what they wrote goes with the request, for the officer
            self.effects.append(OpenTicket("human", text, tuple(find_references(text))))
        elif intent == "grievance":
            self.start_grievance(text)
        elif intent == "cancel":
            self.on_cancel()
        elif intent == "erase":
            self.go(Step.ERASE)
            self.say(views.yes_no(self.ctx, self.lang, self.t("erase_confirm"), "erase"))
        else:
            self.go(Step.MENU)
            self.say(self.t("not_understood"), views.main_menu(self.ctx, self.lang))

    def answer_info(self, service: Service, topic: str | None) -> None:
        name = service.name.get(self.lang)
        if topic == "documents":
            body = (
                self.t("info_documents", service=name)
                + "\n"
                + views.documents_text(self.ctx, self.lang, service)
            )
        elif topic == "fee":
            body = self.t(
                "info_fee", service=name, fee=views.fee_text(self.ctx, self.lang, service)
            )
        elif topic == "time":
            body = self.t(
                "info_time", service=name, time=views.time_text(self.ctx, self.lang, service)
            )
        elif topic == "eligibility" and service.eligibility:
            body = self.t(
                "info_eligibility", service=name, eligibility=service.eligibility.get(self.lang)
            )
        elif topic == "eligibility":
            body = self.t("info_no_eligibility", service=name)
        else:
            self.show_card(service)
            return
        # like the card: a draft in progress stays, to resume with "Apply"
        self.go(Step.CARD, candidates=(service.id,))
        self.say(
            views.apply_buttons(
                self.ctx, self.lang, service, body + "\n\n" + self.t("info_apply_prompt")
            )
        )

    def show_card(self, service: Service) -> None:
        self.go(Step.CARD, candidates=(service.id,))  # the service on offer, for a typed "yes"
        self.funnel("service_viewed", service.id)
        self.say(*views.service_card(self.ctx, self.lang, service))

    # ------------------------------------------------------------------ the form

    def start_form(self, service: Service) -> None:
        if self.need_consent({"intent": "form", "service": service.id}):  # the form follows consent
            return
        if self.state.service == service.id and (self.state.answers or self.state.documents):
            self.say(self.t("draft_resume", service=service.name.get(self.lang)))
            self.state = self.state.replace(editing=False)
            self.ask_next()
            return
        self.state = self.state.clear_draft().replace(service=service.id)
        self.funnel("service_chosen", service.id)
        self.say(self.t("start_form", count=len(self.applicable_fields(service, {}))))
        self.ask_next()

    @staticmethod
    def applicable_fields(service: Service, answers: dict[str, Any]) -> list[FormField]:
        return [f for f in service.fields if f.when is None or f.when.holds(answers)]

    @staticmethod
    def applicable_documents(service: Service, answers: dict[str, Any]) -> list[DocumentSpec]:
        return [d for d in service.documents if d.when is None or d.when.holds(answers)]

    def prune(self, service: Service, answers: dict[str, Any]) -> dict[str, Any]:
        """Drop answers to questions that no longer apply after an earlier answer changed."""
        kept: dict[str, Any] = {}
        for spec in service.fields:
            if spec.id in answers and (spec.when is None or spec.when.holds(kept)):
                kept[spec.id] = answers[spec.id]
        return kept

    def ask_next(self) -> None:
        service = self.service
        if service is None:
            self.show_menu()
            return
        answers = self.state.answers
        for spec in self.applicable_fields(service, answers):
            if spec.id not in answers:
                self.go(Step.QUESTION, current=spec.id)
                self.ask_current()
                return
        documents = self.applicable_documents(service, answers)
        if self.state.step is Step.QUESTION or not documents:
            self.funnel("form_completed", service.id)
        for doc in documents:
            if not _complete(self.state.documents.get(doc.id)):
                self.go(Step.DOCUMENT, current=doc.id)
                self.ask_current()
                return
        self.show_review()

    def ask_current(self) -> None:
        service = self.service
        assert service is not None
        if self.state.step is Step.DOCUMENT and self.state.current:
            doc = service.document(self.state.current)
            if (self.state.documents.get(doc.id) or {}).get("awaiting_back"):
                self.say(views.back_side_request(self.ctx, self.lang, doc))
            else:
                self.say(views.document_request(self.ctx, self.lang, doc))
            return
        fields = self.applicable_fields(service, self.state.answers)
        spec = service.field(self.state.current or fields[0].id)
        number = next((i for i, f in enumerate(fields, 1) if f.id == spec.id), len(fields))
        suggested = self.suggested_option(service, spec)
        self.say(
            views.question(self.ctx, self.lang, spec, number, len(fields), suggested=suggested)
        )

    def suggested_option(self, service: Service, spec: FormField) -> str | None:
        """For a question of places (the district), the option an address given earlier names:
        "B-42, Sector 7, Rohini" → North West."""
        if not spec.places:
            return None
        for earlier in service.fields:
            if earlier.id == spec.id:
                break
            said = self.state.answers.get(earlier.id)
            if earlier.type is FieldType.ADDRESS and isinstance(said, str):
                named = entities.option_named_in(said, spec.options)
                if named:
                    return named
        return None

    def current_field(self) -> FormField | None:
        service = self.service
        if service is None or not self.state.current:
            return None
        try:
            return service.field(self.state.current)
        except KeyError:
            return None

    def on_answer(self) -> None:
        service, spec = self.service, self.current_field()
        if service is None or spec is None:
            self.state = self.state.clear_draft()
            self.show_menu()
            return
        if (
            self.message.kind is MessageKind.LOCATION
            and self.message.location
            and spec.type is FieldType.LOCATION
        ):
            where = self.message.location
            self.store_answer(
                service, spec, {"lat": where.latitude, "lon": where.longitude, "name": where.name}
            )
            return
        typed_skip = bool(self.text) and _is_skip(self.ctx, self.text)
        # "skip" is never a name or an address; for yes/no and choices "nahi hai" may be the answer
        if self.reply_id == "skip" or (
            typed_skip and (not spec.required or spec.type not in _WORDED)
        ):
            if spec.required:
                self.say(self.t("error_required"))
                self.ask_current()
            else:
                self.store_answer(service, spec, None)
            return
        answer = read_answer(
            spec,
            self.text,
            reply_id=self.reply_id,
            language=self.lang,
            today=self.ctx.today,
            encrypt=self.ctx.encrypt,
            answers=self.state.answers,
            suggested=self.suggested_option(service, spec),
        )
        lacking = not spec.required and self.ctx.commands.says_lacking(self.text)
        if lacking and (not answer.ok or spec.type is FieldType.NAME):
            self.store_answer(service, spec, None)  # "आधार अभी नहीं बना": skipped, as tapped
            return
        if answer.ok:
            if answer.note:  # e.g. a monthly sum given for a yearly one, converted
                self.say(self.t(answer.note, **answer.params))
            self.store_answer(service, spec, answer.value)
            return
        reason = (
            spec.error.get(self.lang)
            if spec.error
            else self.t(answer.error or "error_required", **answer.params)
        )
        self.say(reason)
        self.ask_current()

    def store_answer(self, service: Service, spec: FormField, value: Any) -> None:
        answers = self.prune(service, {**self.state.answers, spec.id: value})
        documents = {
            k: v
            for k, v in self.state.documents.items()
            if k in {d.id for d in self.applicable_documents(service, answers)}
        }
        self.state = self.state.replace(answers=answers, documents=documents)
        unanswered = [f for f in self.applicable_fields(service, answers) if f.id not in answers]
        if self.state.editing and not unanswered:
            self.state = self.state.replace(editing=False)
            missing = [
                d for d in self.applicable_documents(service, answers) if d.id not in documents
            ]
            if missing:  # the changed answer asks for a document not sent yet
                self.go(Step.DOCUMENT, current=missing[0].id)
                self.ask_current()
                return
            self.show_review()
            return
        self.ask_next()

    def back_to_previous_field(self) -> None:
        service = self.service
        assert service is not None
        fields = self.applicable_fields(service, self.state.answers)
        ids = [f.id for f in fields]
        position = ids.index(self.state.current) if self.state.current in ids else len(ids)
        if position == 0:
            self.say(self.t("back_nothing"))
            self.ask_current()
            return
        previous = ids[position - 1]
        answers = {k: v for k, v in self.state.answers.items() if k != previous}
        self.go(Step.QUESTION, current=previous, answers=answers)
        self.ask_current()

    def back_from_document(self) -> None:
        service = self.service
        assert service is not None
        docs = [d.id for d in self.applicable_documents(service, self.state.answers)]
        position = docs.index(self.state.current) if self.state.current in docs else 0
        if (self.state.documents.get(self.state.current or "") or {}).get("awaiting_back"):
            documents = {k: v for k, v in self.state.documents.items() if k != self.state.current}
            self.go(Step.DOCUMENT, documents=documents)  # the front again
            self.ask_current()
            return
        if position > 0:
            previous = docs[position - 1]
            documents = {k: v for k, v in self.state.documents.items() if k != previous}
            self.go(Step.DOCUMENT, current=previous, documents=documents)
            self.ask_current()
            return
        fields = self.applicable_fields(service, self.state.answers)
        last = fields[-1].id
        answers = {k: v for k, v in self.state.answers.items() if k != last}
        self.go(Step.QUESTION, current=last, answers=answers)
        self.ask_current()

    def back_from_review(self) -> None:
        service = self.service
        assert service is not None
        docs = self.applicable_documents(service, self.state.answers)
        if docs:
            last = docs[-1].id
            documents = {k: v for k, v in self.state.documents.items() if k != last}
            self.go(Step.DOCUMENT, current=last, documents=documents)
            self.ask_current()
            return
        self.back_from_document()

    # ------------------------------------------------------------------ documents

    def on_document(self) -> None:
        service = self.service
        doc_id = self.state.current
        if service is None or doc_id is None:
            self.show_menu()
            return
        doc = service.document(doc_id)
        front = self.state.documents.get(doc.id) or {}
        if front.get("awaiting_back") and self.reply_id == "sides:one":  # both sides in the photo
            self.attach(doc, {k: v for k, v in front.items() if k != "awaiting_back"})
            return
        if self.reply_id == "skip" or (
            self.text and _is_skip(self.ctx, self.text) and not self.message.media
        ):
            if doc.required:
                self.say(self.t("error_document_required"))
                self.ask_current()
                return
            self.attach(doc, {"skipped": True})
            return
        media = self.message.media
        if media is None or self.message.kind not in (MessageKind.IMAGE, MessageKind.DOCUMENT):
            if self.on_command():
                return
            if front.get("awaiting_back"):  # words while the back is awaited: ask for it again
                self.ask_current()
                return
            if self.reuse_document(doc):
                return
            self.say(self.t("document_expected", label=doc.label.get(self.lang)))
            if self.sent_documents(doc):
                self.say(self.t("document_same_hint"))
            return
        upload = self.ctx.upload
        if isinstance(upload, Stored):
            self.receive_side(
                doc,
                {
                    "document_id": upload.document_id,
                    "sha256": upload.sha256,
                    "type": upload.file_type,
                },
            )
            return
        if isinstance(upload, Refused):  # inspected by content: say what to send instead
            self.say(upload.message(self.lang))
            self.ask_current()
            return
        if isinstance(upload, Unavailable):
            self.say(self.t("document_unavailable"))
            return
        # No inspection ran (the shell inspects real uploads): judge by the declared type alone.
        accepted = {DOCUMENT_MIME[t.value] for t in doc.accept}
        declared = (media.mime_type or "").split(";")[0].strip().lower()
        if (
            declared
            and declared not in accepted
            and declared not in ("image/heic", "image/heif", "image/webp")
        ):
            types = ", ".join(t.value.upper() for t in doc.accept)
            self.say(self.t("document_wrong_type", label=doc.label.get(self.lang), types=types))
            self.ask_current()
            return
        self.receive_side(doc, {"media_id": media.media_id, "mime": declared})

    def receive_side(self, doc: DocumentSpec, info: dict[str, Any]) -> None:
        """One file for ``doc``; a two-sided card's front photo waits for its back."""
        front = self.state.documents.get(doc.id) or {}
        if front.get("awaiting_back"):
            kept = {k: v for k, v in front.items() if k != "awaiting_back"}
            self.attach(doc, {**kept, "back": info})
        elif doc.sides == 2 and _file_type(info) != "pdf":  # a PDF holds both sides
            self.state = self.state.replace(
                documents={**self.state.documents, doc.id: {**info, "awaiting_back": True}}
            )
            self.say(views.back_side_request(self.ctx, self.lang, doc, received=True))
        else:
            self.attach(doc, info)

    def sent_documents(self, doc: DocumentSpec) -> list[DocumentSpec]:
        """Documents of this draft already sent as files that ``doc`` accepts too."""
        service = self.service
        assert service is not None
        accepted = {t.value for t in doc.accept}
        return [
            earlier
            for earlier in service.documents
            if earlier.id != doc.id
            and _file_type(self.state.documents.get(earlier.id) or {}) in accepted
        ]

    def reuse_document(self, doc: DocumentSpec) -> bool:
        """ "वही जो पहले भेजा": the file sent for another document counts for this one too (an
        Aadhaar card is proof of identity and of address). More than one such file: which one."""
        rid = self.reply_id or ""
        if rid.startswith("reuse:"):
            chosen = [d for d in self.sent_documents(doc) if d.id == rid.removeprefix("reuse:")]
        elif self.text and self.ctx.commands.says_same_document(self.text):
            chosen = self.sent_documents(doc)
        else:
            return False
        label = doc.label.get(self.lang)
        if not chosen:
            types = ", ".join(t.value.upper() for t in doc.accept)
            self.say(self.t("document_reuse_none", label=label, types=types))
        elif len(chosen) > 1:
            self.say(views.reuse_choice(self.ctx, self.lang, doc, chosen))
        else:
            earlier = chosen[0]
            self.say(self.t("document_reused", earlier=earlier.label.get(self.lang), label=label))
            self.attach(doc, dict(self.state.documents[earlier.id]), quiet=True)
        return True

    def attach(self, doc: DocumentSpec, info: dict[str, Any], *, quiet: bool = False) -> None:
        self.state = self.state.replace(documents={**self.state.documents, doc.id: info})
        if not info.get("skipped") and not quiet:
            self.say(self.t("document_received", label=doc.label.get(self.lang)))
        service = self.service
        assert service is not None
        remaining = [
            d
            for d in self.applicable_documents(service, self.state.answers)
            if d.id not in self.state.documents
        ]
        if not remaining:
            self.funnel("documents", service.id)
        self.ask_next()

    def on_unexpected_media(self) -> None:
        if self.message.kind is MessageKind.AUDIO:
            self.say(self.t("voice_unsupported"))
        elif self.state.step is Step.QUESTION and self.message.kind in (
            MessageKind.IMAGE,
            MessageKind.DOCUMENT,
        ):
            self.say(self.t("error_media_expected"))
        else:
            self.say(self.t("media_unsupported"))
        self.reprompt()

    # ------------------------------------------------------------------ review and submit

    def show_review(self) -> None:
        service = self.service
        assert service is not None
        fields = self.applicable_fields(service, self.state.answers)
        documents = [
            (d, self.state.documents.get(d.id, {}))
            for d in self.applicable_documents(service, self.state.answers)
        ]
        self.go(Step.REVIEW, current=None, editing=False)
        self.say(*views.review(self.ctx, self.lang, service, fields, self.state.answers, documents))

    def on_review(self) -> None:
        choice = self.reply_id
        if choice is None and self.text:
            yes = entities.parse_yes_no(self.text)  # "Is everything correct?" "no": what to change
            choice = None if yes is None else "review:submit" if yes else "review:edit"
        if choice == "review:submit":
            self.submit()
        elif choice == "review:edit":
            self.go(Step.EDIT, page=0)
            self.say(views.edit_list(self.ctx, self.lang, self.editable_fields(), 0))
        elif choice == "review:cancel":
            self.on_cancel()
        else:
            self.show_review()

    def editable_fields(self) -> list[FormField]:
        service = self.service
        assert service is not None
        return self.applicable_fields(service, self.state.answers)

    def on_edit(self) -> None:
        rid = self.reply_id or ""
        prefix, _, value = rid.partition(":")
        fields = self.editable_fields()
        if prefix == "editpage":
            self.go(Step.EDIT, page=_page(value))
            self.say(views.edit_list(self.ctx, self.lang, fields, self.state.page))
            return
        number = _NUMBER.match(self.text)
        if not prefix and number and 0 < int(number.group(1)) <= len(fields):
            value, prefix = fields[int(number.group(1)) - 1].id, "edit"
        if prefix == "edit" and any(f.id == value for f in fields):
            self.go(Step.QUESTION, current=value, editing=True)
            self.ask_current()
            return
        self.say(views.edit_list(self.ctx, self.lang, fields, self.state.page))

    def submit(self) -> None:
        service = self.service
        assert service is not None
        if self.need_consent({"intent": "form", "service": service.id}):
            return
        self.effects.append(
            SubmitApplication(
                service.id, dict(self.state.answers), dict(self.state.documents), self.lang
            )
        )
        self.state = self.state.clear_draft().replace(step=Step.MENU)

    # ------------------------------------------------------------------ tickets and erasure

    def start_grievance(self, text: str) -> None:
        if self.need_consent({"intent": "grievance"}):  # the complaint is asked again after consent
            return
        if len(text.split()) >= 6:
            self.effects.append(OpenTicket("grievance", text, tuple(find_references(text))))
            self.go(Step.MENU)
            return
        self.go(Step.GRIEVANCE)
        self.say(self.t("grievance_ask"))

    def on_grievance(self) -> None:
        if not self.text:
            self.say(self.t("grievance_ask"))
            return
        self.effects.append(OpenTicket("grievance", self.text, tuple(find_references(self.text))))
        self.go(Step.MENU)

    def on_erase(self) -> None:
        answer = {"erase:yes": True, "erase:no": False}.get(self.reply_id or "")
        if answer is None and self.text:
            answer = entities.parse_yes_no(self.text)
        if answer is None:
            self.say(views.yes_no(self.ctx, self.lang, self.t("erase_confirm"), "erase"))
            return
        if not answer:
            self.go(Step.MENU)
            self.say(self.t("erase_cancelled"))
            return
        self.effects.append(EraseData())
        self.state = State(step=Step.NEW)


def _page(value: str) -> int:
    """The page number of a "More" row id; a stale or forged id shows the first page."""
    return int(value) if value.isdecimal() and len(value) < 4 else 0


def _complete(info: dict[str, Any] | None) -> bool:
    """A document sent (or skipped) in full: not a front still waiting for its back."""
    return info is not None and not info.get("awaiting_back")


def _file_type(info: dict[str, Any]) -> str | None:
    """A sent document's type ("pdf", "jpeg", "png"), inspected or as declared; None if skipped."""
    if info.get("type"):
        return str(info["type"])
    by_mime = {mime: kind for kind, mime in DOCUMENT_MIME.items()}
    return by_mime.get(str(info.get("mime") or ""))


def _is_skip(ctx: Context, text: str) -> bool:
    return ctx.commands.command(text) == "skip"


def _with_reply(message: InboundMessage, reply_id: str) -> InboundMessage:
    return dataclasses.replace(message, reply_id=reply_id, text="")
