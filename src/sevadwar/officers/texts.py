"""The back office's words, in Hindi and English, from ``texts.yaml`` (never from Python)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("hi", "en")
DEFAULT_LANGUAGE = "hi"


@cache
def all_texts() -> dict[str, dict[str, str]]:
    with (Path(__file__).parent / "texts.yaml").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, str]] = yaml.safe_load(handle)
    return data


class Texts:
    """``t("key", name=...)`` in one language (English when a key lacks it)."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: Any) -> str:
        entry = all_texts()[key]
        template = entry.get(self.language) or entry["en"]
        return template.format(**values) if values else template

    def has(self, key: str) -> bool:
        return key in all_texts()

    def get(self, key: str, default: str, **values: Any) -> str:
        return self(key, **values) if key in all_texts() else default


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    if accept_language:
        first = accept_language.split(",")[0].strip().lower()
        if first.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
