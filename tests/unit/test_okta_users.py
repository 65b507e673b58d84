"""connector/targets/okta: reading Okta's Link header (paging.py) and turning a user into a record
(users.py)."""

from __future__ import annotations

import gc
from contextlib import aclosing
from typing import Any, cast

import httpx
import pytest
from clocks import Clock

from connector.targets.errors import LoginConflictError, RejectedError
from connector.targets.model import TargetUser
from connector.targets.okta.client import OktaClient
from connector.targets.okta.paging import next_link as _next_link
from connector.targets.okta.paging import next_page
from connector.targets.okta.users import OktaUsers, is_user_id
from connector.targets.protocol import search
from connector.targets.query import Condition, Everyone
from connector.transport.budget import request_budget

from .okta_sim import (
    ATTRIBUTE,
    LoseAnswers,
    Org,
    client_for,
    closed_page_reads,
    okta_users,
    options,
    org,
)

NEXT = "https://org.okta.com/api/v1/users?after=00u2&limit=200"
SELF = "https://org.okta.com/api/v1/users?limit=200"


@pytest.mark.parametrize(
    "lines",
    [
        [f'<{SELF}>; rel="self"', f'<{NEXT}>; rel="next"'],
        [f'<{SELF}>; rel="self", <{NEXT}>; rel="next"'],
        [f"<{NEXT}>;rel=next"],
        [f'<{NEXT}> ; rel = "next"'],
        [f'<{SELF}>; rel="self"', f'  <{NEXT}>;  rel="next"  '],
    ],
)
def test_next_link_found(lines: list[str]) -> None:
    assert _next_link(lines) == NEXT


@pytest.mark.parametrize(
    "lines",
    [[], [f'<{SELF}>; rel="self"'], [f"<{NEXT}>"], [f'<{NEXT}>; rel="prev"']],
)
def test_no_next_link(lines: list[str]) -> None:
    assert _next_link(lines) is None


def _users(disable_mode: str = "deactivate") -> OktaUsers:
    # to_user never touches the client.
    return OktaUsers(cast("OktaClient", object()), disable_mode=disable_mode)


OKTA_USER: dict[str, Any] = {
    "id": "00u1",
    "status": "ACTIVE",
    "created": "2024-01-01T00:00:00.000Z",
    "lastUpdated": "2024-02-02T00:00:00.000Z",
    "profile": {"login": "a@x.test", "firstName": "A"},
}


def test_to_user_copies_the_record() -> None:
    user = _users().to_user(OKTA_USER)
    assert user.id == "00u1"
    assert user.profile == {"login": "a@x.test", "firstName": "A"}
    assert user.active is True
    assert user.state == "ACTIVE"
    assert user.created == "2024-01-01T00:00:00.000Z"
    assert user.last_modified == "2024-02-02T00:00:00.000Z"


@pytest.mark.parametrize(
    ("status", "deactivate_mode", "suspend_mode"),
    [
        ("STAGED", True, True),
        ("PROVISIONED", True, True),
        ("ACTIVE", True, True),
        ("RECOVERY", True, True),
        ("LOCKED_OUT", True, True),
        ("PASSWORD_EXPIRED", True, True),
        ("SUSPENDED", True, False),
        ("DEPROVISIONED", False, False),
    ],
)
def test_active_by_status_and_disable_mode(
    status: str, deactivate_mode: bool, suspend_mode: bool
) -> None:
    data = {**OKTA_USER, "status": status}
    assert _users("deactivate").to_user(data).active is deactivate_mode
    assert _users("suspend").to_user(data).active is suspend_mode
    assert _users("suspend").to_user(data).state == status


def test_to_user_tolerates_missing_fields() -> None:
    user = _users().to_user({"id": "00u9", "profile": ["not", "a", "dict"]})
    assert user.profile == {}
    assert user.state == ""
    assert user.active is True
    assert (user.created, user.last_modified) == (None, None)


@pytest.mark.parametrize(
    ("base", "link", "path"),
    [
        ("https://org.okta.com", NEXT, "/api/v1/users"),
        # A base URL with a path (a proxy in front of Okta): the next call stays relative to it.
        (
            "https://proxy.test/okta",
            "https://proxy.test/okta/api/v1/users?after=00u2&limit=200",
            "/api/v1/users",
        ),
        # Another host in the header is never called: only its path and query are kept.
        (
            "https://org.okta.com",
            "https://elsewhere.test/api/v1/users?after=00u2&limit=200",
            "/api/v1/users",
        ),
    ],
)
def test_next_page_is_followed_on_the_base_url(base: str, link: str, path: str) -> None:
    response = httpx.Response(200, headers=[("link", f'<{link}>; rel="next"')])
    assert next_page(response, base) == (path, {"after": "00u2", "limit": "200"})
    assert next_page(httpx.Response(200, headers=[("link", f'<{SELF}>; rel="self"')]), base) is None


