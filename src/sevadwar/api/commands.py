"""``sevadwar apikey create --department ID [--name N] [--webhook-url URL] | list | revoke PREFIX
| webhook PREFIX (--url URL | --remove)``.

``create`` prints the new key alone on its last line (DESIGN.md): it is shown once and never
stored, so a script can capture it with ``| tail -n 1``. With ``--webhook-url`` the webhook's
signing secret is printed once too, on the line before; ``webhook`` prints a new secret alone on
its last line. The ``webhooks`` commands (deliveries) live in ``webhook_commands.py``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sevadwar.api.webhook_commands import register as register_webhook_commands
from sevadwar.catalogue.schema import DEPARTMENTS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("apikey", help="keys for departments' systems to use /api/v1")
    commands = parser.add_subparsers(dest="apikey_command", required=True)
    create = commands.add_parser("create", help="make a key for a department (printed once)")
    create.add_argument("--department", required=True, choices=DEPARTMENTS)
    create.add_argument("--name", help="the system's name, e.g. edistrict (for lists)")
    create.add_argument("--webhook-url", help="send the department's events here (http/https)")
    create.set_defaults(func=run_create)
    listing = commands.add_parser("list", help="list keys (prefixes only)")
    listing.set_defaults(func=run_list)
    revoke = commands.add_parser("revoke", help="revoke a key by its prefix (sdw_xxxxxxxx)")
    revoke.add_argument("prefix")
    revoke.set_defaults(func=run_revoke)
    webhook = commands.add_parser("webhook", help="set (new secret, printed once) or remove")
    webhook.add_argument("prefix")
    target = webhook.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the new webhook URL (http/https)")
    target.add_argument("--remove", action="store_true", help="stop sending events")
    webhook.set_defaults(func=run_webhook)
    register_webhook_commands(subparsers)


def _sessions() -> Any:
    from sevadwar.security.crypto import FieldCipher
    from sevadwar.settings import SettingsError, load_settings
    from sevadwar.storage.db import create_db_engine, create_session_factory
    from sevadwar.storage.encrypted import use_field_cipher
    from sevadwar.storage.migrate import upgrade

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    upgrade(settings.database_url)
    use_field_cipher(FieldCipher(settings.resolved_secret_key()))  # webhook secrets
    return create_session_factory(create_db_engine(settings.database_url, pool_size=1))


def run_create(args: argparse.Namespace) -> int:
    from sevadwar.api.actions import do_create_api_key
    from sevadwar.api.webhooks import InvalidWebhookUrl, check_webhook_url
    from sevadwar.storage.base import utcnow
    from sevadwar.storage.db import transaction

    try:  # refuse a bad URL before touching the database
        url = check_webhook_url(args.webhook_url) if args.webhook_url is not None else None
    except InvalidWebhookUrl as exc:
        print(exc, file=sys.stderr)
        return 2
    sessions = _sessions()
    try:
        with transaction(sessions) as session:
            row, key = do_create_api_key(
                session,
                department=args.department,
                actor="system:cli",
                now=utcnow(),
                name=args.name,
                webhook_url=url,
            )
            prefix, secret = row.prefix, row.webhook_secret
    finally:
        sessions.kw["bind"].dispose()
    print(
        f"API key {prefix} for department {args.department}. It is shown only now; keep it secret."
    )
    if secret:
        print(f"Events go to {url}, signed with this webhook secret (shown only now): {secret}")
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
                hook = f"  {row.name or '-'}  {row.webhook_url or 'no webhook'}"
                print(
                    f"{row.prefix}  {row.department:<15} created {row.created_at:%Y-%m-%d}  "
                    f"{state}{hook}"
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


def run_webhook(args: argparse.Namespace) -> int:
    from sevadwar.api.actions import do_set_webhook
    from sevadwar.api.webhooks import InvalidWebhookUrl, check_webhook_url
    from sevadwar.storage.base import utcnow
    from sevadwar.storage.db import transaction

    try:
        url = None if args.remove else check_webhook_url(args.url)
    except InvalidWebhookUrl as exc:
        print(exc, file=sys.stderr)
        return 2
    sessions = _sessions()
    try:
        with transaction(sessions) as session:
            row = do_set_webhook(
                session, prefix=args.prefix, webhook_url=url, actor="system:cli", now=utcnow()
            )
            secret = row.webhook_secret if row else None
    finally:
        sessions.kw["bind"].dispose()
    if row is None:
        print(f"no active key {args.prefix}", file=sys.stderr)
        return 1
    if url is None:
        print(f"{args.prefix} no longer has a webhook")
        return 0
    print(f"Events for {args.prefix} go to {url}, signed with this new secret (shown only now):")
    print(secret)
    if row.previous_secret_until is not None:
        print(
            "The secret it replaces signs events too until "
            f"{row.previous_secret_until:%Y-%m-%d %H:%M} UTC: switch the receiver before then."
        )
    return 0
