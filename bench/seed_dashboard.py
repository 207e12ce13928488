"""Seed a migrated PostgreSQL database with N applications and M outbound WhatsApp messages, the
rest at realistic proportions, and the matching dashboard counters. Used by
``bench/dashboard.py``; can be run alone (about 12 minutes at the defaults on 2 cores):

    .venv/bin/python -m bench.seed_dashboard postgresql+psycopg://postgres@127.0.0.1/sevadwar_bench \\
        --applications 1000000 --messages 20000000

What it writes, over ``--days`` days ending now:

- ``applications``: N rows across every catalogue service with realistic statuses, stages,
  fees, decisions and escalations (COPY from Python; their counters are computed with the same
  pure functions the actions use, ``dashboard.metrics``, so the dashboard reads what the rows say);
- ``outbox_messages``: M rows generated inside PostgreSQL (``INSERT … SELECT generate_series``),
  with a daytime-heavy hourly curve, delivery statuses, WhatsApp error codes, retries,
  throttling and a small unsent backlog; their counters are then aggregated from the table;
- ``inbox_events``: ``--inbound-ratio`` × M citizen messages (the 30-day retention window);
- ``conversations``: one per citizen who started a conversation;
- ``dashboard_events``: the live feed's 7-day retention window (one row per recorded change);
- ``dashboard_counters``: every counter, including the conversation funnel per service;
- ``dashboard_rollups``: the closed days' blocks, built as the scheduler builds them.

Two lanes run side by side (the Python-bound COPY of applications, then conversations and the
live feed; the PostgreSQL-bound messages, then the inbox). Rows go in in time order, as a live
system writes them, in transactions of at most ``CHUNK`` rows, with secondary indexes dropped
before each load and rebuilt after it ``CONCURRENTLY``: no transaction lasts long enough to
hold back the live feed of other databases on the same server (``queries.py``:
``pg_snapshot_xmin`` is server-wide). Then the counters, and ``VACUUM (ANALYZE)``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.conversation.context import IST
from sevadwar.dashboard import metrics
from sevadwar.dashboard.actions import PG_SHARDS, UNSHARDED
from sevadwar.dashboard.metrics import AppState, Delta
from sevadwar.dashboard.rollups import build_rollups

CHUNK = 50_000  # rows per transaction: a second or two each, even on a busy machine
REASONS = ("documents_mismatch", "documents_illegible", "not_eligible", "other")
FEED_DAYS = 7  # workers.scheduler.DASHBOARD_EVENT_RETENTION
RECORDS_PER_MESSAGE = 2.6  # sent + delivered (+ read) status events behind each message
# Share of outbound messages by IST hour of day (a government office's WhatsApp: quiet at night).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 8, 8, 8, 8, 8, 8, 7, 6, 4, 3, 2)

CounterKey = tuple[str, str, str, str, str, str]
SEEDED_TABLES = (  # what the seed fills (and analyses); the benchmark reports their sizes
    "applications",
    "outbox_messages",
    "inbox_events",
    "conversations",
    "dashboard_events",
    "dashboard_counters",
    "dashboard_rollups",
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Loader:
    """One autocommit-free connection with bulk-load settings and index drop/rebuild."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self.run(
            "SET synchronous_commit = off; SET maintenance_work_mem = '1GB'; "
            "SET max_parallel_maintenance_workers = 2; SET work_mem = '256MB'"
        )

    def run(self, sql: str, params: Any = None) -> list[tuple[object, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
        return list(rows)

    def drop_indexes(self, table: str) -> list[str]:
        """Drop every index but the primary key; return the statements that rebuild them
        (``CONCURRENTLY``: a long build holds no transaction id, so it never holds back the
        live feed of other databases on the server)."""
        constraints = self.run(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            (table,),
        )
        indexes = self.run(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.contype IN ('p', 'u'))",
            (table,),
        )
        rebuild = []
        for name, definition in constraints:
            columns = str(definition).removeprefix("UNIQUE ")
            rebuild.append(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} {columns}")
            rebuild.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}")
        for _, definition in indexes:
            text = str(definition)
            for kind in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
                if text.startswith(kind):
                    text = kind + "CONCURRENTLY " + text.removeprefix(kind)
                    break
            rebuild.append(text)
        for name, _ in constraints:
            self.run(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _ in indexes:
            self.run(f"DROP INDEX {name}")
        self.connection.commit()
        return rebuild

    def rebuild(self, statements: list[str]) -> None:
        self.connection.commit()
        self.connection.autocommit = True
        try:
            for statement in statements:
                self.run(statement)
        finally:
            self.connection.autocommit = False

    def copy(
        self,
        table: str,
        columns: list[str],
        rows: Iterator[tuple[object, ...]],
        chunk: int = 10_000,
    ) -> None:
        """COPY in transactions of ``chunk`` rows."""
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        done = False
        while not done:
            done = True
            with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
                for number, row in enumerate(rows, 1):
                    copy.write_row(row)
                    if number == chunk:
                        done = False
                        break
            self.connection.commit()

    def chunks(self, sql: str, params: dict[str, Any], total: int, chunk: int) -> None:
        """Run ``sql`` for ``g`` in ``[first, last]`` ranges, one transaction each."""
        for first in range(1, total + 1, chunk):
            self.run(sql, {**params, "first": first, "last": min(first + chunk - 1, total)})
            self.connection.commit()


def _application_rows(
    applications: int, days: int, now: datetime, rng: random.Random, count: Any
) -> Iterator[tuple[object, ...]]:
    services = list(load_catalogue(default_catalogue_dir()))
    offsets = sorted((rng.uniform(0, days * 86400) for _ in range(applications)), reverse=True)
    for i, offset in enumerate(offsets):  # oldest first: ids follow submission, as in life
        service = services[rng.randrange(len(services))]
        submitted = now - timedelta(seconds=offset)
        due = submitted + timedelta(days=service.sla_days)
        stages = service.workflow.stages
        stage = stages[rng.randrange(len(stages))].id
        language = rng.choices(("hi", "en", "hinglish"), (6, 3, 1))[0]
        fee = rng.choice((0, 0, 5000, 10000))

        def state(status: str, at_stage: str, service: Any = service) -> AppState:
            return AppState(
                service.department,
                service.id,
                language,  # noqa: B023 - called in this iteration only
                status,
                at_stage,
                False,
                metrics.ist_day(due),  # noqa: B023
                fee,  # noqa: B023
                submitted,  # noqa: B023
            )

        opened = state("submitted", stages[0].id)
        count(metrics.received(opened, submitted))
        count(metrics.funnel("submitted", service.department, service.id, language, submitted))
        status, decided, escalated, reason = "in_progress", None, None, None
        if rng.random() < 0.55 and submitted < now - timedelta(hours=2):  # decided
            # Log-normal decision times around 3 days (minutes to weeks), capped at now.
            decided = min(submitted + timedelta(hours=rng.lognormvariate(4.2, 1.1)), now)
            status = "rejected" if rng.random() < 0.15 else rng.choice(("approved", "issued"))
            reason = rng.choice(REASONS) if status == "rejected" else None
            closed = state(status, stage)
            count(metrics.decided(opened, closed, decided, reason=reason or "", due_at=due))
            if fee:
                count(metrics.fee_paid(opened, opened, fee, submitted + timedelta(minutes=5)))
        else:
            after = state(status, stage)
            count(metrics.moved(opened, after))
            if due < now and rng.random() < 0.5:
                escalated = due
                count(metrics.escalated(after, due))
        yield (
            f"DL-{i:09d}",
            service.id,
            service.department,
            f"wa:seed{i}",
            "whatsapp",
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


APPLICATION_COLUMNS = [
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
]

# Outbound messages for one IST day, generated in PostgreSQL in time order. The hour comes from
# a 1,000-slot table drawn from HOUR_WEIGHTS, the second within it at random (``span`` caps
# today's hours at now); r2 picks the delivery outcome, r3 retries and error codes.
OUTBOX_SQL = """
INSERT INTO outbox_messages (citizen_key, channel, recipient, payload, state, attempts,
    not_before, created_at, provider_message_id, delivery_status, error_code,
    delivery_updated_at, sent_at)
SELECT 'wa:seed' || (g %% %(citizens)s), 'whatsapp', '{}', '{"kind": "text"}'::jsonb,
    CASE WHEN r2 < 0.001 THEN 'dead' WHEN r2 < 0.002 THEN 'failed' ELSE 'sent' END,
    CASE WHEN r3 < 0.01 THEN 2 ELSE 1 END,
    created, created,
    CASE WHEN r2 >= 0.002 THEN 'wamid.seed' || lpad(g::text, 10, '0') END,
    CASE WHEN r2 < 0.002 THEN NULL WHEN r2 < 0.62 THEN 'read' WHEN r2 < 0.92 THEN 'delivered'
         WHEN r2 < 0.98 THEN 'sent' ELSE 'failed' END,
    CASE WHEN r2 < 0.001 THEN 131000 WHEN r2 < 0.002 THEN 131026
         WHEN r2 >= 0.98 THEN (ARRAY[131026, 131047, 131049, 130472])[1 + floor(r3 * 4)::int]
         WHEN r3 < 0.005 THEN 130429 END,
    CASE WHEN r2 >= 0.002 THEN created + interval '3 seconds' END,
    CASE WHEN r2 >= 0.002 THEN created END
FROM (
    SELECT g, random() AS r2, random() AS r3,
        to_timestamp(%(midnight)s + h * 3600 + floor(random() * (%(span)s::int[])[h + 1])) AS created
    FROM (SELECT g, (%(slots)s::int[])[1 + floor(random() * 1000)::int] AS h
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g) AS drawn
) AS timed
ORDER BY created
"""

# A small live backlog: the outbox depth and age gauges read these (the partial index).
BACKLOG_SQL = """
INSERT INTO outbox_messages (citizen_key, channel, recipient, payload, state, attempts,
    not_before, created_at)
SELECT 'wa:seed' || g, 'whatsapp', '{}', '{"kind": "text"}'::jsonb,
    CASE WHEN g %% 5 = 0 THEN 'sending' ELSE 'pending' END, 0,
    %(now)s::timestamptz, %(now)s::timestamptz - make_interval(secs => g %% 40)
FROM generate_series(1, %(backlog)s) AS g
"""

# What the actions would have counted for those messages, by IST day and hour.
MESSAGE_COUNTS_SQL = """
SELECT to_char(created_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') AS day,
    to_char(created_at AT TIME ZONE 'Asia/Kolkata', 'HH24') AS hour,
    count(*) FILTER (WHERE sent_at IS NOT NULL),
    count(*) FILTER (WHERE delivery_status IN ('delivered', 'read')),
    count(*) FILTER (WHERE delivery_status = 'read'),
    count(*) FILTER (WHERE delivery_status = 'failed'),
    count(*) FILTER (WHERE state IN ('failed', 'dead')),
    count(*) FILTER (WHERE attempts > 1 AND error_code = 130429),
    count(*) FILTER (WHERE attempts > 1 AND error_code IS DISTINCT FROM 130429)
FROM outbox_messages WHERE state NOT IN ('pending', 'sending')
GROUP BY 1, 2
"""
MESSAGE_ERRORS_SQL = """
SELECT to_char(created_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD'), error_code, count(*)
FROM outbox_messages
WHERE error_code IS NOT NULL AND (delivery_status = 'failed' OR state IN ('failed', 'dead'))
GROUP BY 1, 2
"""

INBOX_SQL = """
INSERT INTO inbox_events (event_key, channel, kind, citizen_key, payload, state, attempts,
    received_at, processed_at)
SELECT 'wamid.in' || lpad(g::text, 10, '0'), 'whatsapp',
    CASE WHEN g %% 9 = 0 THEN 'status' ELSE 'message' END,
    'wa:seed' || (g %% %(citizens)s), '{}'::jsonb, 'done', 1, received, received
FROM (
    SELECT g, to_timestamp(%(midnight)s + h * 3600 + floor(random() * (%(span)s::int[])[h + 1]))
        AS received
    FROM (SELECT g, (%(slots)s::int[])[1 + floor(random() * 1000)::int] AS h
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g) AS drawn
) AS timed
ORDER BY received
"""

CONVERSATIONS_SQL = """
INSERT INTO conversations (citizen_key, channel, language, state, state_version,
    last_inbound_at, created_at, updated_at)
SELECT 'wa:seed' || g, 'whatsapp', (ARRAY['hi', 'hi', 'en', 'hinglish'])[1 + g %% 4],
    '{"step": "menu"}'::jsonb, 1, t, t, t
FROM (SELECT g, %(now)s::timestamptz - make_interval(secs => floor(random() * %(days)s * 86400))
      AS t FROM generate_series(%(first)s::bigint - 1, %(last)s::bigint - 1) AS g) AS c
"""

# The live feed's retention window: one row per recorded change, all committed long ago.
FEED_SQL = """
INSERT INTO dashboard_events (kind, payload, at, xid)
SELECT CASE WHEN g %% 40 = 0 THEN 'received' WHEN g %% 3 = 0 THEN 'message_sent'
            ELSE 'message_status' END,
    %(payload)s::jsonb,
    %(now)s::timestamptz - make_interval(secs => (%(events)s - g)::float
        * %(seconds)s / %(events)s),
    pg_current_xact_id()::text::bigint
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
"""


@dataclass(frozen=True)
class Day:
    """One IST day of traffic: its midnight (epoch seconds), the hour drawn for each of 1,000
    slots, and how many seconds of each hour have happened (all of them, except today)."""

    midnight: float
    slots: list[int]
    span: list[int]
    share: float


def traffic_days(now: datetime, days: int) -> list[Day]:
    """The last ``days`` IST days, oldest first, weighted by HOUR_WEIGHTS (today: so far)."""
    local = now.astimezone(IST)
    today = datetime.combine(local.date(), datetime.min.time(), tzinfo=IST)
    elapsed = max((now - today).total_seconds() - 61, 1.0)
    out = []
    for back in range(days - 1, -1, -1):
        midnight = today - timedelta(days=back)
        span = [3600] * 24
        if back == 0:
            span = [int(min(max(elapsed - h * 3600, 0), 3600)) for h in range(24)]
        weights = [w * s / 3600 for w, s in zip(HOUR_WEIGHTS, span, strict=True)]
        total = sum(weights) or 1.0
        cumulative, slots, hour = 0.0, [], 0
        for slot in range(1000):
            while hour < 23 and cumulative + weights[hour] / total <= (slot + 0.5) / 1000:
                cumulative += weights[hour] / total
                hour += 1
            slots.append(hour)
        out.append(Day(midnight.timestamp(), slots, [max(s, 1) for s in span], sum(weights)))
    return out


def _by_day(loader: Loader, sql: str, params: dict[str, Any], total: int, days: list[Day]) -> None:
    """``total`` rows spread over ``days`` by their share, in time order, one transaction per
    ``CHUNK`` rows, with ``g`` numbered on across days."""
    shares = sum(d.share for d in days)
    first = 1
    for number, day in enumerate(days):
        rows = total - first + 1 if number == len(days) - 1 else round(total * day.share / shares)
        last = first + rows - 1
        for low in range(first, last + 1, CHUNK):
            loader.run(
                sql,
                {
                    **params,
                    "first": low,
                    "last": min(low + CHUNK - 1, last),
                    "midnight": day.midnight,
                    "slots": day.slots,
                    "span": day.span,
                },
            )
            loader.connection.commit()
        first = last + 1


# Between two runs of the scheduler's compaction (``actions.do_compact_counters``), today's
# counters and the stocks are spread over the live hook's write shards (``actions.PG_SHARDS``):
# split them the same way, so the dashboard's queries read as many rows as in production.
SHARD_LIVE_SQL = """
WITH live AS (
    SELECT day, metric, department, service, key, language, value, least(value, %(shards)s) AS n
    FROM dashboard_counters WHERE shard = 0 AND value >= 2 AND (day = %(today)s OR day = '')
        AND metric <> ALL(%(unsharded)s)
), spread AS (
    INSERT INTO dashboard_counters (day, metric, department, service, key, language, shard, value)
    SELECT day, metric, department, service, key, language, s,
        value / n + CASE WHEN s < value %% n THEN 1 ELSE 0 END
    FROM live CROSS JOIN generate_series(1, %(shards)s - 1) AS s WHERE s < n
)
UPDATE dashboard_counters AS c SET value = l.value / l.n + CASE WHEN l.value %% l.n > 0 THEN 1 ELSE 0 END
FROM live AS l
WHERE c.shard = 0 AND c.day = l.day AND c.metric = l.metric AND c.department = l.department
    AND c.service = l.service AND c.key = l.key AND c.language = l.language
"""


def shard_live_counters(loader: Loader, now: datetime) -> None:
    loader.run(
        SHARD_LIVE_SQL,
        {"shards": PG_SHARDS, "today": metrics.ist_day(now), "unsharded": sorted(UNSHARDED)},
    )
    loader.connection.commit()


# Every seeded feed row carries a typical payload (they all lie before any reader's cursor).
FEED_PAYLOAD = {
    "deltas": [["messages", "2026-01-01", "", "", "delivered", "", 1]],
    "department": "",
    "service": "",
    "reference": "",
}


def _message_counters(loader: Loader, count: Any) -> None:
    for day, hour, sent, delivered, read, failed, send_failed, throttled, retried in loader.run(
        MESSAGE_COUNTS_SQL
    ):
        for key, value in (
            ("sent", sent),
            ("delivered", delivered),
            ("read", read),
            ("failed", failed),
            ("send_failed", send_failed),
            ("throttled", throttled),
            ("retried", retried),
        ):
            count([Delta("messages", str(day), "", "", key, "", int(str(value)))])
        count([Delta("message_hour", str(day), "", "", str(hour), "", int(str(sent)))])
    for day, code, value in loader.run(MESSAGE_ERRORS_SQL):
        count([Delta("message_error", str(day), "", "", str(code), "", int(str(value)))])


def _funnel_counters(counters: dict[CounterKey, int], rng: random.Random) -> None:
    """The conversation funnel behind the submissions: per service and language, and the two
    steps before a service is chosen (not attributable to a service) per day."""
    started_by_day: dict[str, int] = defaultdict(int)
    for (metric, day, department, service, key, language), value in list(counters.items()):
        if metric != "funnel" or key != "submitted":
            continue
        chosen = round(value / rng.uniform(0.5, 0.7))
        for step, n in (
            ("service_chosen", chosen),
            ("form_completed", round(value / rng.uniform(0.8, 0.9))),
            ("documents", round(value / rng.uniform(0.9, 0.97))),
        ):
            counters[("funnel", day, department, service, step, language)] += n
        started_by_day[day] += chosen
    for day, chosen in started_by_day.items():
        started = round(chosen / 0.7)
        counters[("funnel", day, "", "", "started", "")] += started
        counters[("funnel", day, "", "", "consented", "")] += round(started * 0.9)


def seed(
    url: str,
    *,
    applications: int,
    messages: int,
    days: int = 30,
    inbound_ratio: float = 0.6,
    seed_value: int = 7,
) -> dict[str, float]:
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    counters: dict[CounterKey, int] = defaultdict(int)
    timings: dict[str, float] = {}
    citizens = max(applications * 2, 1)  # people who wrote in; about half applied

    def count(deltas: list[Delta]) -> None:
        for d in deltas:
            counters[d.dims] += d.value

    inbound = int(messages * inbound_ratio)
    params = {
        "now": now,
        "days": days,
        "messages": messages,
        "citizens": citizens,
        "weights": list(HOUR_WEIGHTS),
        "inbound": inbound,
        "backlog": 120,
    }
    began = time.perf_counter()
    traffic = traffic_days(now, days)
    feed_events = int(
        (messages * RECORDS_PER_MESSAGE + applications * 3) * FEED_DAYS / max(days, 1)
    )
    feed = {
        "now": now,
        "events": feed_events,
        "seconds": FEED_DAYS * 86400,
        "payload": json.dumps(FEED_PAYLOAD),
    }

    def step(loader: Loader, name: str, load: Any, table: str | None = None) -> None:
        started = time.perf_counter()
        rebuild = loader.drop_indexes(table) if table else []
        load()
        loaded = time.perf_counter()
        loader.rebuild(rebuild)
        timings[f"{name}_load_s"] = loaded - started
        if table:
            timings[f"{name}_index_s"] = time.perf_counter() - loaded

    def applications_and_feed() -> None:
        """Python-bound (COPY of rows built here) alongside the PostgreSQL-bound lane."""
        with psycopg.connect(_dsn(url), autocommit=False) as connection:
            loader = Loader(connection)
            step(
                loader,
                "applications",
                lambda: loader.copy(
                    "applications",
                    APPLICATION_COLUMNS,
                    _application_rows(applications, days, now, rng, count),
                ),
                table="applications",
            )
            step(
                loader,
                "conversations",
                lambda: loader.chunks(CONVERSATIONS_SQL, params, citizens, CHUNK),
            )
            step(
                loader,
                "feed",
                lambda: loader.chunks(FEED_SQL, feed, feed_events, CHUNK),
                table="dashboard_events",
            )

    def messages_and_inbox() -> None:
        with psycopg.connect(_dsn(url), autocommit=False) as connection:
            loader = Loader(connection)
            loader.run(f"SELECT setseed({(seed_value % 100) / 100})")
            step(
                loader,
                "messages",
                lambda: _by_day(loader, OUTBOX_SQL, params, messages, traffic),
                table="outbox_messages",
            )
            loader.run(BACKLOG_SQL, params)
            connection.commit()
            step(
                loader,
                "inbox",
                lambda: _by_day(loader, INBOX_SQL, params, inbound, traffic),
                table="inbox_events",
            )

    with ThreadPoolExecutor(max_workers=2) as lanes:
        for lane in [lanes.submit(applications_and_feed), lanes.submit(messages_and_inbox)]:
            lane.result()
    timings["parallel_load_s"] = time.perf_counter() - began
    with psycopg.connect(_dsn(url), autocommit=False) as connection:
        loader = Loader(connection)
        started = time.perf_counter()
        _message_counters(loader, count)
        _funnel_counters(counters, rng)
        loader.copy(
            "dashboard_counters",
            ["day", "metric", "department", "service", "key", "language", "shard", "value"],
            ((d, m, dep, s, k, lang, 0, v) for (m, d, dep, s, k, lang), v in counters.items() if v),
        )
        shard_live_counters(loader, now)
        connection.commit()
        timings["counters_s"] = time.perf_counter() - started
        started = time.perf_counter()
        roll_up(url, now)
        timings["rollups_s"] = time.perf_counter() - started
        started = time.perf_counter()
        connection.autocommit = True
        for table in SEEDED_TABLES:
            loader.run(f"VACUUM (ANALYZE) {table}")
        timings["analyze_s"] = time.perf_counter() - started
        timings["counter_rows"] = float(sum(1 for v in counters.values() if v))
        timings["inbox_rows"] = float(inbound)
        timings["conversation_rows"] = float(citizens)
        timings["feed_rows"] = float(feed_events)
        timings["total_s"] = time.perf_counter() - began
        facts = {"applications": applications, "messages": messages, "seeded_at": now.isoformat()}
        name = connection.info.dbname
        comment = json.dumps({**facts, **timings}).replace("'", "")
        loader.run(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    return timings


def roll_up(url: str, now: datetime) -> int:
    """Build the roll-up blocks of the closed days, as the scheduler's retention job does on
    its next run (``dashboard.rollups``); returns how many were built."""
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            return build_rollups(session, now=now)
    finally:
        engine.dispose()


def seeded_facts(url: str) -> dict[str, Any] | None:
    """What ``seed`` recorded about the database (its size and timings), if it was seeded."""
    with psycopg.connect(_dsn(url)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        return None
    facts: dict[str, Any] = json.loads(str(row[0]))
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=20_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--inbound-ratio", type=float, default=0.6)
    args = parser.parse_args()
    print(
        json.dumps(
            seed(
                args.url,
                applications=args.applications,
                messages=args.messages,
                days=args.days,
                inbound_ratio=args.inbound_ratio,
            )
        )
    )


if __name__ == "__main__":
    main()
