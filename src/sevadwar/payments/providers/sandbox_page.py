"""HTML for the sandbox checkout: templates are data files next to this module, texts come from
``payments/messages.yaml``, and every value is HTML-escaped. No script, no external asset."""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from string import Template

from sevadwar.payments.display import format_ist, format_rupees
from sevadwar.payments.messages import payment_text
from sevadwar.payments.providers.sandbox_ledger import SandboxLink

_CHECKOUT_KEYS = (
    "page_title",
    "sandbox_notice",
    "service",
    "application",
    "amount",
    "valid_until",
    "choose",
    "pay_success",
    "pay_failure",
    "pay_pending",
)


@cache
def _template(name: str) -> Template:
    package = resources.files("sevadwar.payments.providers")
    return Template(package.joinpath(name).read_text("utf-8"))


def _bilingual(key: str) -> dict[str, str]:
    return {f"{key}_{lang}": escape(payment_text("checkout", key, lang)) for lang in ("hi", "en")}


def render_checkout(link: SandboxLink, *, action: str, token: str, status: str | None) -> str:
    """The payment page for an open link; ``status`` is a ``checkout`` text key to announce
    (``result_failed``, ``result_pending``) or ``None``."""
    values: dict[str, str] = {}
    for key in _CHECKOUT_KEYS:
        values.update(_bilingual(key))
    if status:
        values.update(
            status_hi=escape(payment_text("checkout", status, "hi")),
            status_en=escape(payment_text("checkout", status, "en")),
            status_hidden="",
        )
    else:
        values.update(status_hi="", status_en="", status_hidden=" hidden")
    values.update(
        service_name_hi=escape(link.description_hi),
        service_name_en=escape(link.description_en),
        application_reference=escape(link.application_reference),
        amount=escape(format_rupees(link.amount_paise)),
        expires=escape(format_ist(link.expires_at)),
        action=escape(action, quote=True),
        token=escape(token, quote=True),
    )
    return _template("sandbox_checkout.html").substitute(values)


def render_message(message_key: str) -> str:
    """A page with one announcement: ``result_paid``, ``already_paid``, ``expired``, …"""
    return notice_page(
        title_hi=payment_text("checkout", "page_title", "hi"),
        title_en=payment_text("checkout", "page_title", "en"),
        message_hi=payment_text("checkout", message_key, "hi"),
        message_en=payment_text("checkout", message_key, "en"),
    )


def notice_page(*, title_hi: str, title_en: str, message_hi: str, message_en: str) -> str:
    """A bilingual page with a title and one message (escaped here): the payment pages' notices."""
    return _template("sandbox_message.html").substitute(
        page_title_hi=escape(title_hi),
        page_title_en=escape(title_en),
        message_hi=escape(message_hi),
        message_en=escape(message_en),
    )
