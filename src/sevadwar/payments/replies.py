"""What the citizen is told about a payment, in the application's language (texts from
``payments/messages.yaml``), and where it goes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sevadwar.applications.models import Application
from sevadwar.channels.base import CtaUrl, DocumentMessage, Outbound, Text
from sevadwar.messaging.notices import recipient_of as citizen_recipient
from sevadwar.messaging.outbox import Recipient
from sevadwar.payments.display import format_ist, format_rupees
from sevadwar.payments.messages import payment_text
from sevadwar.payments.models import Payment

_CTA_BODY = 1024  # WhatsApp's limit for an interactive body


def recipient_of(session: Session, application: Application) -> Recipient:
    """The citizen's address on the channel the application came from."""
    return citizen_recipient(session, application.citizen_key, application.channel)


def link_message(payment: Payment, service_name: str, language: str) -> CtaUrl:
    """A payment link as a button, with the amount and until when it works."""
    expires = format_ist(payment.expires_at) if payment.expires_at else ""
    body = payment_text(
        "chat",
        "link",
        language,
        service=service_name,
        amount=format_rupees(payment.amount_paise),
        expires=expires,
    )
    return CtaUrl(
        body=body[:_CTA_BODY],
        label=payment_text("chat", "link_button", language),
        url=payment.url,
    )


def paid_messages(
    application: Application, payment: Payment, receipt_url: str, language: str
) -> list[Outbound]:
    assert payment.receipt_number is not None
    text = payment_text(
        "chat",
        "paid",
        language,
        amount=format_rupees(payment.amount_paise),
        reference=application.reference,
    )
    caption = payment_text(
        "chat", "receipt_caption", language, receipt_number=payment.receipt_number
    )
    return [
        Text(text),
        DocumentMessage(
            filename=receipt_filename(payment.receipt_number), link=receipt_url, caption=caption
        ),
    ]


def failed_messages(payment: Payment, language: str) -> list[Outbound]:
    """The attempt failed; the same link is still payable: offer it again."""
    return [
        CtaUrl(
            body=payment_text("chat", "failed", language),
            label=payment_text("chat", "link_button", language),
            url=payment.url,
        )
    ]


def pending_messages(language: str) -> list[Outbound]:
    return [Text(payment_text("chat", "pending", language))]


def expired_messages(language: str) -> list[Outbound]:
    return [Text(payment_text("chat", "expired", language))]


def refund_messages(amount_paise: int, application: Application, language: str) -> list[Outbound]:
    text = payment_text(
        "chat",
        "refund",
        language,
        amount=format_rupees(amount_paise),
        reference=application.reference,
    )
    return [Text(text)]


def receipt_filename(receipt_number: str) -> str:
    return f"receipt-{receipt_number}.pdf"
