"""The JSON shapes of the public verification endpoints (part of the OpenAPI document)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from sevadwar.certificates.verification import VerificationStatus


class LocalizedText(BaseModel):
    model_config = ConfigDict(frozen=True)
    en: str
    hi: str


class VerifiedCertificate(BaseModel):
    """Only what the public may know: no address, Aadhaar or application number."""

    number: str = Field(examples=["DLC-7KQM-X4R9-2BCD"])
    service: str = Field(description="The catalogue's service id", examples=["income"])
    title: LocalizedText
    holder_name: str
    issued_on: date = Field(description="Date of issue (IST), as printed")
    valid_until: date | None = Field(
        description="Last day of validity (IST); null: until cancelled"
    )
    revoked_on: date | None = Field(description="Date of cancellation (IST), if cancelled")
    office: LocalizedText


class VerificationResult(BaseModel):
    status: VerificationStatus
    genuine: bool = Field(
        description="Issued by this deployment (even if since expired or cancelled)"
    )
    certificate: VerifiedCertificate | None = None


class PdfSigningKey(BaseModel):
    certificate_pem: str = Field(description="The signer's X.509 certificate, then any chain (PEM)")
    sha256: str = Field(description="SHA-256 of the signer's certificate (DER), hex")


class QrSigningKey(BaseModel):
    algorithm: str = "Ed25519"
    key_id: str
    public_key: str = Field(description="The raw 32-byte public key, base64url without padding")


class VerificationKeys(BaseModel):
    """Public keys for checking certificates offline: the PDF signature and the QR payload."""

    pdf: PdfSigningKey
    qr: list[QrSigningKey]
