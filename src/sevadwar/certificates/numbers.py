"""Certificate numbers: ``DLC-XXXX-XXXX-XXXX``, unambiguous, self-checking, hard to guess.

Eleven random characters and one check character from the alphabet of application references
(no 0/O, 1/I/L, U), so a number read off paper over the phone survives, a single typo or two
swapped neighbours are caught, and 30^11 (about 2^54) numbers make guessing one that exists
hopeless: the public verification page shows a holder's name, so numbers must not be walkable.
"""

from __future__ import annotations

import re
import secrets

from sevadwar.applications.reference import ALPHABET, check_character

PREFIX = "DLC"
_BODY = 11
_INDEX = frozenset(ALPHABET)
_SEPARATORS = re.compile(r"[\s\-/.]")


def format_number(code: str) -> str:
    return f"{PREFIX}-{code[:4]}-{code[4:8]}-{code[8:]}"


def new_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_BODY))
    return format_number(body + check_character(body))


def parse_number(text: str) -> str | None:
    """The canonical number if ``text`` is one (any case, any separators), else ``None``."""
    if len(text) > 64:
        return None
    cleaned = _SEPARATORS.sub("", text).upper()
    if not cleaned.startswith(PREFIX):
        return None
    code = cleaned[len(PREFIX) :]
    if len(code) != _BODY + 1 or any(c not in _INDEX for c in code):
        return None
    return format_number(code) if check_character(code[:-1]) == code[-1] else None
