"""A real Sevadwar server and Debian's Chromium for the browser tests.

The server is the command an operator runs (``sevadwar serve``), in a subprocess, on a free port
of 127.0.0.1, with a fresh SQLite database and its own data directory. Chromium is Debian's
``/usr/bin/chromium``, launched by pytest-playwright: no browser is downloaded. Tests that need it
carry ``pytestmark = BROWSER`` (``support.py``): skipped only when that binary is missing (CI
installs it).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    free_port,
    sevadwar_command,
    sevadwar_env,
)

START_TIMEOUT = 45.0  # seconds for migrations, catalogue and NLU to load on a slow CI machine


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    env = sevadwar_env(folder, SEVADWAR_PUBLIC_URL=url)
    with log.open("wb") as out:
        process = subprocess.Popen(
            sevadwar_command("serve", "--host", "127.0.0.1", "--port", str(port)),
            cwd=folder,  # no stray .env or ./var from the checkout
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=url, log=log, data_dir=folder / "data")
    try:
        _wait_ready(process, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_ready(process: subprocess.Popen[bytes], server: LiveServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"sevadwar serve exited with {process.returncode}:\n{server.log_tail()}"
                )
            try:
                if client.get(f"{server.url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    pytest.fail(f"sevadwar serve was not ready within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], live_server: LiveServer
) -> dict[str, Any]:
    """A phone-sized window on the live server, in Hindi, as a Delhi citizen would open it."""
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": {"width": 430, "height": 860},
        "locale": "hi-IN",
        "timezone_id": "Asia/Kolkata",
    }


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
