"""connector/targets/okta/groups.py memberships against the Okta simulator: one idempotent call
per member under the groups bucket, unknown users reported, refusals said by group type, member
listings paged at 1000, and the request budget respected."""

from __future__ import annotations

import pytest

from connector.targets.errors import GroupNotFoundError, NotWritableError, RateLimitedError
from connector.targets.okta.client import bucket_of
from connector.targets.okta.groups import OktaGroups
from connector.transport.budget import request_budget
from oktasim.ratelimit import bucket_for

from .okta_sim import okta_groups, options, org


async def _members(groups: OktaGroups, group_id: str) -> list[str]:
    found: list[str] = []
    async for page in groups.members(group_id):
        found += page
    return found


async def test_adding_k_members_is_k_calls_and_idempotent() -> None:
    with org() as okta:
        users = okta.users(5)
        async with okta_groups(okta) as groups:
            group = await groups.create("Team", None)
            mark = okta.mark()
            assert await groups.add_members(group.id, users) == []
            calls = okta.calls_since(mark)
            assert sorted(calls) == sorted(
                ("PUT", f"/api/v1/groups/{group.id}/users/{u}", 204) for u in users
            )
            assert okta.sim.group_members(group.id) == sorted(users)
            # Again, as a resent PATCH would: 204 each, nothing changes, nothing doubles.
            assert await groups.add_members(group.id, users + users[:2]) == []
            assert okta.sim.group_members(group.id) == sorted(users)
            assert len(okta.calls_since(mark)) == 10  # repeated ids are sent once


async def test_unknown_and_deleted_users_are_returned_and_the_others_added() -> None:
    with org() as okta:
        users = okta.users(3)
        okta.delete_user(users[2])
        async with okta_groups(okta) as groups:
            group = await groups.create("Mixed", None)
            wanted = [users[0], "00unosuchuser0000000", users[1], users[2]]
            assert await groups.add_members(group.id, wanted) == ["00unosuchuser0000000", users[2]]
            assert okta.sim.group_members(group.id) == sorted(users[:2])


async def test_removing_members_non_members_and_unknown_users_all_succeed() -> None:
    with org() as okta:
        users = okta.users(4)
        async with okta_groups(okta) as groups:
            group = await groups.create("Shrinking", None)
            await groups.add_members(group.id, users[:3])
            mark = okta.mark()
            await groups.remove_members(group.id, [users[0], users[3], "00unosuchuser0000000"])
            assert sorted(s for _, _, s in okta.calls_since(mark)) == [204, 204, 404]
            assert okta.sim.group_members(group.id) == sorted(users[1:3])
            await groups.remove_members(group.id, [users[0]])  # again: still a success
            assert okta.sim.group_members(group.id) == sorted(users[1:3])


async def test_the_put_sends_an_empty_body() -> None:
    with org() as okta:
        user = okta.user("body@example.com")
        async with okta_groups(okta) as groups:
            group = await groups.create("Bodies", None)
            mark = okta.mark()
            await groups.add_members(group.id, [user])
            # The simulator answers a body-less PUT with 411, as Okta does.
            assert okta.calls_since(mark) == [
                ("PUT", f"/api/v1/groups/{group.id}/users/{user}", 204)
            ]


async def test_an_unknown_group_is_not_found() -> None:
    with org() as okta:
        users = okta.users(2)
        async with okta_groups(okta) as groups:
            with pytest.raises(GroupNotFoundError):
                await groups.add_members("00gnosuchgroup0000000", users)
            with pytest.raises(GroupNotFoundError):
                await groups.remove_members("00gnosuchgroup0000000", users)
            with pytest.raises(GroupNotFoundError):
                await _members(groups, "00gnosuchgroup0000000")


async def test_app_group_memberships_are_refused_and_stop_at_the_first_refusal() -> None:
    with org() as okta:
        users = okta.users(30)
        app = okta.sim.add_app_group("Engineering", users[:1])
        async with okta_groups(okta) as groups:
            mark = okta.mark()
            with pytest.raises(NotWritableError, match="imported from a directory"):
                await groups.add_members(app, users[1:])
            calls = okta.calls_since(mark)
            refused = [c for c in calls if c[0] == "PUT"]
            assert {s for _, _, s in refused} == {403}
            assert len(refused) <= 8  # the calls in flight, not one per member
            # The group's type is read once, on the refusal.
            assert calls.count(("GET", f"/api/v1/groups/{app}", 200)) == 1
            with pytest.raises(NotWritableError, match="imported from a directory"):
                await groups.remove_members(app, users[:1])
            assert okta.sim.group_members(app) == users[:1]


async def test_everyone_memberships_are_refused() -> None:
    with org() as okta:
        user = okta.user("all@example.com")
        async with okta_groups(okta) as groups:
            mark = okta.mark()
            with pytest.raises(NotWritableError, match="built-in group") as caught:
                await groups.add_members(okta.everyone, [user])
            assert "provisioning scope" in caught.value.detail
            # Okta's 501 E0000060 says it is Everyone: no read needed.
            assert [(m, s) for m, _, s in okta.calls_since(mark)] == [("PUT", 501)]
            with pytest.raises(NotWritableError, match="built-in group"):
                await groups.remove_members(okta.everyone, [user])


