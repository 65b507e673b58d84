"""connector/page_snapshots.py: later pages of a listing reuse its first page's result."""

from __future__ import annotations

from typing import Any

from clocks import Clock

from connector.page_snapshots import MAX_SNAPSHOTS, SNAPSHOT_SECONDS, PageSnapshots

Resources = list[dict[str, Any]]


def test_a_snapshot_lives_for_its_lifetime_only() -> None:
    clock = Clock(0.0)
    snapshots: PageSnapshots[Resources] = PageSnapshots(clock)
    assert snapshots.get("") is None
    snapshots.put("", [{"id": "1"}], page_end=0)
    clock.now = SNAPSHOT_SECONDS
    assert snapshots.get("") == [{"id": "1"}]
    clock.now = SNAPSHOT_SECONDS + 0.1
    assert snapshots.get("") is None


def test_the_oldest_snapshots_make_room() -> None:
    snapshots: PageSnapshots[Resources] = PageSnapshots(Clock(0.0))
    for index in range(MAX_SNAPSHOTS + 1):
        snapshots.put(str(index), [{"id": str(index)}], page_end=0)
    assert snapshots.get("0") is None
    assert snapshots.get(str(MAX_SNAPSHOTS)) == [{"id": str(MAX_SNAPSHOTS)}]


def test_a_listing_its_first_page_shows_whole_is_not_kept() -> None:
    snapshots: PageSnapshots[Resources] = PageSnapshots(Clock(0.0))
    for index in range(MAX_SNAPSHOTS):
        snapshots.put(str(index), [{"id": "a"}, {"id": "b"}], page_end=1)
    snapshots.put("whole", [{"id": "a"}, {"id": "b"}], page_end=2)
    snapshots.put("empty", [], page_end=0)
    assert snapshots.get("whole") is None
    assert snapshots.get("empty") is None
    # Nothing was pushed out by them.
    assert all(snapshots.get(str(index)) is not None for index in range(MAX_SNAPSHOTS))
