"""Server-side rendering of the dashboard's panels (HTML with inline SVG charts)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.dashboard.snapshot import Snapshot
from sevadwar.dashboard.view import Gauges, Texts, build_view

PANELS = ("tiles", "pendency", "decisions", "helpdesk", "funnel", "messages", "load")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["zip"] = lambda left, right: zip(left, right, strict=False)
    return env


def render_panels(
    snapshot: Snapshot, catalogue: Catalogue, t: Texts, gauges: Gauges
) -> dict[str, str]:
    view = build_view(snapshot, catalogue, t, gauges)
    env = environment()
    return {name: env.get_template(f"panel_{name}.html").render(t=t, v=view) for name in PANELS}


def render_page(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
