"""connector/targets/okta/groups.py against the Okta simulator: groups read, found, created,
renamed and deleted with the fewest calls, what Okta refuses, and names found consistently
although Okta's search lags."""

from __future__ import annotations

from contextlib import aclosing

import pytest
from clocks import Clock

from connector.targets.errors import (
    GroupNotFoundError,
    NameConflictError,
    NotWritableError,
    QueryNotSupportedError,
    RejectedError,
)
from connector.targets.okta.groups import OktaGroups
from connector.targets.query import ActiveIs, Condition, Everyone, IdIs, Query

from .okta_sim import ATTRIBUTE, LoseAnswers, closed_page_reads, okta_groups, options, org

LAG = options(search_lag_ms=5000)


async def _all(groups: OktaGroups, query: Query) -> list[str]:
    names: list[str] = []
    async for page in groups.pages(query):
        names += [g.name for g in page]
    return names


# -- reading ---------------------------------------------------------------------------------


async def test_create_and_get_are_one_call_each() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            mark = okta.mark()
            created = await groups.create("Sales", "e-sales")
            assert okta.calls_since(mark) == [("POST", "/api/v1/groups", 200)]
            stored = okta.group(created.id)
            assert stored["type"] == "OKTA_GROUP"
            assert stored["profile"] == {"name": "Sales", ATTRIBUTE: "e-sales"}
            assert (created.name, created.external_id, created.writable) == (
                "Sales",
                "e-sales",
                True,
            )
            mark = okta.mark()
            read = await groups.get(created.id)
            assert okta.calls_since(mark) == [("GET", f"/api/v1/groups/{created.id}", 200)]
            assert read is not None
            assert (read.id, read.name, read.external_id, read.kind) == (
                created.id,
                "Sales",
                "e-sales",
                "OKTA_GROUP",
            )
            assert read.created == stored["created"]
            assert await groups.get("00gnosuchgroup0000000") is None


async def test_a_create_without_external_id_sends_only_the_name() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("Plain", None)
            assert okta.group(created.id)["profile"] == {"name": "Plain"}
            assert created.external_id is None


async def test_last_modified_follows_membership_changes() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("Dated", None)
            record = okta.group(created.id)
            assert created.last_modified == max(
                record["lastUpdated"], record["lastMembershipUpdated"]
            )


async def test_everyone_and_app_groups_are_readable_but_not_writable() -> None:
    with org() as okta:
        app = okta.sim.add_app_group("Engineering", description="from AD")
        async with okta_groups(okta) as groups:
            everyone = await groups.get(okta.everyone)
            imported = await groups.get(app)
        assert everyone is not None
        assert imported is not None
        assert (everyone.name, everyone.kind, everyone.writable) == ("Everyone", "BUILT_IN", False)
        assert (imported.kind, imported.writable) == ("APP_GROUP", False)


async def test_listing_shows_okta_groups_only_from_live_data() -> None:
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        okta.sim.add_app_group("Imported")
        async with okta_groups(okta) as groups:
            for name in ("A", "B", "C"):
                await groups.create(name, None)
            mark = okta.mark()
            # The plain listing reads Okta's live data: the lagging index is not involved.
            assert sorted(await _all(groups, Everyone())) == ["A", "B", "C"]
            assert okta.calls_since(mark) == [("GET", "/api/v1/groups", 200)]


async def test_listing_follows_the_link_header_past_200_groups() -> None:
    with org() as okta:
        names = [f"G{n:03}" for n in range(201)]
        for name in names:
            okta.okta_group(name)
        async with okta_groups(okta) as groups:
            mark = okta.mark()
            pages = [len(page) async for page in groups.pages(Everyone())]
        assert sum(pages) == 201
        assert len(okta.calls_since(mark)) == 2
        assert all("limit=200" in p for _, p, _ in okta.sim.request_log[mark:])


