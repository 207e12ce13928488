"""The ``sevadwar`` command. Each feature adds its own sub-commands from its ``commands.py``.

A feature module exposes ``register(subparsers)``; each parser it adds sets ``func`` to a callable
taking the parsed arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

FEATURE_COMMANDS = (
    "sevadwar.server_commands",
    "sevadwar.catalogue.commands",
    "sevadwar.nlu.commands",
    "sevadwar.messaging.commands",
    "sevadwar.officers.commands",
    "sevadwar.audit.commands",
    "sevadwar.certificates.commands",
    "sevadwar.api.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sevadwar", description="Citizen services over WhatsApp.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in FEATURE_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a feature not built yet
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
