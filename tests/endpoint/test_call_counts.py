"""Okta calls per SCIM operation (bench/RESULTS.md): Okta's rate limit is the ceiling of the
whole system, so these counts are pinned; a change that adds a call fails here."""

from __future__ import annotations

import uuid

from .harness import ENTERPRISE, Stack, new_user, patch


def _calls(stack: Stack, since: int) -> list[tuple[str, str]]:
    return [(m, p.split("?")[0]) for m, p, _ in stack.calls()[since:]]


def test_okta_calls_per_scim_operation(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:

        def measure(method: str, path: str, body: object = None) -> list[tuple[str, str]]:
            before = len(okta_stack.calls())
            scim.request(method, path, json=body)
            return _calls(okta_stack, before)

        probe = f'userName eq "{uuid.uuid4()}"'
        assert len(measure("GET", f"/Users?filter={probe}")) == 1
        before = len(okta_stack.calls())
        user_id = scim.post("/Users", json=new_user("ada@example.com")).json()["id"]
        assert _calls(okta_stack, before) == [("POST", "/api/v1/users")]
        user = f"/api/v1/users/{user_id}"
        assert measure("GET", '/Users?filter=userName eq "ada@example.com"') == [
            ("GET", "/api/v1/users/ada%40example.com")
        ]
        assert measure("GET", f"/Users/{user_id}") == [("GET", user)]
        many = patch(
            {"op": "Replace", "path": "displayName", "value": "Ada"},
            {"op": "Replace", "path": "title", "value": "Countess"},
            {"op": "Replace", "path": "nickName", "value": "A"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada@example.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Maths"},
        )
        assert measure("PATCH", f"/Users/{user_id}", many) == [("POST", user)]
        off = patch(
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "title", "value": "Analyst"},
        )
        assert measure("PATCH", f"/Users/{user_id}", off) == [
            ("POST", user),
            ("POST", f"{user}/lifecycle/deactivate"),
        ]
        on = patch({"op": "Replace", "path": "active", "value": "True"})
        assert measure("PATCH", f"/Users/{user_id}", on) == [
            ("GET", user),
            ("POST", f"{user}/lifecycle/activate"),
        ]
        # An active user: deactivate, delete, and Okta's 404 confirming it is gone.
        assert measure("DELETE", f"/Users/{user_id}") == [("DELETE", user)] * 3
        assert measure("DELETE", f"/Users/{user_id}") == [("DELETE", user)]
        # Entra's usual order, soft delete first: delete, then the 404.
        other = scim.post("/Users", json=new_user("soft@example.com")).json()["id"]
        scim.patch(
            f"/Users/{other}", json=patch({"op": "Replace", "path": "active", "value": "False"})
        )
        soft = f"/api/v1/users/{other}"
        assert measure("DELETE", f"/Users/{other}") == [("DELETE", soft)] * 2
