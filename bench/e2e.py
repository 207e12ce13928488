"""End to end: citizens' conversations through the webhook, the engine, the outbox and the fake.

    .venv/bin/python -m bench.e2e [--backends postgresql,sqlite] [--citizens 50,150] [--duration 12]

Simulated citizens (``bench/citizens.py``) hold realistic conversations — greeting, language,
consent, a service named in words, the form's questions, submit, status — in English, Hindi and
Hinglish. Every message is a signed Meta webhook POSTed to ``sevadwar serve``; the replies travel
through the inbox worker, the conversation engine, the outbox and the sender to the fake Graph
API, which runs in the driver's event loop and notes when each reply is accepted.

Reported per load level: turns per second, and from the webhook POST to the first reply accepted
by the fake (p50/p95/p99), and to the turn's last reply. Each citizen thinks 0.5–1.5 s between
turns, so the offered load grows with the number of citizens. After the run the database is
checked: every inbound event processed once, one read receipt per event, no reply sent twice,
and each citizen's replies sent in order.

``BENCH_WORKDIR=DIR`` keeps the app's logs and the fake's sent messages (``fake-sent.json``) for
a look after a failed check.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.citizens import (
    Crowd,
    Http,
    ObservedFake,
    PlannedStep,
    Turn,
    calibrate,
    identities,
    serve_fake,
)
from bench.common import (
    ACCESS_TOKEN,
    APP_SECRET,
    PYTHON,
    CpuMeter,
    Server,
    app_env,
    bench_database,
    free_port,
    machine,
    migrate,
    run_server,
    summary_ms,
    write_json,
)
from bench.profile import record
from sevadwar.fakes.graph_state import FakeConfig

RATE_PER_SECOND = 1000  # Meta's highest tier; the default of 80 would be the limit otherwise


@dataclass
class Level:
    citizens: int
    seconds: float
    turns: int
    turns_per_second: float
    incomplete: int
    ack_ms: dict[str, float]
    first_reply_ms: dict[str, float]
    last_reply_ms: dict[str, float]
    sends_per_second: float
    cpu: dict[str, float] = field(default_factory=dict)


@dataclass
class Check:
    inbound_events: int
    processed_once: bool
    not_done: int
    retried: int
    read_receipts_per_event_max: int
    outbox_sent: int
    outbox_unsent: int
    fake_sends: int
    duplicate_sends: int
    out_of_order_citizens: int
    citizens: int
    stages: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.processed_once
            and self.duplicate_sends == 0
            and self.out_of_order_citizens == 0
            and self.read_receipts_per_event_max <= 1
        )


@dataclass
class Run:
    backend: str
    processes: int
    workers_per_process: str
    journeys: list[dict[str, Any]]
    levels: list[Level]
    check: Check | None = None


# --------------------------------------------------------------------------- app processes


def app_commands(processes: int, ports: Sequence[int]) -> list[list[str]]:
    # BENCH_APP_MODULE runs the app through another entry point (what-if experiments).
    module = os.environ.get("BENCH_APP_MODULE", "sevadwar.cli")
    return [
        [PYTHON, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(p)]
        for p in ports[:processes]
    ]


@contextlib.contextmanager
def running_apps(
    database_url: str, workdir: Path, graph_url: str, processes: int, *, workers: int, senders: int
) -> Iterator[list[Server]]:
    ports = [free_port() for _ in range(processes)]
    env = app_env(
        database_url,
        workdir / "data",
        graph_url=graph_url,
        workers=workers,
        senders=senders,
        extra={"SEVADWAR_WHATSAPP_RATE_PER_SECOND": str(RATE_PER_SECOND)},
    )
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                run_server(command, env, port=port, log=workdir / f"app-{port}.log")
            )
            for command, port in zip(app_commands(processes, ports), ports, strict=True)
        ]
        yield servers


# --------------------------------------------------------------------------- database checks


def quiet_probe(database_url: str) -> tuple[Callable[[str], bool], Callable[[], None]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    query = text(
        "SELECT (SELECT count(*) FROM inbox_events WHERE citizen_key = :k AND state = 'pending')"
        " + (SELECT count(*) FROM outbox_messages"
        " WHERE citizen_key = :k AND state IN ('pending', 'sending'))"
    )

    def quiet(key: str) -> bool:
        with engine.connect() as connection:
            return int(connection.execute(query, {"k": key}).scalar_one()) == 0

    return quiet, engine.dispose


def wait_drained(database_url: str, timeout: float) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                pending = connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM inbox_events WHERE state = 'pending')"
                        " + (SELECT count(*) FROM outbox_messages"
                        " WHERE state IN ('pending', 'sending'))"
                    )
                ).scalar_one()
            if pending == 0:
                return True
            time.sleep(0.2)
        return False
    finally:
        engine.dispose()


def check_database(database_url: str, fake: ObservedFake) -> Check:
    """Every inbound event processed once; replies sent once each, in order per citizen."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT state, attempts, count(*) FROM inbox_events"
                    " WHERE kind = 'message' GROUP BY state, attempts"
                )
            ).all()
            receipts = connection.execute(
                text(
                    "SELECT coalesce(max(n), 0) FROM"
                    " (SELECT cause, count(*) AS n FROM outbox_messages"
                    " WHERE payload->>'kind' = 'read' GROUP BY cause) AS per_event"
                )
            ).scalar_one()
            stages = connection.execute(
                text(
                    "SELECT i.received_at, i.processed_at, min(o.created_at), max(o.sent_at)"
                    " FROM inbox_events i JOIN outbox_messages o ON o.cause = i.event_key"
                    " WHERE i.kind = 'message' AND i.processed_at IS NOT NULL"
                    " GROUP BY i.id, i.received_at, i.processed_at"
                )
            ).all()
            outbox = connection.execute(
                text(
                    "SELECT citizen_key, id, state, provider_message_id FROM outbox_messages"
                    " WHERE payload->>'kind' <> 'read' ORDER BY citizen_key, id"
                )
            ).all()
    finally:
        engine.dispose()
    waits = [_seconds(r[1], r[0]) for r in stages]
    sends = [_seconds(r[3], r[1]) for r in stages if r[3] is not None]
    breakdown = {"inbox_ms": summary_ms(waits), "outbox_ms": summary_ms(sends)}
    events = sum(n for _, _, n in rows)
    done_once = sum(n for state, attempts, n in rows if state == "done" and attempts == 1)
    not_done = sum(n for state, _, n in rows if state != "done")
    retried = sum(n for state, attempts, n in rows if state == "done" and attempts != 1)
    order: dict[str, list[str]] = {}
    for message in fake.sent:
        order.setdefault(message.user.key, []).append(message.wamid)
    position = {wamid: i for wamids in order.values() for i, wamid in enumerate(wamids)}
    by_citizen: dict[str, list[str]] = {}
    sent = unsent = 0
    for citizen, _, state, provider_id in outbox:
        if state == "sent" and provider_id:
            sent += 1
            by_citizen.setdefault(citizen, []).append(provider_id)
        elif state in ("pending", "sending"):
            unsent += 1
    out_of_order = 0
    for wamids in by_citizen.values():
        places = [position.get(w, -1) for w in wamids]
        if any(p < 0 for p in places) or places != sorted(places):
            out_of_order += 1
    return Check(
        inbound_events=events,
        processed_once=done_once == events,
        not_done=not_done,
        retried=retried,
        read_receipts_per_event_max=int(receipts),
        outbox_sent=sent,
        outbox_unsent=unsent,
        fake_sends=len(fake.sent),
        duplicate_sends=len(fake.sent) - sent,
        out_of_order_citizens=out_of_order,
        citizens=len(by_citizen),
        stages=breakdown,
    )


