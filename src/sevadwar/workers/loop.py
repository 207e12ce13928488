"""Background loops run as daemon threads inside the app process (or a worker process)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sevadwar.storage.db import is_unavailable

log = logging.getLogger(__name__)


class Loop(threading.Thread):
    """Call ``step`` until it reports no work, then wait for a wake-up or ``idle`` seconds."""

    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        *,
        wake: threading.Event,
        stop: threading.Event,
        idle: float = 0.5,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._step = step
        self._wake = wake
        self._stop_event = stop
        self._idle = idle

    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            try:
                worked = self._step()
                failures = 0
            except Exception as exc:
                failures += 1
                if is_unavailable(exc):
                    log.warning("database unavailable in %s; retrying", self.name)
                else:
                    log.exception("loop %s failed", self.name)
                self._stop_event.wait(min(0.2 * 2**failures, 5.0))
                continue
            if not worked:
                self._wake.wait(self._idle)
                self._wake.clear()
