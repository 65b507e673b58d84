"""Time as the sandbox sees it: one injectable clock for rate-limit windows, timestamps and the
latency fault, so that tests drive time instead of waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Blocks the calling request for `seconds` (the latency fault)."""
        ...


def timestamp(epoch_seconds: int) -> str:
    """Ledgerline's timestamps: UTC, whole seconds, e.g. 2026-12-01T10:00:00Z."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
