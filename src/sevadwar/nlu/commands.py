"""``sevadwar nlu parse``: what the NLU makes of a text, as JSON (DESIGN.md, "NLU").

``sevadwar nlu parse "TEXT"`` prints one JSON object; ``sevadwar nlu parse --batch`` reads one
text per line on stdin and prints one JSON object per line, in the same order.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from sevadwar.nlu.understanding import Understanding


def register(subparsers: Any) -> None:
    nlu = subparsers.add_parser("nlu", help="language, intent and service recognition")
    commands = nlu.add_subparsers(dest="nlu_command", metavar="COMMAND", required=True)
    parse = commands.add_parser(
        "parse",
        help="understand a text (or stdin lines with --batch) and print JSON",
        description=(
            "Print {text, language, intent, service, confidence, alternatives, ...} as JSON: "
            "one object for TEXT, or one per stdin line with --batch."
        ),
    )
    parse.add_argument("text", nargs="?", help="the message to understand")
    parse.add_argument("--batch", action="store_true", help="read one text per line on stdin")
    parse.add_argument(
        "--catalogue", type=Path, default=None, help="catalogue directory (default: ./catalogue)"
    )
    parse.set_defaults(func=run_parse)


def _catalogue_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    try:
        from sevadwar.catalogue.loader import default_catalogue_dir
    except ImportError:  # pragma: no cover - an older loader
        return Path.cwd() / "catalogue"
    return default_catalogue_dir()


def load_understanding(directory: Path, cache_dir: Path | None = None) -> Understanding:
    """The NLU for the catalogue in ``directory``.

    A validated catalogue is remembered as JSON in ``cache_dir`` (default
    ``~/.cache/sevadwar``), keyed by the names, sizes and times of its files, so that a command
    run again on an unchanged catalogue skips the YAML parsing and the cross-file checks. Any
    problem with the cache only means a full load.
    """
    from sevadwar.catalogue.loader import load_catalogue
    from sevadwar.catalogue.schema import Service

    cache = (cache_dir or Path.home() / ".cache" / "sevadwar") / f"nlu-{_key(directory)}.json"
    try:
        raw = json.loads(cache.read_text(encoding="utf-8"))
        services = [Service.model_validate(item) for item in raw]
    except (OSError, ValueError, TypeError):
        services = list(load_catalogue(directory))
        _remember(cache, services)
    return Understanding.from_services(services)


def _key(directory: Path) -> str:
    digest = hashlib.sha256(str(directory.resolve()).encode())
    for path in sorted(directory.glob("*.yaml")):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:24]


def _remember(cache: Path, services: list[Any]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("nlu-*.json"):
            old.unlink(missing_ok=True)
        data = [s.model_dump(mode="json", by_alias=True, exclude_unset=True) for s in services]
        partial = cache.with_suffix(".tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        partial.replace(cache)
    except OSError:
        pass  # a read-only home: no cache, same answers


def _dump(value: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(value, ensure_ascii=False) + "\n")


def run_parse(args: argparse.Namespace) -> int:
    if not args.batch and args.text is None:
        print("nlu parse: give a TEXT, or --batch to read stdin", file=sys.stderr)
        return 2
    try:
        understanding = load_understanding(_catalogue_dir(args.catalogue))
    except Exception as exc:  # the catalogue cannot be loaded: say why, no traceback
        print(f"nlu parse: cannot load the catalogue: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        out.reconfigure(encoding="utf-8")
    if not args.batch:
        _dump(understanding.parse(args.text).to_json(), out)
        return 0
    stdin: TextIO = sys.stdin
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(encoding="utf-8", errors="replace")
    for line in stdin:
        _dump(understanding.parse(line.rstrip("\r\n")).to_json(), out)
        out.flush()
    return 0
