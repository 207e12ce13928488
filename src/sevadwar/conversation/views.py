"""Building the messages a citizen sees: menus, lists, service cards, questions, the review.

Everything here fits WhatsApp's limits by construction (3 buttons, 10 list rows, short titles);
long lists are paginated with a "More" row whose id carries the next page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sevadwar.catalogue.schema import DocumentSpec, FieldType, FileType, FormField, Kind, Service
from sevadwar.channels.base import Button, Buttons, ListMenu, Outbound, Row, Section, Text
from sevadwar.conversation.answers import display_answer
from sevadwar.conversation.context import Context

PAGE_ROWS = 9  # nine choices and a "More" row fit Meta's ten
TITLE = 24
DESCRIPTION = 72
BUTTON = 20


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def paged_list(
    ctx: Context,
    lang: str,
    *,
    body: str,
    button: str,
    section: str,
    rows: Sequence[Row],
    page: int,
    more_id: str,
) -> ListMenu:
    """One page of ``rows`` as a list message, with a "More" row when more remain."""
    if len(rows) <= PAGE_ROWS + 1:
        shown, has_more = list(rows), False
    else:
        start = page * PAGE_ROWS
        if start >= len(rows):
            start = 0
        shown, has_more = list(rows[start : start + PAGE_ROWS]), start + PAGE_ROWS < len(rows)
        if not has_more and page:
            has_more = True  # the last page wraps around to the first
    if has_more:
        shown.append(
            Row(
                id=more_id,
                title=clip(ctx.t(lang, "more_row"), TITLE),
                description=ctx.t(lang, "more_row_desc"),
            )
        )
    return ListMenu(
        body=body,
        button=clip(button, BUTTON),
        sections=(Section(title=clip(section, TITLE), rows=tuple(shown)),),
    )


def next_page(rows_count: int, page: int) -> int:
    return 0 if (page + 1) * PAGE_ROWS >= rows_count else page + 1


MENU_ITEMS = ("apply", "status", "human", "grievance", "language", "help")


def main_menu(ctx: Context, lang: str) -> ListMenu:
    rows = [
        Row(
            f"menu:{item}",
            clip(ctx.t(lang, f"menu_{item}"), TITLE),
            clip(ctx.t(lang, f"menu_{item}_desc"), DESCRIPTION),
        )
        for item in MENU_ITEMS
    ]
    return ListMenu(
        body=ctx.t(lang, "menu_body"),
        button=clip(ctx.t(lang, "menu_button"), BUTTON),
        sections=(Section(title=clip(ctx.t(lang, "menu_section"), TITLE), rows=tuple(rows)),),
    )


def language_choice(ctx: Context, lang: str) -> Buttons:
    buttons = tuple(
        Button(f"lang:{code}", clip(ctx.prompts.language_name(code), BUTTON))
        for code in ctx.prompts.languages[:3]
    )
    return Buttons(body=ctx.t(lang, "choose_language"), buttons=buttons)


def consent_request(ctx: Context, lang: str) -> Buttons:
    return consent_reminder(ctx, lang, ctx.t(lang, "consent_notice", version=ctx.notice_version))


def consent_reminder(ctx: Context, lang: str, body: str) -> Buttons:
    """The consent question again, short: the notice itself is just above in the chat."""
    return Buttons(
        body=body,
        buttons=(
            Button("consent:yes", clip(ctx.t(lang, "consent_agree"), BUTTON)),
            Button("consent:no", clip(ctx.t(lang, "consent_decline"), BUTTON)),
        ),
    )


def departments_list(ctx: Context, lang: str, page: int) -> ListMenu:
    rows = [
        Row(
            f"dept:{d.id}",
            clip(d.name.get(lang), TITLE),
            clip(_service_names(ctx, d.service_ids, lang), DESCRIPTION),
        )
        for d in ctx.departments
        if d.service_ids
    ]
    return paged_list(
        ctx,
        lang,
        body=ctx.t(lang, "departments_body"),
        button=ctx.t(lang, "departments_button"),
        section=ctx.t(lang, "departments_button"),
        rows=rows,
        page=page,
        more_id=f"deptpage:{next_page(len(rows), page)}",
    )


def _service_names(ctx: Context, ids: Sequence[str], lang: str) -> str:
    return ", ".join(ctx.services[i].name.get(lang) for i in ids[:3] if i in ctx.services)


def services_list(ctx: Context, lang: str, department_id: str, page: int) -> ListMenu:
    department = next(d for d in ctx.departments if d.id == department_id)
    rows = [service_row(ctx.services[i], lang) for i in department.service_ids if i in ctx.services]
    return paged_list(
        ctx,
        lang,
        body=ctx.t(lang, "services_body", department=department.name.get(lang)),
        button=ctx.t(lang, "services_button"),
        section=clip(department.name.get(lang), TITLE),
        rows=rows,
        page=page,
        more_id=f"svcpage:{next_page(len(rows), page)}",
    )


def service_row(service: Service, lang: str) -> Row:
    """Title: the short name; description: the full name when shortened, else the summary."""
    title = service.menu_title(lang)
    full = service.name.get(lang)
    description = full if len(full) > TITLE else service.description.get(lang)
    return Row(f"svc:{service.id}", clip(title, TITLE), clip(description, DESCRIPTION))


def candidates_list(ctx: Context, lang: str, service_ids: Sequence[str]) -> ListMenu:
    rows = [
        service_row(ctx.services[i], lang)
        for i in service_ids[: PAGE_ROWS + 1]
        if i in ctx.services
    ]
    return ListMenu(
        body=ctx.t(lang, "clarify_service"),
        button=clip(ctx.t(lang, "clarify_button"), BUTTON),
        sections=(Section(title=clip(ctx.t(lang, "clarify_button"), TITLE), rows=tuple(rows)),),
    )


def fee_text(
    ctx: Context, lang: str, service: Service, answers: dict[str, Any] | None = None
) -> str:
    if answers is None:
        kind = service.fee.kind.value
        if kind == "zero":
            return ctx.t(lang, "fee_free")
        if kind == "fixed":
            return ctx.t(lang, "fee_amount", amount=_rupees(service.fee.amount))
        return ctx.t(lang, "fee_depends")
    quote = ctx.quote_fee(service, answers, ctx.today)
    if getattr(quote, "waiver_reason", None) is not None:
        return ctx.t(lang, "fee_waived", reason=quote.waiver_reason.get(lang))
    if quote.amount_paise == 0:
        return ctx.t(lang, "fee_free")
    return ctx.t(lang, "fee_amount", amount=_rupees(quote.amount_paise / 100))


def _rupees(amount: float) -> str:
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def time_text(ctx: Context, lang: str, service: Service) -> str:
    if service.sla_days == 0:
        return ctx.t(lang, "time_same_day")
    return ctx.t(lang, "time_days", days=service.sla_days)


def documents_text(ctx: Context, lang: str, service: Service) -> str:
    if not service.documents:
        return ctx.t(lang, "card_no_documents")
    lines = [ctx.t(lang, "card_documents")]
    for doc in service.documents:
        label = doc.label.get(lang)
        marker = (
            ctx.t(lang, "card_optional")
            if not doc.required
            else ctx.t(lang, "card_conditional")
            if doc.when
            else ""
        )
        note = f" {marker}" if marker and marker not in label else ""
        lines.append(f"• {label}{note}")
    return "\n".join(lines)


def service_card(ctx: Context, lang: str, service: Service) -> list[Outbound]:
    parts = [
        f"*{service.name.get(lang)}*",
        service.description.get(lang),
        "",
        documents_text(ctx, lang, service),
        "",
    ]
    parts.append(ctx.t(lang, "card_fee", fee=fee_text(ctx, lang, service)))
    parts.append(ctx.t(lang, "card_time", time=time_text(ctx, lang, service)))
    parts.append(ctx.t(lang, "card_office", office=service.office.get(lang)))
    if service.eligibility:
        parts.append(ctx.t(lang, "card_eligibility", eligibility=service.eligibility.get(lang)))
    body = "\n".join(parts)
    return [apply_buttons(ctx, lang, service, body)]


# The card's button says what starting the form does: pay a bill, book a hall, or apply.
_START = {Kind.PAYMENT: "card_pay", Kind.BOOKING: "card_book"}


def apply_buttons(ctx: Context, lang: str, service: Service, body: str) -> Buttons:
    if len(body) > 1024:  # interactive bodies are limited: send the text, then the buttons
        body = body[:1000].rsplit("\n", 1)[0]
    return Buttons(
        body=body,
        buttons=(
            Button(
                f"apply:{service.id}",
                clip(ctx.t(lang, _START.get(service.kind, "card_apply")), BUTTON),
            ),
            Button("menu:main", clip(ctx.t(lang, "card_menu"), BUTTON)),
        ),
    )


def question(
    ctx: Context,
    lang: str,
    spec: FormField,
    number: int,
    total: int,
    *,
    suggested: str | None = None,
) -> Outbound:
    """One question; ``suggested``: the option an earlier answer points to (a district from the
    address), offered as a button and taken by a "yes"."""
    lines = [
        f"{ctx.t(lang, 'question_progress', number=number, total=total)} {spec.label.get(lang)}"
    ]
    if spec.help:
        lines.append(f"_{spec.help.get(lang)}_")
    if not spec.required:
        lines.append(ctx.t(lang, "optional_hint"))
    body = "\n".join(lines)
    skip = () if spec.required else (Button("skip", clip(ctx.t(lang, "skip"), BUTTON)),)
    if spec.type is FieldType.YES_NO:
        yes_no = (
            Button("yes", clip(ctx.t(lang, "yes_label"), BUTTON)),
            Button("no", clip(ctx.t(lang, "no_label"), BUTTON)),
        )
        return Buttons(body=body, buttons=yes_no + skip)
    option = next((o for o in spec.options if o.id == suggested), None)
    if spec.type is FieldType.CHOICE and option is not None:
        numbered = "\n".join(f"{i}. {o.label.get(lang)}" for i, o in enumerate(spec.options, 1))
        hint = ctx.t(lang, "suggested_option", option=option.label.get(lang))
        return Buttons(
            body=f"{body}\n\n{numbered}\n\n{hint}",
            buttons=(Button(f"opt:{option.id}", clip(option.label.get(lang), BUTTON)), *skip),
        )
    if spec.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        return _options_message(ctx, lang, spec, body, skip)
    if skip:
        return Buttons(body=body, buttons=skip)
    return Text(body)


def _options_message(
    ctx: Context, lang: str, spec: FormField, body: str, skip: tuple[Button, ...]
) -> Outbound:
    options = spec.options
    fits_buttons = len(options) + len(skip) <= 3 and all(
        len(o.label.get(lang)) <= BUTTON for o in options
    )
    if spec.type is FieldType.CHOICE and fits_buttons:
        return Buttons(
            body=body,
            buttons=tuple(Button(f"opt:{o.id}", o.label.get(lang)) for o in options) + skip,
        )
    numbered = "\n".join(f"{i}. {o.label.get(lang)}" for i, o in enumerate(options, 1))
    if spec.type is FieldType.MULTI_CHOICE or len(options) + len(skip) > 10:
        return Text(f"{body}\n\n{numbered}")
    rows = [_option_row(o.id, o.label.get(lang)) for o in options]
    rows += [Row("skip", clip(ctx.t(lang, "skip"), TITLE))] if skip else []
    return ListMenu(
        body=body,
        button=clip(ctx.t(lang, "choose_button"), BUTTON),
        sections=(Section(title=clip(ctx.t(lang, "options_section"), TITLE), rows=tuple(rows)),),
    )


def _option_row(option_id: str, label: str, *, prefix: str = "opt:") -> Row:
    """A list row; a label too long for the title is shown whole in the description."""
    title = clip(label, TITLE)
    return Row(f"{prefix}{option_id}", title, clip(label, DESCRIPTION) if title != label else None)


def document_request(ctx: Context, lang: str, doc: DocumentSpec) -> Outbound:
    if FileType.PDF not in doc.accept:
        key = "document_request_photo"
    elif doc.accept == [FileType.PDF]:
        key = "document_request_pdf"
    else:
        key = "document_request"
    lines = [ctx.t(lang, key, label=doc.label.get(lang))]
    if doc.help:
        lines.append(f"_{doc.help.get(lang)}_")
    types = ", ".join(t.value.upper() for t in doc.accept)
    lines.append(ctx.t(lang, "document_types", types=types, size=_rupees(doc.max_mb)))
    if not doc.required:
        lines.append(ctx.t(lang, "optional_hint"))
        return Buttons(
            body="\n".join(lines), buttons=(Button("skip", clip(ctx.t(lang, "skip"), BUTTON)),)
        )
    return Text("\n".join(lines))


def back_side_request(
    ctx: Context, lang: str, doc: DocumentSpec, *, received: bool = False
) -> Outbound:
    """After a card's front: its back, or "both were in that photo"."""
    label = doc.label.get(lang)
    lines = [ctx.t(lang, "document_front_received", label=label)] if received else []
    lines.append(ctx.t(lang, "document_back_request", label=label))
    return Buttons(
        body="\n".join(lines),
        buttons=(Button("sides:one", clip(ctx.t(lang, "document_both_in_one"), BUTTON)),),
    )


