"""How payment facts are shown to people: amounts in rupees, times in IST (a display concern;
everything stored is UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sevadwar.catalogue.fees import format_rupees

IST = timezone(timedelta(hours=5, minutes=30), "IST")  # no daylight saving in India

__all__ = ["IST", "format_ist", "format_rupees"]


def format_ist(moment: datetime) -> str:
    """``28-11-2026 19:23 IST``: day first as Indians write it, 24-hour clock."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC")
    return moment.astimezone(IST).strftime("%d-%m-%Y %H:%M IST")
