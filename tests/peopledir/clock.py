"""Time as Peopledir sees it: one injectable clock drives token expiry, rate-limit windows and
timestamps, so that tests move time instead of waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


def timestamp(epoch_seconds: float) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. 2026-12-01T10:00:00.000Z."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
