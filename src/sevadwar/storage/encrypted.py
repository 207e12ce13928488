"""Columns encrypted at rest (phone numbers), transparently for every reader and writer.

The key is derived from the deployment's secret key and installed once per process by
``build_runtime`` (``use_field_cipher``): a column type cannot take arguments per query, so this
is the one piece of process-wide state, and it fails closed — writing an encrypted column before
a key is installed raises instead of storing plain text. Values written before encryption
existed (no ``v1:`` prefix) still read back.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from sevadwar.security.crypto import PREFIX, FieldCipher

_cipher: FieldCipher | None = None


def use_field_cipher(cipher: FieldCipher) -> None:
    global _cipher
    _cipher = cipher


def _require() -> FieldCipher:
    if _cipher is None:
        raise RuntimeError("no field cipher installed: build the runtime first")
    return _cipher


class EncryptedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else _require().encrypt(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        return _require().decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: object) -> str | None:
        return None if value is None else _require().encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: str | None, dialect: object) -> Any:
        if value is None:
            return None
        return json.loads(_require().decrypt(value) if value.startswith(PREFIX) else value)
