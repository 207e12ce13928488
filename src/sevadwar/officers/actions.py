"""The only writers of officers, offices and back-office sessions: each one audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.audit.actions import do_append_audit
from sevadwar.catalogue.schema import DEPARTMENTS, Role
from sevadwar.officers import throttle
from sevadwar.officers.models import Office, Officer, OfficerSession
from sevadwar.officers.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from sevadwar.officers.roles import SECOND_FACTOR_REQUIRED, needs_department
from sevadwar.officers.sessions import NewSession, end_session, purge_expired, start_session
from sevadwar.officers.totp import TotpState, accept_code, new_secret
from sevadwar.security.crypto import FieldCipher

log = logging.getLogger(__name__)


class OfficerError(ValueError):
    """The officer cannot be created as asked; the message says why (for the operator)."""


# ---------------------------------------------------------------------------------- offices


def do_create_office(
    session: Session,
    *,
    code: str,
    department: str,
    name_en: str,
    name_hi: str,
    district: str | None,
    actor: str,
    now: datetime,
) -> tuple[Office, bool]:
    """The office with this code, created if missing (idempotent); the flag says if it is new."""
    existing = session.scalars(select(Office).where(Office.code == code)).first()
    if existing is not None:
        return existing, False
    if department not in DEPARTMENTS:
        raise OfficerError(f"unknown department {department!r}")
    office = Office(
        code=code, department=department, name_en=name_en, name_hi=name_hi, district=district
    )
    session.add(office)
    session.flush()
    do_append_audit(
        session,
        actor=actor,
        action="office.created",
        subject=f"office:{office.id}",
        data={"code": code},
        at=now,
    )
    return office, True


# ---------------------------------------------------------------------------------- officers


@dataclass(frozen=True, slots=True)
class CreatedOfficer:
    officer: Officer
    totp_secret: str | None  # shown once, to be put into an authenticator app


def do_create_officer(
    session: Session,
    cipher: FieldCipher,
    *,
    username: str,
    password: str,
    role: Role,
    department: str | None,
    actor: str,
    now: datetime,
    full_name: str = "",
    office_id: int | None = None,
    supervisor_id: int | None = None,
    with_second_factor: bool | None = None,
) -> CreatedOfficer:
    username = throttle.normalise_username(username)
    if not username or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise OfficerError("the user name may contain only letters, digits, '.', '_' and '-'")
    if needs_department(role):
        if not department:
            raise OfficerError(f"a {role} needs --department (one of: {', '.join(DEPARTMENTS)})")
        if department not in DEPARTMENTS:
            raise OfficerError(
                f"unknown department {department!r} (one of: {', '.join(DEPARTMENTS)})"
            )
    elif department:
        raise OfficerError("an IT administrator belongs to no department: leave out --department")
    if office_id is not None:
        office = session.get(Office, office_id)
        if office is None or office.department != department:
            raise OfficerError("the office belongs to another department")
    check_password_policy(password, username=username)
    if session.scalars(select(Officer.id).where(Officer.username == username)).first() is not None:
        raise OfficerError(f"an officer named {username!r} already exists")
    secret = new_secret() if (with_second_factor or role in SECOND_FACTOR_REQUIRED) else None
    officer = Officer(
        username=username,
        full_name=full_name.strip()[:200],
        password_hash=hash_password(password),
        role=role.value,
        department=department,
        office_id=office_id,
        supervisor_id=supervisor_id,
        totp_secret=TotpState(secret).seal(cipher) if secret else None,
        failed_logins=0,
        active=True,
        created_at=now,
    )
    session.add(officer)
    session.flush()
    do_append_audit(
        session,
        actor=actor,
        action="officer.created",
        subject=f"officer:{officer.id}",
        data={
            "username": username,
            "role": role.value,
            "department": department,
            "second_factor": bool(secret),
        },
        at=now,
    )
    return CreatedOfficer(officer, secret)


# ---------------------------------------------------------------------------------- logging in


class LoginOutcome(StrEnum):
    OK = "ok"  # fully logged in
    SECOND_FACTOR = "second_factor"  # password right; the code is asked next
    FAILED = "failed"  # wrong user name, password or code (never says which)
    LOCKED = "locked"  # too many failures: wait
    NO_SECOND_FACTOR = "no_second_factor"  # the role needs a code but none is set up


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    new_session: NewSession | None = None
    locked_until: datetime | None = None


def _fail(
    session: Session,
    *,
    username: str,
    address: str,
    now: datetime,
    officer: Officer | None,
    step: str,
) -> LoginResult:
    throttle.record_failure(session, username=username, address=address, now=now)
    log.warning("back-office %s failed for a user name from %s", step, address)
    if officer is not None:
        officer.failed_logins = (officer.failed_logins or 0) + 1
        do_append_audit(
            session,
            actor=f"officer:{officer.id}",
            action=f"officer.{step}_failed",
            subject=f"officer:{officer.id}",
            data={"address": address},
            at=now,
        )
    until = throttle.locked_until(session, username=username, address=address, now=now)
    if until is not None and officer is not None:
        officer.locked_until = until
    return LoginResult(LoginOutcome.LOCKED if until else LoginOutcome.FAILED, locked_until=until)


def do_log_in(
    session: Session, *, username: str, password: str, address: str, now: datetime
) -> LoginResult:
    username = throttle.normalise_username(username)
    throttle.purge_old(session, now=now)
    purge_expired(session, now=now)
    until = throttle.locked_until(session, username=username, address=address, now=now)
    if until is not None:
        return LoginResult(LoginOutcome.LOCKED, locked_until=until)
    officer = session.scalars(select(Officer).where(Officer.username == username)).first()
    known = officer is not None and officer.active
    if (
        not verify_password(officer.password_hash if known and officer else None, password)
        or officer is None
    ):
        return _fail(
            session,
            username=username,
            address=address,
            now=now,
            officer=officer if known else None,
            step="login",
        )
    if needs_rehash(officer.password_hash):
        officer.password_hash = hash_password(password)
    role = Role(officer.role)
    if role in SECOND_FACTOR_REQUIRED and not officer.totp_secret:
        return LoginResult(LoginOutcome.NO_SECOND_FACTOR)
    needs_code = officer.totp_secret is not None
    new = start_session(session, officer, now=now, second_factor_done=not needs_code)
    if needs_code:
        return LoginResult(LoginOutcome.SECOND_FACTOR, new)
    _logged_in(session, officer, address=address, now=now, username=username)
    return LoginResult(LoginOutcome.OK, new)


def do_confirm_second_factor(
    session: Session,
    cipher: FieldCipher,
    *,
    pending: OfficerSession,
    officer: Officer,
    code: str,
    address: str,
    now: datetime,
) -> LoginResult:
    until = throttle.locked_until(session, username=officer.username, address=address, now=now)
    if until is not None:
        end_session(session, pending)
        return LoginResult(LoginOutcome.LOCKED, locked_until=until)
    if officer.totp_secret is None:
        return LoginResult(LoginOutcome.NO_SECOND_FACTOR)
    state = TotpState.open(cipher, officer.totp_secret)
    accepted = accept_code(state, code, now)
    if accepted is None:
        result = _fail(
            session,
            username=officer.username,
            address=address,
            now=now,
            officer=officer,
            step="second_factor",
        )
        if result.outcome is LoginOutcome.LOCKED:
            end_session(session, pending)
        return result
    officer.totp_secret = accepted.seal(cipher)
    end_session(session, pending)  # a fresh session id after the second factor
    new = start_session(session, officer, now=now, second_factor_done=True)
    _logged_in(session, officer, address=address, now=now, username=officer.username)
    return LoginResult(LoginOutcome.OK, new)


def _logged_in(
    session: Session, officer: Officer, *, address: str, now: datetime, username: str
) -> None:
    throttle.clear_failures(session, username=username)
    officer.failed_logins = 0
    officer.locked_until = None
    do_append_audit(
        session,
        actor=f"officer:{officer.id}",
        action="officer.logged_in",
        subject=f"officer:{officer.id}",
        data={"address": address},
        at=now,
    )


def do_log_out(session: Session, *, row: OfficerSession, officer: Officer, now: datetime) -> None:
    end_session(session, row)
    do_append_audit(
        session,
        actor=f"officer:{officer.id}",
        action="officer.logged_out",
        subject=f"officer:{officer.id}",
        data={},
        at=now,
    )
