"""Long work on the event loop shares it by time: it yields once a slice has run, not per item."""

from __future__ import annotations

import asyncio

import pytest

from connector import turns
from connector.turns import SLICE_SECONDS, Turns


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _work(clock: Clock, items: int, cost: float) -> int:
    """Runs `items` items of `cost` seconds each beside a task that counts its turns."""
    ran = 0
    done = asyncio.Event()

    async def other() -> None:
        nonlocal ran
        while not done.is_set():
            ran += 1
            await asyncio.sleep(0)

    beside = asyncio.create_task(other())
    await asyncio.sleep(0)  # the other task starts and waits for its next turn
    ran = 0
    shared = Turns()
    for _ in range(items):
        clock.now += cost
        await shared.share()
    done.set()
    await beside
    return ran


async def test_work_longer_than_a_slice_gives_others_a_turn_per_slice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(turns, "perf_counter", clock)
    # 100 items, each a little over a quarter of a slice: a slice ends every 4 items.
    ran = await _work(clock, 100, SLICE_SECONDS * 0.26)
    assert ran == 25


async def test_quick_work_does_not_yield_at_every_item(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(turns, "perf_counter", clock)
    ran = await _work(clock, 1000, 0.0)
    assert ran == 0
