"""Bilingual payment texts from ``payments/messages.yaml`` (chat, checkout page, receipt)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml

Section = Literal["chat", "checkout", "receipt"]
LANGUAGES = ("en", "hi")


@cache
def texts() -> dict[str, dict[str, dict[str, str]]]:
    raw = resources.files("sevadwar.payments").joinpath("messages.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError("payments/messages.yaml: expected a mapping")
    return data


def payment_text(section: Section, key: str, language: str, **params: object) -> str:
    """The text ``section.key`` in ``language`` (English when missing), filled with ``params``."""
    entry = texts()[section][key]
    template = entry.get(language) or entry["en"]
    return template.format(**params) if params else template
