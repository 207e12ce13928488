"""``sevadwar catalogue validate|list``: check the service files and show what they hold."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sevadwar.catalogue.catalogue import Catalogue
from sevadwar.catalogue.fees import summarise_fee
from sevadwar.catalogue.loader import (
    CatalogueError,
    Severity,
    default_catalogue_dir,
    load_catalogue,
    validate_catalogue,
)
from sevadwar.catalogue.schema import Service


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("catalogue", help="check and list the service catalogue")
    actions = parser.add_subparsers(dest="catalogue_command", metavar="ACTION", required=True)

    validate = actions.add_parser(
        "validate", help="check every file; print problems as file:line: message"
    )
    _add_dir(validate)
    validate.set_defaults(func=run_validate)

    listing = actions.add_parser("list", help="list every service")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    _add_dir(listing)
    listing.set_defaults(func=run_list)


def _add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the catalogue directory (default: ./catalogue, else the one in this source tree)",
    )


def _directory(args: argparse.Namespace) -> Path:
    directory: Path = args.dir if args.dir is not None else default_catalogue_dir()
    try:
        return directory.resolve().relative_to(Path.cwd())  # shorter paths in messages
    except ValueError:
        return directory


def run_validate(args: argparse.Namespace) -> int:
    directory = _directory(args)
    problems = validate_catalogue(directory)
    for problem in problems:
        print(problem)
    errors = sum(p.is_error for p in problems)
    warnings = sum(p.severity == Severity.WARNING for p in problems)
    if errors:
        print(f"{directory}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    catalogue = load_catalogue(directory)
    to_verify = sum(_facts_to_verify(s) for s in catalogue)
    print(
        f"OK: {len(catalogue)} services in {len(catalogue.departments())} departments, "
        f"languages {', '.join(sorted(catalogue.languages()))}; "
        f"{warnings} warning(s), {to_verify} fact(s) marked verify: true"
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    directory = _directory(args)
    try:
        catalogue = load_catalogue(directory)
    except CatalogueError as exc:
        for problem in exc.problems:
            if problem.is_error:
                print(problem, file=sys.stderr)
        return 1
    rows = [_row(service) for service in _in_menu_order(catalogue)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_table(rows))
    return 0


def _in_menu_order(catalogue: Catalogue) -> list[Service]:
    return [s for entry in catalogue.departments() for s in entry.services]


def _row(service: Service) -> dict[str, Any]:
    fee = summarise_fee(service.fee)
    return {
        "id": service.id,
        "department": service.department,
        "kind": str(service.kind),
        "name": service.name.model_dump(),
        "fee": {
            "kind": str(fee.kind),
            "summary": fee.text,
            "min_paise": fee.min_paise,
            "max_paise": fee.max_paise,
        },
        "sla_days": service.sla_days,
        "documents": len(service.documents),
        "fields": len(service.fields),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    header = ("ID", "DEPARTMENT", "KIND", "FEE", "SLA", "DOCS", "FIELDS", "NAME")
    cells = [
        (
            row["id"],
            row["department"],
            row["kind"],
            row["fee"]["summary"],
            f"{row['sla_days']}d",
            str(row["documents"]),
            str(row["fields"]),
            row["name"]["en"],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)), line[-1]])
        for line in [header, *cells]
    ]
    lines.append(f"{len(rows)} services")
    return "\n".join(lines)


def _facts_to_verify(service: Service) -> int:
    flags = [service.verify, service.fee.verify]
    flags += [f.verify for f in service.fields] + [d.verify for d in service.documents]
    return sum(flags)
