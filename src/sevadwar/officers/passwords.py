"""Officer passwords: Argon2id hashes and a policy that refuses weak ones.

Parameters follow the OWASP cheat sheet's minimum for Argon2id (m = 19 MiB, t = 2, p = 1): about
20–40 ms a hash on the 2-core machine, so a burst of logins does not starve the server. A stored
hash made with weaker parameters is upgraded at the next successful login (``needs_rehash``).

The policy follows ASVS 6.2: a minimum length, no composition rules, no common passwords, not the
user name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 128

_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
# Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASH = _HASHER.hash("sevadwar-no-such-officer")


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why, for the operator."""


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "common_passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str, *, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"the password is too short: use at least {MIN_LENGTH} characters (a phrase is best)"
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password is too long: at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if len(set(lowered)) < 4:
        raise WeakPassword(
            "the password repeats too few characters: choose a phrase that is hard to guess"
        )
    if lowered in common_passwords() or lowered.rstrip("0123456789!@#.") in common_passwords():
        raise WeakPassword("the password is on the list of common passwords: choose another")
    if username and username.lower() in lowered:
        raise WeakPassword("the password must not contain the user name")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the officer exists (``stored_hash`` None)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
