"""Shared by the browser and terminal-chat tests: paths, the Chromium set-up, the server env."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "catalogue"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every browser test module sets ``pytestmark = BROWSER``: skipped only when Chromium is missing.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sevadwar_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment for a ``sevadwar`` subprocess: ours, minus inherited SEVADWAR_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVADWAR_")}
    env.update(
        SEVADWAR_DATABASE_URL=f"sqlite:///{folder / 'sevadwar.db'}",
        SEVADWAR_DATA_DIR=str(folder / "data"),
        SEVADWAR_CATALOGUE_DIR=str(CATALOGUE),
        SEVADWAR_SECRET_KEY="browser-test-secret-key-not-for-production",
        SEVADWAR_LOG_JSON="false",
        SEVADWAR_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def sevadwar_command(*args: str) -> list[str]:
    """``sevadwar ARGS`` run by this interpreter (the console script's own entry point)."""
    return [sys.executable, "-m", "sevadwar.cli", *args]


@dataclass(frozen=True)
class LiveServer:
    url: str
    log: Path
    data_dir: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