async def test_a_missing_user_attribute_is_named_with_the_fix() -> None:
    with org(options(custom_attributes=())) as okta:
        async with okta_users(okta) as users:
            profile = {"login": "m@example.com", "email": "m@example.com", "firstName": "M"}
            with pytest.raises(RejectedError) as caught:
                await users.create({**profile, "lastName": "X", "scimExternalId": "e"}, active=True)
            detail = caught.value.detail
            assert "'scimExternalId'" in detail
            assert "doctor --fix" in detail
            assert "Profile Editor > User (default)" in detail
            assert okta.sim.users() == []
            with pytest.raises(RejectedError) as other:
                await users.create({**profile, "lastName": "X", "badgeNumber": "7"}, active=True)
            # Not the externalId attribute: doctor --fix would not add it.
            assert "'badgeNumber'" in other.value.detail
            assert "doctor" not in other.value.detail
            created = await users.create({**profile, "lastName": "X"}, active=True)
            with pytest.raises(RejectedError, match="doctor --fix"):
                await users.update(created.id, {"scimExternalId": "e"})


# -- outcomes that must be exact ----------------------------------------------------------------


def _profile(login: str) -> dict[str, str]:
    return {"login": login, "email": "x@example.com", "firstName": "X", "lastName": "Y"}


@pytest.mark.parametrize(
    "login", ["ops/admin@example.com", "who?@example.com", " padded@example.com "]
)
async def test_a_lost_create_of_a_login_okta_cannot_address_is_resolved(login: str) -> None:
    """Okta's GET by login cannot address these logins and its search has not caught up yet:
    the resend's "login taken" is resolved from the live listing, never answered 409."""
    with org(options(any_login=True, search_lag_ms=600_000), clock=Clock()) as okta:
        lose = LoseAnswers(lambda r: r.method == "POST" and r.url.path == "/api/v1/users")
        users = OktaUsers(client_for(okta, lose))
        try:
            with request_budget(10):
                created = await users.create(_profile(login), active=True)
        finally:
            await users.aclose()
        assert lose.left == 0
        held = [u for u in okta.sim.users() if u["profile"]["login"] == login]
        assert [u["id"] for u in held] == [created.id]


async def test_a_lost_create_does_not_take_over_someone_elses_login() -> None:
    with org(options(any_login=True, search_lag_ms=600_000), clock=Clock()) as okta:
        okta.user("ops/other@example.com")  # an older user, with other values
        lose = LoseAnswers(lambda r: r.method == "POST" and r.url.path == "/api/v1/users")
        users = OktaUsers(client_for(okta, lose))
        try:
            with request_budget(10), pytest.raises(LoginConflictError):
                await users.create(_profile("ops/other@example.com"), active=True)
        finally:
            await users.aclose()


class ReenableBetweenDeletes(httpx.AsyncBaseTransport):
    """Entra's re-enable PATCH lands between the connector's two DELETEs of one user."""

    def __init__(self, okta: Org, user_id: str) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._okta, self._user_id, self.deletes = okta, user_id, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method == "DELETE":
            self.deletes += 1
            if self.deletes == 1:
                activated = self._okta.admin.post(
                    f"/api/v1/users/{self._user_id}/lifecycle/activate",
                    params={"sendEmail": "false"},
                    content=b"",
                )
                assert activated.status_code == 200, activated.text
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_a_delete_racing_a_re_enable_still_deletes() -> None:
    with org() as okta:
        user_id = okta.user("racer@example.com")
        race = ReenableBetweenDeletes(okta, user_id)
        users = OktaUsers(client_for(okta, race))
        try:
            with request_budget(10):
                await users.delete(user_id)
        finally:
            await users.aclose()
        assert [u["id"] for u in okta.sim.users()] == []  # gone, as the 204 says
        assert race.deletes == 4  # deactivate, (re-enabled) deactivate, delete, 404


async def test_deleting_a_deactivated_user_takes_two_calls() -> None:
    with org() as okta:
        user_id = okta.user("soft@example.com")
        okta.admin.post(f"/api/v1/users/{user_id}/lifecycle/deactivate", content=b"")
        mark = okta.mark()
        async with okta_users(okta) as users:
            with request_budget(10):
                await users.delete(user_id)
        assert [(m, s) for m, _, s in okta.calls_since(mark)] == [("DELETE", 204), ("DELETE", 404)]
        assert okta.sim.users() == []


