"""How many turns of the event loop a piece of work leaves to another task running beside it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def turns_left(work: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """`work()`'s result, and how many times a task beside it ran while it did."""
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
    result = await work()
    done.set()
    await beside
    return result, ran
