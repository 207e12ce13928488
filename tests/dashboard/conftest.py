"""A live ``sevadwar serve`` wired to the fake WhatsApp Graph API, and Debian's Chromium, for the
dashboard's browser test (the same set-up as ``tests/browser``, whose fixtures are not visible
from this folder)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashboard_support import ACCESS_TOKEN, APP_SECRET

from browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    free_port,
    sevadwar_command,
    sevadwar_env,
)
from sevadwar.fakes.graph_api import run_fake_graph
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph

START_TIMEOUT = 45.0


@pytest.fixture(scope="session")
def fake_graph() -> Iterator[tuple[FakeGraph, str]]:
    """The fake Graph API: it receives the server's replies and sends signed status webhooks."""
    with run_fake_graph(config=FakeConfig(access_token=ACCESS_TOKEN, app_secret=APP_SECRET)) as (
        fake,
        url,
    ):
        yield fake, url


@pytest.fixture(scope="session")
def dashboard_server(
    tmp_path_factory: pytest.TempPathFactory, fake_graph: tuple[FakeGraph, str]
) -> Iterator[tuple[LiveServer, Path]]:
    folder = tmp_path_factory.mktemp("dashboard-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    fake, fake_url = fake_graph
    fake.configure(webhook_url=f"{url}/webhooks/whatsapp")
    with log.open("wb") as out:
        process = subprocess.Popen(
            sevadwar_command("serve", "--host", "127.0.0.1", "--port", str(port)),
            cwd=folder,
            env=sevadwar_env(
                folder,
                SEVADWAR_PUBLIC_URL=url,
                SEVADWAR_WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN,
                SEVADWAR_WHATSAPP_PHONE_NUMBER_ID=fake.config.number.phone_number_id,
                SEVADWAR_WHATSAPP_APP_SECRET=APP_SECRET,
                SEVADWAR_WHATSAPP_VERIFY_TOKEN="dashboard-verify",
                SEVADWAR_WHATSAPP_API_BASE_URL=f"{fake_url}/v24.0",
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=url, log=log, data_dir=folder / "data")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=2.0) as client:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"sevadwar serve did not start:\n{server.log_tail()}")
                try:
                    if client.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        yield server, folder / "sevadwar.db"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


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
    browser_context_args: dict[str, Any], dashboard_server: tuple[LiveServer, Path]
) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": dashboard_server[0].url,
        "viewport": {"width": 1280, "height": 900},
        "locale": "hi-IN",
        "timezone_id": "Asia/Kolkata",
    }
