"""The benchmark report's arithmetic: what a turn costs and the HTTP floor it cannot go under."""

from __future__ import annotations

from typing import Any

from bench import run


def data() -> dict[str, Any]:
    level = {
        "citizens": 150,
        "turns_per_second": 80.0,
        "sends_per_second": 160.0,  # two replies per turn
        "cpu": {"app": 0.96, "postgres": 0.24, "driver_and_fake": 0.16},
    }
    return {
        "machine": {"nproc": "2"},
        "ingest": {
            "results": [
                {
                    "target": "ceiling",
                    "processes": 1,
                    "steps": [
                        {"rps": 10_000, "cpu": {"server": 1.0}},  # 100 µs a webhook
                        {"rps": 8_000, "cpu": {"server": 1.0}},  # 125 µs: not the cheapest
                    ],
                },
                {
                    "target": "ceiling",
                    "processes": 2,
                    "steps": [{"rps": 40_000, "cpu": {"server": 1.0}}],
                },
            ]
        },
        "http_floor": {
            "messages": 1000,
            "text": {"client_us_cpu": 500.0, "fake_us_cpu": 300.0, "wall_us": 900.0},
            "read_receipt": {"client_us_cpu": 400.0, "fake_us_cpu": 200.0, "wall_us": 700.0},
        },
        "e2e": {
            "runs": [
                {
                    "backend": "sqlite",
                    "processes": 1,
                    "levels": [{**level, "turns_per_second": 99.0}],
                },
                {"backend": "postgresql", "processes": 1, "levels": [level]},
            ]
        },
    }


def test_the_floor_adds_the_bare_ack_the_replies_and_the_read_receipt() -> None:
    figures = data()
    level = run.busiest_postgresql_level(figures)
    assert level is not None and level["turns_per_second"] == 80.0  # PostgreSQL, not SQLite

    floor = run.http_floor_ms(figures, level)

    assert floor is not None
    assert floor["replies_per_turn"] == 2.0
    assert round(floor["ack"], 3) == 0.1  # the one-process ceiling's cheapest step
    assert round(floor["replies"], 3) == 1.6  # 2 × (500 + 300) µs
    assert round(floor["receipt"], 3) == 0.6
    assert round(floor["total"], 3) == 2.3


def test_the_budget_section_says_what_1000_turns_per_second_would_need() -> None:
    text = "\n".join(run.budget_section(data()))

    assert "| the app: webhooks, engine, database client, outbox, Graph client | 12.00 |" in text
    assert "| PostgreSQL | 3.00 |" in text
    assert "| **total** | **17.00** |" in text
    assert "about 17.0 cores" in text
    assert "at most 870 turns/s" in text  # 2 cores / 2.3 ms


def test_without_a_floor_measurement_the_section_keeps_the_measured_costs() -> None:
    figures = data()
    del figures["http_floor"]

    text = "\n".join(run.budget_section(figures))

    assert "**17.00**" in text
    assert "floor" not in text
