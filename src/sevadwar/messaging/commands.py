"""``sevadwar deadletters list|replay``: see and replay what failed too often (audited).

``sevadwar templates``: the utility templates to register with Meta, as the API takes them.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy import select

from sevadwar.audit.actions import do_append_audit
from sevadwar.messaging.inbox import replay_dead
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage, OutboxState


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deadletters", help="inbound events and replies that failed too often"
    )
    commands = parser.add_subparsers(dest="deadletters_command", required=True)
    listing = commands.add_parser("list", help="show dead inbound events and replies")
    listing.set_defaults(func=run_list)
    replay = commands.add_parser("replay", help="put dead items back in their queue (audited)")
    replay.add_argument("--inbox", type=int, nargs="*", default=[], help="inbox event ids")
    replay.add_argument("--outbox", type=int, nargs="*", default=[], help="outbox message ids")
    replay.add_argument(
        "--operator", required=True, help="who decides the replay (for the audit log)"
    )
    replay.set_defaults(func=run_replay)
    templates = subparsers.add_parser(
        "templates",
        help="print the utility templates to register with Meta (message_templates API JSON)",
    )
    templates.set_defaults(func=run_templates)


def _runtime() -> Any:
    from sevadwar.runtime import build_runtime
    from sevadwar.server_commands import _settings
    from sevadwar.storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)  # a fresh machine has no tables yet
    return build_runtime(settings)


def run_list(args: argparse.Namespace) -> int:
    from sevadwar.storage.db import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        for event in session.scalars(select(InboxEvent).where(InboxEvent.state == InboxState.DEAD)):
            print(
                f"inbox  {event.id}\t{event.event_key}\t{event.attempts} tries\t{(event.last_error or '')[:80]}"
            )
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == OutboxState.DEAD)
        ):
            print(
                f"outbox {message.id}\t{message.channel}\t{message.attempts} tries\t{message.error_code or ''}"
            )
    runtime.close()
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from sevadwar.storage.db import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        replayed = replay_dead_items(
            session, inbox=args.inbox, outbox=args.outbox, operator=args.operator
        )
    runtime.close()
    print(f"replayed {replayed}")
    return 0


def replay_dead_items(session: Any, *, inbox: list[int], outbox: list[int], operator: str) -> int:
    """Requeue dead inbox events and outbox messages; one audit row records who and what."""
    count = replay_dead(session, inbox) if inbox else 0
    for message in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(outbox), OutboxMessage.state == OutboxState.DEAD
        )
    ):
        message.state, message.attempts, message.lease_until = OutboxState.PENDING, 0, None
        count += 1
    do_append_audit(
        session,
        actor=f"operator:{operator}",
        action="deadletters.replayed",
        subject="messaging",
        data={"inbox": inbox, "outbox": outbox, "replayed": count},
    )
    return count


def run_templates(args: argparse.Namespace) -> int:
    """One ``POST /{WABA-ID}/message_templates`` body per template and language, as JSON lines."""
    from sevadwar.messaging.notices import templates

    for template in templates().values():
        for language, body in template.body.items():
            components: list[dict[str, Any]] = []
            if template.header == "document":
                components.append({"type": "HEADER", "format": "DOCUMENT"})
            examples = [f"<{name}>" for name in template.params]
            components.append({"type": "BODY", "text": body, "example": {"body_text": [examples]}})
            print(
                json.dumps(
                    {
                        "name": template.name,
                        "language": language,
                        "category": "UTILITY",
                        "components": components,
                    },
                    ensure_ascii=False,
                )
            )
    return 0
