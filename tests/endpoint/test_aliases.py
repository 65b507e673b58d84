"""A core attribute and its ECMA2Host copy are one Okta attribute: whatever a client changes in
a body that carries both (as every GET returns them) is what Okta gets, never the echoed copy."""

from __future__ import annotations

from typing import Any

import httpx

from .harness import ECMA, Stack, new_user, patch


def _read(scim: httpx.Client, user_id: str) -> dict[str, Any]:
    response = scim.get(f"/Users/{user_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _created(scim: httpx.Client, login: str) -> dict[str, Any]:
    response = scim.post("/Users", json=new_user(login, displayName="Old Name"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body[ECMA]["displayName"] == "Old Name"  # both views come back
    return body


def test_get_change_put_keeps_the_changed_core_value(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user = _created(scim, "put.core@example.com")
        body = _read(scim, user["id"])
        body["displayName"] = "New Name"
        replaced = scim.put(f"/Users/{user['id']}", json=body)
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["displayName"] == "New Name"
        assert replaced.json()[ECMA]["displayName"] == "New Name"
        assert _read(scim, user["id"])["displayName"] == "New Name"
    assert okta_stack.okta_user("put.core@example.com")["profile"]["displayName"] == "New Name"


def test_get_change_put_keeps_the_changed_ecma_value(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user = _created(scim, "put.ecma@example.com")
        body = _read(scim, user["id"])
        body[ECMA]["title"] = "Engineer"
        body["title"] = "Intern"
        body[ECMA]["displayName"] = "Changed Here"
        assert scim.put(f"/Users/{user['id']}", json=body).status_code == 400  # title: both new
        del body[ECMA]["title"]
        replaced = scim.put(f"/Users/{user['id']}", json=body)
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["displayName"] == "Changed Here"
        assert replaced.json()["title"] == "Intern"
    assert okta_stack.okta_user("put.ecma@example.com")["profile"]["displayName"] == "Changed Here"


def test_put_active_false_beside_an_echoed_status_disables(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user = _created(scim, "put.off@example.com")
        body = _read(scim, user["id"])
        assert body[ECMA]["status"] == "Active"
        body["active"] = False
        replaced = scim.put(f"/Users/{user['id']}", json=body)
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["active"] is False
        assert replaced.json()[ECMA]["status"] == "Inactive"
    assert okta_stack.okta_user("put.off@example.com")["status"] == "DEPROVISIONED"


def test_a_create_with_two_logins_is_refused_naming_both(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        body = new_user("core.login@example.com", **{ECMA: {"login": "ecma.login@example.com"}})
        response = scim.post("/Users", json=body)
        assert response.status_code == 400, response.text
        assert "userName and " in response.json()["detail"]
        assert f"{ECMA}:login" in response.json()["detail"]
        agreeing = new_user("same.login@example.com", **{ECMA: {"login": "same.login@example.com"}})
        assert scim.post("/Users", json=agreeing).status_code == 201
    assert [u["profile"]["login"] for u in okta_stack.okta_users()] == ["same.login@example.com"]


def test_a_pathless_patch_reads_the_user_only_when_aliases_disagree(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user = _created(scim, "pathless@example.com")
        path = f"/api/v1/users/{user['id']}"
        agreeing = patch({"op": "replace", "value": {"nickName": "N", ECMA: {"nickName": "N"}}})
        before = len(okta_stack.calls())
        assert scim.patch(f"/Users/{user['id']}", json=agreeing).status_code == 200
        assert [c[:2] for c in okta_stack.calls()[before:]] == [("POST", path)]
        echoed = patch(
            {"op": "replace", "value": {"displayName": "Fresh", ECMA: {"displayName": "Old Name"}}}
        )
        before = len(okta_stack.calls())
        answer = scim.patch(f"/Users/{user['id']}", json=echoed)
        assert answer.status_code == 200, answer.text
        assert answer.json()["displayName"] == "Fresh"
        assert [c[:2] for c in okta_stack.calls()[before:]] == [("GET", path), ("POST", path)]