def reuse_choice(ctx: Context, lang: str, doc: DocumentSpec, sent: list[DocumentSpec]) -> ListMenu:
    """Which document already sent counts for ``doc`` too (at most 10 rows)."""
    rows = [_option_row(d.id, d.label.get(lang), prefix="reuse:") for d in sent[:10]]
    return ListMenu(
        body=ctx.t(lang, "document_reuse_which", label=doc.label.get(lang)),
        button=clip(ctx.t(lang, "document_reuse_button"), BUTTON),
        sections=(
            Section(title=clip(ctx.t(lang, "document_reuse_section"), TITLE), rows=tuple(rows)),
        ),
    )


def answer_words(ctx: Context, lang: str) -> dict[str, str]:
    return {
        "skipped": ctx.t(lang, "skipped"),
        "yes": ctx.t(lang, "yes_label"),
        "no": ctx.t(lang, "no_label"),
    }


def review(
    ctx: Context,
    lang: str,
    service: Service,
    fields: Sequence[FormField],
    answers: dict[str, Any],
    documents: Sequence[tuple[DocumentSpec, dict[str, Any]]],
) -> list[Outbound]:
    words = answer_words(ctx, lang)
    lines = [ctx.t(lang, "review_title", service=service.name.get(lang)), ""]
    for spec in fields:
        shown = display_answer(spec, answers.get(spec.id), lang, words=words)
        lines.append(f"• {spec.label.get(lang)}\n   *{shown}*")
    if documents:
        lines += ["", ctx.t(lang, "review_documents")]
        for doc, info in documents:
            mark = words["skipped"] if info.get("skipped") else "✅"
            lines.append(f"• {doc.label.get(lang)}: {mark}")
    fee_key = "review_amount" if service.kind is Kind.PAYMENT else "review_fee"
    lines += ["", ctx.t(lang, fee_key, fee=fee_text(ctx, lang, service, answers))]
    summary = "\n".join(lines)
    buttons = Buttons(
        body=ctx.t(lang, "review_question"),
        buttons=(
            Button("review:submit", clip(ctx.t(lang, "review_submit"), BUTTON)),
            Button("review:edit", clip(ctx.t(lang, "review_edit"), BUTTON)),
            Button("review:cancel", clip(ctx.t(lang, "review_cancel"), BUTTON)),
        ),
    )
    return [Text(summary), buttons]


def edit_list(ctx: Context, lang: str, fields: Sequence[FormField], page: int) -> ListMenu:
    rows = [Row(f"edit:{f.id}", clip(f.label.get(lang), TITLE)) for f in fields]
    return paged_list(
        ctx,
        lang,
        body=ctx.t(lang, "edit_which"),
        button=ctx.t(lang, "edit_button"),
        section=ctx.t(lang, "edit_button"),
        rows=rows,
        page=page,
        more_id=f"editpage:{next_page(len(rows), page)}",
    )


def yes_no(ctx: Context, lang: str, body: str, prefix: str) -> Buttons:
    return Buttons(
        body=body,
        buttons=(
            Button(f"{prefix}:yes", clip(ctx.t(lang, "yes_label"), BUTTON)),
            Button(f"{prefix}:no", clip(ctx.t(lang, "no_label"), BUTTON)),
        ),
    )
