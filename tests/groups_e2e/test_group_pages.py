"""A listing of groups with their members reads the members of the groups on the page it answers,
and of no other group: one member listing per group shown, none for the rest of the org."""

from __future__ import annotations

import re
from typing import Any

import httpx
from endpoint.harness import Stack, new_user, patch, stack
from rest_e2e.group_sequences import new_group

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
GROUPS = 6


def _groups_with_a_member_each(okta: Stack, scim: httpx.Client) -> dict[str, str]:
    """{group id: its one member's id}."""
    members = {}
    for n in range(GROUPS):
        group = scim.post("/Groups", json=new_group(f"Paged {n}")).json()["id"]
        user = scim.post("/Users", json=new_user(f"paged{n}@example.com")).json()["id"]
        add = patch({"op": "add", "path": "members", "value": [{"value": user}]})
        assert scim.patch(f"/Groups/{group}", json=add).status_code == 204
        members[group] = user
    return members


def _member_listings(okta: Stack, before: int) -> int:
    return sum(
        1
        for method, path, _ in okta.sim.request_log[before:]
        if method == "GET" and re.fullmatch(r"/api/v1/groups/[^/]+/users", path.split("?")[0])
    )


def _shown(resources: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r["id"]: [m["value"] for m in r["members"]] for r in resources if "members" in r}


def test_a_page_of_groups_reads_only_its_own_groups_members() -> None:
    with stack() as okta, okta.client() as scim:
        members = _groups_with_a_member_each(okta, scim)
        seen: dict[str, list[str]] = {}
        for start, count in ((1, 2), (3, 2), (5, 2)):
            before = len(okta.sim.request_log)
            page = scim.get("/Groups", params={"startIndex": start, "count": count})
            assert page.status_code == 200, page.text
            body = page.json()
            assert body["totalResults"] == GROUPS
            assert len(body["Resources"]) == count
            assert _member_listings(okta, before) == count
            shown = _shown(body["Resources"])
            assert len(shown) == count
            seen.update(shown)
        assert seen == {group: [user] for group, user in members.items()}
        before = len(okta.sim.request_log)
        counted = scim.get("/Groups", params={"count": 0}).json()
        assert (counted["totalResults"], counted["Resources"]) == (GROUPS, [])
        assert _member_listings(okta, before) == 0


def test_the_root_search_shows_the_members_of_the_groups_on_its_page() -> None:
    with stack() as okta, okta.client() as scim:
        members = _groups_with_a_member_each(okta, scim)
        # Users come first: the groups' part of the page starts after the GROUPS users.
        before = len(okta.sim.request_log)
        answer = scim.post("/.search", json={"schemas": [SEARCH], "startIndex": 8, "count": 3})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["totalResults"] == 2 * GROUPS
        groups = [r for r in body["Resources"] if "displayName" in r]
        assert len(groups) == 3
        assert _shown(groups) == {g["id"]: [members[g["id"]]] for g in groups}
        assert _member_listings(okta, before) == 3


def test_a_later_page_whose_group_is_gone_meanwhile_still_answers() -> None:
    """A later page reads the first page's snapshot; a group on it deleted meanwhile has no
    members to read, and the page is answered all the same, never a 404 for the listing."""
    with stack() as okta, okta.client() as scim:
        _groups_with_a_member_each(okta, scim)
        first = scim.get("/Groups", params={"startIndex": 1, "count": 2}).json()
        assert len(first["Resources"]) == 2
        later = scim.get(
            "/Groups", params={"startIndex": 3, "count": 2, "excludedAttributes": "members"}
        ).json()["Resources"]
        assert scim.delete(f"/Groups/{later[0]['id']}").status_code == 204
        page = scim.get("/Groups", params={"startIndex": 3, "count": 2})
        assert page.status_code == 200, page.text
        shown = {r["id"]: r["members"] for r in page.json()["Resources"]}
        assert shown[later[0]["id"]] == []
        assert len(shown[later[1]["id"]]) == 1
