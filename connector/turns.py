"""Turns of the one event loop during long work: a listing of thousands of users yields whenever
it has run for a short slice of time, so a request arriving meanwhile (Entra's probe) waits for
one slice at each of its steps, never for a page. Measured in time rather than in items, since
what an item costs depends on the target, the mapping and how busy the machine is."""

from __future__ import annotations

import asyncio
from time import perf_counter

# Long enough that yielding costs little (a turn is ~20 us), short enough that a request's ~10
# steps through the loop wait a few milliseconds in all.
SLICE_SECONDS = 0.0005


class Turns:
    """One piece of long work; `await turns.share()` between its items."""

    __slots__ = ("_since",)

    def __init__(self) -> None:
        self._since = perf_counter()

    async def share(self) -> None:
        if perf_counter() - self._since >= SLICE_SECONDS:
            await asyncio.sleep(0)
            self._since = perf_counter()
