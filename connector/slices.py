"""A sequence whose items are built when asked for, a run of them at a time: what a listing's
pages read out of the users found (rendered only when a page reaches them)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TypeVar, overload

Item = TypeVar("Item")


class Slices(Sequence[Item]):
    """Subclasses say how many items there are and build `_run(start, stop)` (0 <= start <=
    stop <= len); indexing and slicing follow a list's rules."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _run(self, start: int, stop: int) -> list[Item]: ...

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._run(start, max(start, stop))
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError(index)
        return self._run(position, position + 1)[0]
