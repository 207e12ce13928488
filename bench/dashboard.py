"""Time every dashboard query on PostgreSQL with 1 million applications (and scaled messages).

    .venv/bin/python -m bench.dashboard [--applications 1000000] [--messages 5000000]

Creates a fresh database, migrates it, seeds it (``bench/seed_dashboard.py``), runs each query
``--repeat`` times after one warm-up, and writes ``bench/results/dashboard-<date>.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from bench.common import ROOT, bench_database, machine, migrate
from bench.seed_dashboard import seed
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.catalogue.schema import Role
from sevadwar.conversation.context import IST
from sevadwar.dashboard.models import DashboardEvent
from sevadwar.dashboard.queries import (
    Cursor,
    Drill,
    day_bounds,
    drill_page,
    events_after,
    grouped_counters,
    read_snapshot,
)
from sevadwar.dashboard.render import render_panels
from sevadwar.dashboard.snapshot import Period, Scope
from sevadwar.dashboard.view import Gauges, Texts
from sevadwar.messaging.outbox import outbox_depth
from sevadwar.storage.db import create_session_factory

LIMIT_MS = 200.0


def _time(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    work()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def run(applications: int, messages: int, repeat: int) -> Path:
    facts_before = machine()
    catalogue = load_catalogue(default_catalogue_dir())
    with bench_database("postgresql", Path("/tmp")) as url:
        migrate(url)
        seeded = seed(url, applications=applications, messages=messages)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        today = datetime.now(UTC).astimezone(IST).date()
        week = Period(today, today - timedelta(days=6), today)
        month = Period(today, today - timedelta(days=29), today)
        everyone, revenue = Scope(), Scope("revenue")
        it_admin = Actor("officer", "it", id=1, role=Role.IT_ADMIN)
        head = Actor("officer", "head", id=2, role=Role.DEPARTMENT_ADMIN, department="revenue")
        start, end = day_bounds(today, today)
        wstart, wend = day_bounds(week.start, week.end)
        with sessions() as s:
            snapshot, _ = read_snapshot(s, everyone, month)
            tail = s.execute(select(func.max(DashboardEvent.id))).scalar() or 0
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
            "event feed poll after the tail": lambda s: events_after(s, Cursor(id=tail)),
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
        results = []
        for name, query in queries.items():
            with sessions() as s:
                median, worst = _time(lambda q=query, s=s: q(s), repeat)
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
        "PostgreSQL, fresh database seeded by `bench/seed_dashboard.py` (COPY; counters computed",
        "by the same pure functions the actions use). Each query: one warm-up, then the median",
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
        f"Seeding: applications {seeded['applications_s']:.0f} s, "
        f"messages {seeded['messages_s']:.0f} s, "
        f"counters {seeded['counters_s']:.0f} s; {int(seeded['counter_rows']):,} counter rows.",
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
    parser.add_argument("--messages", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(run(args.applications, args.messages, args.repeat).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
