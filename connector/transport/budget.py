"""The time budget of one SCIM request, shared by every target call made while serving it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("scim_request_deadline", default=None)


@contextmanager
def request_budget(seconds: float) -> Iterator[None]:
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float:
    """Seconds left in the current request's budget (infinite outside any request)."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else deadline - time.monotonic()
