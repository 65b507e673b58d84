"""connector/slices.py: indexing and slicing follow a list's rules, and only the run asked for
is built."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.slices import Slices


class Counted(Slices[int]):
    def __init__(self, items: list[int]) -> None:
        self.items = items
        self.built: list[tuple[int, int]] = []

    def __len__(self) -> int:
        return len(self.items)

    def _run(self, start: int, stop: int) -> list[int]:
        self.built.append((start, stop))
        return self.items[start:stop]


bounds = st.none() | st.integers(-12, 12)


@given(
    st.lists(st.integers(), max_size=8), bounds, bounds, st.none() | st.sampled_from([1, 2, -1, 3])
)
def test_a_slice_is_a_lists_slice(
    items: list[int], start: int | None, stop: int | None, step: int | None
) -> None:
    assert Counted(items)[start:stop:step] == items[start:stop:step]


@given(st.lists(st.integers(), max_size=8), st.integers(-12, 12))
def test_an_index_is_a_lists_index(items: list[int], index: int) -> None:
    if -len(items) <= index < len(items):
        assert Counted(items)[index] == items[index]
    else:
        with pytest.raises(IndexError):
            Counted(items)[index]


def test_only_the_run_asked_for_is_built() -> None:
    counted = Counted(list(range(1000)))
    assert counted[200:300] == list(range(200, 300))
    assert counted[-1] == 999
    assert counted.built == [(200, 300), (999, 1000)]
