"""Optional answers to free-form questions about a service, from an OpenAI-compatible chat API.

Off by default: :func:`answerer_from_settings` returns ``None`` unless ``SEVADWAR_LLM_BASE_URL``
is set. When on, :meth:`ServiceAnswerer.answer` sends the service's catalogue facts and the
citizen's question to ``{base}/chat/completions`` and returns the reply as text, or ``None`` when
the model cannot be reached (the conversation then answers from the catalogue as usual).

Guarantees, each tested against a local fake server:

- Aadhaar numbers, phone numbers and e-mail addresses are redacted from every message sent
  (:func:`sevadwar.nlu.entities.redact`), and from the reply.
- The model is grounded in one catalogue entry; the instructions live in ``data/llm.yaml``.
- The reply is text only: nothing here changes any state.

See https://platform.openai.com/docs/api-reference/chat/create.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import httpx

from sevadwar.catalogue.schema import FeeKind, Service
from sevadwar.nlu.entities import redact
from sevadwar.nlu.lexicon import load_data

_MAX_QUESTION = 1000
_MAX_ANSWER = 1500


@dataclass(frozen=True, slots=True)
class ChatConfig:
    base_url: str
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    timeout: float = 30.0
    max_tokens: int = 300
    temperature: float = 0.2


@lru_cache(maxsize=1)
def _prompts() -> dict[str, Any]:
    return load_data("llm.yaml")


def service_facts(service: Service, language: str) -> str:
    """The catalogue entry of ``service`` as plain lines, in ``language`` where it exists."""
    labels = _prompts()["facts"]
    lines = [
        labels["heading"],
        f"{labels['name']}: {service.name.get(language)}",
        f"{labels['description']}: {service.description.get(language)}",
        f"{labels['office']}: {service.office.get(language)}",
    ]
    if service.eligibility:
        lines.append(f"{labels['eligibility']}: {service.eligibility.get(language)}")
    lines.append(f"{labels['fee']}: {_fee(service, language, labels)}")
    days = (
        labels["time_same_day"]
        if service.sla_days == 0
        else labels["time_days"].format(days=service.sla_days)
    )
    time = f"{labels['time']}: {days}"
    if service.sla_note:
        time += f" ({service.sla_note.get(language)})"
    lines.append(time)
    if service.documents:
        lines.append(f"{labels['documents']}:")
        for document in service.documents:
            optional = f" {labels['optional']}" if document.when or not document.required else ""
            lines.append(f"- {document.label.get(language)}{optional}")
    return "\n".join(lines)


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _fee(service: Service, language: str, labels: dict[str, str]) -> str:
    fee = service.fee
    if fee.kind == FeeKind.ZERO:
        text = labels["fee_free"]
    elif fee.kind == FeeKind.FIXED:
        text = labels["fee_amount"].format(amount=_amount(fee.amount))
    elif fee.kind == FeeKind.SLAB:
        text = "; ".join(
            labels["fee_slab"].format(
                amount=_amount(slab.amount), label=slab.label.get(language) if slab.label else ""
            )
            for slab in fee.slabs
        )
    else:
        text = labels["fee_computed"].format(
            base=_amount(fee.amount), rate=_amount(fee.rate), basis=fee.basis_field or ""
        )
    if fee.note:
        text += f". {fee.note.get(language)}"
    return text


def build_messages(service: Service, question: str, language: str) -> list[dict[str, str]]:
    """The chat messages for one question, already redacted."""
    prompts = _prompts()
    names: dict[str, str] = prompts["language_names"]
    system = prompts["system"].format(language_name=names.get(language, names["en"]))
    facts = service_facts(service, language)
    asked = question.strip()[:_MAX_QUESTION]
    return [
        {"role": "system", "content": redact(f"{system}\n\n{facts}")},
        {"role": "user", "content": redact(f"{prompts['question_heading']} {asked}")},
    ]


class ServiceAnswerer:
    """Answers questions about one service at a time; stateless and safe to share."""

    def __init__(self, config: ChatConfig, client: httpx.AsyncClient) -> None:
        self._config = config
        self._client = client
        self._url = config.base_url.rstrip("/") + "/chat/completions"

    async def answer(self, service: Service, question: str, language: str) -> str | None:
        """The model's answer as plain text (redacted), or None when it gives none."""
        body = {
            "model": self._config.model,
            "messages": build_messages(service, question, language),
            "temperature": self._config.temperature,
            "max_tokens": self._config.max_tokens,
        }
        headers = {}
        if self._config.api_key:
            headers["Authorization"] = f"Bearer {self._config.api_key}"
        try:
            response = await self._client.post(
                self._url, json=body, headers=headers, timeout=self._config.timeout
            )
            response.raise_for_status()
            reply = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        text = _content(reply)
        if not text:
            return None
        return redact(text.strip())[:_MAX_ANSWER]


def _content(reply: Any) -> str | None:
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


class _LlmSettings(Protocol):
    @property
    def llm_base_url(self) -> object: ...
    @property
    def llm_model(self) -> str: ...
    @property
    def llm_api_key(self) -> object: ...


def answerer_from_settings(
    settings: _LlmSettings, client: httpx.AsyncClient
) -> ServiceAnswerer | None:
    """An answerer when ``SEVADWAR_LLM_BASE_URL`` is set, else None."""
    if not settings.llm_base_url:
        return None
    key = settings.llm_api_key
    reveal = getattr(key, "get_secret_value", None)
    return ServiceAnswerer(
        ChatConfig(
            base_url=str(settings.llm_base_url),
            model=settings.llm_model,
            api_key=str(reveal()) if callable(reveal) else (str(key) if key else None),
        ),
        client,
    )
