"""Okta's eventually consistent search index: what `filter`, `search` and `q` read.

Each write is published as a snapshot that becomes visible only `lag_s` seconds later, on the
injected clock, so tests can move time on instead of sleeping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Record = TypeVar("Record")
Clock = Callable[[], float]


@dataclass
class _Pending(Generic[Record]):
    due: float
    key: str
    snapshot: Record | None  # None: the record was removed


class LaggedIndex(Generic[Record]):
    """Not locked itself: its owner calls it under the owner's lock."""

    def __init__(self, lag_s: float, clock: Clock) -> None:
        self.lag_s = lag_s
        self.clock = clock
        self._visible: dict[str, Record] = {}
        self._pending: deque[_Pending[Record]] = deque()

    def publish(self, key: str, snapshot: Record | None) -> None:
        """Records a write (a snapshot, or None for a removal); visible after the lag."""
        if self.lag_s <= 0:
            self._apply(key, snapshot)
            return
        self._pending.append(_Pending(self.clock() + self.lag_s, key, snapshot))

    def view(self) -> list[Record]:
        """Every record as the index shows it now."""
        now = self.clock()
        while self._pending and self._pending[0].due <= now:
            pending = self._pending.popleft()
            self._apply(pending.key, pending.snapshot)
        return list(self._visible.values())

    def clear(self) -> None:
        self._visible.clear()
        self._pending.clear()

    def _apply(self, key: str, snapshot: Record | None) -> None:
        if snapshot is None:
            self._visible.pop(key, None)
        else:
            self._visible[key] = snapshot
