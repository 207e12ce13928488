"""Optional LLM answers about one service, against a local fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr
from stdnum import verhoeff

from nlu.fake_openai import FakeOpenAI
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.nlu.llm import ChatConfig, ServiceAnswerer, answerer_from_settings, service_facts

BASE = "http://llm.test/v1"
AADHAAR = "23456789012" + verhoeff.calc_check_digit("23456789012")


def ask(fake: FakeOpenAI, catalogue: Catalogue, question: str, language: str = "en") -> str | None:
    async def go() -> str | None:
        transport = httpx.ASGITransport(app=fake.app())
        async with httpx.AsyncClient(transport=transport) as client:
            answerer = ServiceAnswerer(ChatConfig(base_url=BASE, model="m", api_key="key"), client)
            return await answerer.answer(catalogue["income"], question, language)

    return asyncio.run(go())


def test_answers_grounded_in_the_catalogue(catalogue: Catalogue) -> None:
    fake = FakeOpenAI(answer="  It takes a few days.  ")
    assert ask(fake, catalogue, "how long does it take?") == "It takes a few days."
    body = fake.requests[0]["body"]
    assert fake.requests[0]["authorization"] == "Bearer key"
    assert body["model"] == "m"
    system, user = body["messages"]
    assert system["role"] == "system"
    assert user["role"] == "user"
    assert catalogue["income"].name.en in system["content"]
    assert "how long does it take?" in user["content"]


def test_aadhaar_and_phone_numbers_never_reach_the_model(catalogue: Catalogue) -> None:
    fake = FakeOpenAI()
    spaced = f"{AADHAAR[:4]} {AADHAAR[4:8]} {AADHAAR[8:]}"
    ask(fake, catalogue, f"my aadhaar is {spaced} and phone +91 98765 43210, mail x@y.in. fee?")
    sent = json.dumps(fake.requests[0]["body"], ensure_ascii=False)
    assert AADHAAR[8:] not in sent
    assert AADHAAR not in sent
    assert "98765" not in sent
    assert "x@y.in" not in sent
    assert "[AADHAAR]" in sent
    assert "[PHONE]" in sent


def test_the_reply_is_redacted_too(catalogue: Catalogue) -> None:
    fake = FakeOpenAI(answer=f"Your Aadhaar {AADHAAR} is noted; call 9876543210.")
    reply = ask(fake, catalogue, "fee?")
    assert reply is not None
    assert AADHAAR not in reply
    assert "9876543210" not in reply


def test_hindi_questions_get_hindi_facts(catalogue: Catalogue) -> None:
    fake = FakeOpenAI(answer="शुल्क नहीं है।")
    assert ask(fake, catalogue, "फीस कितनी है?", "hi") == "शुल्क नहीं है।"
    system = fake.requests[0]["body"]["messages"][0]["content"]
    assert catalogue["income"].name.get("hi") in system
    assert "Hindi" in system


@pytest.mark.parametrize("status", [429, 500, 400])
def test_no_answer_when_the_model_fails(catalogue: Catalogue, status: int) -> None:
    assert ask(FakeOpenAI(status=status), catalogue, "fee?") is None


def test_facts_list_fee_time_and_documents(catalogue: Catalogue) -> None:
    facts = service_facts(catalogue["birth-certificate"], "en")
    assert "Fee:" in facts
    assert "Time limit:" in facts
    assert "Documents:" in facts
    for document in catalogue["birth-certificate"].documents:
        assert document.label.en in facts


@dataclass
class _Settings:
    llm_base_url: str | None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None


def test_off_unless_configured() -> None:
    async def go() -> None:
        async with httpx.AsyncClient() as client:
            assert answerer_from_settings(_Settings(None), client) is None
            assert isinstance(
                answerer_from_settings(_Settings(BASE, llm_api_key=SecretStr("s")), client),
                ServiceAnswerer,
            )

    asyncio.run(go())
