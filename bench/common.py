"""Shared benchmark plumbing: machine facts, databases, server processes, CPU accounting.

Everything here talks to 127.0.0.1 only, and every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
APP_SECRET = "bench-app-secret"
ACCESS_TOKEN = "bench-access-token"
VERIFY_TOKEN = "bench-verify-token"
PHONE_NUMBER_ID = "106540352242922"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- machine


def _first(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def postgres_version() -> str:
    try:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def postgres_settings() -> dict[str, str]:
    names = ("max_connections", "shared_buffers", "synchronous_commit", "fsync", "commit_delay")
    wanted = ", ".join(f"'{n}'" for n in names)
    query = f"SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN ({wanted})"
    try:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-AtF", "=", "-c", query],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + (" (with uncommitted changes in the work tree)" if dirty else "")


def package_versions(names: Sequence[str]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def tool_version(command: Sequence[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "not found"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine() -> dict[str, str]:
    mem_kb = _first("/proc/meminfo", "MemTotal") or "0 kB"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory": f"{int(mem_kb.split()[0]) / 1024 / 1024:.1f} GiB",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "postgresql": postgres_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": tool_version(["wrk", "--version"]),
        "load_average": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --------------------------------------------------------------------------- CPU accounting


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of one process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            raw = handle.read()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by ``root`` and its live descendants."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for pid in _all_pids():
        stat = _proc_stat(pid)
        if stat is not None:
            parents[pid], cpu[pid] = stat
    total, wanted = 0.0, {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        total += cpu.get(pid, 0.0)
    return total


def postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server: the postmaster's own and its reaped children's, plus
    the live backends' (other users' backends included). Monotonic, unlike a sum of live ones."""
    total = 0.0
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/comm", encoding="ascii", errors="replace") as handle:
                if handle.read().strip() not in ("postgres", "postmaster"):
                    continue
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
                raw = handle.read()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        own = int(fields[11]) + int(fields[12])
        reaped = int(fields[13]) + int(fields[14])  # children that have exited
        total += (own + reaped) / CLK_TCK
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


@dataclass
class CpuMeter:
    """CPU used by named process trees, PostgreSQL and the machine over one interval."""

    roots: Mapping[str, int]
    _start: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = self._read()
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._read()
        self.wall = time.monotonic() - self._t0
        self.used = {k: end[k] - self._start.get(k, 0.0) for k in end}

    def _read(self) -> dict[str, float]:
        values = {name: tree_cpu(pid) for name, pid in self.roots.items()}
        values["postgres"] = postgres_cpu()
        busy, total = machine_cpu()
        values["machine_busy"], values["machine_total"] = busy, total
        return values

    def cores(self) -> dict[str, float]:
        """Average cores used by each tree over the interval (1.0 = one core fully busy)."""
        wall = max(self.wall, 1e-9)
        out = {
            k: v / wall for k, v in self.used.items() if k not in ("machine_busy", "machine_total")
        }
        total = self.used.get("machine_total", 0.0)
        out["machine_busy_share"] = self.used.get("machine_busy", 0.0) / total if total else 0.0
        return out


# --------------------------------------------------------------------------- databases


@contextlib.contextmanager
def bench_database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database for one configuration; dropped afterwards."""
    if backend == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(str(path) + suffix).unlink()
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"sevadwar_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(database_url: str) -> None:
    subprocess.run(
        [PYTHON, "-m", "sevadwar.cli", "db", "upgrade"],
        env=app_env(database_url, Path(tempfile.gettempdir())),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def app_env(
    database_url: str,
    data_dir: Path,
    *,
    graph_url: str = "http://127.0.0.1:9/v24.0",
    workers: int = 0,
    senders: int = 0,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVADWAR_")}
    env.update(
        {
            "SEVADWAR_DATABASE_URL": database_url,
            "SEVADWAR_DATA_DIR": str(data_dir),
            "SEVADWAR_SECRET_KEY": "bench-secret-key-not-for-production",
            "SEVADWAR_WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "SEVADWAR_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "SEVADWAR_WHATSAPP_APP_SECRET": APP_SECRET,
            "SEVADWAR_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "SEVADWAR_WHATSAPP_API_BASE_URL": graph_url,
            "SEVADWAR_WORKERS": str(workers),
            "SEVADWAR_SENDERS": str(senders),
            "SEVADWAR_LOG_LEVEL": "WARNING",
            "SEVADWAR_PUBLIC_URL": "http://127.0.0.1:8000",
            "PYTHONPATH": os.pathsep.join(
                x for x in (str(ROOT), os.environ.get("BENCH_PYTHONPATH")) if x
            ),
        }
    )
    if extra:
        env.update(extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def wait_http(
    url: str, *, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def run_server(
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    port: int,
    log: Path,
    ready_path: str = "/healthz",
) -> Iterator[Server]:
    """Start a server process group on 127.0.0.1:``port``; stop it (TERM, then KILL) afterwards."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_http(server.url + ready_path, process=process)
        yield server
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(5)


# --------------------------------------------------------------------------- numbers


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds of durations given in seconds."""
    if not values:
        return {
            "p50": float("nan"),
            "p95": float("nan"),
            "p99": float("nan"),
            "max": float("nan"),
            "mean": float("nan"),
        }
    return {
        "p50": percentile(values, 50) * 1000,
        "p95": percentile(values, 95) * 1000,
        "p99": percentile(values, 99) * 1000,
        "max": max(values) * 1000,
        "mean": statistics.fmean(values) * 1000,
    }


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
