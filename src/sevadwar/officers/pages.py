"""Rendering back-office pages: the Jinja2 environment, dates in IST, refusals as pages."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sevadwar.applications.access import NotVisible
from sevadwar.conversation.context import IST
from sevadwar.officers.security import (
    LANGUAGE_COOKIE,
    CsrfRejected,
    Forbidden,
    LoginRequired,
    SecondFactorPending,
)
from sevadwar.officers.texts import Texts, pick_language

TEMPLATES = Path(__file__).parent / "templates"


def format_date(value: datetime | None) -> str:
    """DD-MM-YYYY in India Standard Time (GIGW)."""
    return value.astimezone(IST).strftime("%d-%m-%Y") if value else "—"


def format_datetime(value: datetime | None) -> str:
    return value.astimezone(IST).strftime("%d-%m-%Y %H:%M") if value else "—"


_DEVANAGARI = re.compile("[\u0900-\u097f]")


def script_language(value: object) -> str:
    """``hi`` for text in Devanagari, else ``en``: the ``lang`` of what a citizen wrote, so a
    screen reader on an English page reads their Hindi answers in Hindi (WCAG 3.1.2)."""
    return "hi" if _DEVANAGARI.search(str(value)) else "en"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["script_lang"] = script_language
    return env


def language_of(request: Request) -> str:
    return pick_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request,
    template: str,
    *,
    officer: Any = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    language = language_of(request)
    page = (
        environment()
        .get_template(template)
        .render(
            t=Texts(language),
            lang=language,
            other_lang="en" if language == "hi" else "hi",
            here=quote(current_path(request), safe="/"),
            officer=officer,
            **context,
        )
    )
    return HTMLResponse(page, status_code=status_code)


def render_message(
    request: Request,
    *,
    title: str,
    message: str,
    status_code: int,
    officer: Any = None,
    link: str = "/office",
) -> HTMLResponse:
    return render(
        request,
        "message.html",
        officer=officer,
        status_code=status_code,
        title=title,
        message=message,
        link=link,
    )


def render_refusal(request: Request, exc: Exception) -> Response:
    t = Texts(language_of(request))
    if isinstance(exc, LoginRequired | SecondFactorPending):
        if request.method == "GET":
            target = (
                "/office/login/code" if isinstance(exc, SecondFactorPending) else "/office/login"
            )
            if isinstance(exc, LoginRequired) and exc.next_path != "/office":
                target += "?next=" + quote(exc.next_path, safe="")
            return RedirectResponse(target, status_code=303)
        return render_message(
            request,
            title=t("session_ended_title"),
            message=t("session_ended"),
            status_code=401,
            link="/office/login",
        )
    if isinstance(exc, CsrfRejected):
        return render_message(
            request, title=t("csrf_title"), message=t("csrf_failed"), status_code=403
        )
    if isinstance(exc, Forbidden):
        return render_message(
            request,
            title=t("forbidden_title"),
            message=t.get(exc.reason, t("forbidden")),
            status_code=403,
        )
    if isinstance(exc, RequestValidationError):
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        if not in_path:
            return render_message(
                request, title=t("bad_request_title"), message=t("bad_request"), status_code=400
            )
    assert isinstance(exc, NotVisible | RequestValidationError)
    return render_message(
        request, title=t("not_found_title"), message=t("not_found"), status_code=404
    )
