"""connector/found_users.py: users kept compact, rendered as a page reads them out, exactly as
from the target's own record; and connector/scim/listing.py's Joined, which pages across kinds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.found_users import ROWS_PER_BLOCK, FoundUsers
from connector.mapping import Catalog
from connector.mapping.render import render_user
from connector.scim.listing import Joined
from connector.targets.model import TargetUser

# Values a target may hand over: JSON's, including text JSON cannot encode as UTF-8.
VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=8),
    st.just("\ud800 lone surrogate"),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.text(max_size=3), max_size=2),
)
ATTRIBUTES = ["login", "email", "firstName", "lastName", "title", "department", "city", "other"]


def _user(index: int, **profile: Any) -> TargetUser:
    values = {"login": f"u{index}@example.com", "firstName": f"U{index}", **profile}
    return TargetUser(f"00u{index}", values, index % 3 != 0, "ACTIVE", "2024-01-01", None, {})


@settings(max_examples=150, deadline=None)
@given(
    profiles=st.lists(st.dictionaries(st.sampled_from(ATTRIBUTES), VALUES), max_size=5),
    active=st.booleans(),
    stamps=st.tuples(st.none() | st.just("2024-01-01"), st.none() | st.just("")),
)
def test_a_user_renders_from_its_row_exactly_as_from_the_target(
    catalog: Catalog,
    profiles: list[dict[str, Any]],
    active: bool,
    stamps: tuple[str | None, str | None],
) -> None:
    users = [TargetUser(f"id{i}", p, active, "S", *stamps) for i, p in enumerate(profiles)]
    found = FoundUsers(catalog)
    for user in users:
        found.add(user)
    expected = [render_user(catalog, user) for user in users]
    assert json.dumps(found[:]) == json.dumps(expected)
    assert json.dumps(list(found)) == json.dumps(expected)


def test_pages_across_blocks_in_the_order_added(catalog: Catalog) -> None:
    count = 2 * ROWS_PER_BLOCK + 17
    users = [_user(i, title=f"T{i}") for i in range(count)]
    found = FoundUsers(catalog)
    for user in users:
        found.add(user)
    assert len(found) == count
    for start, stop in [(0, 5), (95, 105), (ROWS_PER_BLOCK, 2 * ROWS_PER_BLOCK), (190, 260)]:
        assert found[start:stop] == [render_user(catalog, u) for u in users[start:stop]]
    assert found[-1] == render_user(catalog, users[-1])
    assert found[ROWS_PER_BLOCK]["id"] == users[ROWS_PER_BLOCK].id
    assert [r["id"] for r in found[::ROWS_PER_BLOCK]] == [u.id for u in users[::ROWS_PER_BLOCK]]
    assert found[count:] == []
    with pytest.raises(IndexError):
        found[count]


def test_only_what_rendering_reads_is_kept(catalog: Catalog) -> None:
    found = FoundUsers(catalog)
    found.add(_user(1, unmapped="not the connector's", title="Boss"))
    [resource] = found[:]
    assert "not the connector's" not in json.dumps(resource)
    assert resource["title"] == "Boss"


class Recorded(list[dict[str, Any]]):
    """A part that records the slices asked of it."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__(items)
        self.asked: list[tuple[int | None, int | None]] = []

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            self.asked.append((index.start, index.stop))
        return super().__getitem__(index)


def test_joined_pages_across_parts_touching_only_those_it_reaches() -> None:
    users = Recorded([{"id": f"u{i}"} for i in range(5)])
    groups = Recorded([{"id": f"g{i}"} for i in range(3)])
    joined = Joined([users, groups])
    assert len(joined) == 8
    assert [r["id"] for r in joined[3:6]] == ["u3", "u4", "g0"]
    assert [r["id"] for r in joined[0:2]] == ["u0", "u1"]
    assert groups.asked == [(0, 1)]
    assert [r["id"] for r in joined[6:100]] == ["g1", "g2"]
    assert joined[-1] == {"id": "g2"}
    assert joined[0] == {"id": "u0"}
    assert joined[8:] == []
    with pytest.raises(IndexError):
        joined[8]
    assert Joined([])[0:5] == []
