"""``sevadwar audit verify``: walk the hash chain and name the first broken row."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the append-only, hash-chained audit log")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="check every row's hash; exit 1 naming the first broken row"
    )
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from sevadwar.audit.actions import verify_chain
    from sevadwar.server_commands import _settings
    from sevadwar.storage.db import create_db_engine, create_session_factory, transaction

    settings = _settings()
    engine = create_db_engine(settings.database_url, pool_size=1)
    try:
        with transaction(create_session_factory(engine)) as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    if report.ok:
        print(f"audit chain OK: {report.rows} rows")
        return 0
    where = f"row {report.first_broken}"
    print(f"audit chain BROKEN at {where}: {report.reason} ({report.rows} rows read)")
    return 1
