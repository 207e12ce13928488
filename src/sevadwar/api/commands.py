"""``sevadwar apikey create --department ID | list | revoke PREFIX``.

``create`` prints the new key alone on its last line (DESIGN.md): it is shown once and never
stored, so a script can capture it with ``| tail -n 1``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sevadwar.catalogue.schema import DEPARTMENTS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("apikey", help="keys for departments' systems to use /api/v1")
    commands = parser.add_subparsers(dest="apikey_command", required=True)
    create = commands.add_parser("create", help="make a key for a department (printed once)")
    create.add_argument("--department", required=True, choices=DEPARTMENTS)
    create.set_defaults(func=run_create)
    listing = commands.add_parser("list", help="list keys (prefixes only)")
    listing.set_defaults(func=run_list)
    revoke = commands.add_parser("revoke", help="revoke a key by its prefix (sdw_xxxxxxxx)")
    revoke.add_argument("prefix")
    revoke.set_defaults(func=run_revoke)


def _sessions() -> Any:
    from sevadwar.settings import SettingsError, load_settings
    from sevadwar.storage.db import create_db_engine, create_session_factory
    from sevadwar.storage.migrate import upgrade

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    upgrade(settings.database_url)
    return create_session_factory(create_db_engine(settings.database_url, pool_size=1))


def run_create(args: argparse.Namespace) -> int:
    from sevadwar.api.actions import do_create_api_key
    from sevadwar.storage.base import utcnow
    from sevadwar.storage.db import transaction

    sessions = _sessions()
    try:
        with transaction(sessions) as session:
            row, key = do_create_api_key(
                session, department=args.department, actor="system:cli", now=utcnow()
            )
            prefix = row.prefix
    finally:
        sessions.kw["bind"].dispose()
    print(
        f"API key {prefix} for department {args.department}. It is shown only now; keep it secret."
    )
    print("Use it as: Authorization: Bearer <key>")
    print(key)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from sevadwar.officers.models import ApiKey
    from sevadwar.storage.db import transaction

    sessions = _sessions()
    try:
        with transaction(sessions) as session:
            for row in session.scalars(select(ApiKey).order_by(ApiKey.id)):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                print(
                    f"{row.prefix}  {row.department:<15} created {row.created_at:%Y-%m-%d}  {state}"
                )
    finally:
        sessions.kw["bind"].dispose()
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from sevadwar.api.actions import do_revoke_api_key
    from sevadwar.storage.base import utcnow
    from sevadwar.storage.db import transaction

    sessions = _sessions()
    try:
        with transaction(sessions) as session:
            done = do_revoke_api_key(session, prefix=args.prefix, actor="system:cli", now=utcnow())
    finally:
        sessions.kw["bind"].dispose()
    if not done:
        print(f"no active key {args.prefix}", file=sys.stderr)
        return 1
    print(f"{args.prefix} is revoked")
    return 0
