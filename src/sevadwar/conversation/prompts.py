"""The bot's words, loaded from one YAML file per language (``prompts/<lang>.yaml``).

English is the reference: a language is *complete* when its file has every key the English file
has, and only complete languages are offered to citizens. Adding Punjabi is adding ``pa.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROMPTS_DIR = Path(__file__).parent / "prompts"
COMMANDS_FILE = Path(__file__).parent / "commands.yaml"
REFERENCE_LANGUAGE = "en"


class Prompts:
    def __init__(self, texts: dict[str, dict[str, Any]]) -> None:
        reference = texts[REFERENCE_LANGUAGE]
        self._texts = texts
        self.languages = tuple(
            lang
            for lang in sorted(texts, key=lambda x: (x != "hi", x))
            if _covers(texts[lang], reference)
        )

    @classmethod
    def load(cls, directory: Path = PROMPTS_DIR) -> Prompts:
        texts = {}
        for path in sorted(directory.glob("*.yaml")):
            with path.open(encoding="utf-8") as handle:
                texts[path.stem] = yaml.safe_load(handle)
        return cls(texts)

    def text(self, language: str | None, key: str, **values: Any) -> str:
        table = self._texts.get(language or REFERENCE_LANGUAGE) or self._texts[REFERENCE_LANGUAGE]
        template = table.get(key)
        if template is None:
            template = self._texts[REFERENCE_LANGUAGE][key]
        return str(template).format(**values) if values else str(template)

    def mapping(self, language: str | None, key: str) -> dict[str, str]:
        table = self._texts.get(language or REFERENCE_LANGUAGE) or self._texts[REFERENCE_LANGUAGE]
        value = table.get(key) or self._texts[REFERENCE_LANGUAGE][key]
        return {str(k): str(v) for k, v in value.items()}

    def language_name(self, language: str) -> str:
        return self.text(language, "language_name")


def _covers(table: dict[str, Any], reference: dict[str, Any]) -> bool:
    for key, value in reference.items():
        if key not in table:
            return False
        if isinstance(value, dict) and not (
            isinstance(table[key], dict) and _covers(table[key], value)
        ):
            return False
    return True


_PUNCTUATION = re.compile(r"[\s\.\,\!\?।\-_:;'\"]+")


def fold(text: str) -> str:
    """Case-, space- and punctuation-insensitive form used to recognise command words."""
    text = unicodedata.normalize("NFC", text).casefold()
    return _PUNCTUATION.sub(" ", text).strip()


def _says(text: str, phrases: tuple[str, ...]) -> bool:
    said = f" {fold(text)} "
    return len(text) <= 80 and any(f" {phrase} " in said for phrase in phrases)


@dataclass(frozen=True)
class Commands:
    words: dict[str, str]  # folded word -> command
    languages: dict[str, str]  # folded word -> language code
    lacking: tuple[str, ...] = ()  # folded phrases: "I have no answer" inside a longer reply
    same_document: tuple[str, ...] = ()  # folded phrases: "the document I already sent"

    @classmethod
    def load(cls, path: Path = COMMANDS_FILE) -> Commands:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        languages = {fold(w): lang for lang, words in data.pop("languages").items() for w in words}
        lacking = tuple(fold(w) for w in data.pop("lacking"))
        same_document = tuple(fold(w) for w in data.pop("same_document"))
        words = {fold(w): command for command, ws in data.items() for w in ws}
        words = {**words, **dict.fromkeys(languages, "language")}
        return cls(words=words, languages=languages, lacking=lacking, same_document=same_document)

    def command(self, text: str) -> str | None:
        return self.words.get(fold(text)) if text and len(text) <= 40 else None

    def says_lacking(self, text: str) -> bool:
        """ "आधार अभी नहीं बना है", "pata nahi": no answer to give (only short replies)."""
        return _says(text, self.lacking)

    def says_same_document(self, text: str) -> bool:
        """ "वही आधार जो पहले भेजा", "same as before": a document already sent (short replies)."""
        return _says(text, self.same_document)

    def language(self, text: str) -> str | None:
        return self.languages.get(fold(text)) if text else None


@cache
def default_prompts() -> Prompts:
    return Prompts.load()


@cache
def default_commands() -> Commands:
    return Commands.load()
