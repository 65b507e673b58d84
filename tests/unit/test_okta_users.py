"""connector/targets/okta: reading Okta's Link header (paging.py) and turning a user into a record
(users.py)."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest

from connector.targets.errors import RejectedError
from connector.targets.okta.client import OktaClient
from connector.targets.okta.paging import next_link as _next_link
from connector.targets.okta.paging import next_page
from connector.targets.okta.users import OktaUsers

from .okta_sim import okta_users, options, org

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
