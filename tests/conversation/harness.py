"""Drive the pure engine like a citizen would: text and taps in, messages out.

``Chat()`` talks to the real catalogue; ``Chat(catalogue=sample_catalogue())`` adds the test
service of ``sample_service.yaml``, which has one field of every type, conditions and documents.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sevadwar.applications.reference import check_character, format_reference
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.catalogue.schema import Service
from sevadwar.channels.base import (
    Buttons,
    Channel,
    Citizen,
    CtaUrl,
    InboundMessage,
    ListMenu,
    Location,
    Media,
    MessageKind,
    Outbound,
    Text,
)
from sevadwar.conversation.context import Context
from sevadwar.conversation.effects import Effect, Reply
from sevadwar.conversation.engine import step
from sevadwar.conversation.prompts import default_commands, default_prompts
from sevadwar.conversation.service import ConversationService
from sevadwar.conversation.state import State, Step
from sevadwar.nlu.understanding import Understanding
from sevadwar.security.crypto import FieldCipher

CIPHER = FieldCipher(b"harness-secret")
SAMPLE_FILE = Path(__file__).with_name("sample_service.yaml")
SAMPLE = "test-every-field"
START = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 20 November 2026, noon in Delhi

# Valid Aadhaar numbers (Verhoeff check digit right); the last one fails the check.
AADHAAR = "234123412346"
AADHAAR_SPACED = "2341 2341 2346"
AADHAAR_BAD = "234123412347"


@cache
def catalogue() -> Catalogue:
    return load_catalogue(default_catalogue_dir())


@cache
def sample_service() -> Service:
    with SAMPLE_FILE.open(encoding="utf-8") as handle:
        return Service.model_validate(yaml.safe_load(handle))


@cache
def sample_catalogue() -> Catalogue:
    """The real catalogue plus the sample service (department ``labour``)."""
    real = catalogue()
    return Catalogue([*real, sample_service()], real.all_departments())


@cache
def understanding(cat: Catalogue | None = None) -> Understanding:
    return Understanding.from_services(cat or catalogue())


def context(now: datetime, cat: Catalogue | None = None) -> Context:
    cat = cat or catalogue()
    service = ConversationService(
        catalogue=cat,
        understanding=understanding(cat),
        prompts=default_prompts(),
        commands=default_commands(),
        encrypt=CIPHER.encrypt,
        clock=lambda: now,
    )
    return service.context(now)


def t(language: str, key: str, **values: Any) -> str:
    """What the bot says for ``key`` in ``language`` (the prompts file, not a copy in a test)."""
    return default_prompts().text(language, key, **values)


def reference(body: str = "7KQMX4R") -> str:
    """A valid reference number (right check character) in display form: DL-7KQM-X4R?."""
    return format_reference(body + check_character(body))


# A good answer to every question of the sample service: typed text, or "tap:<reply id>".
SAMPLE_ANSWERS: dict[str, str] = {
    "full_name": "Ramesh Kumar",
    "birth_date": "12/03/1990",
    "visit_date": "25/11/2026",
    "gender": "tap:opt:female",
    "occupation": "tap:opt:salaried",
    "employer": "Acme Traders",
    "district": "tap:opt:east",
    "benefits": "1, 3",
    "married": "tap:yes",
    "spouse_name": "Sita Devi",
    "members": "4",
    "income": "1.2 lakh",
    "mobile": "9876543210",
    "email": "ramesh@example.com",
    "pincode": "110092",
    "aadhaar": AADHAAR_SPACED,
    "address": "House 12, Gali 3, Laxmi Nagar",
    "place": "location",
    "remarks": "All good",
}

_ids = itertools.count(1)


def body_of(message: Outbound) -> str:
    return getattr(message, "body", "") or ""


def choices_of(message: Outbound) -> dict[str, str]:
    """Title -> reply id of every button or row of a message."""
    if isinstance(message, Buttons):
        return {b.title: b.id for b in message.buttons}
    if isinstance(message, ListMenu):
        return {r.title: r.id for s in message.sections for r in s.rows}
    return {}


def reply_ids(message: Outbound) -> list[str]:
    """Every reply id of a message, in order (rows with equal titles included)."""
    if isinstance(message, Buttons):
        return [b.id for b in message.buttons]
    if isinstance(message, ListMenu):
        return [r.id for s in message.sections for r in s.rows]
    return []


def everything_said(message: Outbound) -> str:
    """Body, button and row titles and descriptions: all a citizen can read of a message."""
    parts = [body_of(message)]
    if isinstance(message, Buttons):
        parts += [b.title for b in message.buttons]
    if isinstance(message, ListMenu):
        parts.append(message.button)
        for section in message.sections:
            parts.append(section.title)
            parts += [f"{r.title} {r.description or ''}" for r in section.rows]
    return "\n".join(parts)


def check_whatsapp_limits(message: Outbound) -> None:
    """Meta's limits for what we send (reference/whatsapp-cloud-api.md §4.4, §4.5, §5.3)."""
    if isinstance(message, Text):
        assert 0 < len(message.body) <= 4096, message
    elif isinstance(message, Buttons):
        assert 0 < len(message.body) <= 1024, message
        assert 1 <= len(message.buttons) <= 3, message
        titles = [b.title for b in message.buttons]
        assert all(0 < len(title) <= 20 for title in titles), titles
        assert len(set(titles)) == len(titles), titles
        ids = [b.id for b in message.buttons]
        assert all(0 < len(i) <= 256 for i in ids), ids
        assert len(set(ids)) == len(ids), ids
    elif isinstance(message, ListMenu):
        assert 0 < len(message.body) <= 1024, message
        assert 0 < len(message.button) <= 20, message.button
        assert 1 <= len(message.sections) <= 10
        rows = [r for s in message.sections for r in s.rows]
        assert 1 <= len(rows) <= 10, len(rows)
        assert all(0 < len(s.title) <= 24 for s in message.sections), [
            s.title for s in message.sections
        ]
        assert all(0 < len(r.title) <= 24 for r in rows), [r.title for r in rows]
        assert all(len(r.description or "") <= 72 for r in rows), [r.description for r in rows]
        ids = [r.id for r in rows]
        assert all(0 < len(i) <= 200 for i in ids), ids
        assert len(set(ids)) == len(ids), ids
    elif isinstance(message, CtaUrl):
        assert 0 < len(message.body) <= 1024
        assert 0 < len(message.label) <= 20
    else:
        raise AssertionError(f"the engine sends only text, buttons and lists: {message!r}")


