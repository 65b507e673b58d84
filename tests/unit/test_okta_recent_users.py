"""Entra's externalId match right after a write, against an Okta whose search lags as Okta's does
(oktasim's default lag, on a clock that moves only when a test moves it): a user this instance
wrote a moment ago is found, read by id; what it remembers never answers for Okta."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from clocks import Clock

from connector.mapping import Catalog
from connector.mapping.writes import Operation
from connector.scim.filters import parse_filter
from connector.service import UserService
from connector.targets.okta.recent import REMEMBER_SECONDS, RecentUsers
from connector.targets.okta.users import OktaUsers
from connector.transport.budget import request_budget
from oktasim import SimulatorOptions

from .okta_sim import Org, client_for, options, org

# The simulator's default: Okta's search "typically" catches up within a second.
LAG = options(search_lag_ms=SimulatorOptions().search_lag_ms)


def _body(login: str, external_id: str) -> dict[str, Any]:
    return {
        "userName": login,
        "externalId": external_id,
        "name": {"givenName": "Ext", "familyName": "User"},
        "emails": [{"type": "work", "value": login}],
    }


@asynccontextmanager
async def _instance(
    okta: Org, catalog: Catalog, clock: Clock | None = None
) -> AsyncIterator[UserService]:
    """One connector instance: its own Okta target, and so its own memory."""
    recent = RecentUsers(clock=clock) if clock is not None else RecentUsers()
    users = OktaUsers(client_for(okta), recent=recent)
    try:
        yield UserService(catalog, users)
    finally:
        await users.aclose()


async def _ids(service: UserService, text: str) -> list[str]:
    found = await service.query(parse_filter(text), page_end=1)
    return [str(r["id"]) for r in found]


def _calls(okta: Org, mark: int) -> Sequence[tuple[str, str]]:
    return [(m, p) for m, p, _ in okta.calls_since(mark)]


async def test_an_external_id_match_right_after_the_create_finds_the_user(
    catalog: Catalog,
) -> None:
    with org(LAG, clock=Clock()) as okta:
        async with _instance(okta, catalog) as service, _instance(okta, catalog) as other:
            user_id = (await service.create(_body("ext@example.com", "ext-1")))["id"]
            mark = okta.mark()
            assert await _ids(service, 'externalId eq "ext-1"') == [user_id]
            # Read by id (consistent), and the search still made: another user may hold it.
            assert _calls(okta, mark) == [
                ("GET", f"/api/v1/users/{user_id}"),
                ("GET", "/api/v1/users"),
            ]
            # The lag is Okta's: an instance that did not write the user does not see it yet.
            assert await _ids(other, 'externalId eq "ext-1"') == []
            # The same with the rest of Entra's filter, and SCIM's case-exact externalId.
            both = 'externalId eq "ext-1" and userName eq "ext@example.com"'
            assert await _ids(service, both) == [user_id]
            assert await _ids(service, 'externalId eq "EXT-1"') == []
            mark = okta.mark()
            assert await _ids(service, 'externalId eq "nobody"') == []
            assert _calls(okta, mark) == [("GET", "/api/v1/users")]  # nothing remembered: 1


async def test_an_external_id_this_instance_changed_answers_by_the_new_value_only(
    catalog: Catalog,
) -> None:
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        async with _instance(okta, catalog) as service:
            user_id = (await service.create(_body("move@example.com", "old")))["id"]
            clock.advance(5)  # the index shows the user, with "old"
            replace = Operation("replace", "externalId", "new")
            assert (await service.patch(user_id, [replace]))["externalId"] == "new"
            # The index still shows "old" for a second: the hit is read again, and is not it.
            assert await _ids(service, 'externalId eq "old"') == []
            assert await _ids(service, 'externalId eq "new"') == [user_id]
        async with _instance(okta, catalog) as other:
            # Without the memory, Okta's lagging index answers as it stands (what it fixes).
            assert await _ids(other, 'externalId eq "old"') == [user_id]


async def test_a_user_this_instance_deleted_is_not_answered_from_the_lagging_index(
    catalog: Catalog,
) -> None:
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        async with _instance(okta, catalog) as service:
            user_id = (await service.create(_body("gone@example.com", "gone-1")))["id"]
            clock.advance(5)
            await service.delete(user_id)
            mark = okta.mark()
            assert await _ids(service, 'externalId eq "gone-1"') == []
            assert await _ids(service, 'userName sw "gone"') == []  # any search
            # No call to learn it: Okta never gives a deleted user's id to another user.
            assert [m for m, _ in _calls(okta, mark)] == ["GET", "GET"]
            assert all(p == "/api/v1/users" for _, p in _calls(okta, mark))


async def test_what_another_instance_changed_since_is_not_answered_from_memory(
    catalog: Catalog,
) -> None:
    with org(LAG, clock=Clock()) as okta:
        async with _instance(okta, catalog) as service, _instance(okta, catalog) as other:
            moved = (await service.create(_body("moved@example.com", "m-1")))["id"]
            removed = (await service.create(_body("removed@example.com", "r-1")))["id"]
            await other.patch(moved, [Operation("replace", "externalId", "m-2")])
            await other.delete(removed)
            assert await _ids(service, 'externalId eq "m-1"') == []
            assert await _ids(service, 'externalId eq "r-1"') == []
            assert [u["id"] for u in okta.sim.users()] == [moved]


async def test_the_memory_lasts_minutes_and_may_be_lost(catalog: Catalog) -> None:
    """After REMEMBER_SECONDS the user is no longer read by id: Okta's index, caught up long
    since, answers (one call); an instance that lost its memory is one that never had it."""
    clock = Clock()
    with org(LAG, clock=clock) as okta:
        async with _instance(okta, catalog, clock) as service:
            user_id = (await service.create(_body("old@example.com", "o-1")))["id"]
            clock.advance(REMEMBER_SECONDS + 1)
            mark = okta.mark()
            assert await _ids(service, 'externalId eq "o-1"') == [user_id]
            assert _calls(okta, mark) == [("GET", "/api/v1/users")]


async def test_a_login_okta_cannot_address_is_found_right_after_the_create() -> None:
    """A login with `/` is searched (no GET can name it): the user this instance created a
    moment ago is read by id, and only while it still holds that login."""
    with org(options(any_login=True, search_lag_ms=1000.0), clock=Clock()) as okta:
        users, other = OktaUsers(client_for(okta)), OktaUsers(client_for(okta))
        try:
            with request_budget(10):
                profile = {"firstName": "O", "lastName": "P", "email": "o@example.com"}
                login = {"login": "ops/a@example.com"}
                created = await users.create({**profile, **login}, active=True)
                found = await users.find_by_anchor("OPS/A@example.com")
                assert found is not None
                assert found.id == created.id
                # Another instance renames it: the user read by id no longer holds the login.
                await other.update(created.id, {"login": "ops/b@example.com"})
                assert await users.find_by_anchor("ops/a@example.com") is None
        finally:
            await users.aclose()
            await other.aclose()
