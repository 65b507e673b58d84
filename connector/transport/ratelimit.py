"""Reads a server's rate-limit headers: which names carry limit, remaining and reset, in which unit.

Okta names a window by its reset time in epoch seconds; other applications send the seconds left
until the reset, or milliseconds. Either way the reading gives the pacer one thing: the window's
reset as an epoch time on the server's clock, and the server's clock itself (from `Date`), so that
skew between the server's clock and ours cancels out.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal, NamedTuple

ResetUnit = Literal["epoch-seconds", "epoch-milliseconds", "delta-seconds"]


class RateReading(NamedTuple):
    """One answer's window (a NamedTuple: one is read from nearly every answer)."""

    limit: int
    remaining: int
    reset_epoch: int  # the window's name: its reset, in whole epoch seconds on the server's clock
    server_now: float


@dataclass(frozen=True)
class RateLimitHeaders:
    limit: str = "x-rate-limit-limit"
    remaining: str = "x-rate-limit-remaining"
    reset: str = "x-rate-limit-reset"
    reset_unit: ResetUnit = "epoch-seconds"

    def __post_init__(self) -> None:
        # Read from headers keyed by lower-case name (ApiClient passes them so).
        for name in ("limit", "remaining", "reset"):
            object.__setattr__(self, name, getattr(self, name).lower())

    @functools.cached_property
    def read_names(self) -> frozenset[bytes]:
        """The lower-case names `read` looks at, Date among them, as bytes."""
        return frozenset(
            n.encode("ascii") for n in (self.limit, self.remaining, self.reset, "date")
        )

    def read(self, headers: Mapping[str, str]) -> RateReading | None:
        """The window the headers describe; None without them, or for a limit of 0 (Okta's
        concurrency rejection, which says nothing about the window)."""
        try:
            limit = int(headers[self.limit])
            remaining = int(headers[self.remaining])
        except (KeyError, ValueError):
            return None
        reset = self.reset_epoch(headers)
        if limit <= 0 or reset is None:
            return None
        return RateReading(limit, remaining, reset, server_now(headers))

    def concurrency_rejection(self, headers: Mapping[str, str]) -> bool:
        """Okta's 429 for too many calls in flight says `limit: 0`; no window to wait for."""
        return headers.get(self.limit) == "0"

    def reset_epoch(self, headers: Mapping[str, str]) -> int | None:
        """When the window resets, in whole epoch seconds on the server's clock."""
        try:
            reset = float(headers[self.reset])
        except (KeyError, ValueError):
            return None
        if self.reset_unit == "epoch-milliseconds":
            reset = reset / 1000
        elif self.reset_unit == "delta-seconds":
            reset = server_now(headers) + reset
        return math.ceil(reset)


def server_now(headers: Mapping[str, str]) -> float:
    """The server's clock, from its Date header, so that skew between clocks cancels out."""
    date = headers.get("date")
    if date:
        try:
            return _date_seconds(date)
        except (TypeError, ValueError):
            pass
    return time.time()


@functools.lru_cache(maxsize=4)
def _date_seconds(date: str) -> float:
    # A Date header changes once a second while answers come many times a second, and parsing
    # one costs more than the rest of reading the rate-limit headers.
    return parsedate_to_datetime(date).timestamp()


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a `Retry-After` header asks for (a number or an HTTP date), or None."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - server_now(headers))
    except (TypeError, ValueError):
        return None
