"""Who is asking: the officer behind a request's session cookie (FastAPI dependencies).

``officer_page`` guards pages (GET): no live session → the login page. ``officer_form`` guards
every state change (POST): a live, fully logged-in session, a same-origin request, and the
session's CSRF token in the form's ``csrf_token`` field, compared in constant time.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role
from sevadwar.officers.pages import current_path
from sevadwar.officers.roles import Permission, can
from sevadwar.officers.security import (
    CsrfRejected,
    Forbidden,
    LoginRequired,
    SecondFactorPending,
    check_origin,
    session_cookie_name,
    tokens_match,
)
from sevadwar.officers.sessions import load_session
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction


@dataclass(frozen=True, slots=True)
class OfficerContext:
    id: int
    username: str
    full_name: str
    role: Role
    department: str | None
    office_id: int | None
    session_id: str
    csrf_token: str
    second_factor_done: bool

    @property
    def actor(self) -> Actor:
        return Actor(
            kind="officer",
            name=self.username,
            id=self.id,
            role=self.role,
            department=self.department,
        )

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden("forbidden_role")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _load(request: Request) -> OfficerContext | None:
    runtime = runtime_of(request)
    token = request.cookies.get(session_cookie_name(runtime.settings))
    with transaction(runtime.sessions) as session:
        loaded = load_session(session, token, now=runtime.clock())
        if loaded is None:
            return None
        row, officer = loaded
        return OfficerContext(
            id=officer.id,
            username=officer.username,
            full_name=officer.full_name,
            role=Role(officer.role),
            department=officer.department,
            office_id=officer.office_id,
            session_id=row.id,
            csrf_token=row.csrf_token,
            second_factor_done=row.second_factor_done,
        )


async def any_session(request: Request) -> OfficerContext:
    """A live session, even one still waiting for the second factor (the code page only)."""
    context = await run_in_threadpool(_load, request)
    if context is None:
        raise LoginRequired(current_path(request) if request.method == "GET" else "/office")
    return context


async def officer_page(request: Request) -> OfficerContext:
    context = await any_session(request)
    if not context.second_factor_done:
        raise SecondFactorPending()
    return context


async def check_form_token(request: Request, context: OfficerContext) -> None:
    check_origin(request, runtime_of(request).settings)
    form = await request.form()
    if not tokens_match(form.get("csrf_token"), context.csrf_token):
        raise CsrfRejected()


async def officer_form(request: Request) -> OfficerContext:
    context = await officer_page(request)
    await check_form_token(request, context)
    return context


async def pending_form(request: Request) -> OfficerContext:
    """The second-factor form: a session waiting for its code, with its CSRF token."""
    context = await any_session(request)
    await check_form_token(request, context)
    return context
