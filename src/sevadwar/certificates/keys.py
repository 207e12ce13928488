"""The deployment's certificate-signing keys: generated once into ``DATA_DIR/keys/``, or a DSC.

Two keys, two jobs:

* The PDF signer (PAdES). By default ``certificate-signing.key`` / ``.crt``: on first issue a
  self-signed RSA-2048 certificate is made with the key usages pyHanko's validator expects of a
  signer: ``digitalSignature`` *and* ``nonRepudiation`` (``content_commitment`` in
  ``cryptography``), plus ``keyCertSign`` because it is its own trust anchor (toolchain notes §2).
  A real Class 3 DSC is configured instead with ``SEVADWAR_SIGNING_PKCS12`` (+ ``_PASSWORD``) or
  ``SEVADWAR_SIGNING_KEY`` + ``SEVADWAR_SIGNING_CERT`` (+ ``SEVADWAR_SIGNING_CHAIN``):
  :func:`load_configured_identity` reads and checks it at start-up, and refuses to start on a
  file it cannot read, a wrong password, a key that is not the certificate's, a certificate out
  of its validity period or one whose key usage does not allow signing documents.
* ``certificate-qr.key`` is an Ed25519 key for the compact payload in the QR code: 64-byte
  signatures keep the code small enough to scan from a printout. It stays the deployment's own
  key even with a DSC (docs/security.md): a DSC's RSA signature would not fit a printable QR.

Files are created exclusively (``O_EXCL``) and mode 0600, so two processes starting at once
agree on one identity.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from sevadwar.settings import Settings, SettingsError

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


# ---------------------------------------------------------------------- the signing identity

EXPIRY_WARNING = timedelta(days=30)
SigningKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | (ed448.Ed448PrivateKey | dsa.DSAPrivateKey)
)


class SigningKeyError(SettingsError):
    """The configured DSC cannot be used; the message names the variable and what to do."""


@dataclass(frozen=True, slots=True)
class SigningConfig:
    """Where an operator put a real DSC (``SEVADWAR_SIGNING_*``); see :func:`signing_config`."""

    pkcs12: Path | None = None
    pkcs12_password: bytes | None = field(default=None, repr=False)
    key: Path | None = None
    key_password: bytes | None = field(default=None, repr=False)
    cert: Path | None = None
    chain: Path | None = None


def signing_config(settings: Settings) -> SigningConfig | None:
    """The configured DSC, ``None`` for the generated deployment key; contradictions raise."""
    pkcs12_password = settings.signing_pkcs12_password
    key_password = settings.signing_key_password
    config = SigningConfig(
        pkcs12=settings.signing_pkcs12,
        pkcs12_password=pkcs12_password.get_secret_value().encode() if pkcs12_password else None,
        key=settings.signing_key,
        key_password=key_password.get_secret_value().encode() if key_password else None,
        cert=settings.signing_cert,
        chain=settings.signing_chain,
    )
    pem = config.key is not None or config.cert is not None
    problems = []
    if config.pkcs12 is not None and pem:
        problems.append(
            "SEVADWAR_SIGNING_PKCS12 and SEVADWAR_SIGNING_KEY/SEVADWAR_SIGNING_CERT are both set:"
            " use one of them"
        )
    elif pem and (config.key is None or config.cert is None):
        missing = "SEVADWAR_SIGNING_CERT" if config.cert is None else "SEVADWAR_SIGNING_KEY"
        problems.append(f"{missing} is not set: a PEM signing key needs both key and certificate")
    if config.pkcs12_password is not None and config.pkcs12 is None:
        problems.append(
            "SEVADWAR_SIGNING_PKCS12_PASSWORD is set but SEVADWAR_SIGNING_PKCS12 is not"
        )
    if config.key_password is not None and config.key is None:
        problems.append("SEVADWAR_SIGNING_KEY_PASSWORD is set but SEVADWAR_SIGNING_KEY is not")
    if config.chain is not None and config.pkcs12 is None and not pem:
        problems.append(
            "SEVADWAR_SIGNING_CHAIN is set but no DSC is: set SEVADWAR_SIGNING_PKCS12 or"
            " SEVADWAR_SIGNING_KEY and SEVADWAR_SIGNING_CERT"
        )
    if problems:
        raise SigningKeyError("invalid signing key configuration:\n  " + "\n  ".join(problems))
    if config.pkcs12 is None and not pem:
        return None
    return config


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """The key that signs certificate PDFs, its certificate and the chain above it."""

    key: SigningKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    source: str  # where it came from, for logs and ``sevadwar certificate keys``
    configured: bool  # a DSC from the settings (not the generated deployment key)
    warnings: tuple[str, ...] = ()

    def certificates(self) -> list[x509.Certificate]:
        """The signer's certificate first, then its chain."""
        return [self.certificate, *self.chain]

    def fingerprint(self) -> str:
        """SHA-256 of the signer's certificate (DER), hex: what a verifier pins."""
        return fingerprint(self.certificate)

    def pem(self) -> str:
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in self.certificates()
        )

    def trust_anchors(self) -> list[x509.Certificate]:
        """What a verifier trusts for this deployment: the chain given, else the signer itself."""
        return list(self.chain) or [self.certificate]

    def check_in_force(self, now: datetime) -> None:
        """Raise :class:`SigningKeyError` if the certificate cannot sign at ``now``."""
        cert, where = self.certificate, self.source
        if now < cert.not_valid_before_utc:
            raise SigningKeyError(
                f"{where}: the signing certificate is not valid before"
                f" {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (check the clock, or wait)"
            )
        if now >= cert.not_valid_after_utc:
            raise SigningKeyError(
                f"{where}: the signing certificate expired on"
                f" {cert.not_valid_after_utc:%Y-%m-%d}; renew the DSC and configure the new one"
            )


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def generated_identity(files: SigningFiles) -> SigningIdentity:
    """The deployment's own key in ``DATA_DIR/keys`` (or whatever was put in its place)."""
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    if not isinstance(key, SigningKey):
        raise ValueError(f"{files.key}: this kind of key cannot sign")
    certs = files.certificates()
    return SigningIdentity(
        key, certs[0], tuple(certs[1:]), source=f"generated key {files.cert}", configured=False
    )


