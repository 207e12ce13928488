"""The simulator "delivers" by leaving the message in the outbox, where the page reads it."""

from __future__ import annotations

import uuid
from typing import Any

from sevadwar.channels.base import Outbound


class SimulatorSender:
    channel = "simulator"

    def send(self, recipient: dict[str, Any], message: Outbound) -> str:
        return f"sim.{uuid.uuid4().hex}"
