"""The back office's HTTP defences: cookies, CSRF, Origin checks and security headers.

Every ``/office`` route is an :class:`OfficeRoute`: whatever it answers (a page, a redirect, a
file, an error) leaves with the security headers, and the back office's own refusals
(:class:`OfficeRefusal`) become pages here rather than JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from sevadwar.applications.access import NotVisible
from sevadwar.security.crypto import derive_key
from sevadwar.settings import Settings

LANGUAGE_COOKIE = "office_lang"
PRELOGIN_COOKIE = "office_prelogin"

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; object-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# A citizen's document, opened in a frame of the application page (or on its own).
DOCUMENT_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'self'"
)


class OfficeRefusal(Exception):
    """A request the back office answers with a page instead of doing what was asked."""


class LoginRequired(OfficeRefusal):
    def __init__(self, next_path: str = "/office") -> None:
        super().__init__("login required")
        self.next_path = next_path


class SecondFactorPending(OfficeRefusal):
    pass


class Forbidden(OfficeRefusal):
    def __init__(self, reason: str = "forbidden") -> None:
        super().__init__(reason)
        self.reason = reason  # a texts.yaml key


class CsrfRejected(OfficeRefusal):
    pass


def is_secure(settings: Settings) -> bool:
    return settings.public_base.startswith("https://")


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes the browser refuse the cookie unless Secure, Path=/ and no Domain.
    return "__Host-office_session" if is_secure(settings) else "office_session"


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        httponly=True,
        secure=is_secure(settings),
        samesite="strict",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        secure=is_secure(settings),
        httponly=True,
        samesite="strict",
    )


# ------------------------------------------------------------------------------ CSRF


def tokens_match(given: object, expected: str) -> bool:
    return (
        isinstance(given, str)
        and bool(given)
        and hmac.compare_digest(given.encode(), expected.encode())
    )


def _prelogin_key(settings: Settings) -> bytes:
    return derive_key(settings.resolved_secret_key(), b"office-login-csrf")


def new_prelogin_nonce() -> str:
    return secrets.token_urlsafe(24)


def prelogin_token(settings: Settings, nonce: str) -> str:
    """The login form's CSRF token: bound to a random cookie (signed double submit)."""
    return hmac.new(_prelogin_key(settings), nonce.encode(), hashlib.sha256).hexdigest()


def check_prelogin(settings: Settings, request: Request, given: object) -> None:
    nonce = request.cookies.get(PRELOGIN_COOKIE)
    if not nonce or not tokens_match(given, prelogin_token(settings, nonce)):
        raise CsrfRejected()


def set_prelogin_cookie(response: Response, settings: Settings, nonce: str) -> None:
    response.set_cookie(
        PRELOGIN_COOKIE,
        nonce,
        httponly=True,
        secure=is_secure(settings),
        samesite="strict",
        path="/office",
    )


def check_origin(request: Request, settings: Settings) -> None:
    """Refuse a state change sent from another site (defence in depth beside the token)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        raise CsrfRejected()
    origin = request.headers.get("origin")
    if origin is None:
        return
    if origin == "null":
        raise CsrfRejected()
    allowed = {_origin_of(settings.public_base)}
    host = request.headers.get("host")
    if host:
        allowed.add(f"{request.url.scheme}://{host}")
    if origin.rstrip("/") not in allowed:
        raise CsrfRejected()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def safe_next(path: str | None) -> str:
    """Only a path inside the back office: never another site."""
    if not path or not path.startswith("/office") or "//" in path or "\\" in path or "\n" in path:
        return "/office"
    return path


# ------------------------------------------------------------------------------ headers

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def add_security_headers(response: Response, settings: Settings) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if is_secure(settings):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


class OfficeRoute(APIRoute):
    """An ``/office`` route: refusals rendered as pages, security headers on every answer."""

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except (OfficeRefusal, NotVisible, RequestValidationError) as exc:
                from sevadwar.officers.pages import render_refusal

                response = render_refusal(request, exc)
            add_security_headers(response, request.app.state.runtime.settings)
            return response

        return handler
