"""A clock for the code under test that moves only when the test moves it: `now` is set or
advanced by hand, and calling the clock tells the time (the shape `time.monotonic` has); and an
event loop whose timers follow such a clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import TypeVarTuple

_Ts = TypeVarTuple("_Ts")


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ClockLoop(asyncio.SelectorEventLoop):
    """A loop whose timers follow `clock`, counting the timers set on it. A test keeps a callback
    ready (a task turning), so the loop never sleeps in select for a timer only the test's clock
    brings due."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.timers_set = 0

    def time(self) -> float:
        return self.clock.now

    def call_at(
        self,
        when: float,
        callback: Callable[[*_Ts], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        self.timers_set += 1
        return super().call_at(when, callback, *args, context=context)
