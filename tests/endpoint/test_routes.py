"""The Functions app's route table, its auth level, and the bearer check on every route."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .harness import ROOT, Stack

EXPECTED_ROUTES = {
    "scim/v2/Users",
    "scim/v2/Users/{id}",
    "scim/v2/Users/.search",
    "scim/v2/.search",
    "scim/v2/Groups",
    "scim/v2/Groups/{id}",
    "scim/v2/Groups/.search",
    "scim/v2/ServiceProviderConfig",
    "scim/v2/Schemas",
    "scim/v2/Schemas/{id}",
    "scim/v2/ResourceTypes",
    "scim/v2/ResourceTypes/{id}",
    "scim/v2/{*path}",
}


def _bindings() -> list[dict[str, Any]]:
    from connector.cli.local_host import route_prefix
    from connector.http.routes import blueprint

    assert route_prefix(ROOT / "host.json") == "api"
    # The blueprint's builders carry the same trigger metadata the host indexes.
    builders = blueprint._function_builders
    return [json.loads(b.build().get_function_json())["bindings"][0] for b in builders]


def test_every_route_is_anonymous_and_expected() -> None:
    bindings = _bindings()
    assert {b["route"] for b in bindings} == EXPECTED_ROUTES
    assert {b["authLevel"] for b in bindings} == {"ANONYMOUS"}
    assert {b["type"] for b in bindings} == {"httpTrigger"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/Users"),
        ("POST", "/Users"),
        ("GET", "/Users/00u1"),
        ("PATCH", "/Users/00u1"),
        ("PUT", "/Users/00u1"),
        ("DELETE", "/Users/00u1"),
        ("GET", "/Groups"),
        ("GET", "/Groups/g1"),
        ("GET", "/ServiceProviderConfig"),
        ("GET", "/Schemas"),
        ("GET", "/ResourceTypes"),
        ("GET", "/Nothing/Here"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-value", "Basic abc"])
def test_every_route_rejects_a_missing_or_wrong_bearer(
    okta_stack: Stack, method: str, path: str, authorization: str | None
) -> None:
    with okta_stack.client() as scim:
        headers = {"Authorization": authorization} if authorization else {}
        if authorization is None:
            scim.headers.pop("Authorization")
        response = scim.request(method, path, headers=headers, json={})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/scim+json")
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert response.json()["status"] == "401"
    assert okta_stack.calls() == []


def test_requests_without_user_agent_are_served(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        scim.headers.pop("User-Agent", None)
        response = scim.get("/Users", params={"filter": 'userName eq "x"'})
        assert response.status_code == 200


def test_unsupported_methods_are_scim_405(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        for method, path in [("DELETE", "/Users"), ("POST", "/Users/x"), ("PUT", "/Schemas")]:
            response = scim.request(method, path)
            assert response.status_code == 405, (method, path)
            assert response.headers["content-type"].startswith("application/scim+json")


def test_unknown_paths_are_scim_404(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        response = scim.get("/NoSuchResource")
        assert response.status_code == 404
        assert response.json()["status"] == "404"
