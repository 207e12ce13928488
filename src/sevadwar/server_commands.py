"""Sub-commands that run the service: ``serve``, ``chat`` and ``db upgrade``."""

from __future__ import annotations

import argparse
import gc
import secrets
import sys
import time
from typing import TYPE_CHECKING, Any

from sevadwar.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sevadwar.runtime import Runtime


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve", help="migrate, load the catalogue and serve HTTP with the workers"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="HTTP processes sharing the port, each with its own workers (PostgreSQL only)",
    )
    serve.set_defaults(func=run_serve)

    chat = subparsers.add_parser(
        "chat", help="talk to the bot in this terminal (through the real engine)"
    )
    chat.add_argument("--session", default=None, help="continue an earlier terminal conversation")
    chat.set_defaults(func=run_chat)

    worker = subparsers.add_parser(
        "worker", help="run only the inbox and outbox workers (scale-out)"
    )
    worker.set_defaults(func=run_worker)

    db = subparsers.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply every pending migration")
    upgrade.set_defaults(func=run_db_upgrade)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _runtime(settings: Settings) -> Runtime:
    """The runtime, or a clear message and exit status 2 when the catalogue or a setting (such
    as a configured DSC) is unusable: the server must not start half-configured."""
    from sevadwar.catalogue.loader import CatalogueError
    from sevadwar.runtime import build_runtime

    try:
        return build_runtime(settings)
    except CatalogueError as exc:
        print(f"the catalogue is invalid; not starting:\n{exc}", file=sys.stderr)
    except SettingsError as exc:
        print(f"not starting: {exc}", file=sys.stderr)
    raise SystemExit(2)


def run_db_upgrade(args: argparse.Namespace) -> int:
    from sevadwar.storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sevadwar.app import create_app
    from sevadwar.logs import configure_logging
    from sevadwar.storage.migrate import upgrade

    settings = _settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    processes = max(1, args.processes)
    if processes > 1 and settings.is_sqlite:
        print("--processes needs PostgreSQL: SQLite has one writer at a time", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    runtime = _runtime(settings)
    where = f"http://{args.host}:{args.port}"
    if processes > 1:
        runtime.close()  # validated; each process builds its own (connections do not cross a fork)
        print(f"Sevadwar serving on {where} with {processes} processes", flush=True)
        uvicorn.run(
            "sevadwar.server_commands:app_from_environment",
            factory=True,
            workers=processes,
            host=args.host,
            port=args.port,
            log_config=None,
            access_log=False,
        )
        return 0
    app = create_app(runtime=runtime)
    freeze_startup_objects()
    print(f"Sevadwar serving on {where}  (simulator: /simulator)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def app_from_environment() -> Any:
    """The app of one ``serve --processes N`` process, built from the environment's settings."""
    from sevadwar.app import create_app
    from sevadwar.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = create_app(runtime=_runtime(settings))
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Move everything built at start-up (catalogue, NLU indexes, routes) out of the garbage
    collector's reach. Otherwise every full collection walks those ~200,000 objects again and
    stalls the process for 100 ms or more (visible as p99 latency; see bench/results)."""
    gc.collect()
    gc.freeze()


def run_worker(args: argparse.Namespace) -> int:
    """Workers without HTTP: run as many as needed beside the web processes on PostgreSQL."""
    import signal
    import threading

    from sevadwar.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    runtime = _runtime(settings)
    freeze_startup_objects()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runtime.start_workers()
    print("workers running", flush=True)
    while not stop.wait(1.0):
        runtime.wake_inbox.set()  # other processes' webhooks do not wake this one: poll
    runtime.close()
    return 0


def run_chat(args: argparse.Namespace) -> int:
    """A terminal chat: messages go through the simulator channel, inbox, engine and outbox."""
    from sevadwar.channels.base import Channel
    from sevadwar.channels.simulator.payloads import SimulatorMessage, citizen_key, to_payload
    from sevadwar.chat_render import render_plain
    from sevadwar.messaging.inbox import NewEvent, store_events
    from sevadwar.messaging.models import OutboxState
    from sevadwar.messaging.outbox import messages_for
    from sevadwar.storage.db import transaction
    from sevadwar.storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    runtime = _runtime(settings)
    runtime.start_workers()
    session = args.session or secrets.token_hex(8)
    print(f"(session {session}; type 'quit' to leave)")
    last = 0
    pending_reply: dict[str, str] = {}
    try:
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                break
            if line.lower() in ("quit", "exit"):
                break
            if not line:
                continue
            reply_id = pending_reply.get(line)
            message = SimulatorMessage(
                session=session, id=secrets.token_hex(8), text=line, reply_id=reply_id
            )
            event = NewEvent(
                f"sim:{session}:{message.id}",
                "message",
                citizen_key(session),
                to_payload(message, runtime.clock()),
            )
            with transaction(runtime.sessions) as db:
                store_events(db, Channel.SIMULATOR, [event])
            runtime.wake_inbox.set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with transaction(runtime.sessions) as db:
                    rows = [
                        r
                        for r in messages_for(db, citizen_key(session), after_id=last)
                        if r.state == OutboxState.SENT
                    ]
                    payloads = [(r.id, dict(r.payload)) for r in rows]
                if payloads:
                    pending_reply = {}
                    for row_id, payload in payloads:
                        last = row_id
                        text, choices = render_plain(payload)
                        if text:
                            print(text)
                        pending_reply.update(choices)
                    time.sleep(0.3)
                    continue
                if last and time.monotonic() > deadline - 9:
                    break
                time.sleep(0.1)
    finally:
        runtime.close()
    return 0
