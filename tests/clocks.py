"""A clock for the code under test that moves only when the test moves it: `now` is set or
advanced by hand, and calling the clock tells the time (the shape `time.monotonic` has)."""

from __future__ import annotations


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
