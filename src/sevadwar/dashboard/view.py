"""From a snapshot to what the page shows (pure): tiles, tables and chart series, with labels."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from sevadwar.applications.workflow import rejection_reasons
from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.dashboard.metrics import BUCKET_HOURS, Metric, compensation_for_due_day
from sevadwar.dashboard.snapshot import NOW, PERIOD, TODAY, Snapshot

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


def percentile_label(t: Texts, histogram: dict[str, int], q: float) -> str:
    total = sum(histogram.values())
    if not total:
        return "—"
    running = 0
    for edge in (*[str(e) for e in BUCKET_HOURS], "inf"):
        running += histogram.get(edge, 0)
        if running >= q * total:
            if edge == "inf":
                return t("over_days", days=BUCKET_HOURS[-1] // 24)
            hours = int(edge)
            return (
                t("up_to_hours", hours=hours) if hours < 48 else t("up_to_days", days=hours // 24)
            )
    return "—"


def _drill(**params: str) -> str:
    return "/dashboard/applications?" + urlencode({k: v for k, v in params.items() if v})


def _sum_by(snapshot: Snapshot, bucket: str, metric: Metric, index: int) -> dict[str, int]:
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

    g = snapshot.get
    open_now = g(NOW, Metric.OPEN_STATUS)
    breached_now = g(NOW, Metric.OPEN_BREACHED)
    accruing = sum(
        value * compensation_for_due_day(key[KEY], period.today)
        for key, value in snapshot.items(NOW, Metric.OPEN_DUE)
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
    open_by_dept = _sum_by(snapshot, NOW, Metric.OPEN_STATUS, DEPT)
    breached_by_dept = _sum_by(snapshot, NOW, Metric.OPEN_BREACHED, DEPT)
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
    open_by_svc = _sum_by(snapshot, NOW, Metric.OPEN_STATUS, SVC)
    breached_by_svc = _sum_by(snapshot, NOW, Metric.OPEN_BREACHED, SVC)
    comp_by_svc: dict[str, int] = defaultdict(int)
    for key, value in snapshot.items(NOW, Metric.OPEN_DUE):
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
    open_by_stage = _sum_by(snapshot, NOW, Metric.OPEN_STAGE, KEY)
    breached_by_stage = _sum_by(snapshot, NOW, Metric.OPEN_BREACHED, KEY)
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
        for s, n in sorted(_sum_by(snapshot, NOW, Metric.OPEN_STATUS, KEY).items())
        if n
    ]

    # decisions
    histograms: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, value in snapshot.items(PERIOD, Metric.DECISION_TIME):
        histograms[key[SVC]][key[KEY]] += value
    decisions = [
        {
            "name": service_name(s),
            "count": sum(h.values()),
            "median": percentile_label(t, h, 0.5),
            "p90": percentile_label(t, h, 0.9),
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
            _sum_by(snapshot, PERIOD, Metric.REJECTION, KEY).items(), key=lambda i: -i[1]
        )
        if n
    ]

    # funnel
    steps = _sum_by(snapshot, PERIOD, Metric.FUNNEL, KEY)
    funnel = []
    previous = 0
    for step in FUNNEL_STEPS:
        reached = steps.get(step, 0)
        drop = f"{(previous - reached) / previous:.0%}" if previous and reached <= previous else "—"
        funnel.append({"id": step, "name": t(f"step_{step}"), "count": reached, "drop": drop})
        previous = reached
    per_service: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, value in snapshot.items(PERIOD, Metric.FUNNEL):
        if key[SVC] and key[KEY] in SERVICE_STEPS:
            per_service[key[SVC]][key[KEY]] += value
    funnel_services = [
        {"name": service_name(s), "counts": [counts.get(step, 0) for step in SERVICE_STEPS]}
        for s, counts in sorted(per_service.items(), key=lambda i: -i[1].get("service_chosen", 0))
    ]

    # messages, languages, hours
    message_counts = _sum_by(snapshot, PERIOD, Metric.MESSAGES, KEY)
    messages = [{"id": k, "name": t(k), "count": message_counts.get(k, 0)} for k in MESSAGE_KEYS]
    errors = sorted(
        _sum_by(snapshot, PERIOD, Metric.MESSAGE_ERROR, KEY).items(), key=lambda i: -i[1]
    )
    by_language = _sum_by(snapshot, PERIOD, Metric.RECEIVED, LANG)
    languages = [
        {"name": t(f"lang_{code}"), "count": by_language.get(code, 0)} for code in LANGUAGES
    ]
    other = sum(n for code, n in by_language.items() if code not in LANGUAGES)
    if other:
        languages.append({"name": t("lang_other"), "count": other})
    app_hours = _sum_by(snapshot, PERIOD, Metric.RECEIVED_HOUR, KEY)
    msg_hours = _sum_by(snapshot, PERIOD, Metric.MESSAGE_HOUR, KEY)
    hours = [
        {
            "hour": f"{h:02d}",
            "applications": app_hours.get(f"{h:02d}", 0),
            "messages": msg_hours.get(f"{h:02d}", 0),
        }
        for h in range(24)
    ]
    return {
        "tiles": tiles,
        "departments": departments,
        "services": services,
        "stages": stages,
        "statuses": statuses,
        "decisions": decisions,
        "reasons": reasons,
        "funnel": funnel,
        "service_steps": [t(f"step_{s}") for s in SERVICE_STEPS],
        "funnel_services": funnel_services,
        "messages": messages,
        "errors": errors,
        "gauges": gauges,
        "languages": languages,
        "hours": hours,
        "all_departments": snapshot.scope.department is None,
    }
