"""From a snapshot to what the page shows (pure): tiles, tables and chart series, with labels."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from sevadwar.applications.workflow import rejection_reasons
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.dashboard.metrics import (
    RESOLUTION,
    Metric,
    compensation_for_due_day,
    quantile,
)
from sevadwar.dashboard.snapshot import NOW, PERIOD, TODAY, CounterKey, Snapshot

FUNNEL_STEPS = (
    "started",
    "consented",
    "service_chosen",
    "form_completed",
    "documents",
    "submitted",
    "paid",
)
SERVICE_STEPS = ("service_chosen", "form_completed", "documents", "submitted", "paid")
# Before a service is chosen nobody knows which one the citizen wants: counted without a service.
GLOBAL_STEPS = ("started", "consented")
MESSAGE_KEYS = ("sent", "delivered", "read", "failed", "send_failed", "throttled", "retried")
LANGUAGES = ("hi", "en", "hinglish")


@cache
def _texts() -> dict[str, dict[str, str]]:
    with (Path(__file__).parent / "texts.yaml").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, str]] = yaml.safe_load(handle)
    return data


class Texts:
    def __init__(self, language: str) -> None:
        self.language = language if language in ("hi", "en") else "hi"
        self._table = _texts()[self.language]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._table.get(key) or _texts()["en"].get(key) or key
        return text.format(**values) if values else text


@dataclass(frozen=True, slots=True)
class Gauges:
    """Read live, not from counters: the outbox backlog."""

    outbox_depth: int = 0
    outbox_age_seconds: float = 0.0


@dataclass
class Tile:
    id: str
    label: str
    figures: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, drill href)
    note: str = ""


def rupees(paise: int) -> str:
    return f"{paise / 100:,.0f}"


def duration_label(t: Texts, seconds: float | None) -> str:
    """A duration rounded to what a 5 % estimate can say (two or three significant figures)."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return t("duration_minutes", n=f"{max(seconds / 60, 1):.0f}")
    hours = seconds / 3600
    if hours < 48:
        return t("duration_hours", n=f"{hours:.1f}" if hours < 10 else f"{hours:.0f}")
    days = hours / 24
    return t("duration_days", n=f"{days:.1f}" if days < 10 else f"{days:.0f}")


def _drop(previous: int, reached: int) -> str:
    return f"{(previous - reached) / previous:.0%}" if previous and reached <= previous else "—"


def _drill(**params: str) -> str:
    return "/dashboard/applications?" + urlencode({k: v for k, v in params.items() if v})


class _Counters:
    """The snapshot's counters grouped once by (bucket, metric): the view asks for a few dozen
    metrics, and scanning every counter for each would cost more than the page's queries."""

    def __init__(self, snapshot: Snapshot) -> None:
        groups: dict[tuple[str, str], list[tuple[CounterKey, int]]] = defaultdict(list)
        for key, value in snapshot.counters.items():
            groups[(key[0], key[1])].append((key, value))
        self._groups = dict(groups)

    def items(self, bucket: str, metric: str) -> list[tuple[CounterKey, int]]:
        return self._groups.get((bucket, metric), [])

    def get(self, bucket: str, metric: str) -> int:
        return sum(value for _, value in self.items(bucket, metric))


def _sum_by(snapshot: _Counters, bucket: str, metric: Metric, index: int) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for key, value in snapshot.items(bucket, metric):
        out[key[index]] += value
    return dict(out)


DEPT, SVC, KEY, LANG = 2, 3, 4, 5


