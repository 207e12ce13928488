"""Issuing a certificate when an application is approved: the workflow's ``issue_certificate``.

In the approving transaction: pick an unused number, render the bilingual PDF from the
service's template, sign it (PAdES), store it encrypted in the blob store, record it in the
register (with its audit row), and return the citizen's messages: a text and the PDF as a
WhatsApp document behind a signed, expiring ``/files/{token}`` link.

Why a link and not the Graph API's media upload: the outbox sends in the background and may
retry; a link costs nothing until it is fetched, works for the simulator too, and needs no
media id that expires after 30 days on Meta's side. WhatsApp fetches the document once, when
the message is sent, so the link only has to outlive the outbox's retries (7 days).

If the transaction rolls back after the PDF was stored, the blob is an orphan: encrypted,
unreferenced, and harmless.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.schema import Service
from sevadwar.certificates.actions import do_record_certificate
from sevadwar.certificates.keys import (
    SigningConfig,
    SigningIdentity,
    generated_identity,
    load_configured_identity,
    load_or_create_qr_key,
    load_or_create_signing_files,
    signing_config,
)
from sevadwar.certificates.models import Certificate
from sevadwar.certificates.numbers import new_number
from sevadwar.certificates.qr import QrPayload, qr_url, sign_payload
from sevadwar.certificates.queries import (
    certificate_of_application,
    certificate_title,
    issuing_office,
)
from sevadwar.certificates.render import CertificateDocument, render_certificate
from sevadwar.certificates.signing import CertificateSigner
from sevadwar.certificates.templates import (
    Bilingual,
    certificate_rows,
    holder_name,
    load_template,
    text,
)
from sevadwar.channels.base import DocumentMessage, Outbound, Text
from sevadwar.documents.base import BlobStore
from sevadwar.documents.links import file_url, make_file_token
from sevadwar.messaging.notices import templates
from sevadwar.payments.display import IST
from sevadwar.settings import Settings

LINK_LIFETIME = timedelta(days=7)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CertificateKeys:
    """The deployment's signing identity: the PDF signer (its key or a DSC) and the QR key."""

    identity: SigningIdentity
    signer: CertificateSigner
    qr_key: ed25519.Ed25519PrivateKey


_keys_lock = threading.Lock()
_keys_cache: dict[tuple[Path, SigningConfig | None], CertificateKeys] = {}


def certificate_keys(
    keys_dir: Path, *, common_name: str, now: datetime, dsc: SigningConfig | None = None
) -> CertificateKeys:
    """The PDF signer (``dsc`` if configured, else the key in ``keys_dir``, generated on first
    use) and the QR key in ``keys_dir``, loaded once per process. A DSC is checked on loading
    (:class:`~sevadwar.certificates.keys.SigningKeyError`) and must be in force at ``now``."""
    resolved = keys_dir.resolve()
    with _keys_lock:
        found = _keys_cache.get((resolved, dsc))
        if found is None:
            if dsc is None:
                files = load_or_create_signing_files(resolved, common_name=common_name, now=now)
                identity = generated_identity(files)
            else:
                identity = load_configured_identity(dsc, now=now)
                for warning in identity.warnings:
                    log.warning("certificate signing: %s", warning)
            found = CertificateKeys(
                identity, CertificateSigner(identity), load_or_create_qr_key(resolved)
            )
            _keys_cache[(resolved, dsc)] = found
    if dsc is not None:  # a long-running process may outlive the DSC: never sign when expired
        found.identity.check_in_force(now)
    return found


def _unused_number(session: Session) -> str:
    while True:  # 30^11 numbers: a clash is all but impossible, but never assumed away
        number = new_number()
        if (
            session.scalars(select(Certificate.id).where(Certificate.number == number)).first()
            is None
        ):
            return number