def _seconds(later: Any, earlier: Any) -> float:
    """Seconds between two timestamps read back from either backend (SQLite gives text)."""
    from datetime import UTC, datetime

    def parse(value: Any) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return (parse(later) - parse(earlier)).total_seconds()


# --------------------------------------------------------------------------- one run


def level_from(
    turns: Sequence[Turn], *, start: float, end: float, citizens: int, sends: int
) -> Level:
    """Throughput: turns whose last reply arrived inside the window. Latency: turns posted
    inside the window (followed to their end, even after the window closed)."""
    window = [t for t in turns if start <= t.posted < end]
    done = [t for t in window if t.completed and t.first is not None and t.last is not None]
    finished = [t for t in turns if t.completed and t.last is not None and start <= t.last < end]
    seconds = end - start
    return Level(
        citizens=citizens,
        seconds=round(seconds, 2),
        turns=len(finished),
        turns_per_second=len(finished) / seconds,
        incomplete=len(window) - len(done),
        ack_ms=summary_ms([t.acked - t.posted for t in window]),
        first_reply_ms=summary_ms([t.first - t.posted for t in done if t.first is not None]),
        last_reply_ms=summary_ms([t.last - t.posted for t in done if t.last is not None]),
        sends_per_second=sends / seconds,
    )


