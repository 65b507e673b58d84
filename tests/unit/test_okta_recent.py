"""connector/targets/okta/recent.py: what an instance remembers of its own recent group and user
writes."""

from __future__ import annotations

from clocks import Clock

from connector.targets.model import TargetGroup, TargetUser
from connector.targets.okta.recent import RecentGroups, RecentUsers


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


def _user(user_id: str, **profile: object) -> TargetUser:
    return TargetUser(user_id, profile, True, "ACTIVE", T1, T1)


def test_users_are_found_by_a_value_ignoring_case_as_okta_searches() -> None:
    recent = RecentUsers()
    recent.wrote(_user("00u1", scimExternalId="Ext-1", login="a@example.com"))
    recent.wrote(_user("00u2", scimExternalId="ext-1", employeeNumber=7))
    assert recent.holding("scimExternalId", "EXT-1") == {"00u1", "00u2"}
    assert recent.holding("login", "A@EXAMPLE.COM") == {"00u1"}
    assert recent.holding("employeeNumber", "7") == set()  # only text values are compared
    assert recent.holding("scimExternalId", "ext-2") == set()


def test_a_users_later_write_replaces_the_earlier_and_a_delete_is_remembered() -> None:
    recent = RecentUsers()
    recent.wrote(_user("00u1", scimExternalId="old"))
    recent.wrote(_user("00u1", scimExternalId="new"))
    assert recent.holding("scimExternalId", "old") == set()
    assert recent.holding("scimExternalId", "new") == {"00u1"}
    assert recent.written("00u1")
    assert recent.deleted_ids() == frozenset()
    recent.deleted("00u1")
    assert recent.holding("scimExternalId", "new") == set()
    assert not recent.written("00u1")
    assert recent.deleted_ids() == {"00u1"}
    assert not recent.written("00u9")


def test_remembered_users_expire_and_are_bounded() -> None:
    clock = Clock()
    recent = RecentUsers(seconds=60, size=2, clock=clock)
    recent.deleted("00u0")
    recent.wrote(_user("00u1", scimExternalId="a"))
    recent.wrote(_user("00u2", scimExternalId="b"))
    assert recent.deleted_ids() == frozenset()  # the oldest went when a third arrived
    assert recent.holding("scimExternalId", "a") == {"00u1"}
    clock.advance(61)
    assert recent.holding("scimExternalId", "b") == set()
    assert not recent.written("00u2")
