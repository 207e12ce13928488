"""``/verify``: public certificate verification, as a page and as JSON, plus the public keys.

Answers are never cached (a cancellation must show at once) and the page runs no script and
loads nothing from elsewhere (``Content-Security-Policy``). An unknown number answers 404 with
the same body whatever the number looked like.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sevadwar.certificates.issuer import CertificateIssuer
from sevadwar.certificates.numbers import parse_number
from sevadwar.certificates.page import render_verify_page
from sevadwar.certificates.qr import key_id, public_key_bytes
from sevadwar.certificates.schemas import (
    LocalizedText,
    PdfSigningKey,
    QrSigningKey,
    VerificationKeys,
    VerificationResult,
    VerifiedCertificate,
)
from sevadwar.certificates.verification import Verification, VerificationStatus, verify_number
from sevadwar.payments.display import IST
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

router = APIRouter(tags=["verification"])

HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
}


def _verify(request: Request, number: str) -> Verification:
    runtime: Runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        return verify_number(session, runtime.catalogue, number, now=runtime.clock())


def _as_json(verification: Verification) -> VerificationResult:
    found = verification.certificate
    certificate = None
    if found is not None:
        certificate = VerifiedCertificate(
            number=found.number,
            service=found.service_id,
            title=LocalizedText(en=found.title.en, hi=found.title.hi),
            holder_name=found.holder_name,
            issued_on=found.issued_at.astimezone(IST).date(),
            valid_until=found.valid_until.astimezone(IST).date() if found.valid_until else None,
            revoked_on=found.revoked_at.astimezone(IST).date() if found.revoked_at else None,
            office=LocalizedText(en=found.office.en, hi=found.office.hi),
        )
    return VerificationResult(
        status=verification.status, genuine=verification.genuine, certificate=certificate
    )


@router.get("/verify", include_in_schema=False)
def verify_form(request: Request, number: str | None = None) -> Response:
    if number is not None and number.strip():
        canonical = parse_number(number) or number.strip()[:64]
        return RedirectResponse(
            f"/verify/{quote(canonical, safe='')}", status_code=303, headers=HEADERS
        )
    return HTMLResponse(render_verify_page(None), headers=HEADERS)


@router.get(
    "/verify/keys.json", response_model=VerificationKeys, summary="Public keys for offline checks"
)
def verification_keys(request: Request) -> JSONResponse:
    """The certificate that signs the PDFs (the deployment's own or its DSC, with the chain) and
    the Ed25519 key that signs QR payloads."""
    runtime: Runtime = request.app.state.runtime
    issuer = runtime.workflow.issue_certificate
    if not isinstance(issuer, CertificateIssuer):
        return JSONResponse({"detail": "Not Found"}, status_code=404, headers=HEADERS)
    keys = issuer.keys(runtime.clock())
    public = keys.qr_key.public_key()
    body = VerificationKeys(
        pdf=PdfSigningKey(certificate_pem=keys.identity.pem(), sha256=keys.identity.fingerprint()),
        qr=[
            QrSigningKey(
                key_id=key_id(public),
                public_key=base64.urlsafe_b64encode(public_key_bytes(public))
                .rstrip(b"=")
                .decode("ascii"),
            )
        ],
    )
    return JSONResponse(
        body.model_dump(mode="json"), headers={**HEADERS, "Cache-Control": "public, max-age=3600"}
    )


@router.get(
    "/verify/{number}.json",
    response_model=VerificationResult,
    summary="Verify a certificate",
    responses={
        404: {"model": VerificationResult, "description": "No such certificate in the register"}
    },
)
def verify_json(number: str, request: Request) -> JSONResponse:
    """Whether the certificate is in the register and in force: ``valid``, ``expired``,
    ``revoked`` or ``unknown`` (404), with the minimal facts a verifier compares."""
    verification = _verify(request, number)
    status = 404 if verification.status is VerificationStatus.UNKNOWN else 200
    body = _as_json(verification).model_dump(mode="json")
    return JSONResponse(body, status_code=status, headers=HEADERS)


@router.get("/verify/{number}", include_in_schema=False)
def verify_page(number: str, request: Request) -> HTMLResponse:
    verification = _verify(request, number)
    status = 404 if verification.status is VerificationStatus.UNKNOWN else 200
    value = verification.certificate.number if verification.certificate else ""
    return HTMLResponse(
        render_verify_page(verification, value=value), status_code=status, headers=HEADERS
    )
