"""Application reference numbers: short, unambiguous, self-checking, understood in any case.

Shape: ``DL-XXXX-XXXX`` — the prefix, seven random characters and one check character, from an
alphabet without look-alikes (no 0/O, 1/I/L, no U). The check character is Luhn mod N over the
alphabet, so a single mistyped character or two swapped neighbours are caught before any lookup.
Citizens may type it in lower case, with or without dashes or spaces.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 characters
PREFIX = "DL"
_BODY = 7
_INDEX = {c: i for i, c in enumerate(ALPHABET)}

# Anything that could be a reference inside free text: the prefix, then 8 alphabet characters
# with optional separators. Case-insensitive; the body is validated by ``parse_reference``.
_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])D\s*L[\s\-/]*((?:[2-9A-Za-z][\s\-]?){7}[2-9A-Za-z])(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def check_character(body: str) -> str:
    """Luhn mod N check character for ``body`` (characters from ALPHABET)."""
    n = len(ALPHABET)
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def is_valid_body(code: str) -> bool:
    if len(code) != _BODY + 1 or any(c not in _INDEX for c in code):
        return False
    return check_character(code[:-1]) == code[-1]


def format_reference(code: str) -> str:
    return f"{PREFIX}-{code[:4]}-{code[4:]}"


def new_reference() -> str:
    """A fresh random reference in display form, e.g. ``DL-7KQM-X4R9``."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(_BODY))
    return format_reference(body + check_character(body))


def parse_reference(text: str) -> str | None:
    """The canonical reference if ``text`` is exactly one (any case, any separators), else None."""
    cleaned = re.sub(r"[\s\-/]", "", text).upper()
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    else:
        return None
    return format_reference(cleaned) if is_valid_body(cleaned) else None


def find_references(text: str) -> list[str]:
    """Every valid reference mentioned anywhere in ``text``, canonical, in order, without repeats."""
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        body = re.sub(r"[\s\-]", "", match.group(1)).upper()
        if is_valid_body(body):
            ref = format_reference(body)
            if ref not in found:
                found.append(ref)
    return found
