"""A deadline that moves often and rarely passes, watched by one event-loop timer: the
connector's transport (a connection's read timeout) and its local server (a connection's
keep-alive and handler waits) each keep one per connection.

`asyncio.timeout` pushes a timer onto the loop's heap and cancels it for every wait; here moving
the deadline is setting a float. The timer stays at or before the deadline: firing early (the
deadline moved on meanwhile) it re-arms at the deadline, so a busy connection re-arms it about
once a period; only a deadline brought forward replaces it at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class MovableDeadline:
    """Calls `expire` once the loop's time reaches the deadline last set, unless it is cleared
    first."""

    __slots__ = ("_expire", "_loop", "_timer", "at")

    def __init__(self, loop: asyncio.AbstractEventLoop, expire: Callable[[], None]) -> None:
        self._loop = loop
        self._expire = expire
        self._timer: asyncio.TimerHandle | None = None
        self.at: float | None = None  # the loop time of the deadline; None: nothing is timed

    def start(self, seconds: float) -> None:
        """Set the deadline `seconds` from now (earlier or later than the one before)."""
        at = self._loop.time() + seconds
        self.at = at
        timer = self._timer
        if timer is None or timer.when() > at:
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(at, self._fire)

    def clear(self) -> None:
        """Nothing is timed any more (the timer stays, to serve the next deadline)."""
        self.at = None

    def close(self) -> None:
        self.at = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        assert self._timer is not None
        when, self._timer = self._timer.when(), None
        at = self.at
        if at is None:
            return
        if at > when:
            self._timer = self._loop.call_at(at, self._fire)
        else:
            self._expire()
