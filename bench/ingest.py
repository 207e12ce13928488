"""Webhook ingest: acknowledged webhooks per second and acknowledgement latency.

    .venv/bin/python -m bench.ingest [--duration 5] [--connections 8,32,128] [--json out.json]

Unique, correctly signed Meta text-message webhooks (pre-generated: the load generator does no
cryptography) are POSTed by Debian's ``wrk`` at increasing concurrency against, side by side:

* ``ceiling``: a bare ASGI app on the same server stack that verifies the signature, parses and
  answers 200 (``bench/ceiling.py``);
* the real app (``sevadwar serve``) on SQLite and on PostgreSQL, inbox workers off, so what is
  measured is the durable acknowledgement: signature, split, INSERT … ON CONFLICT DO NOTHING,
  COMMIT, 200.

After each configuration the inbox is counted: every acknowledged webhook must be stored.
CPU use of the server, of wrk and of PostgreSQL is recorded so a saturated load generator shows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.common import (
    APP_SECRET,
    PYTHON,
    ROOT,
    CpuMeter,
    app_env,
    bench_database,
    free_port,
    machine,
    run_server,
    write_json,
)

LUA = ROOT / "bench" / "webhooks.lua"


@dataclass(frozen=True)
class Target:
    name: str  # ceiling | sqlite | postgresql
    processes: int = 1

    @property
    def label(self) -> str:
        what = "bare ASGI ceiling" if self.name == "ceiling" else f"sevadwar serve, {self.name}"
        return f"{what}, {self.processes} process{'es' if self.processes > 1 else ''}"


@dataclass
class Step:
    target: str
    processes: int
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    errors: int
    wrapped: int
    cpu: dict[str, float] = field(default_factory=dict)


@dataclass
class TargetResult:
    target: str
    processes: int
    label: str
    steps: list[Step]
    acknowledged: int = 0
    stored: int | None = None


# --------------------------------------------------------------------------- payloads


def make_bodies(path: Path, count: int, *, users: int = 5000, secret: str = APP_SECRET) -> None:
    """``count`` unique signed text-message webhooks from ``users`` citizens, one per line."""
    from sevadwar.channels.whatsapp.signature import sign
    from sevadwar.fakes import whatsapp_payloads as wp

    texts = (
        "hi",
        "namaste",
        "income certificate",
        "mujhe pani ka bill bharna hai",
        "जन्म प्रमाण पत्र",
        "status",
    )
    people = [
        wp.WaUser(
            wa_id=f"9198{n:08d}", user_id=f"IN.{7_000_000_000_000_000_000 + n}", name=f"Citizen {n}"
        )
        for n in range(users)
    ]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            user = people[n % users]
            body = wp.encode(wp.inbound_webhook(user, wp.text_message(user, texts[n % len(texts)])))
            out.write(sign(body, secret))
            out.write("\t")
            out.write(body.decode("utf-8"))
            out.write("\n")


# --------------------------------------------------------------------------- wrk


def run_wrk(
    url: str, bodies: Path, *, connections: int, seconds: float, threads: int = 1
) -> tuple[dict[str, float], float]:
    """One wrk run; returns its JSON summary and the CPU seconds wrk itself used."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(bodies),
        str(threads),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stdout is not None
    assert process.stderr is not None
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err or out}")
    line = next(x for x in out.splitlines() if x.startswith("{"))
    return json.loads(line), usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- one target


