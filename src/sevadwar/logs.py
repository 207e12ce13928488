"""Structured JSON logs with personal numbers masked.

Every record passes through ``mask_pii``: phone numbers, WhatsApp ids and Aadhaar-like numbers
keep only their last four digits, so logs can be shipped and read without exposing citizens.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# 10 to 15 digits, optionally grouped by spaces or dashes (phones, wa_ids, Aadhaar numbers).
_LONG_NUMBER = re.compile(r"(?<![\w.])(\+?\d(?:[ \-]?\d){9,14})(?![\w])")
_BSUID = re.compile(r"\b([A-Z]{2}\.(?:ENT\.)?)(\d{6,})(\d{4})\b")


def mask_pii(text: str) -> str:
    def number(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        return "X" * (len(digits) - 4) + digits[-4:]

    text = _LONG_NUMBER.sub(number, text)
    return _BSUID.sub(lambda m: m.group(1) + "X" * len(m.group(2)) + m.group(3), text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_pii(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class MaskingFormatter(logging.Formatter):
    """Plain lines for a terminal: only the message and the traceback are masked, not the time."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = mask_pii(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return mask_pii(super().formatException(ei))


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
