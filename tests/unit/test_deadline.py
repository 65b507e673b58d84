"""connector.deadline.MovableDeadline on an event loop whose clock moves only when the test moves
it: the deadline last set is the one kept to, moving it on sets no new timer until the old one
fires, bringing it forward replaces the timer, and a cleared or closed deadline never expires."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from clocks import Clock, ClockLoop

from connector.deadline import MovableDeadline


def _run(
    test: Callable[[ClockLoop, MovableDeadline, list[float]], Coroutine[Any, Any, None]],
) -> None:
    loop = ClockLoop(Clock(0.0))
    expired: list[float] = []
    deadline = MovableDeadline(loop, lambda: expired.append(loop.time()))
    try:
        loop.run_until_complete(test(loop, deadline, expired))
    finally:
        deadline.close()
        loop.close()


async def _at(loop: ClockLoop, now: float) -> None:
    """Move the clock to `now` and let the loop run what is due (a few turns, never sleeping)."""
    loop.clock.now = now
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_deadline_moved_on_sets_no_timer_until_the_first_fires_then_expires_at_the_last() -> None:
    async def test(loop: ClockLoop, deadline: MovableDeadline, expired: list[float]) -> None:
        deadline.start(10.0)
        await _at(loop, 4.0)
        deadline.start(10.0)  # due at 14
        await _at(loop, 8.0)
        deadline.start(10.0)  # due at 18
        assert loop.timers_set == 1
        await _at(loop, 10.0)  # the first timer fires early, and re-arms once at 18
        assert expired == []
        assert loop.timers_set == 2
        await _at(loop, 17.9)
        assert expired == []
        await _at(loop, 18.0)
        assert expired == [18.0]

    _run(test)


def test_a_deadline_brought_forward_replaces_the_timer() -> None:
    async def test(loop: ClockLoop, deadline: MovableDeadline, expired: list[float]) -> None:
        deadline.start(60.0)
        deadline.start(1.0)
        assert loop.timers_set == 2
        await _at(loop, 1.0)
        assert expired == [1.0]
        await _at(loop, 60.0)  # the replaced timer is gone
        assert expired == [1.0]

    _run(test)


def test_a_cleared_deadline_never_expires_and_its_timer_serves_the_next() -> None:
    async def test(loop: ClockLoop, deadline: MovableDeadline, expired: list[float]) -> None:
        deadline.start(10.0)
        deadline.clear()
        assert deadline.at is None
        deadline.start(20.0)  # later than the kept timer: no new one yet
        assert loop.timers_set == 1
        deadline.clear()
        await _at(loop, 30.0)
        assert expired == []

    _run(test)


def test_a_closed_deadline_never_expires() -> None:
    async def test(loop: ClockLoop, deadline: MovableDeadline, expired: list[float]) -> None:
        deadline.start(5.0)
        deadline.close()
        await _at(loop, 10.0)
        assert expired == []
        assert deadline.at is None

    _run(test)