async def drive(
    *,
    backend: str,
    database_url: str,
    workdir: Path,
    processes: int,
    citizens: Sequence[int],
    seconds: float,
    warmup: float,
    workers: int,
    senders: int,
    log: Callable[[str], None],
    profile_dir: Path | None = None,
) -> Run:
    config = FakeConfig(
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        emit_statuses=False,  # delivery receipts are measured by the ingest benchmark
        pair_burst=1000,
    )
    fake = ObservedFake(config)
    fake_port = free_port()
    server, task = await serve_fake(fake, fake_port)
    graph_url = f"http://127.0.0.1:{fake_port}/v24.0"
    run = Run(backend, processes, f"{workers} inbox, {senders} sender threads", [], [])
    try:
        with running_apps(
            database_url, workdir, graph_url, processes, workers=workers, senders=senders
        ) as apps:
            hosts = [("127.0.0.1", int(a.url.rsplit(":", 1)[1])) for a in apps]
            http = Http(hosts, size=256)
            quiet, dispose = quiet_probe(database_url)
            try:
                plans = await calibrate(fake, http, quiet, identities(1))
            finally:
                dispose()
            run.journeys = [
                {
                    "steps": len(p),
                    "replies": sum(s.sends for s in p),
                    "taps": sum(1 for s in p if s.reply),
                }
                for p in plans
            ]
            log(f"  calibrated {len(plans)} journeys: {run.journeys}")
            for n, crowd_size in enumerate(citizens):
                level = await run_level(
                    fake,
                    http,
                    plans,
                    apps,
                    crowd_size=crowd_size,
                    seconds=seconds,
                    warmup=warmup,
                    prefix=10 + n,
                    profile=profile_dir / f"e2e-{backend}-{crowd_size}.txt"
                    if profile_dir
                    else None,
                )
                run.levels.append(level)
                log(
                    f"  {backend} x{processes} {crowd_size:5d} citizens:"
                    f" {level.turns_per_second:7.1f} turns/s  first reply"
                    f" p50 {level.first_reply_ms['p50']:.0f} p95 {level.first_reply_ms['p95']:.0f}"
                    f" p99 {level.first_reply_ms['p99']:.0f} ms"
                    f"  (last p99 {level.last_reply_ms['p99']:.0f} ms)"
                    f"  incomplete {level.incomplete}  cpu {level.cpu}"
                )
            http.close()
            await asyncio.to_thread(wait_drained, database_url, 30.0)
            run.check = check_database(database_url, fake)
            if os.environ.get("BENCH_WORKDIR"):
                dump = [
                    (
                        m.user.key,
                        m.wamid,
                        m.at.isoformat(),
                        json.dumps(m.body, ensure_ascii=False)[:200],
                    )
                    for m in fake.sent
                ]
                (workdir / "fake-sent.json").write_text(json.dumps(dump, ensure_ascii=False))
            log(f"  check: {run.check}")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
    return run