async def test_a_search_on_a_missing_external_id_attribute_names_it_and_the_fix() -> None:
    """An org without the externalId attribute answers Entra's `externalId eq` match with
    "Invalid search query." (E0000031): the SCIM error names the attribute and the fix."""
    with org(options(custom_attributes=())) as okta:
        async with okta_users(okta) as users:
            with request_budget(5), pytest.raises(RejectedError) as refused:
                await search(users, Condition(ATTRIBUTE, "eq", 'profile.title "x"'))
            assert f"profile.{ATTRIBUTE}" in refused.value.detail
            assert "doctor --fix" in refused.value.detail
            with request_budget(5), pytest.raises(RejectedError) as other:
                await search(users, Condition("badgeNumber", "eq", "7"))
            assert "profile.badgeNumber" in other.value.detail
            assert "profile.title" not in other.value.detail
            assert "doctor --fix" not in other.value.detail


async def test_a_listing_follows_the_next_page_under_a_base_url_with_a_path() -> None:
    """OKTA_ORG_URL behind a proxy (`https://proxy.test/okta`): Okta's next link carries that
    path, which the next request must not repeat."""
    sent: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        if "after=" not in str(request.url):
            link = '<https://proxy.test/okta/api/v1/users?after=00u1&limit=200>; rel="next"'
            return httpx.Response(200, json=[OKTA_USER], headers={"link": link})
        return httpx.Response(200, json=[{**OKTA_USER, "id": "00u2"}])

    async def token(refresh: bool) -> str:
        return "t0ken"

    client = OktaClient("https://proxy.test/okta", token, transport=httpx.MockTransport(respond))
    users = OktaUsers(client)
    with request_budget(5):
        pages = [[u.id for u in page] async for page in users.pages(Everyone())]
    await client.aclose()
    assert pages == [["00u1"], ["00u2"]]
    assert sent[1] == "https://proxy.test/okta/api/v1/users?after=00u1&limit=200"


def _live_users() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, TargetUser))


async def test_a_listing_holds_one_page_at_a_time() -> None:
    """While the next page is read, nothing of the page before it is still held by the listing
    (the caller let its own reference go, as service._listed does)."""
    alive: list[int] = []

    def respond(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params.get("after", "0"))
        alive.append(_live_users())
        link = f'<https://org.okta.com/api/v1/users?after={after + 1}&limit=200>; rel="next"'
        page = [{**OKTA_USER, "id": f"00u{after}{i}"} for i in range(3)]
        return httpx.Response(200, json=page, headers={"link": link} if after < 2 else {})

    async def token(refresh: bool) -> str:
        return "t0ken"

    client = OktaClient("https://org.okta.com", token, transport=httpx.MockTransport(respond))
    users = OktaUsers(client)
    ids: list[str] = []
    with request_budget(5):
        async for page in users.pages(Everyone()):
            ids += [u.id for u in page]
            del page
    await client.aclose()
    assert len(ids) == 9
    assert alive == [0, 0, 0]


@pytest.mark.parametrize(
    ("value", "is_id"),
    [
        ("00u1abCD23efGH45ij67", True),
        ("00u", False),
        ("00g1abcd", False),  # a group's
        ("00u1abcd\n", False),  # `$` would have let the line break end it
        ("00u1ab/cd", False),
        ("ada@example.com", False),
    ],
)
def test_what_is_an_okta_user_id(value: str, is_id: bool) -> None:
    assert is_user_id(value) is is_id


async def test_a_listing_left_early_closes_its_page_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    # As group listings do: the page reads close with the caller, not with the garbage collector.
    from connector.targets.okta import users as module

    closed = closed_page_reads(monkeypatch, module)
    with org() as okta:
        okta.user("ada@example.com")
        async with okta_users(okta) as users:
            async with aclosing(users.pages(Everyone())) as listing:
                async for page in listing:
                    assert page
                    break
            assert closed == ["/api/v1/users"]


async def test_a_rotated_api_token_is_sent_from_the_next_call_on() -> None:
    """The SSWS authorization is kept per token value (client.SswsToken) and its headers merged
    once per authorization (http.ApiClient): a token read anew must still reach the next call."""
    sent: list[str] = []
    current = ["t0ken-1"]

    def respond(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return httpx.Response(200, json=[OKTA_USER])

    async def token(refresh: bool) -> str:
        return current[0]

    client = OktaClient("https://org.okta.com", token, transport=httpx.MockTransport(respond))
    with request_budget(5):
        await client.send("GET", "/api/v1/users")
        await client.send("GET", "/api/v1/users")
        current[0] = "t0ken-2"  # rotated in the vault, read at the next call
        await client.send("GET", "/api/v1/users")
    await client.aclose()
    assert sent == ["SSWS t0ken-1", "SSWS t0ken-1", "SSWS t0ken-2"]