def server_command(target: Target, port: int) -> list[str]:
    if target.name == "ceiling":
        return [
            PYTHON,
            "-m",
            "uvicorn",
            "bench.ceiling:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(target.processes),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    module = os.environ.get("BENCH_APP_MODULE", "sevadwar.cli")  # what-if experiments
    command = [PYTHON, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(port)]
    if target.processes > 1:
        command += ["--processes", str(target.processes)]
    return command


def count_inbox(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM inbox_events")).scalar_one())
    finally:
        engine.dispose()


def measure_target(
    target: Target,
    *,
    connections: Sequence[int],
    seconds: float,
    workdir: Path,
    rate_guess: int,
    warmup: float = 2.0,
    log=print,
) -> TargetResult:
    bodies = workdir / f"bodies-{target.name}-{target.processes}.tsv"
    make_bodies(bodies, int(rate_guess * warmup) + 1000)
    backend = "sqlite" if target.name == "ceiling" else target.name
    result = TargetResult(target.name, target.processes, target.label, [])
    with bench_database(backend, workdir) as database_url:
        port = free_port()
        env = app_env(database_url, workdir / "data", workers=0, senders=0)
        log_path = workdir / f"server-{target.name}-{target.processes}.log"
        ready = "/healthz" if target.name != "ceiling" else "/"
        with run_server(
            server_command(target, port), env, port=port, log=log_path, ready_path=ready
        ) as server:
            url = server.url
            # Warm-up uses its own bodies: they are stored too and counted below.
            warm, _ = run_wrk(url, bodies, connections=8, seconds=warmup)
            acknowledged = int(warm["requests"]) if not warm["status_errors"] else 0
            fastest = max(float(rate_guess), warm["requests"] / warmup)
            for c in connections:
                # Fresh bodies for each step (message ids are random: never sent before), enough
                # for twice the fastest rate seen, so that wrk does not wrap (counted if it does).
                part = workdir / f"part-{c}.tsv"
                make_bodies(part, int(2 * fastest * seconds) + 1000)
                with CpuMeter({"server": server.pid}) as meter:
                    started = time.monotonic()
                    summary, wrk_cpu = run_wrk(url, part, connections=c, seconds=seconds)
                    elapsed = time.monotonic() - started
                cpu = meter.cores()
                cpu["wrk"] = wrk_cpu / max(elapsed, 1e-9)
                requests = int(summary["requests"])
                errors = int(
                    summary["connect_errors"]
                    + summary["read_errors"]
                    + summary["write_errors"]
                    + summary["status_errors"]
                    + summary["timeouts"]
                )
                acknowledged += requests - int(summary["status_errors"])
                step = Step(
                    target=target.name,
                    processes=target.processes,
                    connections=c,
                    seconds=summary["duration_us"] / 1e6,
                    requests=requests,
                    rps=requests / (summary["duration_us"] / 1e6),
                    p50_ms=summary["p50_us"] / 1000,
                    p90_ms=summary["p90_us"] / 1000,
                    p99_ms=summary["p99_us"] / 1000,
                    p999_ms=summary["p999_us"] / 1000,
                    max_ms=summary["max_us"] / 1000,
                    errors=errors,
                    wrapped=int(summary["wrapped"]),
                    cpu={k: round(v, 2) for k, v in cpu.items()},
                )
                result.steps.append(step)
                fastest = max(fastest, step.rps)
                log(
                    f"  {target.label:45s} c={c:4d}  {step.rps:8.0f} req/s"
                    f"  p50 {step.p50_ms:6.1f} ms"
                    f"  p99 {step.p99_ms:6.1f} ms  errors {errors}  cpu {step.cpu}"
                )
                part.unlink()
        result.acknowledged = acknowledged
        if target.name != "ceiling":
            result.stored = count_inbox(database_url)
    bodies.unlink()
    return result


def _slice(source: Path, dest: Path, *, start: int) -> None:
    """Copy ``source`` from line ``start`` on (the lines not sent yet) to ``dest``."""
    with open(source, encoding="utf-8") as src, open(dest, "w", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n >= start:
                out.write(line)


# --------------------------------------------------------------------------- the suite


DEFAULT_TARGETS = (
    Target("ceiling", 1),
    Target("ceiling", 2),
    Target("sqlite", 1),
    Target("postgresql", 1),
    Target("postgresql", 2),
)


def parse_targets(text: str) -> list[Target]:
    targets = []
    for item in text.split(","):
        name, _, processes = item.strip().partition(":")
        targets.append(Target(name, int(processes or 1)))
    return targets


def run(
    *,
    targets: Sequence[Target] = DEFAULT_TARGETS,
    connections: Sequence[int] = (8, 32, 128),
    seconds: float = 5.0,
    log=print,
) -> dict[str, object]:
    results = []
    with tempfile.TemporaryDirectory(prefix="sevadwar-ingest-") as tmp:
        workdir = Path(tmp)
        for target in targets:
            rate_guess = 16000 if target.name == "ceiling" else 6000
            results.append(
                measure_target(
                    target,
                    connections=connections,
                    seconds=seconds,
                    workdir=workdir,
                    rate_guess=rate_guess,
                    log=log,
                )
            )
    return {
        "machine": machine(),
        "seconds_per_step": seconds,
        "results": [asdict(r) for r in results],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load step")
    parser.add_argument("--connections", default="8,32,128", help="wrk connections per step")
    parser.add_argument(
        "--targets",
        default=",".join(f"{t.name}:{t.processes}" for t in DEFAULT_TARGETS),
        help="name:processes, comma-separated (ceiling, sqlite, postgresql)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    data = run(
        targets=parse_targets(args.targets),
        connections=[int(c) for c in args.connections.split(",")],
        seconds=min(args.duration, 30.0),
    )
    if args.json:
        write_json(args.json, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def profile_ingest(
    target: Target, *, seconds: float, connections: int, out: Path, gil: bool = True
) -> Path | None:
    """Sample the server with py-spy while wrk loads it (a separate run: sampling slows it)."""
    from bench.profile import record

    with tempfile.TemporaryDirectory(prefix="sevadwar-ingest-profile-") as tmp:
        workdir = Path(tmp)
        bodies = workdir / "bodies.tsv"
        make_bodies(bodies, int(6000 * (seconds + 2)))
        backend = "sqlite" if target.name == "ceiling" else target.name
        with bench_database(backend, workdir) as database_url:
            port = free_port()
            env = app_env(database_url, workdir / "data", workers=0, senders=0)
            log_path = workdir / "server.log"
            command = server_command(target, port)
            with run_server(command, env, port=port, log=log_path) as server:
                warm, _ = run_wrk(server.url, bodies, connections=8, seconds=1)
                rest = workdir / "rest.tsv"
                _slice(bodies, rest, start=int(warm["requests"]) + 8)
                recording = record(server.pid, seconds, out, gil=gil)
                run_wrk(server.url, rest, connections=connections, seconds=seconds + 1)
                return recording.wait(30.0)
