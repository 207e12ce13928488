"""The TOTP second factor (RFC 6238: 6 digits, 30-second steps, one step of drift allowed).

The secret and the last step used are stored together, encrypted with the deployment's field
cipher, in ``officers.totp_secret``: a code is accepted once only (ASVS 6.5.1), and nothing about
the factor is readable from the database alone.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime

import pyotp

from sevadwar.security.crypto import FieldCipher

STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "Sevadwar"


@dataclass(frozen=True, slots=True)
class TotpState:
    secret: str
    last_step: int = -1

    def seal(self, cipher: FieldCipher) -> str:
        return cipher.encrypt(
            json.dumps({"s": self.secret, "t": self.last_step}, separators=(",", ":"))
        )

    @classmethod
    def open(cls, cipher: FieldCipher, sealed: str) -> TotpState:
        data = json.loads(cipher.decrypt(sealed))
        return cls(secret=str(data["s"]), last_step=int(data.get("t", -1)))


def new_secret() -> str:
    """160 random bits, base32 (what authenticator apps expect)."""
    return pyotp.random_base32(32)


def code_at(secret: str, at: datetime) -> str:
    return str(pyotp.TOTP(secret, interval=STEP_SECONDS).at(at))


def provisioning_uri(secret: str, username: str) -> str:
    return str(
        pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
            name=username, issuer_name=ISSUER
        )
    )


def accept_code(state: TotpState, code: str, now: datetime) -> TotpState | None:
    """The new state if ``code`` is valid now and not used before; else None."""
    code = "".join(ch for ch in code if not ch.isspace())
    if len(code) != 6 or not code.isdigit():
        return None
    current = int(now.timestamp()) // STEP_SECONDS
    accepted: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        expected = code_at(state.secret, datetime.fromtimestamp(step * STEP_SECONDS, tz=now.tzinfo))
        if hmac.compare_digest(expected, code) and step > state.last_step:
            accepted = step
    if accepted is None:
        return None
    return TotpState(secret=state.secret, last_step=accepted)