async def test_members_are_listed_1000_a_page_following_the_link() -> None:
    with org() as okta:
        users = okta.users(1001)
        app = okta.sim.add_app_group("Big", users)  # members set by the import, no calls
        async with okta_groups(okta) as groups:
            mark = okta.mark()
            pages = [page async for page in groups.members(app)]
            assert [len(p) for p in pages] == [1000, 1]
            assert sorted(u for p in pages for u in p) == sorted(users)
            paths = [p for _, p, _ in okta.sim.request_log[mark:]]
            assert len(paths) == 2
            assert all(p.startswith(f"/api/v1/groups/{app}/users?") for p in paths)
            assert all("limit=1000" in p for p in paths)
            assert "after=" in paths[1]


async def test_membership_check_is_one_call_on_the_users_groups() -> None:
    with org() as okta:
        users = okta.users(2)
        async with okta_groups(okta) as groups:
            group = await groups.create("Checked", None)
            await groups.add_members(group.id, users[:1])
            mark = okta.mark()
            assert await groups.is_member(group.id, users[0]) is True
            assert await groups.is_member(group.id, users[1]) is False
            assert await groups.is_member(group.id, "00unosuchuser0000000") is False
            assert [(m, p) for m, p, _ in okta.calls_since(mark)] == [
                ("GET", f"/api/v1/users/{users[0]}/groups"),
                ("GET", f"/api/v1/users/{users[1]}/groups"),
                ("GET", "/api/v1/users/00unosuchuser0000000/groups"),
            ]


async def test_a_member_value_that_is_a_login_or_short_name_is_no_member() -> None:
    """`/users/{id}/groups` takes a login or an unambiguous short name as well as an id (spec,
    pathId): "u0@example.com" or "u0" must not answer for the member whose login it is, as
    neither is a SCIM id of the connector's (which are Okta ids)."""
    with org() as okta:
        (user,) = okta.users(1)  # login u0@example.com
        async with okta_groups(okta) as groups:
            group = await groups.create("Checked", None)
            await groups.add_members(group.id, [user])
            mark = okta.mark()
            for value in ("u0@example.com", "u0", "U0@EXAMPLE.COM"):
                assert await groups.is_member(group.id, value) is False
            assert okta.calls_since(mark) == []  # not an id: no call needed
            assert await groups.is_member(group.id, user) is True


# -- rate-limit buckets and the request budget --------------------------------------------------

GROUP_CALLS = [
    ("POST", "/api/v1/groups"),
    ("GET", "/api/v1/groups"),
    ("GET", "/api/v1/groups/00g1"),
    ("PUT", "/api/v1/groups/00g1"),
    ("DELETE", "/api/v1/groups/00g1"),
    ("GET", "/api/v1/groups/00g1/users"),
    ("PUT", "/api/v1/groups/00g1/users/00u1"),
    ("DELETE", "/api/v1/groups/00g1/users/00u1"),
    ("GET", "/api/v1/users/00u1/groups"),
    ("GET", "/api/v1/meta/schemas/group/default"),
    ("POST", "/api/v1/meta/schemas/user/default"),
    ("GET", "/api/v1/users/00u1"),
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/users/00u1"),
    ("POST", "/api/v1/users/00u1/lifecycle/deactivate"),
]


def test_the_pacer_buckets_are_oktas_buckets() -> None:
    """Calls share a pacer bucket exactly when Okta counts them in the same bucket (as the
    simulator's README reads Okta's rate-limit table)."""
    ours = {call: bucket_of(*call) for call in GROUP_CALLS}
    theirs = {call: bucket_for(*call) for call in GROUP_CALLS}
    for a in GROUP_CALLS:
        for b in GROUP_CALLS:
            assert (ours[a] == ours[b]) == (theirs[a] == theirs[b]), (a, b)
    assert ours[("PUT", "/api/v1/groups/00g1/users/00u1")] == ours[("POST", "/api/v1/groups")]
    assert ours[("GET", "/api/v1/groups/00g1")] != ours[("GET", "/api/v1/groups")]


async def test_memberships_are_paced_under_the_groups_bucket_until_the_budget_ends() -> None:
    with org(options(rate_limit_per_minute=20, rate_limit_window_s=60)) as okta:
        users = okta.users(40)
        async with okta_groups(okta) as groups:
            group = await groups.create("Paced", None)  # 1 call of the groups bucket
            with request_budget(1.5), pytest.raises(RateLimitedError) as caught:
                await groups.add_members(group.id, users)
            assert caught.value.retry_after >= 1
            statuses = [s for _, p, s in okta.sim.request_log if "/users/" in p]
            assert 429 not in statuses  # paced, never refused
            added = okta.sim.group_members(group.id)
            assert 0 < len(added) < 20  # what the bucket allowed: the rest is left for a resend
            assert set(added) <= set(users)
