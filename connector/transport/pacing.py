"""Paces calls by the rate-limit headers the server sends, per bucket, before it says 429.

The server's `X-Rate-Limit-*` headers are the shared truth across instances: each instance
follows them, so several instances converge without talking to each other. Within a window,
calls go out freely until the bucket runs low, then the rest of the bucket is spread evenly
over what is left of the window. When the window has reset, calls are counted locally against
the whole bucket until a response names the new window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .ratelimit import RateLimitHeaders, server_now

# Below this share of the bucket, calls are spread out instead of sent at once.
LOW_WATER = 0.2
# How long to wait for a response to name a new window before asking again.
UNKNOWN_RESET_WAIT = 0.1
# The server names a window by its reset time in epoch seconds; allow one second of rounding.
_SAME_WINDOW = 1


@dataclass
class _Bucket:
    limit: int
    remaining: float
    reset_at: float  # on the local clock; infinite while the current window is not yet named
    reset_epoch: int  # the window's name: the server's X-Rate-Limit-Reset
    next_at: float = 0.0
    ended_epoch: int = 0  # the previous window's name, to recognise late answers about it
    # Send times of spread slots handed out; a slot still ahead when the server has already
    # opened its next window (our reset estimate errs late) is sent in that window.
    slots: list[float] = field(default_factory=list)

    def pending(self, now: float) -> int:
        self.slots = [t for t in self.slots if t > now]
        return len(self.slots)


class Pacer:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        headers: RateLimitHeaders | None = None,
    ) -> None:
        self._clock = clock
        self._headers = headers or RateLimitHeaders()
        self._buckets: dict[str, _Bucket] = {}
        # Calls sent and not yet answered, per bucket: the server's count does not include them.
        self._in_flight: dict[str, int] = {}

    @property
    def header_names(self) -> frozenset[bytes]:
        """The headers `observe` reads, by lower-case name: the caller passes only those."""
        return self._headers.read_names

    def plan(self, bucket: str) -> tuple[float, bool]:
        """(seconds to wait, whether a slot was taken). Not taken: wait, then plan again."""
        wait, taken = self._plan(bucket)
        if taken:
            self._in_flight[bucket] = self._in_flight.get(bucket, 0) + 1
        return wait, taken

    def abandon(self, bucket: str) -> None:
        """A planned call ended without an answer (connection error, timeout, cancellation)."""
        self._in_flight[bucket] = max(0, self._in_flight.get(bucket, 0) - 1)

    def _plan(self, bucket: str) -> tuple[float, bool]:
        now = self._clock()
        state = self._buckets.get(bucket)
        if state is None or state.limit <= 0:
            return 0.0, True
        if now >= state.reset_at:
            # A new window: the whole bucket, counted here until a response names its reset.
            state.remaining = state.limit
            state.ended_epoch = state.reset_epoch
            state.reset_at = math.inf
            state.next_at = 0.0
        low_water = max(1.0, state.limit * LOW_WATER)
        if state.remaining > low_water:
            state.remaining -= 1
            return 0.0, True
        if state.reset_at == math.inf:
            return UNKNOWN_RESET_WAIT, False
        if state.remaining < 1:
            return state.reset_at - now, False
        # Spread what is left so that the last slot still falls inside this window.
        send_at = max(now, state.next_at)
        state.next_at = send_at + max(0.0, state.reset_at - send_at) / state.remaining
        state.remaining -= 1
        if send_at > now:
            state.pending(now)
            state.slots.append(send_at)
        return send_at - now, True

    def observe(self, bucket: str, headers: Mapping[str, str]) -> None:
        """Learn the bucket's state from a response's headers (one call per planned call)."""
        self.abandon(bucket)  # answered: no longer in flight
        reading = self._headers.read(headers)
        if reading is None:
            return
        limit, remaining, reset_epoch = reading.limit, reading.remaining, reading.reset_epoch
        now = self._clock()
        reset_at = now + max(0.0, reset_epoch - reading.server_now)
        state = self._buckets.get(bucket)
        if state is None:
            # Calls sent before the bucket was known are not in this count yet (or counted
            # twice, which only errs on the safe side).
            unseen = self._in_flight.get(bucket, 0)
            self._buckets[bucket] = _Bucket(limit, remaining - unseen, reset_at, reset_epoch)
            return
        # Windows are compared by the server's name for them, not by local estimates, which a
        # busy event loop can delay.
        if state.reset_at == math.inf:
            if reset_at <= now or reset_epoch <= state.ended_epoch + _SAME_WINDOW:
                return  # a late answer about the window that has just ended
            # The first answer in the new window: keep counting what was sent meanwhile.
            state.reset_at = reset_at
            state.reset_epoch = reset_epoch
            state.remaining = min(state.remaining, remaining)
            state.limit = limit
        elif abs(reset_epoch - state.reset_epoch) <= _SAME_WINDOW:
            # Calls already sent but not yet counted by the server make the header optimistic.
            state.remaining = min(state.remaining, remaining)
            state.limit = limit
            # The Date header truncates to seconds: the earliest estimate is the closest.
            state.reset_at = min(state.reset_at, reset_at)
        elif reset_epoch > state.reset_epoch:
            # The server's next window opened before our estimate of its reset: slots handed
            # out for the old window but not sent yet will count in this one.
            pending = state.pending(now)
            self._buckets[bucket] = _Bucket(limit, remaining - pending, reset_at, reset_epoch)
        # else: a late answer about an earlier window; the current state is newer.

    def wait_for_reset(self, headers: Mapping[str, str]) -> float:
        """Seconds until the window named by a 429's headers resets (never negative)."""
        reset = self._headers.reset_epoch(headers)
        if reset is None:
            return 1.0
        return max(0.0, reset - server_now(headers))
