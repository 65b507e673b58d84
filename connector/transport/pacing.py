"""Paces calls by the rate-limit headers the server sends, per bucket, before it says 429.

The server's `X-Rate-Limit-*` headers are the shared truth across instances: each instance
follows them, so several instances converge without talking to each other. Within a window,
calls go out freely until the bucket runs low, then the rest of the bucket is spread evenly
over what is left of the window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

# Below this share of the bucket, calls are spread out instead of sent at once.
LOW_WATER = 0.2


@dataclass
class _Bucket:
    limit: int
    remaining: float
    reset_at: float  # on the local clock
    next_at: float = 0.0


class Pacer:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def reserve(self, bucket: str) -> float:
        """Seconds to wait before sending one call in `bucket`; the call's slot is taken."""
        now = self._clock()
        state = self._buckets.get(bucket)
        if state is None or now >= state.reset_at or state.limit <= 0:
            return 0.0
        low_water = max(1.0, state.limit * LOW_WATER)
        if state.remaining > low_water:
            state.remaining -= 1
            return 0.0
        if state.remaining < 1:
            return state.reset_at - now
        interval = (state.reset_at - now) / state.remaining
        send_at = max(now, state.next_at)
        state.next_at = send_at + interval
        state.remaining -= 1
        return send_at - now

    def observe(self, bucket: str, headers: Mapping[str, str]) -> None:
        """Learn the bucket's state from a response's headers."""
        try:
            limit = int(headers["x-rate-limit-limit"])
            remaining = int(headers["x-rate-limit-remaining"])
            reset_epoch = int(headers["x-rate-limit-reset"])
        except (KeyError, ValueError):
            return
        if limit == 0:
            return  # a concurrency rejection says nothing about the bucket
        reset_at = self._clock() + max(0.0, reset_epoch - _server_now(headers))
        state = self._buckets.get(bucket)
        same_window = state is not None and abs(state.reset_at - reset_at) < 1.5
        if state is not None and same_window:
            # Calls already sent but not yet counted by the server make the header optimistic.
            state.remaining = min(state.remaining, remaining)
            state.limit = limit
        else:
            self._buckets[bucket] = _Bucket(limit, remaining, reset_at)

    def wait_for_reset(self, headers: Mapping[str, str]) -> float:
        """Seconds until the window named by a 429's headers resets (never negative)."""
        try:
            reset_epoch = int(headers["x-rate-limit-reset"])
        except (KeyError, ValueError):
            return 1.0
        return max(0.0, reset_epoch - _server_now(headers))


def _server_now(headers: Mapping[str, str]) -> float:
    """The server's clock, from its Date header, so that skew between clocks cancels out."""
    date = headers.get("date")
    if date:
        try:
            return parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            pass
    return time.time()