async def test_by_id_and_unsupported_queries() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("ById", None)
            assert await _all(groups, IdIs(created.id)) == ["ById"]
            assert await _all(groups, IdIs(okta.everyone)) == []
            for query in (
                ActiveIs(True),
                Condition("name", "sw", "B"),
                Condition("other", "eq", "x"),
            ):
                with pytest.raises(QueryNotSupportedError):
                    await _all(groups, query)


async def test_find_by_external_id_searches_the_custom_attribute() -> None:
    with org() as okta:
        okta.okta_group("Other", **{ATTRIBUTE: "e-other"})
        async with okta_groups(okta) as groups:
            await groups.create("Mine", "e-mine")
            fresh = OktaGroups(groups.client)  # another instance: nothing remembered
            mark = okta.mark()
            assert await _all(fresh, Condition("externalId", "eq", "e-mine")) == ["Mine"]
            [(method, path, _)] = okta.sim.request_log[mark:]
            assert method == "GET"
            assert f"search=profile.{ATTRIBUTE}+eq+%22e-mine%22" in path


# -- finding by name despite the search lag ---------------------------------------------------


async def test_the_probe_is_one_search() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            mark = okta.mark()
            assert await groups.find_by_name("3f1e9e5c-1a7e-4d2e-9c39-1c5a3f8b1e20") is None
            [(method, path, status)] = okta.sim.request_log[mark:]
            assert (method, status) == ("GET", 200)
            assert "search=profile.name+eq+" in path


async def test_a_group_created_a_moment_ago_is_found_by_name_and_external_id() -> None:
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("Sales", "e-sales")
            mark = okta.mark()
            for name in ("Sales", "sales", "SALES"):
                found = await groups.find_by_name(name)
                assert found is not None
                assert found.id == created.id
            # Read by id (consistent), not searched: the index does not show it yet.
            assert okta.calls_since(mark) == [("GET", f"/api/v1/groups/{created.id}", 200)] * 3
            assert await _all(groups, Condition("externalId", "eq", "e-sales")) == ["Sales"]


async def test_renamed_and_deleted_a_moment_ago_are_not_found_under_the_old_name() -> None:
    clock = Clock()
    with org(options(search_lag_ms=5000), clock=clock) as okta:
        async with okta_groups(okta) as groups:
            first = await groups.create("Old", None)
            gone = await groups.create("Gone", None)
            clock.now += 10  # both visible to search now
            renamed = await groups.update(first, "New", None)
            await groups.delete(gone.id)
            # The index still shows "Old" and "Gone"; this instance knows better.
            assert await groups.find_by_name("Old") is None
            assert await groups.find_by_name("Gone") is None
            found = await groups.find_by_name("New")
            assert found is not None
            assert found.id == renamed.id


async def test_without_the_memory_a_lagging_search_misses_and_a_create_resolves_it() -> None:
    """Another instance matches a group created a moment ago: the search misses it, Entra
    sends the create again, Okta refuses the taken name, and the existing group is returned."""
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("Sales", "e-sales")
            other = OktaGroups(groups.client)
            assert await other.find_by_name("Sales") is None  # the search lags
            mark = okta.mark()
            again = await other.create("Sales", "e-sales")
            assert again.id == created.id
            assert [(m, p) for m, p, _ in okta.calls_since(mark)] == [
                ("POST", "/api/v1/groups"),  # 400 E0000001: the name is taken
                ("GET", "/api/v1/groups"),  # search: misses it
                ("GET", "/api/v1/groups"),  # the plain listing: live data
            ]
            assert len(okta.named("Sales")) == 1
            # Now remembered by this instance too.
            found = await other.find_by_name("Sales")
            assert found is not None
            assert found.id == created.id


async def test_a_taken_name_with_another_external_id_is_a_conflict() -> None:
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        async with okta_groups(okta) as groups:
            first = await groups.create("Ops", "e-ops")
            with pytest.raises(NameConflictError, match=first.id):
                await groups.create("OPS", "e-other")
            with pytest.raises(NameConflictError):
                await OktaGroups(groups.client).create("ops", None)
            assert [g["profile"]["name"] for g in okta.named("ops")] == ["Ops"]


