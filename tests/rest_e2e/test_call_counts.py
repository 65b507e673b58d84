"""Calls to the application per SCIM operation: the application's rate limit is the ceiling of
the whole system, so every call over the minimum is a performance bug."""

from __future__ import annotations

import uuid

from endpoint.harness import ENTERPRISE, new_user, patch

from .harness import ledgerline_stack


def test_calls_per_scim_operation() -> None:
    with ledgerline_stack() as rest, rest.client() as scim:
        probe = rest.calls_during(
            lambda: scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
        )
        assert [(m, p.split("?")[0]) for m, p, _ in probe] == [("GET", "/api/v2/accounts")]

        created: dict[str, str] = {}
        create = rest.calls_during(
            lambda: created.update(scim.post("/Users", json=new_user("ada@example.com")).json())
        )
        assert [(m, p, s) for m, p, s in create] == [("POST", "/api/v2/accounts", 201)]
        path = f"/api/v2/accounts/{created['id']}"

        get = rest.calls_during(lambda: scim.get(f"/Users/{created['id']}"))
        assert get == [("GET", path, 200)]

        many = patch(
            {"op": "Replace", "path": "displayName", "value": "Ada L"},
            {"op": "Replace", "path": "title", "value": "Countess"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@x.test"},
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Maths"},
        )
        assert rest.calls_during(lambda: scim.patch(f"/Users/{created['id']}", json=many)) == [
            ("PATCH", path, 200)
        ]
        with_state = patch(
            {"op": "Replace", "path": "title", "value": "Analyst"},
            {"op": "Replace", "path": "active", "value": "False"},
        )
        calls = rest.calls_during(lambda: scim.patch(f"/Users/{created['id']}", json=with_state))
        assert calls == [("PATCH", path, 200), ("POST", f"{path}/disable", 200)]

        # active already false: Entra re-sends it every cycle; no state call is made.
        again = patch({"op": "Replace", "path": "active", "value": "False"})
        assert rest.calls_during(lambda: scim.patch(f"/Users/{created['id']}", json=again)) == [
            ("GET", path, 200)
        ]

        # Ledgerline deletes only disabled accounts: disable (already so: 409, done), delete.
        delete = rest.calls_during(lambda: scim.delete(f"/Users/{created['id']}"))
        assert delete == [("POST", f"{path}/disable", 409), ("DELETE", path, 204)]


def test_creating_an_inactive_user_is_create_then_disable() -> None:
    with ledgerline_stack() as rest, rest.client() as scim:
        calls = rest.calls_during(
            lambda: scim.post("/Users", json=new_user("bob@example.com", active=False))
        )
    assert [(m, p.rsplit("/", 1)[-1], s) for m, p, s in calls] == [
        ("POST", "accounts", 201),
        ("POST", "disable", 200),
    ]
    assert rest.app.user("bob@example.com").active is False
