"""The HTTP a turn cannot avoid: the app's Graph API client and the fake Graph API, per message.

    .venv/bin/python -m bench.http_floor [--messages 3000]

A turn is one webhook in and, on average, a read receipt and one or two replies out. Whatever the
engine and the database cost, the app pays its HTTP client for every outbound POST, and on this
machine the fake Graph API pays its server for every one it accepts. This measures both, alone:
the app's own ``WhatsAppSender`` over the ``httpx.Client`` that ``build_runtime`` makes, POSTing
text messages and read receipts one after the other to the fake served in its own process
(``python -m sevadwar.fakes.graph_api``, statuses off). Reported: the client's thread CPU and the
fake process's CPU per message, in µs. The report combines them with the bare ingest ceiling and
the end-to-end run into a floor: the CPU a turn needs with no engine and no database at all.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, PYTHON, free_port, tree_cpu
from bench.common import run_server as run_process
from sevadwar.channels.base import ReadReceipt, Text
from sevadwar.channels.whatsapp.client import WhatsAppSender


def recipient(i: int) -> dict[str, Any]:
    """A different citizen for each message, as in a crowd (the fake limits bursts per pair)."""
    return {"wa_id": f"9198110{i % 100_000:05d}"}


def measure(messages: int = 3000) -> dict[str, Any]:
    port = free_port()
    command = [
        PYTHON,
        "-m",
        "sevadwar.fakes.graph_api",
        "--port",
        str(port),
        "--app-secret",
        APP_SECRET,
        "--token",
        ACCESS_TOKEN,
        "--phone-number-id",
        PHONE_NUMBER_ID,
        "--no-statuses",
        "--log-level",
        "warning",
    ]
    with tempfile.TemporaryDirectory(prefix="sevadwar-floor-") as tmp:
        log = Path(tmp) / "fake.log"
        with run_process(
            command, dict(os.environ), port=port, log=log, ready_path="/_fake/state"
        ) as fake:
            http = httpx.Client(
                base_url=f"http://127.0.0.1:{port}/v24.0/",
                timeout=httpx.Timeout(10.0, connect=5.0),
            )
            sender = WhatsAppSender(http, phone_number_id=PHONE_NUMBER_ID, token=ACCESS_TOKEN)
            try:
                for i in range(200):  # warm up: connection, imports, the fake's first requests
                    sender.send(recipient(i), Text(f"warm-up {i}"))
                figures = {
                    "text": _per_message(
                        sender, fake.pid, messages, lambda i: Text(f"Reply number {i}")
                    ),
                    "read_receipt": _per_message(
                        sender,
                        fake.pid,
                        messages,
                        lambda i: ReadReceipt(f"wamid.HBgM{i:012d}"),
                    ),
                }
            finally:
                http.close()
    return {"messages": messages, **figures}


def _per_message(sender: WhatsAppSender, fake_pid: int, count: int, make: Any) -> dict[str, float]:
    fake_before = tree_cpu(fake_pid)
    cpu_before, wall_before = time.thread_time(), time.perf_counter()
    for i in range(count):
        sender.send(recipient(i), make(i))
    client_cpu = time.thread_time() - cpu_before
    wall = time.perf_counter() - wall_before
    fake_cpu = tree_cpu(fake_pid) - fake_before
    return {
        "client_us_cpu": round(1e6 * client_cpu / count, 1),
        "fake_us_cpu": round(1e6 * fake_cpu / count, 1),
        "wall_us": round(1e6 * wall / count, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    print(json.dumps(measure(args.messages), indent=2))


if __name__ == "__main__":
    main()
