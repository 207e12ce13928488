"""Benchmark the offline NLU: accuracy on the labelled dev set, parse latency, memory.

    .venv/bin/python bench/nlu.py [--dev PATH] [--rounds N] [--out bench/results]

Accuracy counts an answer right when it is the label or one of its ``accept_*`` alternatives.
Latency is measured over every dev text parsed ``--rounds`` times (after one warm-up round, as a
running server would be), one ``parse`` call per sample. Memory is the resident-set growth of
building the NLU from an already loaded catalogue, and tracemalloc's view of the same.
Writes ``bench/results/nlu-<date>.md`` and prints it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"intent": 0.97, "service": 0.97, "language": 0.97}


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            memory = f"{int(info.readline().split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, {memory} RAM, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def cli_seconds(cache: Path) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of `sevadwar nlu parse hi` in fresh processes; the first run fills
    the cache."""
    times = []
    for _ in range(6):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sevadwar.cli", "nlu", "parse", "--cache-dir", str(cache), "hi"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        times.append((wall, cpu))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT / "tests" / "fixtures" / "nlu-dev.jsonl")
    parser.add_argument("--catalogue", type=Path, default=ROOT / "catalogue")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()

    from sevadwar.catalogue.loader import load_catalogue

    started = time.perf_counter()
    catalogue = load_catalogue(args.catalogue)
    load_seconds = time.perf_counter() - started

    gc.collect()
    rss_before = rss_mb()
    started = time.perf_counter()
    from sevadwar.nlu.understanding import Understanding

    understanding = Understanding.from_services(catalogue)
    build_seconds = time.perf_counter() - started
    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:  # warm the per-word caches, as a running server has them
        understanding.parse(row["text"])
    gc.collect()
    rss_after = rss_mb()

    tracemalloc.start()  # a second instance, only to see its Python heap
    second = Understanding.from_services(catalogue)
    for row in rows:
        second.parse(row["text"])
    gc.collect()
    traced_now, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del second

    right = {"intent": 0, "service": 0, "language": 0}
    failures = []
    for row in rows:
        parse = understanding.parse(row["text"])
        checks = {
            "intent": str(parse.intent) in [row["intent"], *row.get("accept_intents", [])],
            "service": parse.service in [row["service"], *row.get("accept_services", [])],
            "language": str(parse.language) == row["lang"],
        }
        for key, ok in checks.items():
            right[key] += ok
        if not all(checks.values()):
            failures.append((row, parse))
    accuracy = {key: value / len(rows) for key, value in right.items()}

    samples: list[float] = []
    cpu: list[float] = []  # this thread's CPU time: what the parse costs, without preemption
    texts = [row["text"] for row in rows]
    for _ in range(args.rounds):
        for text in texts:
            started_cpu = time.thread_time_ns()
            started = time.perf_counter_ns()
            understanding.parse(text)
            samples.append((time.perf_counter_ns() - started) / 1e6)
            cpu.append((time.thread_time_ns() - started_cpu) / 1e6)
    samples.sort()
    cpu.sort()
    median = statistics.median(samples)
    p99 = percentile(samples, 0.99)
    worst = samples[-1]

    with tempfile.TemporaryDirectory() as cache:
        cli = cli_seconds(Path(cache))
    cli_warm = statistics.median(wall for wall, _ in cli[1:])
    cli_warm_cpu = statistics.median(cpu for _, cpu in cli[1:])

    memory_mb = rss_after - rss_before
    ok = (
        all(accuracy[k] >= TARGETS[k] for k in TARGETS)
        and median < 1.0
        and p99 < 5.0
        and memory_mb < 100
        and cli_warm < 1.0
    )
    now = datetime.now(UTC)
    lines = [
        f"# NLU benchmark, {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}.",
        f"Catalogue: {len(catalogue)} services from `{args.catalogue.name}/`; "
        f"dev set: `{args.dev.relative_to(ROOT) if args.dev.is_relative_to(ROOT) else args.dev}`"
        f" ({len(rows)} texts).",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| intent accuracy | {accuracy['intent']:.1%} | ≥ 97% |",
        f"| service accuracy (accept lists count) | {accuracy['service']:.1%} | ≥ 97% |",
        f"| language accuracy | {accuracy['language']:.1%} | ≥ 97% |",
        f"| parse latency, median | {median:.3f} ms | < 1 ms |",
        f"| parse latency, p99 | {p99:.3f} ms | < 5 ms |",
        f"| parse latency, worst of {len(samples)} | {worst:.3f} ms | |",
        f"| parse CPU time (thread), median / p99 / worst | {statistics.median(cpu):.3f} / "
        f"{percentile(cpu, 0.99):.3f} / {cpu[-1]:.3f} ms | |",
        f"| resident memory of the NLU (RSS growth) | {memory_mb:.1f} MB | < 100 MB |",
        f"| Python heap held by a second NLU instance (tracemalloc; peak while building) | "
        f"{traced_now / 2**20:.1f} MB ({traced_peak / 2**20:.1f} MB) | |",
        f"| build from the loaded catalogue | {build_seconds * 1000:.0f} ms | |",
        f"| catalogue load (YAML + validation) | {load_seconds * 1000:.0f} ms | |",
        f"| `sevadwar nlu parse hi`, whole process, first run (wall / CPU) | {cli[0][0]:.2f} s / "
        f"{cli[0][1]:.2f} s | |",
        f"| `sevadwar nlu parse hi`, whole process, cache warm (wall / CPU, median of 5) | "
        f"{cli_warm:.2f} s / {cli_warm_cpu:.2f} s | < 1 s |",
        "",
        f"All targets met: {'yes' if ok else 'no'}.",
        "",
    ]
    if failures:
        lines += ["## Wrong answers", "", "| text | expected | got |", "|---|---|---|"]
        for row, parse in failures:
            want = f"{row['intent']} / {row['service']} / {row['lang']}"
            got = f"{parse.intent} / {parse.service} / {parse.language}"
            lines.append(f"| {row['text']} | {want} | {got} (confidence {parse.confidence:.2f}) |")
        lines.append("")
    report = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"nlu-{now:%Y-%m-%d}.md"
    target.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {target}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
