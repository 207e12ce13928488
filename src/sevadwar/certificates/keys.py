"""The deployment's certificate-signing keys, generated once into ``DATA_DIR/keys/``.

Two keys, two jobs:

* ``certificate-signing.key`` / ``.crt`` sign the PDFs (PAdES). On first start a self-signed
  RSA-2048 certificate is made with the key usages pyHanko's validator expects of a signer:
  ``digitalSignature`` *and* ``nonRepudiation`` (``content_commitment`` in ``cryptography``),
  plus ``keyCertSign`` because it is its own trust anchor (toolchain notes §2). To sign with a
  real Class 3 DSC instead, put its key and certificate (PEM; the chain after the signer's
  certificate in the same ``.crt`` file) in their place: nothing else changes.
* ``certificate-qr.key`` is an Ed25519 key for the compact payload in the QR code: 64-byte
  signatures keep the code small enough to scan from a printout.

Files are created exclusively (``O_EXCL``) and mode 0600, so two processes starting at once
agree on one identity.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID

SIGNING_KEY = "certificate-signing.key"
SIGNING_CERT = "certificate-signing.crt"
QR_KEY = "certificate-qr.key"
CERT_YEARS = 10


@dataclass(frozen=True, slots=True)
class SigningFiles:
    """Where the PDF signing identity lives (PEM files)."""

    key: Path
    cert: Path

    def certificates(self) -> list[x509.Certificate]:
        """The signer's certificate first, then any chain given after it."""
        return x509.load_pem_x509_certificates(self.cert.read_bytes())

    def fingerprint(self) -> str:
        """SHA-256 of the signer's certificate (DER), hex: what a verifier pins."""
        der = self.certificates()[0].public_bytes(serialization.Encoding.DER)
        return hashlib.sha256(der).hexdigest()


def _write_exclusive(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new file ``path`` (0600); ``False`` if it already existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return True


def _self_signed(key: rsa.RSAPrivateKey, common_name: str, now: datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sevadwar"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation: pyHanko's signer check wants it
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def load_or_create_signing_files(
    keys_dir: Path, *, common_name: str, now: datetime
) -> SigningFiles:
    """The PDF signing key and certificate in ``keys_dir``, made on first use."""
    files = SigningFiles(keys_dir / SIGNING_KEY, keys_dir / SIGNING_CERT)
    if not files.key.exists():
        fresh = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = fresh.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        if _write_exclusive(files.key, pem):
            _write_exclusive(files.cert, _certificate_pem(fresh, common_name, now))
    deadline = time.monotonic() + 2.0
    while not files.cert.exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # another process is writing the certificate for the key it just made
    if not files.cert.exists():  # a key without its certificate (e.g. a crash in between)
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(
                f"{files.key}: not an RSA key; provide its certificate as {files.cert}"
            )
        _write_exclusive(files.cert, _certificate_pem(key, common_name, now))
    return files


def _certificate_pem(key: rsa.RSAPrivateKey, common_name: str, now: datetime) -> bytes:
    return _self_signed(key, common_name, now).public_bytes(serialization.Encoding.PEM)


def load_or_create_qr_key(keys_dir: Path) -> ed25519.Ed25519PrivateKey:
    """The Ed25519 key that signs QR payloads, made on first use."""
    path = keys_dir / QR_KEY
    if not path.exists():
        fresh = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_exclusive(path, fresh)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key
