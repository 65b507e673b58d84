"""POST .search for groups (RFC 7644 §3.4.3): /Groups/.search, and the root /.search answering
users and groups alike, each kind where it can answer the filter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from endpoint.harness import Stack, new_user, stack

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def okta_stack() -> Iterator[Stack]:
    with stack() as running:
        yield running


def test_group_search_and_the_root_search(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        group = scim.post("/Groups", json={"displayName": "Sales", "members": []})
        assert group.status_code == 201, group.text
        user = scim.post("/Users", json=new_user("sales@example.com")).json()
        by_group = scim.post(
            "/Groups/.search",
            json={
                "schemas": [SEARCH],
                "filter": 'displayName eq "Sales"',
                "attributes": ["displayName"],
            },
        )
        assert by_group.status_code == 200, by_group.text
        [found] = by_group.json()["Resources"]
        assert set(found) == {"id", "schemas", "displayName"}
        assert found["id"] == group.json()["id"]
        everyone = scim.post(
            "/.search", json={"schemas": [SEARCH], "excludedAttributes": ["members"]}
        )
        assert everyone.status_code == 200, everyone.text
        ids = {r["id"] for r in everyone.json()["Resources"]}
        assert ids == {user["id"], group.json()["id"]}
        users_only = scim.post(
            "/.search", json={"schemas": [SEARCH], "filter": 'userName eq "sales@example.com"'}
        )
        assert [r["id"] for r in users_only.json()["Resources"]] == [user["id"]]
        neither = scim.post("/.search", json={"schemas": [SEARCH], "filter": 'nope eq "x"'})
        assert neither.status_code == 400
        assert neither.json()["scimType"] == "invalidFilter"