async def run_level(
    fake: ObservedFake,
    http: Http,
    plans: Sequence[Sequence[PlannedStep]],
    apps: Sequence[Server],
    *,
    crowd_size: int,
    seconds: float,
    warmup: float,
    prefix: int,
    profile: Path | None = None,
) -> Level:
    crowd = Crowd(fake, http, plans, identities(prefix))
    ramp = min(2.0, warmup)
    tasks = [
        asyncio.create_task(crowd.citizen(i, ramp * i / crowd_size)) for i in range(crowd_size)
    ]
    await asyncio.sleep(warmup)
    sends_before = len(fake.sent)
    start = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    gil = os.environ.get("BENCH_PROFILE_GIL", "1") != "0"  # 0: every thread, waiting included
    recording = record(apps[0].pid, seconds - 1, profile, gil=gil) if profile is not None else None
    with CpuMeter({f"app{i}": a.pid for i, a in enumerate(apps)}) as meter:
        await asyncio.sleep(seconds)
    if recording is not None:
        await asyncio.to_thread(recording.wait, 30.0)
    end = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_SELF)
    sends = len(fake.sent) - sends_before
    crowd.stop.set()
    await asyncio.wait(tasks, timeout=crowd.turn_timeout + 5)
    for t in tasks:
        t.cancel()
    level = level_from(crowd.turns, start=start, end=end, citizens=crowd_size, sends=sends)
    cores = meter.cores()
    cores["app"] = sum(v for k, v in cores.items() if k.startswith("app"))
    cores = {k: v for k, v in cores.items() if not (k.startswith("app") and k != "app")}
    cores["driver_and_fake"] = (
        after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    ) / (end - start)
    level.cpu = {k: round(v, 2) for k, v in cores.items()}
    return level


def run(
    *,
    backends: Sequence[str] = ("postgresql", "sqlite"),
    citizens: Sequence[int] = (50, 150),
    seconds: float = 12.0,
    warmup: float = 3.0,
    processes: int = 1,
    workers: int = 4,
    senders: int = 2,
    log: Callable[[str], None] = print,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="sevadwar-e2e-") as tmp:
        workdir = Path(os.environ.get("BENCH_WORKDIR") or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            with bench_database(backend, workdir) as database_url:
                migrate(database_url)
                result = asyncio.run(
                    drive(
                        backend=backend,
                        database_url=database_url,
                        workdir=workdir,
                        processes=processes,
                        citizens=citizens,
                        seconds=seconds,
                        warmup=warmup,
                        workers=workers,
                        senders=senders,
                        log=log,
                        profile_dir=profile_dir,
                    )
                )
                runs.append(result)
    return {
        "machine": machine(),
        "rate_per_second": RATE_PER_SECOND,
        "runs": [_as_dict(r) for r in runs],
    }


def _as_dict(run: Run) -> dict[str, Any]:
    data = asdict(run)
    if run.check is not None:
        data["check"]["ok"] = run.check.ok
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--citizens", default="50,150", help="concurrent citizens per level")
    parser.add_argument("--duration", type=float, default=12.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--workers", type=int, default=4, help="inbox threads per process (SQLite: 1)"
    )
    parser.add_argument(
        "--senders", type=int, default=2, help="sender threads per process (SQLite: 1)"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--profile-dir", type=Path, default=None, help="py-spy the app into this folder"
    )
    args = parser.parse_args(argv)
    data = run(
        backends=args.backends.split(","),
        citizens=[int(c) for c in args.citizens.split(",")],
        seconds=min(args.duration, 60.0),
        warmup=min(args.warmup, 10.0),
        workers=args.workers,
        senders=args.senders,
        profile_dir=args.profile_dir,
    )
    if args.json:
        write_json(args.json, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
