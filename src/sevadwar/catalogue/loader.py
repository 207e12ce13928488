"""Load the catalogue directory into validated :class:`Service` objects."""

from __future__ import annotations

from pathlib import Path

import yaml

from sevadwar.catalogue.schema import Service


def load_services(directory: Path) -> list[Service]:
    """Every ``*.yaml`` in ``directory``, validated, sorted by id. Raises on the first error."""
    services = []
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            services.append(Service.model_validate(yaml.safe_load(handle)))
    return sorted(services, key=lambda s: s.id)