def build_view(
    snapshot: Snapshot, catalogue: Catalogue, t: Texts, gauges: Gauges
) -> dict[str, Any]:
    lang = t.language
    period = snapshot.period
    counters = _Counters(snapshot)
    span = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    today = {"from": period.today.isoformat(), "to": period.today.isoformat()}

    def service_name(service_id: str) -> str:
        service = catalogue.get(service_id)
        return service.name.get(lang) if service else service_id or "—"

    def department_name(department_id: str) -> str:
        try:
            return catalogue.department(department_id).name.get(lang)
        except KeyError:
            return department_id or "—"

    stage_names = {
        st.id: st.name.get(lang) for service in catalogue for st in service.workflow.stages
    }

    def stage_name(stage_id: str) -> str:
        return stage_names.get(stage_id) or stage_id or "—"

    g = counters.get
    open_now = g(NOW, Metric.OPEN_STATUS)
    breached_now = g(NOW, Metric.OPEN_BREACHED)
    accruing = sum(
        value * compensation_for_due_day(key[KEY], period.today)
        for key, value in counters.items(NOW, Metric.OPEN_DUE)
    )
    tiles = [
        Tile(
            "received",
            t("received"),
            [
                (t("today"), f"{g(TODAY, Metric.RECEIVED):,}", _drill(tile="received", **today)),
                (
                    t("in_period"),
                    f"{g(PERIOD, Metric.RECEIVED):,}",
                    _drill(tile="received", **span),
                ),
            ],
        ),
        Tile("open", t("in_progress"), [(t("now"), f"{open_now:,}", _drill(tile="open"))]),
        Tile(
            "disposed",
            t("disposed"),
            [
                (t("today"), f"{g(TODAY, Metric.DISPOSED):,}", _drill(tile="disposed", **today)),
                (
                    t("in_period"),
                    f"{g(PERIOD, Metric.DISPOSED):,}",
                    _drill(tile="disposed", **span),
                ),
            ],
        ),
        Tile(
            "breached",
            t("breaches_open"),
            [
                (t("now"), f"{breached_now:,}", _drill(tile="breached")),
                (t("breaches_period"), f"{g(PERIOD, Metric.BREACHES):,}", ""),
            ],
        ),
        Tile(
            "compensation",
            t("compensation"),
            [
                (t("now"), f"{accruing:,}", _drill(tile="breached")),
                (t("in_period"), f"{g(PERIOD, Metric.COMPENSATION):,}", ""),
            ],
            t("compensation_note"),
        ),
        Tile(
            "fees",
            t("fees_collected"),
            [
                (t("in_period"), rupees(g(PERIOD, Metric.FEE_COLLECTED)), ""),
                (
                    t("fees_pending"),
                    rupees(g(NOW, Metric.FEE_PENDING)),
                    _drill(tile="open", status="fee_pending"),
                ),
            ],
        ),
    ]

    # pendency
    open_by_dept = _sum_by(counters, NOW, Metric.OPEN_STATUS, DEPT)
    breached_by_dept = _sum_by(counters, NOW, Metric.OPEN_BREACHED, DEPT)
    departments = [
        {
            "id": d,
            "name": department_name(d),
            "open": open_by_dept.get(d, 0),
            "breached": breached_by_dept.get(d, 0),
            "href": _drill(tile="open", department=d),
            "breached_href": _drill(tile="breached", department=d),
        }
        for d in sorted(
            set(open_by_dept) | set(breached_by_dept), key=lambda d: -open_by_dept.get(d, 0)
        )
    ]
    open_by_svc = _sum_by(counters, NOW, Metric.OPEN_STATUS, SVC)
    breached_by_svc = _sum_by(counters, NOW, Metric.OPEN_BREACHED, SVC)
    comp_by_svc: dict[str, int] = defaultdict(int)
    for key, value in counters.items(NOW, Metric.OPEN_DUE):
        comp_by_svc[key[SVC]] += value * compensation_for_due_day(key[KEY], period.today)
    services = [
        {
            "id": s,
            "name": service_name(s),
            "open": open_by_svc.get(s, 0),
            "breached": breached_by_svc.get(s, 0),
            "compensation": comp_by_svc.get(s, 0),
            "href": _drill(tile="open", service=s),
            "breached_href": _drill(tile="breached", service=s),
        }
        for s in sorted(
            set(open_by_svc) | set(breached_by_svc), key=lambda s: -open_by_svc.get(s, 0)
        )
    ]
    open_by_stage = _sum_by(counters, NOW, Metric.OPEN_STAGE, KEY)
    breached_by_stage = _sum_by(counters, NOW, Metric.OPEN_BREACHED, KEY)
    stages = [
        {
            "id": s,
            "name": stage_name(s),
            "open": open_by_stage.get(s, 0),
            "breached": breached_by_stage.get(s, 0),
            "href": _drill(tile="open", stage=s),
        }
        for s in sorted(
            set(open_by_stage) | set(breached_by_stage), key=lambda s: -open_by_stage.get(s, 0)
        )
        if open_by_stage.get(s, 0) or breached_by_stage.get(s, 0)
    ]
    statuses = [
        {"id": s, "name": t(f"status_{s}"), "count": n, "href": _drill(tile="open", status=s)}
        for s, n in sorted(_sum_by(counters, NOW, Metric.OPEN_STATUS, KEY).items())
        if n
    ]

    # decisions: percentiles from the log-scale histogram (within RESOLUTION of the exact ones)
    histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, value in counters.items(PERIOD, Metric.DECISION_TIME):
        if key[KEY].isdigit():
            histograms[key[SVC]][int(key[KEY])] += value
    decisions = [
        {
            "name": service_name(s),
            "count": sum(h.values()),
            "median": duration_label(t, quantile(h, 0.5)),
            "p90": duration_label(t, quantile(h, 0.9)),
        }
        for s, h in sorted(histograms.items(), key=lambda item: -sum(item[1].values()))
    ]
    reasons_text = rejection_reasons()
    reasons = [
        {
            "name": reasons_text.get(code, {}).get(lang)
            or reasons_text.get(code, {}).get("en")
            or code,
            "count": n,
        }
        for code, n in sorted(
            _sum_by(counters, PERIOD, Metric.REJECTION, KEY).items(), key=lambda i: -i[1]
        )
        if n
    ]

    # funnel: today and the period; the steps after the service choice also per service
    steps = {b: _sum_by(counters, b, Metric.FUNNEL, KEY) for b in (TODAY, PERIOD)}
    funnel = []
    previous = {TODAY: 0, PERIOD: 0}
    for step in FUNNEL_STEPS:
        row: dict[str, Any] = {
            "id": step,
            "name": t(f"step_{step}"),
            "per_service": step not in GLOBAL_STEPS,
        }
        for b in (TODAY, PERIOD):
            reached = steps[b].get(step, 0)
            row[b] = reached
            row[f"{b}_drop"] = _drop(previous[b], reached)
            previous[b] = reached
        row["count"] = row[PERIOD]
        funnel.append(row)
    per_service: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, value in counters.items(PERIOD, Metric.FUNNEL):
        if key[SVC] and key[KEY] in SERVICE_STEPS:
            per_service[key[SVC]][key[KEY]] += value
    funnel_services = []
    for s, counts in sorted(per_service.items(), key=lambda i: -i[1].get("service_chosen", 0)):
        cells = []
        before = 0
        for number, step in enumerate(SERVICE_STEPS):
            reached = counts.get(step, 0)
            cells.append({"count": reached, "drop": _drop(before, reached) if number else ""})
            before = reached
        funnel_services.append({"name": service_name(s), "cells": cells})

    # messages, languages, hours
    message_counts = {b: _sum_by(counters, b, Metric.MESSAGES, KEY) for b in (TODAY, PERIOD)}
    messages = [
        {
            "id": k,
            "name": t(k),
            "today": message_counts[TODAY].get(k, 0),
            "count": message_counts[PERIOD].get(k, 0),
        }
        for k in MESSAGE_KEYS
    ]
    error_counts = {b: _sum_by(counters, b, Metric.MESSAGE_ERROR, KEY) for b in (TODAY, PERIOD)}
    errors = [
        (code, error_counts[TODAY].get(code, 0), n)
        for code, n in sorted(error_counts[PERIOD].items(), key=lambda i: -i[1])
        if n
    ]
    by_language = _sum_by(counters, PERIOD, Metric.RECEIVED, LANG)
    languages = [
        {"name": t(f"lang_{code}"), "count": by_language.get(code, 0)} for code in LANGUAGES
    ]
    other = sum(n for code, n in by_language.items() if code not in LANGUAGES)
    if other:
        languages.append({"name": t("lang_other"), "count": other})
    app_hours = _sum_by(counters, PERIOD, Metric.RECEIVED_HOUR, KEY)
    msg_hours = _sum_by(counters, PERIOD, Metric.MESSAGE_HOUR, KEY)
    hours = [
        {
            "hour": f"{h:02d}",
            "applications": app_hours.get(f"{h:02d}", 0),
            "messages": msg_hours.get(f"{h:02d}", 0),
        }
        for h in range(24)
    ]
    return {
        "helpdesk": _helpdesk(counters, t, period.today),
        "tiles": tiles,
        "departments": departments,
        "services": services,
        "stages": stages,
        "statuses": statuses,
        "decisions": decisions,
        "reasons": reasons,
        "funnel": funnel,
        "service_steps": [t(f"step_{s}") for s in SERVICE_STEPS],
        "resolution": f"{RESOLUTION:.0%}",
        "funnel_services": funnel_services,
        "messages": messages,
        "errors": errors,
        "gauges": gauges,
        "languages": languages,
        "hours": hours,
        "all_departments": snapshot.scope.department is None,
    }


TICKET_KINDS = ("human", "grievance")


def _helpdesk(counters: _Counters, t: Texts, today: date) -> list[dict[str, Any]]:
    """Requests for a person and grievances: open and overdue now, opened and closed in the
    period, and the share closed within their time limit (1 day; 7 days)."""
    flows = _sum_by(counters, PERIOD, Metric.TICKETS, KEY)
    open_now: dict[str, int] = defaultdict(int)
    overdue: dict[str, int] = defaultdict(int)
    for key, value in counters.items(NOW, Metric.OPEN_TICKETS):
        kind, _, due_day = key[KEY].partition(":")
        open_now[kind] += value
        if due_day and date.fromisoformat(due_day) < today:
            overdue[kind] += value
    rows = []
    for kind in TICKET_KINDS:
        closed = flows.get(f"closed:{kind}", 0)
        late = flows.get(f"closed_late:{kind}", 0)
        rows.append(
            {
                "id": kind,
                "name": t(f"tickets_{kind}"),
                "open": open_now.get(kind, 0),
                "overdue": overdue.get(kind, 0),
                "opened": flows.get(f"opened:{kind}", 0),
                "closed": closed,
                "on_time": f"{(closed - late) / closed:.0%}" if closed else "—",
            }
        )
    return rows
