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
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # imported when a command runs, so other commands start fast
    from sevadwar.nlu.understanding import Understanding
    from sevadwar.nlu.words import ServiceWords


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
    parse.add_argument("--cache-dir", type=Path, default=None, help=argparse.SUPPRESS)
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

    What the NLU reads of a validated catalogue (:class:`ServiceWords`) is remembered as JSON in
    ``cache_dir`` (default ``~/.cache/sevadwar``), keyed by the names, sizes and times of the
    catalogue's files, so a command run again on an unchanged catalogue skips parsing and
    validating the YAML. Any problem with the cache only means a full load.
    """
    from sevadwar.catalogue.loader import load_catalogue
    from sevadwar.nlu.lexicon import data_texts
    from sevadwar.nlu.normalise import preload_transliterations, transliterations
    from sevadwar.nlu.understanding import Understanding
    from sevadwar.nlu.words import ServiceWords

    cache = (cache_dir or Path.home() / ".cache" / "sevadwar") / f"nlu-{_key(directory)}.json"
    try:
        raw = json.loads(cache.read_text(encoding="utf-8"))
        words = [ServiceWords.from_json(item) for item in raw["services"]]
        table = raw["transliterations"]
        if not (isinstance(table, dict) and all(isinstance(v, str) for v in table.values())):
            raise TypeError("bad transliterations")
        preload_transliterations(table)
    except (OSError, ValueError, TypeError, KeyError):
        words = [ServiceWords.of(service) for service in load_catalogue(directory)]
        texts = [text for w in words for text, _ in w.phrases] + data_texts()
        _remember(cache, words, transliterations(texts))
    return Understanding.from_words(words)


_CACHE_VERSION = "2"  # bump when the cached shape or the transliteration changes


def _key(directory: Path) -> str:
    """The catalogue's files and the NLU's own data and code, by name, size and time."""
    digest = hashlib.sha256(f"{_CACHE_VERSION}:{directory.resolve()}".encode())
    package = Path(__file__).resolve().parent
    mine = [*package.glob("*.py"), *package.glob("data/*.yaml")]
    for path in [*sorted(directory.glob("*.yaml")), *sorted(mine)]:
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:24]


def _remember(cache: Path, words: list[ServiceWords], table: dict[str, str]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("nlu-*.json"):
            old.unlink(missing_ok=True)
        partial = cache.with_suffix(".tmp")
        data = {"services": [w.to_json() for w in words], "transliterations": table}
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
        understanding = load_understanding(_catalogue_dir(args.catalogue), args.cache_dir)
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
