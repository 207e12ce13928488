"""The citizen's side of a live server's web chat, through the simulator's HTTP API.

What the simulator page does, without the page: post a message (a text, a tapped button, an
uploaded file) to ``/simulator/api/messages`` and read what the outbox delivered from the same
address. Every wait is bounded; a failure shows what the bot said instead.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import pytest
import yaml
from office_desk import jpeg_bytes

from browser.support import CATALOGUE

CHAT_WAIT = 15.0  # one bot turn: inbox → worker → outbox → sender, on a busy two-core machine
REFERENCE = re.compile(r"\bDL-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
QUESTION = re.compile(r"^\(\d+/\d+\) (.+)$")  # "(3/14) <the question's label>"
ASKED_FOR = re.compile(r"\*(.+?)\*")  # "📎 … *<the document's label>*"

Message = dict[str, Any]


def body_of(message: Message) -> str:
    return str(message.get("body") or message.get("caption") or "")


def choices_of(message: Message) -> list[str]:
    """The ids of a message's reply buttons and list rows."""
    ids = [str(b["id"]) for b in message.get("buttons") or []]
    for section in message.get("sections") or []:
        ids += [str(row["id"]) for row in section["rows"]]
    return ids


def offers(choice: str) -> Callable[[Message], bool]:
    return lambda message: choice in choices_of(message)


def says(text: str) -> Callable[[Message], bool]:
    return lambda message: text in body_of(message)


@dataclass
class Chat:
    url: str
    session: str  # the simulator session: the citizen's key is "sim:<session>"
    received: list[Message] = field(default_factory=list)  # every bot message, in order
    last: int = 0

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0)

    def send(
        self, text: str | None = None, *, reply_id: str | None = None, media: Any = None
    ) -> int:
        """Post one message; returns how many bot messages had arrived before it."""
        self.poll()
        seen = len(self.received)
        message = {"session": self.session, "id": uuid.uuid4().hex, "text": text}
        message |= {"reply_id": reply_id, "media": media}
        with self._client() as client:
            response = client.post("/simulator/api/messages", json=message)
        assert response.status_code == 202, response.text
        return seen

    def attach(self, data: bytes, mime: str, filename: str) -> dict[str, Any]:
        """Upload a file as the page does before sending it; returns what the message carries."""
        with self._client() as client:
            response = client.post("/simulator/api/media", files={"file": (filename, data, mime)})
        assert response.status_code == 200, response.text
        media: dict[str, Any] = response.json()
        return media

    def poll(self) -> None:
        with self._client() as client:
            response = client.get(
                "/simulator/api/messages", params={"session": self.session, "after": self.last}
            )
        assert response.status_code == 200, response.text
        delivered = response.json()
        self.received += [m["message"] for m in delivered["messages"]]
        self.last = delivered["last"]

    def wait_for(self, seen: int, accept: Callable[[Message], bool], what: str) -> Message:
        """The first bot message after the first ``seen`` that ``accept`` takes."""
        deadline = time.monotonic() + CHAT_WAIT
        while True:
            for message in self.received[seen:]:
                if accept(message):
                    return message
            if time.monotonic() > deadline:
                said = "\n---\n".join(body_of(m) for m in self.received[seen:])
                pytest.fail(f"the bot never replied {what}; after that it said:\n{said}")
            time.sleep(0.1)
            self.poll()


@cache
def income_service() -> dict[str, Any]:
    """catalogue/income.yaml, as the test reads it (labels, options, documents, stages)."""
    service: dict[str, Any] = yaml.safe_load(
        (CATALOGUE / "income.yaml").read_text(encoding="utf-8")
    )
    return service


def _hindi(entry: dict[str, str]) -> str:
    return entry["hi"]


def apply_for_an_income_certificate(chat: Chat, answers: dict[str, str]) -> str:
    """The whole form in Hindi: each question answered from ``answers`` (a choice by its option
    id; a question not there must be optional, and is skipped), each required document sent as a
    photo taken on the phone, the optional ones skipped. Returns the reference the bot gives."""
    service = income_service()
    fields = {_hindi(f["label"]): f for f in service["fields"]}
    documents = {_hindi(d["label"]): d for d in service["documents"]}
    seen = chat.send("नमस्ते")
    chat.wait_for(seen, offers("lang:hi"), "with the language buttons")
    seen = chat.send("हिन्दी", reply_id="lang:hi")
    chat.wait_for(seen, offers("consent:yes"), "asking for consent")
    seen = chat.send("मैं सहमत हूँ", reply_id="consent:yes")
    chat.wait_for(seen, offers("menu:apply"), "with the main menu")
    seen = chat.send("आय प्रमाण पत्र")
    chat.wait_for(seen, offers("apply:income"), "with the income certificate's card")
    seen = chat.send("आवेदन करें", reply_id="apply:income")

    def first_line(message: Message) -> str:
        return body_of(message).split("\n", 1)[0]

    def is_next_step(message: Message) -> bool:
        asked, named = QUESTION.match(first_line(message)), ASKED_FOR.search(first_line(message))
        return bool(
            (asked and asked.group(1) in fields)
            or (named and named.group(1) in documents)
            or "review:submit" in choices_of(message)
        )

    answered: list[str] = []
    for _ in range(len(fields) + len(documents) + 1):
        message = chat.wait_for(seen, is_next_step, "with the next question, document or review")
        if "review:submit" in choices_of(message):
            break
        asked = QUESTION.match(first_line(message))
        if asked is not None:
            spec = fields[asked.group(1)]
            answered.append(spec["id"])
            answer = answers.get(spec["id"])
            if answer is None:
                assert "skip" in choices_of(message), f"no answer for {spec['id']}"
                seen = chat.send("छोड़ें", reply_id="skip")
            elif spec["type"] == "choice":  # tap the option, or type its name if not offered
                label = next(_hindi(o["label"]) for o in spec["options"] if o["id"] == answer)
                option = f"opt:{answer}"
                seen = chat.send(label, reply_id=option if option in choices_of(message) else None)
            else:
                seen = chat.send(answer)
            continue
        named = ASKED_FOR.search(first_line(message))
        assert named is not None
        document = documents[named.group(1)]
        answered.append(document["id"])
        if not document.get("required", True):
            seen = chat.send("छोड़ें", reply_id="skip")
            continue
        seen = chat.send(media=chat.attach(jpeg_bytes(), "image/jpeg", f"{document['id']}.jpg"))
        chat.wait_for(seen, says(named.group(1)), f"taking {document['id']}")
    else:
        pytest.fail("the bot never offered to submit the application")
    assert set(answers) <= set(answered), "a question was never asked"
    seen = chat.send("जमा करें", reply_id="review:submit")
    done = chat.wait_for(seen, lambda m: bool(REFERENCE.search(body_of(m))), "with a reference")
    reference = REFERENCE.search(body_of(done))
    assert reference is not None
    return reference.group(0)
