"""The time budget of one SCIM request, shared by every target call made while serving it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The least time a target call is given: no try is started with less of the budget left.
MIN_ATTEMPT_SECONDS = 0.5

_deadline: ContextVar[float | None] = ContextVar("scim_request_deadline", default=None)
_retries: ContextVar[bool] = ContextVar("scim_request_retries", default=True)


@contextmanager
def request_budget(seconds: float, *, retries: bool = True) -> Iterator[None]:
    """`retries=False`: one attempt per call (a diagnostic reports, it does not wait out)."""
    deadline = _deadline.set(time.monotonic() + seconds)
    allowed = _retries.set(retries)
    try:
        yield
    finally:
        _retries.reset(allowed)
        _deadline.reset(deadline)


def retries_allowed() -> bool:
    return _retries.get()


def remaining() -> float:
    """Seconds left in the current request's budget (infinite outside any request)."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else deadline - time.monotonic()
