"""Compensation under the Delhi Right of Citizen to Time Bound Delivery of Services Act, 2011:
₹10 for each day of delay, at most ₹200."""

from __future__ import annotations

from datetime import datetime

PER_DAY_RUPEES = 10
CAP_RUPEES = 200


def days_late(due_at: datetime, now: datetime) -> int:
    return max((now - due_at).days, 0)


def compensation_rupees(due_at: datetime, now: datetime) -> int:
    return min(days_late(due_at, now) * PER_DAY_RUPEES, CAP_RUPEES)
