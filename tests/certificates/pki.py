"""A throwaway PKI for tests: a root CA, an intermediate CA and a Class 3-like signer (DSC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CaKey = ec.EllipticCurvePrivateKey


def name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CA Services"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def usage(*, signing: bool = True, non_repudiation: bool = True, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=non_repudiation,
        key_encipherment=not (signing or non_repudiation or ca),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def ca_certificate(
    common_name: str,
    key: CaKey,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key: CaKey | None = None,
    now: datetime,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(issuer.subject if issuer else name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(signing=False, non_repudiation=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(issuer_key or key, hashes.SHA256())
    )


def signer_certificate(
    common_name: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate,
    issuer_key: CaKey,
    not_before: datetime,
    not_after: datetime,
    key_usage: x509.KeyUsage | None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    """Root → intermediate → signers, valid around ``now`` (and around the real clock)."""

    now: datetime
    root_key: CaKey
    root: x509.Certificate
    sub_key: CaKey
    sub: x509.Certificate

    @classmethod
    def make(cls, now: datetime) -> Pki:
        now = min(now, datetime.now(UTC))
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = ca_certificate("Test Root CA 2026", root_key, now=now)
        sub_key = ec.generate_private_key(ec.SECP256R1())
        sub = ca_certificate(
            "Test Sub-CA for Document Signer 2026",
            sub_key,
            issuer=root,
            issuer_key=root_key,
            now=now,
        )
        return cls(now, root_key, root, sub_key, sub)

    def signer(
        self,
        common_name: str = "DS Registrar of Births and Deaths Delhi 1",
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key_usage: x509.KeyUsage | None = None,
        no_key_usage: bool = False,
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = signer_certificate(
            common_name,
            key,
            issuer=self.sub,
            issuer_key=self.sub_key,
            not_before=not_before or self.now - timedelta(days=30),
            not_after=not_after or self.now + timedelta(days=730),
            key_usage=None if no_key_usage else (key_usage or usage()),
        )
        return key, cert


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def write_pkcs12(
    path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    cas: list[x509.Certificate],
    password: bytes,
) -> Path:
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"dsc", key, cert, cas, serialization.BestAvailableEncryption(password)
        )
    )
    return path


def write_key(path: Path, key: rsa.RSAPrivateKey, password: bytes | None = None) -> Path:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return path


def write_pem(path: Path, *certs: x509.Certificate) -> Path:
    path.write_bytes(pem(*certs))
    return path
