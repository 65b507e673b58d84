"""Entra's group request sequences, both PATCH dialects, against the served connector and the Okta
simulator with a lagging search index, checking Okta's own groups and members afterwards; a
group created a moment ago is never created twice; and the Okta calls each group operation costs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from endpoint.harness import BEARER, FLAG, Stack, new_user, okta_options, patch, stack
from rest_e2e.group_sequences import GROUP_SEQUENCES, new_group

from connector.http.runtime import reset_runtime

from .okta_app import okta_app, okta_groups

MODES = [pytest.param(False, id="default"), pytest.param(True, id="aadOptscim062020")]
# Longer than any sequence: every search, filter and q during it reads a stale index.
SEARCH_LAG_MS = 60_000


def _client(okta: Stack, flag: bool) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=okta.tenant_url,
        headers={"Authorization": f"Bearer {BEARER}"},
        params={FLAG: ""} if flag else None,
        timeout=60,
    )


@pytest.mark.parametrize("flag", MODES)
@pytest.mark.parametrize("name", list(GROUP_SEQUENCES))
async def test_sequence_against_okta(name: str, flag: bool) -> None:
    with stack(okta_options(search_lag_ms=SEARCH_LAG_MS)) as okta:
        async with _client(okta, flag) as scim:
            await GROUP_SEQUENCES[name](scim, okta_app(okta.sim), flag)
        # No SCIM request made Okta answer a 5xx or a 429, and no group was made twice.
        assert not [c for c in okta.calls() if c[2] >= 500 or c[2] == 429]
        names = [g.name.lower() for g in okta_groups(okta.sim)]
        assert len(names) == len(set(names))


MATCH = {"excludedAttributes": "members"}


def _match(scim: httpx.Client, name: str) -> list[str]:
    answer = scim.get("/Groups", params={"filter": f'displayName eq "{name}"', **MATCH})
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["Resources"]]


@pytest.mark.parametrize("another_instance", [False, True], ids=["same", "another-instance"])
def test_a_group_created_a_moment_ago_is_not_created_twice(another_instance: bool) -> None:
    """Entra creates a group, matches it by name a moment later and, when the match misses it
    (the search lags; the match went to another instance), sends the create again."""
    with stack(okta_options(search_lag_ms=SEARCH_LAG_MS)) as okta, okta.client() as scim:
        body = new_group("Sales", "e0a1-sales")
        first = scim.post("/Groups", json=body)
        assert first.status_code == 201, first.text
        group_id = first.json()["id"]
        if another_instance:
            reset_runtime()  # a fresh instance: nothing remembered of the create
            assert _match(scim, "Sales") == []  # Okta's search does not show it yet
        else:
            assert _match(scim, "Sales") == [group_id]
        again = scim.post("/Groups", json=body)
        assert again.status_code == 201, again.text
        assert again.json()["id"] == group_id
        assert [g.id for g in okta_groups(okta.sim)] == [group_id]
        # A resend naming a member that is not a user keeps the group it did not create.
        ghost = scim.post("/Groups", json={**body, "members": [{"value": "00uNoSuchUser"}]})
        assert ghost.status_code == 400, ghost.text
        assert "00uNoSuchUser" in ghost.json()["detail"]
        assert [g.id for g in okta_groups(okta.sim)] == [group_id]
        # Another Entra group with the same name is a conflict, not a second Okta group.
        other = scim.post("/Groups", json=new_group("SALES", "another-object-id"))
        assert other.status_code == 409, other.text
        assert other.json()["scimType"] == "uniqueness"
        assert len(okta_groups(okta.sim)) == 1


def test_groups_are_advertised() -> None:
    with stack() as okta, okta.client() as scim:
        types = scim.get("/ResourceTypes").json()["Resources"]
        assert "Group" in [t["name"] for t in types]
        schemas = [s["id"] for s in scim.get("/Schemas").json()["Resources"]]
        assert "urn:ietf:params:scim:schemas:core:2.0:Group" in schemas


def test_a_group_created_without_the_okta_attribute_says_how_to_fix_it() -> None:
    with stack(okta_options(group_custom_attributes=())) as okta, okta.client() as scim:
        answer = scim.post("/Groups", json=new_group("Sales", "e0a1-sales"))
        assert answer.status_code == 400, answer.text
        detail = answer.json()["detail"]
        assert "'scimExternalId'" in detail
        assert "python -m connector doctor --fix" in detail
        assert okta_groups(okta.sim) == []
        user = scim.post("/Users", json=new_user("fine@example.com"))
        assert user.status_code == 201  # users are unaffected


def test_a_user_created_without_the_okta_attribute_says_how_to_fix_it() -> None:
    with stack(okta_options(custom_attributes=())) as okta, okta.client() as scim:
        answer = scim.post("/Users", json=new_user("lost@example.com"))
        assert answer.status_code == 400, answer.text
        assert "'scimExternalId'" in answer.json()["detail"]
        assert "doctor --fix" in answer.json()["detail"]
        assert okta.okta_users() == []


def test_app_groups_and_everyone_are_refused_with_a_clear_400() -> None:
    with stack() as okta, okta.client() as scim:
        user = scim.post("/Users", json=new_user("ann@example.com")).json()["id"]
        app = okta.sim.add_app_group("Engineering")
        everyone = next(g["id"] for g in okta.sim.groups() if g["type"] == "BUILT_IN")
        add = patch({"op": "add", "path": "members", "value": [{"value": user}]})
        for group_id, words in ((app, "imported from a directory"), (everyone, "built-in")):
            answer = scim.patch(f"/Groups/{group_id}", json=add)
            assert answer.status_code == 400, answer.text
            assert words in answer.json()["detail"]
            assert "provisioning scope" in answer.json()["detail"]
        assert okta.sim.group_members(app) == []
        # Never offered to Entra: not matched by name, not listed.
        assert _match(scim, "Engineering") == []
        assert _match(scim, "Everyone") == []
        assert scim.get("/Groups", params=MATCH).json()["totalResults"] == 0


# -- Okta calls per group operation -------------------------------------------------------------


def test_okta_calls_per_group_operation() -> None:
    with stack() as okta, okta.client() as scim:
        users = [
            scim.post("/Users", json=new_user(f"m{n}@example.com")).json()["id"] for n in range(5)
        ]

        def calls(action: Callable[[], httpx.Response], status: int) -> list[tuple[str, str]]:
            before = len(okta.sim.request_log)
            answer = action()
            assert answer.status_code == status, answer.text
            return [(m, p.split("?")[0]) for m, p, _ in okta.sim.request_log[before:]]

        probe = calls(
            lambda: scim.get(
                "/Groups", params={"filter": f'displayName eq "{uuid.uuid4()}"', **MATCH}
            ),
            200,
        )
        assert probe == [("GET", "/api/v1/groups")]  # one search

        created: dict[str, str] = {}

        def create() -> httpx.Response:
            answer = scim.post("/Groups", json=new_group("Counted", "e-counted"))
            created.update(answer.json())
            return answer

        assert calls(create, 201) == [("POST", "/api/v1/groups")]
        path = f"/api/v1/groups/{created['id']}"
        assert calls(lambda: scim.get(f"/Groups/{created['id']}", params=MATCH), 200) == [
            ("GET", path)
        ]
        rename = patch({"op": "Replace", "path": "displayName", "value": "Counted 2"})
        assert calls(lambda: scim.patch(f"/Groups/{created['id']}", json=rename), 204) == [
            ("GET", path),
            ("PUT", path),
        ]
        pathless = patch({"op": "replace", "value": {"displayName": "Counted 3"}})
        assert len(calls(lambda: scim.patch(f"/Groups/{created['id']}", json=pathless), 204)) == 2
        add = patch({"op": "Add", "path": "members", "value": [{"value": u} for u in users]})
        added = calls(lambda: scim.patch(f"/Groups/{created['id']}", json=add), 204)
        assert sorted(added) == sorted(("PUT", f"{path}/users/{u}") for u in users)
        check = {"filter": f'id eq "{created["id"]}" and members eq "{users[0]}"', **MATCH}
        assert calls(lambda: scim.get("/Groups", params=check), 200) == [
            ("GET", path),
            ("GET", f"/api/v1/users/{users[0]}/groups"),
        ]
        remove = patch({"op": "remove", "path": f'members[value eq "{users[0]}"]'})
        assert calls(lambda: scim.patch(f"/Groups/{created['id']}", json=remove), 204) == [
            ("DELETE", f"{path}/users/{users[0]}")
        ]
        assert calls(lambda: scim.get(f"/Groups/{created['id']}"), 200) == [
            ("GET", path),
            ("GET", f"{path}/users"),
        ]
        assert calls(lambda: scim.delete(f"/Groups/{created['id']}"), 204) == [("DELETE", path)]
        assert len(okta.sim.users()) == 5  # the members stay users
