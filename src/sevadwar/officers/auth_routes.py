"""Logging in (password, then the TOTP code when the officer has one), logging out, language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete

from sevadwar.officers.actions import (
    LoginOutcome,
    LoginResult,
    do_confirm_second_factor,
    do_log_in,
    do_log_out,
)
from sevadwar.officers.auth import (
    OfficerContext,
    any_session,
    officer_form,
    pending_form,
    runtime_of,
)
from sevadwar.officers.models import Officer, OfficerSession
from sevadwar.officers.pages import format_datetime, language_of, render, render_message
from sevadwar.officers.security import (
    LANGUAGE_COOKIE,
    PRELOGIN_COOKIE,
    OfficeRoute,
    check_origin,
    check_prelogin,
    clear_session_cookie,
    new_prelogin_nonce,
    prelogin_token,
    safe_next,
    session_cookie_name,
    set_prelogin_cookie,
    set_session_cookie,
)
from sevadwar.officers.sessions import load_session, token_digest
from sevadwar.officers.texts import LANGUAGES, Texts
from sevadwar.storage.db import transaction

router = APIRouter(route_class=OfficeRoute, include_in_schema=False)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, *, next_path: str, error: str = "", status_code: int = 200
) -> Response:
    settings = runtime_of(request).settings
    nonce = request.cookies.get(PRELOGIN_COOKIE) or new_prelogin_nonce()
    response = render(
        request,
        "login.html",
        csrf_token=prelogin_token(settings, nonce),
        next_path=next_path,
        error=error,
        status_code=status_code,
    )
    set_prelogin_cookie(response, settings, nonce)
    return response


def _has_live_session(request: Request) -> bool:
    runtime = runtime_of(request)
    token = request.cookies.get(session_cookie_name(runtime.settings))
    if not token:
        return False
    with transaction(runtime.sessions) as session:
        loaded = load_session(session, token, now=runtime.clock())
        return bool(loaded and loaded[0].second_factor_done)


@router.get("/office/login")
def login_page(request: Request, next: str = "/office") -> Response:
    if _has_live_session(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=safe_next(next))


def _refused(request: Request, result: LoginResult, *, next_path: str) -> Response:
    t = Texts(language_of(request))
    if result.outcome is LoginOutcome.LOCKED:
        until = format_datetime(result.locked_until)
        return _login_page(
            request, next_path=next_path, error=t("login_locked", until=until), status_code=429
        )
    if result.outcome is LoginOutcome.NO_SECOND_FACTOR:
        return render_message(
            request, title=t("login_title"), message=t("login_no_second_factor"), status_code=403
        )
    return _login_page(request, next_path=next_path, error=t("login_failed"), status_code=401)


@router.post("/office/login")
def log_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/office",
) -> Response:
    runtime = runtime_of(request)
    check_origin(request, runtime.settings)
    check_prelogin(runtime.settings, request, csrf_token)
    next_path = safe_next(next)
    with transaction(runtime.sessions) as session:
        previous = request.cookies.get(session_cookie_name(runtime.settings))
        if previous:  # a new login never continues an older session (no fixation)
            session.execute(
                delete(OfficerSession).where(OfficerSession.id == token_digest(previous))
            )
        result = do_log_in(
            session,
            username=username,
            password=password,
            address=_address(request),
            now=runtime.clock(),
        )
    if result.new_session is None:
        return _refused(request, result, next_path=next_path)
    target = (
        next_path
        if result.outcome is LoginOutcome.OK
        else "/office/login/code?next=" + quote(next_path, safe="/")
    )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, runtime.settings, result.new_session.token)
    response.delete_cookie(PRELOGIN_COOKIE, path="/office")
    return response


@router.get("/office/login/code")
def code_page(
    request: Request,
    context: Annotated[OfficerContext, Depends(any_session)],
    next: str = "/office",
) -> Response:
    if context.second_factor_done:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "code.html", csrf_token=context.csrf_token, next_path=safe_next(next), error=""
    )


@router.post("/office/login/code")
def confirm_code(
    request: Request,
    context: Annotated[OfficerContext, Depends(pending_form)],
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/office",
) -> Response:
    runtime = runtime_of(request)
    next_path = safe_next(next)
    if context.second_factor_done:
        return RedirectResponse(next_path, status_code=303)
    with transaction(runtime.sessions) as session:
        pending = session.get(OfficerSession, context.session_id)
        officer = session.get(Officer, context.id)
        assert pending is not None
        assert officer is not None
        result = do_confirm_second_factor(
            session,
            runtime.cipher,
            pending=pending,
            officer=officer,
            code=code,
            address=_address(request),
            now=runtime.clock(),
        )
    t = Texts(language_of(request))
    if result.outcome is LoginOutcome.OK and result.new_session is not None:
        response: Response = RedirectResponse(next_path, status_code=303)
        set_session_cookie(response, runtime.settings, result.new_session.token)
        return response
    if result.outcome is LoginOutcome.LOCKED:
        response = _login_page(
            request,
            next_path=next_path,
            error=t("login_locked", until=format_datetime(result.locked_until)),
            status_code=429,
        )
        clear_session_cookie(response, runtime.settings)
        return response
    return render(
        request,
        "code.html",
        csrf_token=context.csrf_token,
        next_path=next_path,
        error=t("code_failed"),
        status_code=401,
    )


@router.post("/office/logout")
def log_out(
    request: Request, context: Annotated[OfficerContext, Depends(officer_form)]
) -> Response:
    runtime = runtime_of(request)
    with transaction(runtime.sessions) as session:
        row = session.get(OfficerSession, context.session_id)
        officer = session.get(Officer, context.id)
        if row is not None and officer is not None:
            do_log_out(session, row=row, officer=officer, now=runtime.clock())
    response = RedirectResponse("/office/login", status_code=303)
    clear_session_cookie(response, runtime.settings)
    return response


@router.get("/office/language/{language}")
def choose_language(request: Request, language: str, next: str = "/office") -> Response:
    """A display preference kept in a cookie: it changes nothing on the server."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        settings = runtime_of(request).settings
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=settings.public_base.startswith("https://"),
            samesite="lax",
            path="/office",
        )
    return response