def load_configured_identity(
    config: SigningConfig, *, now: datetime, to_sign: bool = True
) -> SigningIdentity:
    """Read and check the DSC the settings name: every problem is a :class:`SigningKeyError`
    that says which variable and why; what is only doubtful is in ``warnings``. With
    ``to_sign=False`` (verifying old PDFs, showing the key) an expired certificate is a warning."""
    if config.pkcs12 is not None:
        key, cert, extra = _read_pkcs12(config.pkcs12, config.pkcs12_password)
        source = f"SEVADWAR_SIGNING_PKCS12={config.pkcs12}"
    else:
        assert config.key is not None
        assert config.cert is not None
        key = _read_key(config.key, config.key_password)
        certs = _read_certificates(config.cert, "SEVADWAR_SIGNING_CERT")
        cert, extra = certs[0], certs[1:]  # a chain may follow the signer in the same file
        source = f"SEVADWAR_SIGNING_CERT={config.cert}"
    if config.chain is not None:
        extra = [*extra, *_read_certificates(config.chain, "SEVADWAR_SIGNING_CHAIN")]
    if not _same_public_key(key, cert):
        raise SigningKeyError(
            f"{source}: the private key does not belong to this certificate"
            " (its public key differs); configure the key and certificate of the same DSC"
        )
    identity = SigningIdentity(
        key,
        cert,
        _ordered_chain(cert, extra),
        source=source,
        configured=True,
        warnings=tuple(_key_usage_warnings(cert, source)),
    )
    warnings = list(identity.warnings)
    try:
        identity.check_in_force(now)
    except SigningKeyError as exc:
        if to_sign:
            raise
        warnings.append(str(exc))
    left = cert.not_valid_after_utc - now
    if timedelta(0) <= left < EXPIRY_WARNING:
        warnings.append(
            f"{source}: the signing certificate expires in {left.days} days"
            f" ({cert.not_valid_after_utc:%Y-%m-%d}); renew the DSC"
        )
    if not _self_signed_cert(cert) and not any(c.subject == cert.issuer for c in identity.chain):
        warnings.append(
            f"{source}: the certificate of its issuer ({cert.issuer.rfc4514_string()}) is not"
            " given; set SEVADWAR_SIGNING_CHAIN so that verifiers can build the chain"
        )
    for ca in identity.chain:
        if not ca.not_valid_before_utc <= now < ca.not_valid_after_utc:
            warnings.append(
                f"{source}: the chain certificate {ca.subject.rfc4514_string()} is not valid now"
            )
    return SigningIdentity(
        key, cert, identity.chain, source=source, configured=True, warnings=tuple(warnings)
    )


def _read(path: Path, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"{variable}={path}: cannot read the file ({exc.strerror or exc})"
        ) from None