@dataclass
class Chat:
    now: datetime = START
    state: State = field(default_factory=State)
    effects: list[Effect] = field(default_factory=list)
    replies: list[Outbound] = field(default_factory=list)
    catalogue: Catalogue | None = None
    history: list[Effect] = field(default_factory=list)  # every effect of every turn

    def send(
        self,
        text: str = "",
        *,
        reply_id: str | None = None,
        kind: MessageKind | None = None,
        **extra: Any,
    ) -> list[Outbound]:
        citizen = Citizen(key="IN.123456789", channel=Channel.WHATSAPP, wa_id="919810012345")
        message = InboundMessage(
            message_id=f"wamid.{next(_ids)}",
            citizen=citizen,
            timestamp=self.now,
            kind=kind or (MessageKind.BUTTON_REPLY if reply_id else MessageKind.TEXT),
            text=text,
            reply_id=reply_id,
            **extra,
        )
        self.state, self.effects = step(self.state, message, context(self.now, self.catalogue))
        self.history += self.effects
        self.replies = [e.message for e in self.effects if isinstance(e, Reply)]
        return self.replies

    def tap(self, title: str) -> list[Outbound]:
        """Tap the button or list row with this title on the last messages."""
        for message in reversed(self.replies):
            options = choices_of(message)
            if title in options:
                return self.send(title, reply_id=options[title])
        raise AssertionError(f"no choice {title!r} in {[choices_of(m) for m in self.replies]}")

    def tap_id(self, reply_id: str) -> list[Outbound]:
        """Tap the button or row whose id is ``reply_id``; it must be on the last messages."""
        for message in reversed(self.replies):
            for title, rid in choices_of(message).items():
                if rid == reply_id:
                    return self.send(title, reply_id=rid)
        raise AssertionError(f"no id {reply_id!r} in {[choices_of(m) for m in self.replies]}")

    def photo(self, mime: str = "image/jpeg", caption: str = "") -> list[Outbound]:
        media = Media(media_id=f"media-{next(_ids)}", mime_type=mime)
        return self.send(caption, kind=MessageKind.IMAGE, media=media)

    def pdf(self, mime: str = "application/pdf") -> list[Outbound]:
        media = Media(media_id=f"media-{next(_ids)}", mime_type=mime, filename="scan.pdf")
        return self.send("", kind=MessageKind.DOCUMENT, media=media)

    def media(self, kind: MessageKind, mime: str = "") -> list[Outbound]:
        return self.send("", kind=kind, media=Media(media_id=f"media-{next(_ids)}", mime_type=mime))

    def location(self, lat: float, lon: float, name: str | None = None) -> list[Outbound]:
        return self.send("", kind=MessageKind.LOCATION, location=Location(lat, lon, name))

    def later(self, **delta: float) -> Chat:
        """Move the clock on (``days=3``, ``hours=2``)."""
        self.now += timedelta(**delta)
        return self

    # ------------------------------------------------------------------ shortcuts

    def onboard(self, language: str = "en", *, consent: bool = True, first: str = "hi") -> Chat:
        """Say ``first``, pick ``language`` and answer the consent notice."""
        self.send(first)
        self.tap_id(f"lang:{language}")
        self.tap_id("consent:yes" if consent else "consent:no")
        assert self.state.step is Step.MENU, self.state
        return self

    def apply(self, service_id: str) -> Chat:
        """From anywhere after consent: open the service card and tap "Apply"."""
        self.send("", reply_id=f"apply:{service_id}")
        assert self.state.step is Step.QUESTION, (self.state, self.text)
        return self

    def answer(self, given: str) -> list[Outbound]:
        """Answer the current question the way ``SAMPLE_ANSWERS`` writes it."""
        if given == "location":
            return self.location(28.6139, 77.209, "India Gate")
        if given.startswith("tap:"):
            return self.send("", reply_id=given.removeprefix("tap:"))
        return self.send(given)

    def answer_until(self, field_id: str | None, **answers: str) -> Chat:
        """Answer questions (``answers`` first, then ``SAMPLE_ANSWERS``) until ``field_id`` is
        asked, or until the questions end when ``field_id`` is None."""
        given = {**SAMPLE_ANSWERS, **answers}
        for _ in range(60):
            if self.state.step is not Step.QUESTION or self.state.current == field_id:
                break
            current = self.state.current
            assert current is not None
            self.answer(given[current])
            assert self.state.current != current or self.state.step is not Step.QUESTION, (
                current,
                self.text,
            )
        assert field_id is None or self.state.current == field_id, (field_id, self.state)
        return self

    def send_documents(self) -> Chat:
        """Send a fitting file for every document asked, skipping none."""
        for _ in range(30):
            if self.state.step is not Step.DOCUMENT:
                break
            service = (self.catalogue or catalogue())[self.state.service or ""]
            doc = service.document(self.state.current or "")
            if "pdf" in doc.accept:
                self.pdf()
            else:
                self.photo()
        return self

    def to_review(self, language: str = "en", **answers: str) -> Chat:
        """A consented citizen with the sample service filled in, at the review."""
        self.catalogue = self.catalogue or sample_catalogue()
        self.onboard(language).apply(SAMPLE).answer_until(None, **answers).send_documents()
        assert self.state.step is Step.REVIEW, (self.state, self.text)
        return self

    # ------------------------------------------------------------------ reading the replies

    @property
    def text(self) -> str:
        return "\n".join(body_of(m) for m in self.replies)

    @property
    def said(self) -> str:
        """Every word of the last replies, buttons and rows included."""
        return "\n".join(everything_said(m) for m in self.replies)

    @property
    def choices(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for message in self.replies:
            found.update(choices_of(message))
        return found

    @property
    def ids(self) -> list[str]:
        return [rid for message in self.replies for rid in reply_ids(message)]

    def effect(self, kind: type) -> Any:
        found = [e for e in self.effects if isinstance(e, kind)]
        assert found, f"no {kind.__name__} in {self.effects}"
        return found[0]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.effects if isinstance(e, kind)]

    def dumped(self) -> str:
        """The stored state as the database would hold it (JSON)."""
        return json.dumps(self.state.dump(), ensure_ascii=False)


__all__ = [
    "AADHAAR",
    "AADHAAR_BAD",
    "AADHAAR_SPACED",
    "SAMPLE",
    "SAMPLE_ANSWERS",
    "START",
    "Chat",
    "Text",
    "body_of",
    "catalogue",
    "check_whatsapp_limits",
    "choices_of",
    "context",
    "everything_said",
    "reference",
    "reply_ids",
    "sample_catalogue",
    "sample_service",
    "t",
]
