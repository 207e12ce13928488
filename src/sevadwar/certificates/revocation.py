"""Cancelling a certificate: the register is marked, the citizen is told, the page says so.

Whoever revokes (an approving officer in the back office, an operator with the CLI) must be able
to see the application through the one access function, so an officer of another department
cannot cancel what they cannot see.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sevadwar.applications.access import NotVisible, application_for
from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor, Workflow
from sevadwar.certificates.actions import do_revoke_certificate
from sevadwar.certificates.models import Certificate
from sevadwar.certificates.numbers import parse_number
from sevadwar.certificates.queries import certificate_by_number, certificate_title
from sevadwar.certificates.templates import text
from sevadwar.messaging.notices import notice


def revoke_certificate(
    session: Session, workflow: Workflow, number: str, *, reason: str, actor: Actor
) -> Certificate:
    """Cancel the certificate ``number``; NotVisible if ``actor`` may not see it.

    Revoking twice changes nothing the second time (no audit row, no message).
    """
    canonical = parse_number(number)
    certificate = certificate_by_number(session, canonical) if canonical else None
    application = session.get(Application, certificate.application_id) if certificate else None
    if certificate is None or application is None:
        raise NotVisible(number)
    application_for(session, actor, application.reference)  # raises NotVisible
    if do_revoke_certificate(
        session, certificate, reason=reason, actor=actor, now=workflow.clock()
    ):
        language = application.language if application.language in ("en", "hi") else "hi"
        title = certificate_title(workflow.catalogue, certificate.service_id).get(language)
        values = {"number": certificate.number, "title": title, "reason": reason.strip()}
        message = text("messages", "revoked", language, **values)
        workflow.send(
            session, application, [notice("certificate_revoked", language, message, values)]
        )
    return certificate
