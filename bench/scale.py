"""Scale-out: the end-to-end run with 1, 2 and 4 app processes on one PostgreSQL.

    .venv/bin/python -m bench.scale [--processes 1,2,4] [--citizens 200] [--duration 15]

Each process is a full ``sevadwar serve`` (HTTP, inbox workers, senders) on its own port; the
driver spreads the webhooks over them round-robin, one POST at a time, so consecutive messages
of one citizen usually land on different processes — the case that per-citizen ordering must
survive. After each run the database and the fake Graph API are checked: every inbound event
processed exactly once, one read receipt per event, no reply sent twice, and each citizen's
replies accepted by the fake in the order the outbox holds them.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import bench_database, machine, migrate, write_json
from bench.e2e import RATE_PER_SECOND, _as_dict, drive


def run(
    *,
    processes: Sequence[int] = (1, 2, 4),
    citizens: int = 200,
    seconds: float = 15.0,
    warmup: float = 3.0,
    workers: int = 4,
    senders: int = 2,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="sevadwar-scale-") as tmp:
        workdir = Path(tmp)
        for count in processes:
            with bench_database("postgresql", workdir) as database_url:
                migrate(database_url)
                result = asyncio.run(
                    drive(
                        backend="postgresql",
                        database_url=database_url,
                        workdir=workdir,
                        processes=count,
                        citizens=[citizens],
                        seconds=seconds,
                        warmup=warmup,
                        workers=workers,
                        senders=senders,
                        log=log,
                    )
                )
                runs.append(_as_dict(result))
    return {"machine": machine(), "rate_per_second": RATE_PER_SECOND, "runs": runs}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=4, help="inbox threads per process")
    parser.add_argument("--senders", type=int, default=2, help="sender threads per process")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    data = run(
        processes=[int(p) for p in args.processes.split(",")],
        citizens=args.citizens,
        seconds=min(args.duration, 60.0),
        warmup=min(args.warmup, 10.0),
        workers=args.workers,
        senders=args.senders,
    )
    if args.json:
        write_json(args.json, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
