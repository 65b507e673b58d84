"""connector/targets/okta/recent.py: what an instance remembers of its own recent group and user
writes."""

from __future__ import annotations

from typing import Any

from clocks import Clock
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Any sequence of writes, deletions and time passing: each lookup answers what a scan of every
# record remembered would (the index is kept with the memory), in the order of the writes.
_IDS = st.sampled_from(["00u1", "00u2", "00u3", "00u4"])
_VALUES = st.sampled_from(["a", "A", "b", "", "c"])
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("wrote"), _IDS, _VALUES, _VALUES, st.booleans()),
        st.tuples(st.just("deleted"), _IDS),
        st.tuples(st.just("wait"), st.sampled_from([1.0, 100.0, 250.0])),
    ),
    max_size=40,
)


_Written = tuple[TargetUser, TargetGroup] | None  # the user and the group, or deleted


def _scan(written: dict[str, tuple[float, _Written]], now: float, size: int) -> list[str]:
    """Ids remembered now, oldest write first, as the memory keeps them (by time and size)."""
    alive = [i for i, (at, _) in written.items() if at > now - 300.0]
    return alive[-size:]


@settings(max_examples=300, deadline=None)
@given(steps=_STEPS, size=st.integers(1, 4), first_look=st.integers(0, 20))
def test_lookups_answer_what_a_scan_of_the_memory_would(
    steps: list[Any], size: int, first_look: int
) -> None:
    # Users are indexed by an attribute from its first lookup on: the lookups start after
    # `first_look` steps, when records are remembered already.
    clock = Clock()
    users, groups = RecentUsers(size=size, clock=clock), RecentGroups(size=size, clock=clock)
    written: dict[str, tuple[float, _Written]] = {}  # id -> (when, records or None), write order
    for number, step in enumerate(steps):
        if step[0] == "wait":
            clock.advance(step[1])
        elif step[0] == "deleted":
            users.deleted(step[1])
            groups.deleted(step[1])
            written.pop(step[1], None)
            written[step[1]] = (clock(), None)
        else:
            _, record_id, first, second, numeric = step
            profile = {
                "login": first,
                "scimExternalId": second,
                "employeeNumber": 7 if numeric else first,
            }
            user = TargetUser(record_id, profile, True, "ACTIVE", None, None)
            group = _group(record_id, first, second if numeric else None, T1)
            users.wrote(user)
            groups.wrote(group)
            written.pop(record_id, None)
            written[record_id] = (clock(), (user, group))
        remembered = _scan(written, clock(), size)
        records = [written[i][1] for i in remembered]
        if number < first_look:
            assert users._index == {}  # no attribute looked for yet: nothing indexed for one
            continue
        assert users.deleted_ids() == {
            i for i, r in zip(remembered, records, strict=True) if r is None
        }
        for value in ["a", "A", "b", "", "c", "d"]:
            for attribute in ["login", "scimExternalId", "employeeNumber"]:
                assert users.holding(attribute, value) == {
                    r[0].id
                    for r in records
                    if r is not None
                    and isinstance(held := r[0].profile.get(attribute), str)
                    and held.casefold() == value.casefold()
                }
            assert groups.named(value) == [
                r[1].id
                for r in records
                if r is not None and r[1].name.casefold() == value.casefold()
            ]
            assert groups.with_external_id(value) == [
                r[1].id for r in records if r is not None and r[1].external_id == value
            ]
        # The index holds the keys of the records remembered, and nothing of those gone.
        alive = [r for r in records if r is not None]
        held = {(a, v) for r in alive for a, v in r[0].profile.items() if isinstance(v, str)}
        assert len(users._index) == len({(a, v.casefold()) for a, v in held})
        assert len(groups._index) == len(
            {("name", r[1].name.casefold()) for r in alive}
            | {("externalId", r[1].external_id) for r in alive if r[1].external_id is not None}
        )


def test_what_one_memory_looks_for_is_its_own() -> None:
    first, second = RecentUsers(), RecentUsers()
    user = TargetUser("00u1", {"login": "a", "scimExternalId": "e-1"}, True, "ACTIVE", None, None)
    first.wrote(user)
    second.wrote(user)
    assert first.holding("scimExternalId", "E-1") == {"00u1"}
    assert second._index == {}  # nothing looked for in this one: nothing indexed
    assert second.holding("login", "A") == {"00u1"}
    assert set(second._index) == {("login", "a")}
