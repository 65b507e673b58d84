"""The local server's per-connection alarm (local_host._Alarm) on an event loop whose clock moves
only when the test moves it: a deadline moved on is not rung at the old one, a wait ended in time
is never cancelled later, and a cancellation that is not the alarm's is never taken for a
timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from clocks import Clock, ClockLoop

from connector.cli.local_host import _Alarm


@pytest.fixture
def loop() -> Iterator[ClockLoop]:
    running = ClockLoop(Clock(0.0))
    try:
        yield running
    finally:
        running.close()


async def _turns(count: int = 5) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


class _Waits:
    """A task that waits, under an alarm of its own, for each future the test hands it, and
    records how each wait ended."""

    def __init__(self) -> None:
        self.ends: list[str] = []
        self.futures: asyncio.Queue[tuple[float | None, asyncio.Future[None]]] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._run())
        self.alarm = _Alarm(self.task)

    def wait(self, seconds: float | None) -> asyncio.Future[None]:
        """The next wait, for the future returned; `seconds` None: without a deadline."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.futures.put_nowait((seconds, future))
        return future

    async def _run(self) -> None:
        while True:
            seconds, future = await self.futures.get()
            if seconds is None:
                await future
                self.ends.append("done")
                continue
            self.alarm.start(seconds)
            try:
                await future
            except asyncio.CancelledError:
                if self.alarm.stop():
                    self.ends.append("timed out")
                    continue
                raise
            self.alarm.stop()
            self.ends.append("done")


def _run(loop: ClockLoop, scenario: Callable[[], Awaitable[Any]]) -> None:
    loop.run_until_complete(scenario())


def test_a_deadline_moved_on_rings_at_the_new_one_only(loop: ClockLoop) -> None:
    clock = loop.clock

    async def scenario() -> None:
        waits = _Waits()
        first = waits.wait(30)
        await _turns()
        clock.advance(10)
        first.set_result(None)
        waits.wait(30)  # the deadline is now 40; the timer set for 30 stays
        await _turns()
        clock.advance(20)  # 30: the old timer fires, finds the deadline moved, re-arms
        await _turns()
        assert waits.ends == ["done"]
        clock.advance(9.5)
        await _turns()
        assert waits.ends == ["done"]
        clock.advance(0.5)  # 40
        await _turns()
        assert waits.ends == ["done", "timed out"]
        assert not waits.task.done()  # the timeout was taken back: the task goes on
        waits.alarm.close()
        waits.task.cancel()

    _run(loop, scenario)


def test_a_wait_ended_in_time_is_never_cancelled_later(loop: ClockLoop) -> None:
    clock = loop.clock

    async def scenario() -> None:
        waits = _Waits()
        waits.wait(30).set_result(None)
        await _turns()
        later = waits.wait(None)  # no deadline now; the timer set for 30 is still there
        clock.advance(60)
        await _turns()
        assert waits.ends == ["done"]
        later.set_result(None)
        await _turns()
        assert waits.ends == ["done", "done"]
        waits.alarm.close()
        waits.task.cancel()

    _run(loop, scenario)


@pytest.mark.parametrize("alarm_rings_too", [False, True])
def test_a_cancellation_not_the_alarms_is_never_taken_for_a_timeout(
    loop: ClockLoop, alarm_rings_too: bool
) -> None:
    clock = loop.clock

    async def scenario() -> None:
        waits = _Waits()
        waits.wait(30)
        await _turns()
        if alarm_rings_too:
            clock.advance(30)
            loop.call_soon(waits.task.cancel)  # in the same turn as the alarm
        else:
            waits.task.cancel()  # as RunningServer.stop cancels a connection's task
        await _turns()
        assert waits.ends == []
        assert waits.task.cancelled()
        waits.alarm.close()

    _run(loop, scenario)