async def test_a_name_held_by_an_app_group_or_everyone_says_so() -> None:
    with org() as okta:
        okta.sim.add_app_group("Engineering")
        async with okta_groups(okta) as groups:
            with pytest.raises(NameConflictError, match="imported from a directory"):
                await groups.create("Engineering", "e-eng")
            with pytest.raises(NameConflictError, match="built-in group"):
                await groups.create("everyone", "e-all")
            # Entra's match never returns a group it cannot manage.
            assert await groups.find_by_name("Engineering") is None
            assert await groups.find_by_name("Everyone") is None


async def test_a_create_whose_answer_was_lost_is_not_made_twice() -> None:
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        lose = LoseAnswers(lambda r: r.method == "POST" and r.url.path == "/api/v1/groups")
        async with okta_groups(okta, lose) as groups:
            created = await groups.create("Lost", "e-lost")
            assert lose.left == 0
            assert len(okta.named("Lost")) == 1
            assert created.id == okta.named("Lost")[0]["id"]
        lose = LoseAnswers(lambda r: r.method == "POST" and r.url.path == "/api/v1/groups")
        async with okta_groups(okta, lose) as groups:
            # Without an externalId, the exact name of our own lost create is ours.
            plain = await groups.create("Lost Plain", None)
            assert [g["id"] for g in okta.named("Lost Plain")] == [plain.id]


# -- renaming ---------------------------------------------------------------------------------


async def test_rename_is_one_put_of_the_whole_profile_keeping_the_rest() -> None:
    with org(options(group_custom_attributes=(ATTRIBUTE, "costCenter"))) as okta:
        raw = okta.okta_group(
            "Finance", description="Money people", costCenter="CC-7", **{ATTRIBUTE: "e-fin"}
        )
        async with okta_groups(okta) as groups:
            group = await groups.get(raw["id"])
            assert group is not None
            mark = okta.mark()
            renamed = await groups.update(group, "Finance EMEA", "e-fin")
            assert okta.calls_since(mark) == [("PUT", f"/api/v1/groups/{raw['id']}", 200)]
            assert okta.group(raw["id"])["profile"] == {
                "name": "Finance EMEA",
                "description": "Money people",
                "costCenter": "CC-7",
                ATTRIBUTE: "e-fin",
            }
            assert renamed.name == "Finance EMEA"
            cleared = await groups.update(renamed, "Finance EMEA", None)
            assert cleared.external_id is None
            assert ATTRIBUTE not in okta.group(raw["id"])["profile"]
            assert okta.group(raw["id"])["profile"]["description"] == "Money people"


async def test_rename_without_a_record_reads_first() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("Bare", None)
            bare = type(created)(
                created.id, created.name, None, True, "OKTA_GROUP", None, None, record=None
            )
            mark = okta.mark()
            await groups.update(bare, "Bare 2", None)
            assert [m for m, _, _ in okta.calls_since(mark)] == ["GET", "PUT"]


async def test_rename_to_a_taken_name_is_a_conflict() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            await groups.create("Taken", None)
            mine = await groups.create("Mine", None)
            with pytest.raises(NameConflictError):
                await groups.update(mine, "TAKEN", None)
            assert okta.group(mine.id)["profile"]["name"] == "Mine"


async def test_app_groups_and_everyone_are_refused_without_a_call() -> None:
    with org() as okta:
        app = okta.sim.add_app_group("Engineering")
        async with okta_groups(okta) as groups:
            imported = await groups.get(app)
            everyone = await groups.get(okta.everyone)
            assert imported is not None
            assert everyone is not None
            mark = okta.mark()
            with pytest.raises(NotWritableError, match="imported from a directory") as caught:
                await groups.update(imported, "Renamed", None)
            assert "provisioning scope" in caught.value.detail
            with pytest.raises(NotWritableError, match="built-in group"):
                await groups.update(everyone, "All", None)
            assert okta.calls_since(mark) == []