def _read_pkcs12(
    path: Path, password: bytes | None
) -> tuple[SigningKey, x509.Certificate, list[x509.Certificate]]:
    data = _read(path, "SEVADWAR_SIGNING_PKCS12")
    where = f"SEVADWAR_SIGNING_PKCS12={path}"
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        if not _looks_like_pkcs12(data):
            raise SigningKeyError(f"{where}: not a PKCS#12 (.p12/.pfx) file") from None
        if password is None:
            raise SigningKeyError(
                f"{where}: the file is protected by a password; set"
                " SEVADWAR_SIGNING_PKCS12_PASSWORD"
            ) from None
        raise SigningKeyError(
            f"{where}: wrong password (SEVADWAR_SIGNING_PKCS12_PASSWORD), or the file uses an"
            " encryption this system cannot read (re-export it with AES-256)"
        ) from None
    if key is None or cert is None:
        missing = "private key" if key is None else "signer's certificate"
        raise SigningKeyError(f"{where}: the file holds no {missing}")
    if not isinstance(key, SigningKey):
        raise SigningKeyError(f"{where}: this kind of key ({type(key).__name__}) cannot sign")
    return key, cert, list(extra)


def _looks_like_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native)
    except Exception:
        return False


def _read_key(path: Path, password: bytes | None) -> SigningKey:
    data = _read(path, "SEVADWAR_SIGNING_KEY")
    where = f"SEVADWAR_SIGNING_KEY={path}"
    try:
        if b"-----BEGIN" in data:
            key: PrivateKeyTypes = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_der_private_key(data, password=password)
    except TypeError:  # encrypted without a password, or a password for a clear key
        if password is None:
            raise SigningKeyError(
                f"{where}: the key is encrypted; set SEVADWAR_SIGNING_KEY_PASSWORD"
            ) from None
        raise SigningKeyError(
            f"{where}: the key is not encrypted; unset SEVADWAR_SIGNING_KEY_PASSWORD"
        ) from None
    except ValueError:
        if password is not None and b"ENCRYPTED" in data:
            raise SigningKeyError(f"{where}: wrong SEVADWAR_SIGNING_KEY_PASSWORD") from None
        raise SigningKeyError(f"{where}: not a private key (PEM or DER)") from None
    if not isinstance(key, SigningKey):
        raise SigningKeyError(f"{where}: this kind of key ({type(key).__name__}) cannot sign")
    return key


def _read_certificates(path: Path, variable: str) -> list[x509.Certificate]:
    data = _read(path, variable)
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SigningKeyError(f"{variable}={path}: not an X.509 certificate (PEM or DER)") from None
    return certs


def _same_public_key(key: SigningKey, cert: x509.Certificate) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(*spki) == cert.public_key().public_bytes(*spki)


def _self_signed_cert(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def _ordered_chain(
    signer: x509.Certificate, others: list[x509.Certificate]
) -> tuple[x509.Certificate, ...]:
    """``others`` without duplicates or the signer, from the signer's issuer upwards."""
    unique: dict[bytes, x509.Certificate] = {}
    for cert in others:
        unique.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    unique.pop(signer.fingerprint(hashes.SHA256()), None)
    left = list(unique.values())
    ordered: list[x509.Certificate] = []
    current = signer
    while not _self_signed_cert(current):
        parent = next((c for c in left if c.subject == current.issuer), None)
        if parent is None:
            break
        ordered.append(parent)
        left.remove(parent)
        current = parent
    return (*ordered, *left)


def _key_usage_warnings(cert: x509.Certificate, source: str) -> list[str]:
    """Refuse a certificate that may not sign documents; warn when it lacks nonRepudiation.

    Sevadwar's own check (signing.py) accepts digitalSignature or nonRepudiation, like Adobe
    Reader; pyHanko's default policy and the CCA's guidelines for document signing want
    nonRepudiation, so a certificate with digitalSignature only starts with a warning.
    """
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise SigningKeyError(
            f"{source}: the certificate has no key usage extension; a document-signing DSC"
            " asserts digitalSignature and nonRepudiation"
        ) from None
    if not usage.digital_signature and not usage.content_commitment:
        raise SigningKeyError(
            f"{source}: the certificate's key usage allows neither digitalSignature nor"
            " nonRepudiation: it is not a signing certificate (an encryption DSC?)"
        )
    if not usage.content_commitment:
        return [
            f"{source}: the certificate's key usage lacks nonRepudiation; Sevadwar accepts it,"
            " but verifiers that follow pyHanko's default policy will not trust the signature"
        ]
    return []