@dataclass
class CertificateIssuer:
    """The workflow hook. The generated keys are made on the first issue, not at start-up (a
    configured DSC is checked at start-up: :func:`certificate_issuer`)."""

    catalogue: Catalogue
    store: BlobStore
    keys_dir: Path
    public_base: str
    link_secret: bytes
    link_lifetime: timedelta = LINK_LIFETIME
    dsc: SigningConfig | None = None  # a real DSC from the settings; None: the generated key

    def keys(self, now: datetime) -> CertificateKeys:
        host = self.public_base.split("://", 1)[-1]
        return certificate_keys(
            self.keys_dir,
            common_name=f"Sevadwar certificates ({host})"[:64],
            now=now,
            dsc=self.dsc,
        )

    def __call__(
        self, session: Session, application: Application, actor: Actor, now: datetime
    ) -> list[Outbound]:
        service = self.catalogue[application.service_id]
        existing = certificate_of_application(session, application.id)
        if existing is not None:  # issued before (e.g. a replayed approval): send it again
            return self.messages(application, service, existing, now)
        certificate = self.issue(session, application, service, actor=actor, now=now)
        return self.messages(application, service, certificate, now)

    def issue(
        self,
        session: Session,
        application: Application,
        service: Service,
        *,
        actor: Actor,
        now: datetime,
    ) -> Certificate:
        spec = service.certificate
        if spec is None:
            raise ValueError(f"service {service.id} issues no certificate")
        template = load_template(spec.template)
        answers = (
            application.answers.get("fields", {}) if isinstance(application.answers, dict) else {}
        )
        number = _unused_number(session)
        valid_until = now + timedelta(days=spec.validity_days) if spec.validity_days else None
        holder = holder_name(template, service, answers)
        keys = self.keys(now)
        token = sign_payload(
            keys.qr_key,
            QrPayload(
                number=number,
                service_id=service.id,
                issued_on=now.astimezone(IST).date(),
                valid_until=valid_until.astimezone(IST).date() if valid_until else None,
                holder_name=holder,
            ),
        )
        verify_url = f"{self.public_base}/verify/{number}"
        department = self.catalogue.department(service.department).name
        office = issuing_office(session, self.catalogue, service.id, application.office_id)
        document = CertificateDocument(
            template=template,
            number=number,
            reference=application.reference,
            title=certificate_title(self.catalogue, service.id),
            department=Bilingual(en=department.en, hi=department.get("hi")),
            office=office,
            rows=tuple(certificate_rows(template, service, answers)),
            issued_at=now,
            valid_until=valid_until,
            verify_url=verify_url,
            qr_text=qr_url(self.public_base, number, token),
        )
        rendered = render_certificate(document)
        signed = keys.signer.sign(
            rendered.data,
            where=rendered.signature,
            reason=f"{document.title.en} {number}",
            location="Delhi, India",
            signer_name="",
        )
        blob_key = self.store.put(signed)
        return do_record_certificate(
            session,
            application,
            number=number,
            holder_name=holder,
            blob_key=blob_key,
            sha256=hashlib.sha256(signed).hexdigest(),
            valid_until=valid_until,
            actor=actor,
            now=now,
        )

    def download_url(
        self,
        certificate: Certificate,
        service_id: str,
        now: datetime,
        *,
        lifetime: timedelta | None = None,
    ) -> str | None:
        """A signed link to the stored PDF, valid for ``lifetime`` (None once erased)."""
        if not certificate.blob_key:
            return None
        token = make_file_token(
            self.link_secret,
            certificate.blob_key,
            f"{service_id}-{certificate.number}.pdf",
            "application/pdf",
            now + (lifetime or self.link_lifetime),
        )
        return file_url(self.public_base, token)

    def messages(
        self, application: Application, service: Service, certificate: Certificate, now: datetime
    ) -> list[Outbound]:
        language = application.language if application.language in ("en", "hi") else "hi"
        title = certificate_title(self.catalogue, service.id).get(language)
        verify_url = f"{self.public_base}/verify/{certificate.number}"
        values = {"title": title, "number": certificate.number, "verify_url": verify_url}
        issued = text("messages", "issued", language, **values)
        link = self.download_url(certificate, service.id, now)
        if link is None:
            return [Text(issued)]
        caption = text("messages", "caption", language, title=title, number=certificate.number)
        document = DocumentMessage(
            filename=f"{service.id}-{certificate.number}.pdf", link=link, caption=caption
        )
        # outside the 24-hour window, one template carries both the news and the signed PDF
        template = templates()["certificate_issued"].message(language, values, document=document)
        return [Text(issued, fallback=template), document]


def certificate_issuer(
    settings: Settings, catalogue: Catalogue, store: BlobStore, *, now: datetime | None = None
) -> CertificateIssuer:
    """The issuer for ``runtime.workflow.issue_certificate``: keys under ``DATA_DIR/keys``, or
    the DSC the settings name, which is read and checked here so that a process with an
    unusable one does not start (:class:`~sevadwar.certificates.keys.SigningKeyError`)."""
    issuer = CertificateIssuer(
        catalogue=catalogue,
        store=store,
        keys_dir=settings.data_dir / "keys",
        public_base=settings.public_base,
        link_secret=settings.resolved_secret_key(),
        dsc=signing_config(settings),
    )
    if issuer.dsc is not None:
        keys = issuer.keys(now or datetime.now(UTC))
        log.info(
            "certificate signing: DSC %s (%s), SHA-256 %s",
            keys.identity.certificate.subject.rfc4514_string(),
            keys.identity.source,
            keys.identity.fingerprint(),
        )
    return issuer
