"""HTML of the public verification page: templates are data files next to this module, texts
come from ``texts.yaml``, every value is HTML-escaped. No script and no external asset."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from html import escape
from importlib import resources
from string import Template

from sevadwar.certificates.render import ist_date
from sevadwar.certificates.templates import text
from sevadwar.certificates.verification import Verification, VerificationStatus

_ICONS = {
    VerificationStatus.VALID: "✔",
    VerificationStatus.EXPIRED: "!",
    VerificationStatus.REVOKED: "✖",
    VerificationStatus.UNKNOWN: "?",
}
_PAGE_KEYS = ("title", "intro", "number_label", "number_hint", "check")
_DETAIL_KEYS = (
    "details",
    "number_label",
    "service",
    "holder",
    "issued_on",
    "valid_until",
    "office",
    "compare",
)


@cache
def _template(name: str) -> Template:
    return Template(resources.files("sevadwar.certificates").joinpath(name).read_text("utf-8"))


def _texts(section: str, keys: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in keys:
        for language in ("hi", "en"):
            values[f"{key}_{language}"] = escape(text(section, key, language))
    return values


def _date(moment: datetime | None) -> str:
    return ist_date(moment) if moment else ""


def _result(verification: Verification) -> str:
    status = verification.status
    found = verification.certificate
    when = ""
    if found is not None:
        when = (
            _date(found.revoked_at)
            if status is VerificationStatus.REVOKED
            else _date(found.valid_until)
        )
    values = {
        "status": status.value,
        "icon": _ICONS[status],
        "status_title_hi": escape(text("page", f"{status.value}_title", "hi")),
        "status_title_en": escape(text("page", f"{status.value}_title", "en")),
        "status_text_hi": escape(text("page", status.value, "hi", date=when)),
        "status_text_en": escape(text("page", status.value, "en", date=when)),
        "details": "",
    }
    if found is not None:
        validity = (
            ist_date(found.valid_until)
            if found.valid_until
            else " / ".join(text("page", "valid_until_revoked", lang) for lang in ("hi", "en"))
        )
        details = _texts("page", _DETAIL_KEYS)
        details.update(
            number=escape(found.number),
            certificate_hi=escape(found.title.hi),
            certificate_en=escape(found.title.en),
            holder_name=escape(found.holder_name),
            issued_on=escape(ist_date(found.issued_at)),
            valid_until=escape(validity),
            office_name_hi=escape(found.office.hi),
            office_name_en=escape(found.office.en),
        )
        values["details"] = _template("verify_details.html").substitute(details)
    return _template("verify_result.html").substitute(values)


def render_verify_page(verification: Verification | None, *, value: str = "") -> str:
    """The page: the verdict on a number (when one was asked about) and the form to ask again."""
    values = _texts("page", _PAGE_KEYS)
    values.update(
        government_hi=escape(text("pdf", "government", "hi")),
        government_en=escape(text("pdf", "government", "en")),
        result=_result(verification) if verification is not None else "",
        value=escape(value, quote=True),
    )
    title = f"{text('page', 'title', 'hi')} | {text('page', 'title', 'en')}"
    if verification is not None:
        status = verification.status.value
        verdict = " · ".join(text("page", f"{status}_title", lang) for lang in ("hi", "en"))
        title = f"{verdict} | {title}"
    values["page_title"] = escape(title)
    return _template("verify_page.html").substitute(values)
