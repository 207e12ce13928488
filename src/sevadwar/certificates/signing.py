"""PAdES signatures on certificates (pyHanko): sign once at issue, validate offline any time.

The signature is a certification signature (DocMDP "no changes"): PAdES B-B with the
``ETSI.CAdES.detached`` sub-filter, SHA-256, over the whole file, with a visible field in the
certificate's signature block. Validation never goes online (``allow_fetching=False``) and trusts
only the certificates given, normally the deployment's own (toolchain notes §2). The signer's
certificate must assert ``digitalSignature`` or ``nonRepudiation`` (as Adobe Reader asks; pyHanko
alone asks for ``nonRepudiation``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from sevadwar.certificates.keys import SigningIdentity

FIELD_NAME = "Signature1"
SIGNER_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignatureBox:
    """Where the visible signature goes: page index and (x1, y1, x2, y2) in PDF points."""

    page: int
    box: tuple[int, int, int, int]


class CertificateSigner:
    """Signs certificate PDFs with the deployment's key or a configured DSC; the chain is
    embedded in the signature so that a verifier can build the path to the CA."""

    def __init__(self, identity: SigningIdentity) -> None:
        self.identity = identity
        key = identity.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._signer = signers.SimpleSigner(
            signing_cert=_asn1([identity.certificate])[0],
            signing_key=asn1_keys.PrivateKeyInfo.load(key),
            cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                _asn1(identity.chain)
            ),
        )
        self.common_name = identity.certificate.subject.rfc4514_string()

    def sign(
        self, pdf: bytes, *, where: SignatureBox, reason: str, location: str, signer_name: str
    ) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=signer_name,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        )
        style = TextStampStyle(
            stamp_text="Digitally signed by %(signer)s\nDate: %(ts)s",
            timestamp_format="%d-%m-%Y %H:%M:%S %Z",
            border_width=0,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            self._signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=FIELD_NAME, on_page=where.page, box=where.box
            ),
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
        return out.getvalue()


def _asn1(certs: Sequence[x509.Certificate]) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs]


@dataclass(frozen=True, slots=True)
class SignatureReport:
    """What validation found. ``ok`` only when the file is intact, trusted and unchanged."""

    signed: bool
    intact: bool
    trusted: bool
    whole_file: bool
    unmodified: bool
    summary: str
    signer: str = ""
    signed_at: datetime | None = None
    signer_sha256: str = ""  # of the signer's certificate (DER), to pin the deployment's

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file and self.unmodified


def trust_roots(cert_file: Path) -> list[asn1_x509.Certificate]:
    return _asn1(x509.load_pem_x509_certificates(cert_file.read_bytes()))


def identity_trust_roots(identity: SigningIdentity) -> list[asn1_x509.Certificate]:
    """What to trust for ``identity``'s signatures: its chain (else its own certificate)."""
    return _asn1(identity.trust_anchors())


def validate_certificate_pdf(
    pdf: bytes, trusted: list[asn1_x509.Certificate], *, moment: datetime | None = None
) -> SignatureReport:
    """Validate the first signature of ``pdf`` offline against ``trusted`` certificates."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        return SignatureReport(
            False, False, False, False, False, f"BROKEN: unreadable PDF ({type(exc).__name__})"
        )
    if not signatures:
        return SignatureReport(
            False, False, False, False, False, "UNSIGNED: the PDF carries no signature"
        )
    context = ValidationContext(trust_roots=trusted, allow_fetching=False, moment=moment)
    embedded = signatures[0]
    try:
        status = validate_pdf_signature(embedded, context, key_usage_settings=SIGNER_KEY_USAGE)
    except Exception as exc:
        return SignatureReport(
            True, False, False, False, False, f"BROKEN: {type(exc).__name__}: {exc}"
        )
    coverage = getattr(status.coverage, "name", str(status.coverage))
    modified = status.modification_level is not None and status.modification_level.name != "NONE"
    return SignatureReport(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=coverage == "ENTIRE_FILE",
        unmodified=bool(status.docmdp_ok) and not modified,
        summary=status.summary(),
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
        signer_sha256=status.signing_cert.sha256.hex() if status.signing_cert else "",
    )
