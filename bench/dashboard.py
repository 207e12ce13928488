"""Time every dashboard query on PostgreSQL with 1 million applications and 20 million messages.

    .venv/bin/python -m bench.dashboard [--applications 1000000] [--messages 20000000] \
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/sevadwar_bench] [--reuse]

Uses its own database (``sevadwar_bench`` by default: never the test suite's), recreates and
migrates it, seeds it (``bench/seed_dashboard.py``; ``--reuse`` keeps a database already seeded
at that size), runs each query ``--repeat`` times after one warm-up, and writes
``bench/results/dashboard-<date>.md`` with the machine, the commit and the seeding time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import ROOT, machine, migrate
from bench.seed_dashboard import SEEDED_TABLES, roll_up, seed, seeded_facts
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.dashboard.queries import (
    Drill,
    day_bounds,
    drill_page,
    events_after,
    grouped_counters,
    held_back,
    read_snapshot,
)
from sevadwar.dashboard.render import render_panels
from sevadwar.dashboard.snapshot import Period, Scope
from sevadwar.dashboard.view import Gauges, Texts
from sevadwar.messaging.outbox import outbox_depth
from sevadwar.server_commands import freeze_startup_objects
from sevadwar.storage.db import create_session_factory

LIMIT_MS = 200.0
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sevadwar_bench"


def _time(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    work()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _recreate(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _prepare(url: str, applications: int, messages: int, reuse: bool) -> dict[str, Any]:
    """A database seeded at this size: reused when asked and already there, else made now."""
    if reuse:
        try:
            facts = seeded_facts(url)
        except Exception:
            facts = None
        if facts and (facts.get("applications"), facts.get("messages")) == (
            applications,
            messages,
        ):
            migrate(url)
            roll_up(url, datetime.now(UTC))  # what the scheduler would have built since
            return facts
    _recreate(url)
    migrate(url)
    seed(url, applications=applications, messages=messages)
    facts = seeded_facts(url)
    assert facts is not None
    return facts


def run(applications: int, messages: int, repeat: int, url: str, reuse: bool) -> Path:
    facts_before = machine()
    commit = _commit()
    catalogue = load_catalogue(default_catalogue_dir())
    seeded = _prepare(url, applications, messages, reuse)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    today = datetime.now(UTC).astimezone(IST).date()
    week = Period(today, today - timedelta(days=6), today)
    month = Period(today, today - timedelta(days=29), today)
    year = Period(today, today - timedelta(days=366), today)
    everyone, revenue = Scope(), Scope("revenue")
    it_admin = Actor("officer", "it", id=1, role=Role.IT_ADMIN)
    head = Actor("officer", "head", id=2, role=Role.DEPARTMENT_ADMIN, department="revenue")
    start, end = day_bounds(today, today)
    wstart, wend = day_bounds(week.start, week.end)
    with sessions() as s:
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot, cursor = read_snapshot(s, everyone, month)
    with sessions() as s:
        sizes = {
            table: int(s.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            for table in SEEDED_TABLES
        }
    queries: dict[str, Callable[[Any], Any]] = {
        "stocks (open by status/stage/due, all departments)": lambda s: grouped_counters(
            s, everyone, "", ""
        ),
        "today's counters, all departments": lambda s: grouped_counters(
            s, everyone, today.isoformat(), today.isoformat()
        ),
        "7-day counters, all departments": lambda s: grouped_counters(
            s, everyone, week.start.isoformat(), week.end.isoformat()
        ),
        "30-day counters, all departments": lambda s: grouped_counters(
            s, everyone, month.start.isoformat(), month.end.isoformat()
        ),
        "30-day counters, one department": lambda s: grouped_counters(
            s, revenue, month.start.isoformat(), month.end.isoformat()
        ),
        "whole snapshot (stocks + today + 30 days + cursor)": lambda s: read_snapshot(
            s, everyone, month
        ),
        "whole snapshot, 7 days": lambda s: read_snapshot(s, everyone, week),
        "whole snapshot, 366 days (the longest period)": lambda s: read_snapshot(s, everyone, year),
        "whole snapshot, one department, 30 days": lambda s: read_snapshot(s, revenue, month),
        "event feed poll after the snapshot's cursor": lambda s: events_after(s, cursor),
        "event feed held-back check (PostgreSQL)": lambda s: held_back(s, cursor),
        "outbox depth and age": lambda s: outbox_depth(s),
        "drill-down: received today, page 1 (IT admin)": lambda s: drill_page(
            s, it_admin, Drill("received", start, end), limit=51
        ),
        "drill-down: received this week, page 1 (department)": lambda s: drill_page(
            s, head, Drill("received", wstart, wend), limit=51
        ),
        "drill-down: open, one service, page 1": lambda s: drill_page(
            s, it_admin, Drill("open", start, end, service="income"), limit=51
        ),
        "drill-down: open in department, page 1": lambda s: drill_page(
            s, head, Drill("open", start, end), limit=51
        ),
        "drill-down: past stage limit, page 1": lambda s: drill_page(
            s, it_admin, Drill("breached", start, end), limit=51
        ),
        "drill-down: rejected this week, page 1": lambda s: drill_page(
            s, it_admin, Drill("rejected", wstart, wend), limit=51
        ),
    }
    freeze_startup_objects()  # as `sevadwar serve` does once the app is built
    results = []
    for name, query in queries.items():
        with sessions() as s:
            median, worst = _time(partial(query, s), repeat)
        results.append((name, median, worst))
    render_median, render_worst = _time(
        lambda: render_panels(snapshot, catalogue, Texts("hi"), Gauges()), repeat
    )
    engine.dispose()
    facts_after = machine()
    day = datetime.now(UTC).date().isoformat()
    path = ROOT / "bench" / "results" / f"dashboard-{day}.md"
    lines = [
        f"# Dashboard queries at {applications:,} applications and {messages:,} messages ({day})",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- commit: `{commit}`",
        f"- database seeded at {seeded.get('seeded_at', '?')} by `bench/seed_dashboard.py`",
        "",
        "Rows: " + ", ".join(f"{table} {n:,}" for table, n in sizes.items()) + ".",
        "",
        "PostgreSQL, its own database, seeded by `bench/seed_dashboard.py` (applications by COPY",
        "with counters computed by the same pure functions the actions use; messages, inbox,",
        "conversations and the live feed by `INSERT … SELECT generate_series` inside PostgreSQL,",
        "their counters aggregated from the rows). Each query: one warm-up, then the median",
        f"and worst of {repeat} runs, in milliseconds, from Python through SQLAlchemy.",
        "",
        "| query | median ms | worst ms | < 200 ms |",
        "|---|---:|---:|---|",
    ]
    lines += [
        f"| {n} | {m:.1f} | {w:.1f} | {'yes' if w < LIMIT_MS else 'NO'} |" for n, m, w in results
    ]
    lines += [
        f"| render all panels (CPU, no database) | {render_median:.1f} | {render_worst:.1f} | "
        f"{'yes' if render_worst < LIMIT_MS else 'NO'} |",
        "",
        f"Seeding took {seeded['total_s'] / 60:.1f} min in all: "
        + ", ".join(
            f"{name[:-2].replace('_', ' ')} {value:.0f} s"
            for name, value in seeded.items()
            if name.endswith("_s") and name != "total_s"
        )
        + f"; {int(seeded['counter_rows']):,} counter rows.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in facts_before.items()],
        f"- load average after the run: {facts_after['load_average']}",
        "",
    ]
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--url", default=DEFAULT_URL, help="a database of its own (recreated)")
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded at this size")
    args = parser.parse_args()
    path = run(args.applications, args.messages, args.repeat, args.url, args.reuse)
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
