"""``sevadwar demo seed``: offices for every department and demo officers, idempotently.

Run by ``make run`` after migrating. Offices come from ``demo.yaml``; the Revenue Department and
the MCD get one demo officer per role (and there is one IT administrator), all with the demo
password. Their credentials, TOTP secrets included, are printed: this is a demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sevadwar.catalogue.schema import Role
from sevadwar.officers.actions import do_create_office, do_create_officer
from sevadwar.officers.models import Officer
from sevadwar.officers.totp import TotpState
from sevadwar.security.crypto import FieldCipher

ACTOR = "system:demo-seed"


@cache
def demo_data() -> dict[str, Any]:
    with (Path(__file__).parent / "demo.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@dataclass(frozen=True, slots=True)
class DemoOfficer:
    username: str
    role: str
    department: str | None
    full_name: str
    totp_secret: str | None  # None: this role logs in with the password alone


@dataclass(frozen=True, slots=True)
class SeedReport:
    offices_created: int
    officers_created: int
    password: str
    officers: list[DemoOfficer]


def seed_offices(session: Session, *, now: datetime) -> int:
    created = 0
    data = demo_data()
    for department, names in data["offices"].items():
        _, new = do_create_office(
            session,
            code=f"{department}-hq",
            department=department,
            name_en=names["hq"]["en"],
            name_hi=names["hq"]["hi"],
            district=None,
            actor=ACTOR,
            now=now,
        )
        created += new
        if "district" not in names:
            continue
        for district in data["districts"]:
            _, new = do_create_office(
                session,
                code=f"{department}-{district['id'].replace('_', '-')}",
                department=department,
                name_en=names["district"]["en"].format(district=district["en"]),
                name_hi=names["district"]["hi"].format(district=district["hi"]),
                district=district["id"],
                actor=ACTOR,
                now=now,
            )
            created += new
    return created


def _secret(cipher: FieldCipher, sealed: str | None) -> str | None:
    if sealed is None:
        return None
    try:
        return TotpState.open(cipher, sealed).secret
    except Exception:
        return "(unreadable: the secret key changed)"


def seed_officers(
    session: Session, cipher: FieldCipher, *, now: datetime
) -> tuple[int, list[DemoOfficer]]:
    data = demo_data()
    password = str(data["password"])
    created = 0
    shown: list[DemoOfficer] = []
    previous: dict[str, Officer] = {}  # department -> the officer just below
    for entry in data["officers"]:
        department = entry["department"]
        officer = session.scalars(
            select(Officer).where(Officer.username == entry["username"])
        ).first()
        if officer is None:
            result = do_create_officer(
                session,
                cipher,
                username=entry["username"],
                password=password,
                role=Role(entry["role"]),
                department=department,
                full_name=entry["name"],
                actor=ACTOR,
                now=now,
            )
            officer = result.officer
            created += 1
        junior = previous.get(str(department))
        if junior is not None and junior.supervisor_id is None:
            junior.supervisor_id = officer.id
        previous[str(department)] = officer
        shown.append(
            DemoOfficer(
                username=officer.username,
                role=officer.role,
                department=officer.department,
                full_name=officer.full_name,
                totp_secret=_secret(cipher, officer.totp_secret),
            )
        )
    return created, shown


def seed(session: Session, cipher: FieldCipher, *, now: datetime) -> SeedReport:
    offices = seed_offices(session, now=now)
    officers, shown = seed_officers(session, cipher, now=now)
    return SeedReport(offices, officers, str(demo_data()["password"]), shown)


def format_report(report: SeedReport, public_url: str) -> str:
    created = f"{report.offices_created} offices, {report.officers_created} officers"
    lines = [
        f"Demo data ready (created now: {created}).",
        f"Back office: {public_url}/office  -- DEMO credentials, for a demo only.",
        f"Password of every demo officer: {report.password}",
        _row("username", "role", "department", "TOTP secret (add to an authenticator app)"),
    ]
    for officer in report.officers:
        lines.append(
            _row(
                officer.username,
                officer.role,
                officer.department or "-",
                officer.totp_secret or "-",
            )
        )
    return "\n".join(lines)


def _row(username: str, role: str, department: str, secret: str) -> str:
    return f"  {username:<20} {role:<20} {department:<15} {secret}"
