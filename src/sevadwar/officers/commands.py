"""``sevadwar officer create`` and ``sevadwar demo seed``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import select

from sevadwar.catalogue.schema import DEPARTMENTS, Role


def register(subparsers: Any) -> None:
    officer = subparsers.add_parser("officer", help="manage back-office officers")
    actions = officer.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create an officer (the last line is the TOTP secret when the role needs one)",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument(
        "--department", default=None, choices=DEPARTMENTS, help="required except for it_admin"
    )
    create.add_argument(
        "--name", default="", help="the officer's full name, as shown to colleagues"
    )
    create.add_argument(
        "--office",
        default=None,
        help="an office code, e.g. revenue-east (default: whole department)",
    )
    create.add_argument(
        "--totp", action="store_true", help="set up a TOTP second factor even where it is optional"
    )
    create.set_defaults(func=run_create)

    demo = subparsers.add_parser("demo", help="demo data")
    demo_actions = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    seed = demo_actions.add_parser(
        "seed", help="create demo offices and officers (idempotent) and print their credentials"
    )
    seed.set_defaults(func=run_seed)


def run_create(args: argparse.Namespace) -> int:
    from sevadwar.officers.actions import OfficerError, do_create_officer
    from sevadwar.officers.models import Office
    from sevadwar.officers.passwords import WeakPassword
    from sevadwar.security.crypto import FieldCipher
    from sevadwar.server_commands import _settings
    from sevadwar.storage.base import utcnow
    from sevadwar.storage.db import create_db_engine, create_session_factory, transaction

    settings = _settings()
    engine = create_db_engine(settings.database_url, pool_size=1)
    role = Role(args.role)
    try:
        with transaction(create_session_factory(engine)) as session:
            office_id = None
            if args.office:
                office = session.scalars(select(Office).where(Office.code == args.office)).first()
                if office is None:
                    raise OfficerError(f"no office with the code {args.office!r}")
                office_id = office.id
            created = do_create_officer(
                session,
                FieldCipher(settings.resolved_secret_key()),
                username=args.username,
                password=args.password,
                role=role,
                department=args.department,
                full_name=args.name,
                office_id=office_id,
                with_second_factor=args.totp or None,
                actor="system:cli",
                now=utcnow(),
            )
            officer_id = created.officer.id
    except WeakPassword as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except OfficerError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    where = args.department or "all departments"
    print(f"created officer {created.officer.username} (id {officer_id}): {role.value}, {where}")
    if created.totp_secret:
        print("TOTP secret (add it to an authenticator app; it is not shown again):")
        print(created.totp_secret)
    return 0


def run_seed(args: argparse.Namespace) -> int:
    from sevadwar.officers.demo import format_report, seed
    from sevadwar.security.crypto import FieldCipher
    from sevadwar.server_commands import _settings
    from sevadwar.storage.base import utcnow
    from sevadwar.storage.db import create_db_engine, create_session_factory, transaction
    from sevadwar.storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url, pool_size=1)
    try:
        with transaction(create_session_factory(engine)) as session:
            report = seed(session, FieldCipher(settings.resolved_secret_key()), now=utcnow())
    finally:
        engine.dispose()
    print(format_report(report, settings.public_base))
    return 0
