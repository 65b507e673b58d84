"""connector/targets/okta/recent.py: what an instance remembers of its own recent group writes."""

from __future__ import annotations

from clocks import Clock

from connector.targets.model import TargetGroup
from connector.targets.okta.recent import RecentGroups


def _group(group_id: str, name: str, external: str | None, stamp: str) -> TargetGroup:
    return TargetGroup(group_id, name, external, True, "OKTA_GROUP", stamp, stamp)


T1 = "2026-01-01T00:00:01.000Z"
T2 = "2026-01-01T00:00:02.000Z"


def test_found_by_name_ignoring_case_and_by_external_id() -> None:
    recent = RecentGroups()
    recent.wrote(_group("00g1", "Sales", "e-1", T1))
    assert recent.named("SALES") == ["00g1"]
    assert recent.named("Sales EMEA") == []
    assert recent.with_external_id("e-1") == ["00g1"]
    assert recent.with_external_id("E-1") == []  # externalIds compare exactly


def test_a_later_write_replaces_the_earlier_one_and_a_delete_forgets_it() -> None:
    recent = RecentGroups()
    recent.wrote(_group("00g1", "Old", None, T1))
    recent.wrote(_group("00g1", "New", None, T2))
    assert recent.named("Old") == []
    assert recent.named("New") == ["00g1"]
    recent.deleted("00g1")
    assert recent.named("New") == []


def test_a_search_hit_is_corrected_by_a_newer_own_write() -> None:
    recent = RecentGroups()
    stale = _group("00g1", "Old", None, T1)
    recent.wrote(_group("00g1", "New", None, T2))
    current = recent.current(stale)
    assert current is not None
    assert current.name == "New"
    # The index has caught up with a change made after ours: the hit is newer, it wins.
    later = _group("00g1", "Newer", None, "2026-01-01T00:00:03.000Z")
    assert recent.current(later) is later
    unknown = _group("00g9", "Other", None, T1)
    assert recent.current(unknown) is unknown
    recent.deleted("00g1")
    assert recent.current(stale) is None


def test_entries_expire_and_the_memory_is_bounded() -> None:
    clock = Clock()
    recent = RecentGroups(seconds=60, size=3, clock=clock)
    recent.wrote(_group("00g1", "A", None, T1))
    clock.now += 30
    for n in (2, 3, 4):
        recent.wrote(_group(f"00g{n}", chr(64 + n), None, T1))
    assert recent.named("A") == []  # the oldest went when a fourth arrived
    assert recent.named("D") == ["00g4"]
    clock.now += 61
    assert recent.named("D") == []
    stale = _group("00g4", "D", None, T1)
    assert recent.current(stale) is stale
