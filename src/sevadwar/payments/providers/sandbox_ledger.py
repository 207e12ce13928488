"""The sandbox gateway's own books: what a real gateway would keep on its side.

:class:`FileLedger` keeps one JSON file per link under ``DATA_DIR`` (atomic replace), so links
survive a restart of ``make run``; :class:`MemoryLedger` is for tests. Neither is the
application's record of payments — that lives in the application database.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sevadwar.payments.base import LinkState

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True, slots=True)
class SandboxLink:
    id: str
    reference: str
    application_reference: str
    amount_paise: int
    currency: str
    description_en: str
    description_hi: str
    created_at: datetime
    expires_at: datetime
    state: LinkState = LinkState.OPEN
    payment_id: str | None = None
    paid_at: datetime | None = None
    callback_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("created_at", "expires_at", "paid_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["state"] = self.state.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxLink:
        values = dict(data)
        for key in ("created_at", "expires_at", "paid_at"):
            values[key] = datetime.fromisoformat(values[key]) if values.get(key) else None
        values["state"] = LinkState(values["state"])
        return cls(**values)


class SandboxLedger(Protocol):
    def get(self, link_id: str) -> SandboxLink | None: ...

    def find_by_reference(self, reference: str) -> SandboxLink | None: ...

    def save(self, link: SandboxLink) -> None: ...


class MemoryLedger:
    def __init__(self) -> None:
        self._links: dict[str, SandboxLink] = {}

    def get(self, link_id: str) -> SandboxLink | None:
        return self._links.get(link_id)

    def find_by_reference(self, reference: str) -> SandboxLink | None:
        return next((link for link in self._links.values() if link.reference == reference), None)

    def save(self, link: SandboxLink) -> None:
        self._links[link.id] = link


class FileLedger:
    """``directory/<link_id>.json`` plus ``directory/ref-<hash>`` naming the link of a reference."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def get(self, link_id: str) -> SandboxLink | None:
        if not _ID_RE.match(link_id):
            return None
        try:
            raw = (self.directory / f"{link_id}.json").read_text("utf-8")
        except FileNotFoundError:
            return None
        return SandboxLink.from_json(json.loads(raw))

    def find_by_reference(self, reference: str) -> SandboxLink | None:
        try:
            link_id = self._reference_path(reference).read_text("utf-8").strip()
        except FileNotFoundError:
            return None
        return self.get(link_id)

    def save(self, link: SandboxLink) -> None:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._replace(self.directory / f"{link.id}.json", json.dumps(link.to_json()))
            index = self._reference_path(link.reference)
            if not index.exists():
                self._replace(index, link.id)

    def _reference_path(self, reference: str) -> Path:
        return self.directory / f"ref-{hashlib.sha256(reference.encode()).hexdigest()[:40]}"

    @staticmethod
    def _replace(path: Path, text: str) -> None:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
