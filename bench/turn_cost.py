"""CPU per conversation turn, in process: the engine and database side of end to end, no network.

The end-to-end benchmark (``bench/e2e.py``) measures what a citizen sees through the whole stack;
its numbers mix the app's work with the load generator's, the fake Graph API's and HTTP. This one
takes HTTP away: citizens' signed webhooks are stored in the inbox as the webhook route stores
them, the inbox worker processes them on this thread, and the outbox sender "sends" through a
sender that only renders the WhatsApp request body. What is left is the app's own cost per turn
(thread CPU time) and the database statements it runs, with an optional cProfile.

    python -m bench.turn_cost --backend postgresql --citizens 40 [--profile 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.citizens import JOURNEYS, Identity, find_reply, identities
from bench.common import APP_SECRET, PHONE_NUMBER_ID, bench_database
from sevadwar.channels.base import Outbound, ReadReceipt
from sevadwar.channels.whatsapp.payloads import split_events
from sevadwar.channels.whatsapp.render import Recipient, mark_read, render
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.messaging.inbox import NewEvent, safe_event, store_events
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings
from sevadwar.storage.db import transaction
from sevadwar.storage.migrate import upgrade


class RenderingSender:
    """A channel sender that renders the Graph API request and keeps it, instead of POSTing."""

    def __init__(self) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.count = 0

    def send(self, recipient: dict[str, Any], message: Outbound) -> str:
        if isinstance(message, ReadReceipt):
            bodies = [mark_read(message.message_id, typing=message.typing)]
        else:
            bodies = render(message, Recipient(recipient.get("wa_id"), recipient.get("user_id")))
        key = str(recipient.get("user_id") or recipient.get("wa_id"))
        self.sent.setdefault(key, []).extend(bodies)
        self.count += 1
        return f"wamid.bench{id(self)}.{self.count}"


@dataclass
class Costs:
    turns: int = 0
    messages: int = 0
    inbox_cpu: float = 0.0
    sender_cpu: float = 0.0
    inbox_statements: int = 0
    sender_statements: int = 0

    def summary(self) -> dict[str, float]:
        turns = max(self.turns, 1)
        messages = max(self.messages, 1)
        return {
            "turns": self.turns,
            "messages_sent": self.messages,
            "inbox_ms_cpu_per_turn": round(1000 * self.inbox_cpu / turns, 3),
            "sender_ms_cpu_per_message": round(1000 * self.sender_cpu / messages, 3),
            "ms_cpu_per_turn_with_its_messages": round(
                1000 * (self.inbox_cpu + self.sender_cpu) / turns, 3
            ),
            "statements_per_turn": round(self.inbox_statements / turns, 2),
            "statements_per_message_sent": round(self.sender_statements / messages, 2),
            "turns_per_cpu_second": round(turns / max(self.inbox_cpu + self.sender_cpu, 1e-9), 1),
        }


@contextmanager
def counting(runtime: Runtime, counter: Counter[str]) -> Iterator[None]:
    def before(*_: Any) -> None:
        counter["statements"] += 1

    engines = [runtime.engine, *([runtime.bookkeeping] if runtime.bookkeeping else [])]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)


def webhook_events(identity: Identity, text: str, reply: tuple[str, str] | None) -> list[NewEvent]:
    user = wp.WaUser(wa_id=identity.wa_id, user_id=identity.user_id, name="Bench Citizen")
    if reply is None:
        message = wp.text_message(user, text)
    elif reply[0] == "button":
        message = wp.button_reply_message(user, reply[1], text)
    else:
        message = wp.list_reply_message(user, reply[1], text)
    body = json.loads(wp.encode(wp.inbound_webhook(user, message)))
    return [
        safe_event(NewEvent(e.key, e.kind, e.citizen_key, e.data), unstorable=False)
        for e in split_events(body)
    ]


def play(
    runtime: Runtime, citizens: int, profile: cProfile.Profile | None, *, prefix: int
) -> Costs:
    """Every citizen plays its journey, all in lockstep: one turn each, then the next."""
    sender = RenderingSender()
    outbox = runtime.outbox_sender()
    outbox.senders = {"whatsapp": sender}
    inbox = runtime.inbox_worker()
    next_identity = identities(prefix)
    people = [next_identity() for _ in range(citizens)]
    plans = [JOURNEYS[n % len(JOURNEYS)].steps for n in range(citizens)]
    costs = Costs()
    counter: Counter[str] = Counter()
    longest = max(len(p) for p in plans)
    with counting(runtime, counter):
        for index in range(longest):
            with transaction(runtime.sessions) as session:
                for person, plan in zip(people, plans, strict=True):
                    if index < len(plan):
                        step = plan[index]
                        last = sender.sent.get(person.user_id, [])
                        reply = find_reply(last, step.text) if step.tap else None
                        store_events(session, "whatsapp", webhook_events(person, step.text, reply))
                        costs.turns += 1
            counter.clear()
            started = time.thread_time()
            if profile:
                profile.enable()
            while inbox.process_next():
                pass
            if profile:
                profile.disable()
            costs.inbox_cpu += time.thread_time() - started
            costs.inbox_statements += counter["statements"]
            counter.clear()
            before = sender.count
            started = time.thread_time()
            if profile:
                profile.enable()
            while outbox.send_batch():
                pass
            if profile:
                profile.disable()
            costs.sender_cpu += time.thread_time() - started
            costs.sender_statements += counter["statements"]
            costs.messages += sender.count - before
    return costs


def measure(
    backend: str, citizens: int, *, profile: cProfile.Profile | None = None
) -> dict[str, float]:
    """The cost figures of ``citizens`` playing their journeys on a fresh ``backend`` database."""
    with tempfile.TemporaryDirectory() as folder, bench_database(backend, Path(folder)) as url:
        upgrade(url)
        settings = Settings(
            database_url=url,
            data_dir=Path(folder) / "data",
            whatsapp_app_secret=APP_SECRET,  # type: ignore[arg-type]
            whatsapp_access_token="bench",  # type: ignore[arg-type]
            whatsapp_phone_number_id=PHONE_NUMBER_ID,
            whatsapp_rate_per_second=1000,  # Meta's highest tier, as in bench/e2e.py
            _env_file=None,  # type: ignore[call-arg]
        )
        runtime = build_runtime(settings)
        try:
            play(runtime, 4, None, prefix=76)  # warm the caches and the statement cache
            return play(runtime, citizens, profile, prefix=77).summary()
        finally:
            runtime.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--citizens", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args(argv)
    profile = cProfile.Profile(time.thread_time) if args.profile else None  # CPU, not wall
    figures = measure(args.backend, args.citizens, profile=profile)
    print(json.dumps({"backend": args.backend, **figures}, indent=2))
    if profile is not None:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.profile)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
