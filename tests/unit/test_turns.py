"""Long work on the event loop shares it by time: it yields once a slice has run, not per item."""

from __future__ import annotations

import pytest
from clocks import Clock

from connector import turns
from connector.turns import SLICE_SECONDS, Turns

from .loop_turns import turns_left


async def _work(clock: Clock, items: int, cost: float) -> int:
    """Runs `items` items of `cost` seconds each; how many turns another task got meanwhile."""

    async def work() -> None:
        shared = Turns()
        for _ in range(items):
            clock.now += cost
            await shared.share()

    _, ran = await turns_left(work)
    return ran


async def test_work_longer_than_a_slice_gives_others_a_turn_per_slice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(0.0)
    monkeypatch.setattr(turns, "perf_counter", clock)
    # 100 items, each a little over a quarter of a slice: a slice ends every 4 items.
    ran = await _work(clock, 100, SLICE_SECONDS * 0.26)
    assert ran == 25


async def test_quick_work_does_not_yield_at_every_item(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(0.0)
    monkeypatch.setattr(turns, "perf_counter", clock)
    ran = await _work(clock, 1000, 0.0)
    assert ran == 0
