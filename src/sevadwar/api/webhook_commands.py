"""``sevadwar webhooks list|replay|discard``: what department systems were (not) sent (audited).

A dead delivery holds back the later events of its application for that endpoint, so order is
kept; ``replay`` sends it again (once the receiver is fixed), ``discard`` lets it go.
"""

from __future__ import annotations

import argparse
from typing import Any

from sevadwar.api.models import WebhookState

_STATES = [s.value for s in WebhookState]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("webhooks", help="events sent to departments' systems")
    commands = parser.add_subparsers(dest="webhooks_command", required=True)
    listing = commands.add_parser("list", help="show deliveries (dead ones by default)")
    listing.add_argument("--state", choices=[*_STATES, "all"], default=WebhookState.DEAD.value)
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(func=run_list)
    for name, help_text in (
        ("replay", "send dead (or discarded) deliveries again, now"),
        ("discard", "give up on dead deliveries so later events flow"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("ids", type=int, nargs="+", help="delivery ids (from list)")
        command.add_argument("--operator", required=True, help="who decides (for the audit log)")
        command.set_defaults(func=run_replay if name == "replay" else run_discard)


def _runtime() -> Any:
    from sevadwar.runtime import build_runtime
    from sevadwar.server_commands import _settings
    from sevadwar.storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)  # a fresh machine has no tables yet
    return build_runtime(settings)


def delivery_lines(session: Any, *, state: WebhookState | None, limit: int) -> list[str]:
    """One line per delivery, newest first: id, state, tries, event, endpoint, last error."""
    from sqlalchemy import select

    from sevadwar.api.models import WebhookDelivery
    from sevadwar.officers.models import ApiKey

    statement = (
        select(WebhookDelivery, ApiKey.prefix)
        .join(ApiKey, ApiKey.id == WebhookDelivery.api_key_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if state is not None:
        statement = statement.where(WebhookDelivery.state == state)
    return [
        f"{d.id}\t{d.state}\t{d.attempts} tries\t{d.event_type}\t{d.reference}\t{prefix}"
        f"\t{d.occurred_at:%Y-%m-%d %H:%M:%S}\t{(d.last_error or '')[:80]}"
        for d, prefix in session.execute(statement)
    ]


def run_list(args: argparse.Namespace) -> int:
    from sevadwar.storage.db import transaction

    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            state = None if args.state == "all" else WebhookState(args.state)
            for line in delivery_lines(session, state=state, limit=max(1, args.limit)):
                print(line)
    finally:
        runtime.close()
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from sevadwar.api.webhooks import do_replay_deliveries
    from sevadwar.storage.db import transaction

    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            count = do_replay_deliveries(
                session, args.ids, operator=args.operator, now=runtime.clock()
            )
    finally:
        runtime.close()
    print(f"replayed {count}")
    return 0 if count else 1


def run_discard(args: argparse.Namespace) -> int:
    from sevadwar.api.webhooks import do_discard_deliveries
    from sevadwar.storage.db import transaction

    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            count = do_discard_deliveries(
                session, args.ids, operator=args.operator, now=runtime.clock()
            )
    finally:
        runtime.close()
    print(f"discarded {count}")
    return 0 if count else 1
