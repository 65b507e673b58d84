"""The time budget of one SCIM request, shared by every target call made while serving it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

# The least time a target call is given: no try is started with less of the budget left.
MIN_ATTEMPT_SECONDS = 0.5


class _Deadline(NamedTuple):
    at: float
    clock: Callable[[], float]


_deadline: ContextVar[_Deadline | None] = ContextVar("scim_request_deadline", default=None)
_retries: ContextVar[bool] = ContextVar("scim_request_retries", default=True)


@contextmanager
def request_budget(
    seconds: float, *, retries: bool = True, clock: Callable[[], float] = time.monotonic
) -> Iterator[None]:
    """`retries=False`: one attempt per call (a diagnostic reports, it does not wait out).
    `clock`: what the budget is counted on (a test's, to know exactly what is left)."""
    deadline = _deadline.set(_Deadline(clock() + seconds, clock))
    allowed = _retries.set(retries)
    try:
        yield
    finally:
        _retries.reset(allowed)
        _deadline.reset(deadline)


def retries_allowed() -> bool:
    return _retries.get()


def attempt_seconds(limit: float | None) -> float:
    """How long one try may take: `limit` (None: no limit of its own), never past what the
    request's budget leaves, and never less than MIN_ATTEMPT_SECONDS."""
    left = remaining()
    return max(MIN_ATTEMPT_SECONDS, left if limit is None else min(limit, left))


def remaining() -> float:
    """Seconds left in the current request's budget (infinite outside any request)."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else deadline.at - deadline.clock()
