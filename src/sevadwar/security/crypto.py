"""Encrypting sensitive fields (Aadhaar numbers) at rest with AES-256-GCM.

The key is derived from the deployment's secret key with HKDF, so no extra secret has to be
managed; ciphertexts carry a version prefix so the key can rotate.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"sevadwar/" + purpose
    ).derive(secret)


class FieldCipher:
    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(derive_key(secret, b"fields"))

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), PREFIX.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        if not token.startswith(PREFIX):
            raise ValueError("unknown ciphertext version")
        raw = base64.urlsafe_b64decode(token.removeprefix(PREFIX))
        return self._aead.decrypt(raw[:12], raw[12:], PREFIX.encode()).decode("utf-8")