async def test_a_rename_of_a_group_gone_meanwhile_is_not_found() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            created = await groups.create("Short-lived", None)
            await groups.delete(created.id)
            with pytest.raises(GroupNotFoundError):
                await groups.update(created, "Renamed", None)


# -- deleting ---------------------------------------------------------------------------------


async def test_delete_is_one_call_and_members_stay_users() -> None:
    with org() as okta:
        users = okta.users(2)
        async with okta_groups(okta) as groups:
            created = await groups.create("Doomed", None)
            await groups.add_members(created.id, users)
            mark = okta.mark()
            await groups.delete(created.id)
            assert okta.calls_since(mark) == [("DELETE", f"/api/v1/groups/{created.id}", 204)]
            assert okta.named("Doomed") == []
            assert {u["id"] for u in okta.sim.users()} == set(users)
            with pytest.raises(GroupNotFoundError):
                await groups.delete(created.id)


async def test_a_delete_whose_answer_was_lost_is_done() -> None:
    with org() as okta:
        lose = LoseAnswers(lambda r: r.method == "DELETE")
        async with okta_groups(okta, lose) as groups:
            created = await groups.create("Lost delete", None)
            await groups.delete(created.id)  # applied, answer lost, resent: 404 = done
            assert lose.left == 0
            assert okta.named("Lost delete") == []


async def test_everyone_cannot_be_deleted() -> None:
    with org() as okta:
        async with okta_groups(okta) as groups:
            with pytest.raises(NotWritableError, match="built-in group"):
                await groups.delete(okta.everyone)


# -- the externalId attribute missing from Okta's group profile ---------------------------------


async def test_a_missing_group_attribute_is_named_with_the_fix() -> None:
    with org(options(group_custom_attributes=())) as okta:
        async with okta_groups(okta) as groups:
            with pytest.raises(RejectedError) as caught:
                await groups.create("Sales", "e-sales")
            assert ATTRIBUTE in caught.value.detail
            assert "doctor --fix" in caught.value.detail
            assert "Profile Editor > Groups" in caught.value.detail
            assert okta.named("Sales") == []
            plain = await groups.create("Sales", None)  # no externalId: nothing to store
            with pytest.raises(RejectedError, match="doctor"):
                await groups.update(plain, "Sales", "e-sales")
            with pytest.raises(RejectedError, match="group profile"):
                await _all(OktaGroups(groups.client), Condition("externalId", "eq", "e-sales"))


async def test_another_attribute_name_is_configurable() -> None:
    with org(options(group_custom_attributes=("entraObjectId",))) as okta:
        async with okta_groups(okta, external_id_attribute="entraObjectId") as groups:
            created = await groups.create("Custom", "oid-1")
            assert okta.group(created.id)["profile"] == {"name": "Custom", "entraObjectId": "oid-1"}
            read = await groups.get(created.id)
            assert read is not None
            assert read.external_id == "oid-1"


async def test_a_listing_left_early_closes_the_page_reads_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A caller that stops at the first page (find_by_name, a lookup) closes the listing: each
    # generator closes the one it reads from, down to the page reads, at once, not when the
    # garbage collector finds them.
    from connector.targets.okta import groups as module

    closed = closed_page_reads(monkeypatch, module)
    with org() as okta:
        async with okta_groups(okta) as writer:
            await writer.create("Sales", "e-sales")
            await writer.create("Support", "e-support")
        async with okta_groups(okta) as groups:
            assert await groups.find_by_name("Sales") is not None
            assert closed == ["/api/v1/groups"]  # the search, closed with its caller
            async with aclosing(groups.pages(Everyone())) as listing:
                async for page in listing:
                    assert page
                    break
            assert closed == ["/api/v1/groups"] * 2
