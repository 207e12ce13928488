"""Seed PostgreSQL with N applications and M outbox messages, plus the matching dashboard
counters, fast (COPY). Used by ``bench/dashboard.py``; can be run alone:

    .venv/bin/python -m bench.seed_dashboard URL --applications 1000000 --messages 5000000

Applications are spread over ``--days`` days ending today (IST), across every catalogue service,
with realistic statuses; the counters are computed with the same pure functions the actions use
(``dashboard.metrics``), so the dashboard reads exactly what the rows say.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url

from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.dashboard import metrics
from sevadwar.dashboard.metrics import AppState

CHUNK = 100_000
REASONS = ("documents_mismatch", "documents_illegible", "not_eligible", "other")
ERRORS = (131026, 131047, 130429, 131000)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _copy(
    connection: psycopg.Connection,
    table: str,
    columns: list[str],
    rows: Iterator[tuple[object, ...]],
) -> int:
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def seed(
    url: str, *, applications: int, messages: int, days: int = 30, seed_value: int = 7
) -> dict[str, float]:
    rng = random.Random(seed_value)
    catalogue = load_catalogue(default_catalogue_dir())
    services = list(catalogue)
    now = datetime.now(UTC)
    counters: dict[tuple[str, str, str, str, str, str], int] = defaultdict(int)
    timings: dict[str, float] = {}

    def count(deltas: list[metrics.Delta]) -> None:
        for d in deltas:
            counters[d.dims] += d.value

    def application_rows() -> Iterator[tuple[object, ...]]:
        for i in range(applications):
            service = services[i % len(services)]
            submitted = now - timedelta(seconds=rng.uniform(0, days * 86400))
            due = submitted + timedelta(days=service.sla_days)
            stages = service.workflow.stages
            stage = stages[rng.randrange(len(stages))].id
            language = rng.choices(("hi", "en", "hinglish"), (6, 3, 1))[0]
            roll = rng.random()
            fee = rng.choice((0, 0, 5000, 10000))
            state = AppState(
                service.department,
                service.id,
                language,
                "submitted",
                stages[0].id,
                False,
                metrics.ist_day(due),
                fee,
                submitted,
            )
            count(metrics.received(state, submitted))
            status, decided, escalated, reason = "in_progress", None, None, None
            if roll < 0.55 and submitted < now - timedelta(hours=2):  # decided
                decided = min(submitted + timedelta(hours=rng.expovariate(1 / 120)), now)
                status = "rejected" if rng.random() < 0.15 else rng.choice(("approved", "issued"))
                reason = rng.choice(REASONS) if status == "rejected" else None
                opened = AppState(
                    service.department,
                    service.id,
                    language,
                    "submitted",
                    stages[0].id,
                    False,
                    metrics.ist_day(due),
                    fee,
                    submitted,
                )
                closed = AppState(
                    service.department,
                    service.id,
                    language,
                    status,
                    stage,
                    False,
                    metrics.ist_day(due),
                    fee,
                    submitted,
                )
                count(metrics.decided(opened, closed, decided, reason=reason or "", due_at=due))
                if fee:
                    count(metrics.fee_paid(opened, opened, fee, submitted + timedelta(minutes=5)))
            else:
                after = AppState(
                    service.department,
                    service.id,
                    language,
                    status,
                    stage,
                    False,
                    metrics.ist_day(due),
                    fee,
                    submitted,
                )
                first = AppState(
                    service.department,
                    service.id,
                    language,
                    "submitted",
                    stages[0].id,
                    False,
                    metrics.ist_day(due),
                    fee,
                    submitted,
                )
                count(metrics.moved(first, after))
                if due < now and rng.random() < 0.5:
                    escalated = due
                    count(metrics.escalated(after, due))
            yield (
                f"DL-{i:09d}",
                service.id,
                service.department,
                f"sim:seed{i}",
                "simulator",
                language,
                status,
                stage,
                "{}",
                fee,
                submitted,
                due,
                decided,
                submitted,
                None,
                None if decided else due,
                escalated,
                reason,
            )

    def message_rows() -> Iterator[tuple[object, ...]]:
        for i in range(messages):
            created = now - timedelta(seconds=rng.uniform(0, days * 86400))
            roll = rng.random()
            status = (
                "read"
                if roll < 0.6
                else "delivered"
                if roll < 0.9
                else "sent"
                if roll < 0.97
                else "failed"
            )
            code = rng.choice(ERRORS) if status == "failed" else None
            count(metrics.message("sent", created))
            if status != "sent":
                count(metrics.message(status, created, code))
            yield (
                f"sim:seed{i % max(applications, 1)}",
                "whatsapp",
                "{}",
                '{"kind": "text"}',
                "sent",
                1,
                created,
                created,
                f"wamid.seed{i}",
                status,
                code,
                created,
                created,
            )

    with psycopg.connect(_dsn(url), autocommit=False) as connection:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        _copy(
            connection,
            "applications",
            [
                "reference",
                "service_id",
                "department",
                "citizen_key",
                "channel",
                "language",
                "status",
                "stage",
                "answers",
                "fee_paise",
                "submitted_at",
                "due_at",
                "decided_at",
                "updated_at",
                "office_id",
                "stage_due_at",
                "escalated_at",
                "decision_reason",
            ],
            application_rows(),
        )
        connection.commit()
        timings["applications_s"] = time.perf_counter() - started
        started = time.perf_counter()
        _copy(
            connection,
            "outbox_messages",
            [
                "citizen_key",
                "channel",
                "recipient",
                "payload",
                "state",
                "attempts",
                "not_before",
                "created_at",
                "provider_message_id",
                "delivery_status",
                "error_code",
                "delivery_updated_at",
                "sent_at",
            ],
            message_rows(),
        )
        connection.commit()
        timings["messages_s"] = time.perf_counter() - started
        started = time.perf_counter()
        funnel_rows = []
        for service in services:  # a plausible funnel per service for the period
            for day in range(days):
                at = now - timedelta(days=day)
                base = rng.randrange(200, 2000)
                for step, share in (
                    ("service_chosen", 1.0),
                    ("form_completed", 0.7),
                    ("documents", 0.6),
                    ("submitted", 0.55),
                ):
                    funnel_rows.append(
                        metrics.Delta(
                            "funnel",
                            metrics.ist_day(at),
                            service.department,
                            service.id,
                            step,
                            "hi",
                            int(base * share),
                        )
                    )
        for day in range(days):
            at = now - timedelta(days=day)
            for step, n in (("started", 40000), ("consented", 36000)):
                funnel_rows.append(
                    metrics.Delta("funnel", metrics.ist_day(at), "", "", step, "hi", n)
                )
        count(funnel_rows)
        _copy(
            connection,
            "dashboard_counters",
            ["day", "metric", "department", "service", "key", "language", "shard", "value"],
            ((d, m, dep, s, k, lang, 0, v) for (m, d, dep, s, k, lang), v in counters.items() if v),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE applications; ANALYZE outbox_messages; ANALYZE dashboard_counters"
            )
        connection.commit()
        timings["counters_s"] = time.perf_counter() - started
        timings["counter_rows"] = float(len(counters))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    print(
        json.dumps(
            seed(args.url, applications=args.applications, messages=args.messages, days=args.days)
        )
    )


if __name__ == "__main__":
    main()
