"""Sampling profiles of a running process with py-spy, summarised as text for the results file.

py-spy comes with the ``bench`` extra (``make bench`` installs it into ``.venv``); any other
py-spy on the PATH or named by ``BENCH_PYSPY`` works too. Without one the profile is skipped and
says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r":\d+\)")
# Frames every sample passes through (entry points, thread loops): not informative.
_WRAPPERS = ("sevadwar/cli.py", "run_serve (", "Loop.run (", "app_from_environment (")


def pyspy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"  # the venv's own, not on the PATH
    for candidate in (os.environ.get("BENCH_PYSPY"), str(beside), shutil.which("py-spy")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class Recording:
    process: subprocess.Popen[bytes] | None
    out: Path
    gil: bool

    def wait(self, timeout: float) -> Path | None:
        if self.process is None:
            return None
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            return None
        return self.out if self.out.exists() and self.out.stat().st_size else None


def record(
    pid: int, seconds: float, out: Path, *, gil: bool = False, subprocesses: bool = True
) -> Recording:
    """Start sampling ``pid`` (and its children) for ``seconds`` at 200 Hz, raw collapsed stacks."""
    tool = pyspy()
    if tool is None:
        return Recording(None, out, gil)
    command = [
        tool,
        "record",
        "-o",
        str(out),
        "-d",
        str(max(1, round(seconds))),
        "-r",
        "200",
        "-f",
        "raw",
        "-p",
        str(pid),
    ]
    if subprocesses:
        command.append("-s")
    if gil:
        command.append("--gil")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Recording(process, out, gil)


def summarise(
    path: Path, *, top: int = 25, keep: tuple[str, ...] = ("sevadwar/",)
) -> dict[str, list[tuple[str, float]]]:
    """Inclusive share of the busiest frames in ``keep`` modules, and the top self-time frames.

    Samples of threads that only wait (idle loops, condition waits) are left out so the shares
    are of time spent working.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = outside = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [_LINE.sub(")", f) for f in stack.split(";")]
        leaf = frames[-1]
        if any(
            idle in leaf
            for idle in ("Condition.wait", "Event.wait", "select (selectors", "_worker (concurrent")
        ):
            continue
        if "wait (threading.py)" in leaf or "Queue.get" in leaf:
            continue
        total += n
        if not any(_kept(f, keep) for f in frames):
            outside += n
        for frame in set(frames):
            if _kept(frame, keep):
                inclusive[frame] += n
        own[leaf] += n
    if not total:
        return {"inclusive": [], "self": [], "outside": []}
    return {
        "inclusive": [(f, 100 * c / total) for f, c in inclusive.most_common(top)],
        "self": [(f, 100 * c / total) for f, c in own.most_common(top)],
        "outside": [("samples with no frame of the kept modules", 100 * outside / total)],
    }


def _kept(frame: str, keep: tuple[str, ...]) -> bool:
    return any(k in frame for k in keep) and not any(w in frame for w in _WRAPPERS)
