"""One test per defect of the ECMA2Host + PowerShell connector (seed-connector.md)."""

from __future__ import annotations

import httpx

from .harness import ENTERPRISE, Stack, new_user, patch


def test_paging_past_200_users(okta_stack: Stack) -> None:
    """The seed read only Okta's first page (200 users)."""
    with okta_stack.client() as scim:
        for index in range(205):
            created = scim.post("/Users", json=new_user(f"bulk{index:03}@example.com"))
            assert created.status_code == 201
        listed = scim.get("/Users", params={"startIndex": "201", "count": "10"}).json()
        assert listed["totalResults"] == 205
        assert len(listed["Resources"]) == 5
        found = scim.get("/Users", params={"filter": 'userName sw "bulk"', "count": "1"}).json()
        assert found["totalResults"] == 205
    pages = [c for c in okta_stack.calls() if c[0] == "GET" and c[1].startswith("/api/v1/users?")]
    assert any("after=" in path for _, path, _ in pages)


def test_values_with_the_seeds_template_strings_and_json_specials(okta_stack: Stack) -> None:
    """The seed built bodies by replacing "10", "US", "CA", "Vasco" in a JSON template."""
    tricky = {
        "title": 'Director "10" of US\\CA, Vasco',
        "displayName": "US CA 10 Vasco — Ünïcødé",
        "addresses": [{"type": "work", "country": "CA", "region": "US", "postalCode": "10"}],
        ENTERPRISE: {"employeeNumber": "10", "department": 'R&D {"x": 1}'},
    }
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user("vasco@example.com", **tricky))
        assert created.status_code == 201, created.text
        body = scim.get(f"/Users/{created.json()['id']}").json()
    assert body["title"] == tricky["title"]
    assert body["displayName"] == tricky["displayName"]
    assert body["addresses"] == [
        {"region": "US", "postalCode": "10", "country": "CA", "type": "work"}
    ]
    assert body[ENTERPRISE] == tricky[ENTERPRISE]
    profile = okta_stack.okta_user("vasco@example.com")["profile"]
    assert (profile["countryCode"], profile["state"], profile["zipCode"]) == ("CA", "US", "10")
    assert profile["employeeNumber"] == "10"


def test_okta_errors_are_not_swallowed(okta_stack: Stack) -> None:
    """The seed reported Success whatever Okta answered."""
    with okta_stack.client() as scim:
        bad = new_user("not-an-email-login")
        response = scim.post("/Users", json=bad)
        assert response.status_code == 400
        assert "login" in response.json()["detail"]
        created = scim.post("/Users", json=new_user("ok@example.com")).json()
        too_long = patch(
            {"op": "replace", "path": 'addresses[type eq "work"].country', "value": "USA"}
        )
        rejected = scim.patch(f"/Users/{created['id']}", json=too_long)
        assert rejected.status_code == 400
        assert "countryCode" in rejected.json()["detail"]
    assert okta_stack.okta_user("ok@example.com")["profile"].get("countryCode") is None
    assert len(okta_stack.okta_users()) == 1


def test_delete_really_deletes(okta_stack: Stack) -> None:
    """A single Okta DELETE only deactivates an active user; the seed stopped there."""
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("gone@example.com")).json()["id"]
        assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert okta_stack.okta_users() == []
    deletes = [c for c in okta_stack.calls() if c[0] == "DELETE"]
    # Deactivate, delete, and Okta's 404 confirming the user is gone.
    assert [status for _, _, status in deletes] == [204, 204, 404]


def test_delete_of_a_soft_deleted_user(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("soft@example.com")).json()["id"]
        off = patch({"op": "Replace", "path": "active", "value": "False"})
        scim.patch(f"/Users/{user_id}", json=off)
        assert scim.delete(f"/Users/{user_id}").status_code == 204
        assert scim.get(f"/Users/{user_id}").status_code == 404
    assert okta_stack.okta_users() == []


def test_login_with_a_slash_is_addressed_by_id(okta_stack: Stack) -> None:
    """The seed put the anchor (login) in URLs, which breaks for logins containing `/`."""
    login = "team/alice@example.com"
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user(login))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        assert scim.get(f"/Users/{user_id}").json()["userName"] == login
        found = scim.get("/Users", params={"filter": f'userName eq "{login}"'}).json()
        assert [r["id"] for r in found["Resources"]] == [user_id]
        title = patch({"op": "replace", "path": "title", "value": "Lead"})
        assert scim.patch(f"/Users/{user_id}", json=title).status_code == 200
        assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert all("team" not in path for _, path, _ in okta_stack.calls() if "/users/" in path)


def test_deprovisioned_users_keep_their_login(okta_stack: Stack) -> None:
    """The seed's import dropped `login` for deprovisioned users, losing their anchor."""
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("kept@example.com")).json()["id"]
        scim.patch(
            f"/Users/{user_id}", json=patch({"op": "replace", "path": "active", "value": False})
        )
        listed = scim.get("/Users").json()["Resources"]
    assert [(r["userName"], r["active"]) for r in listed] == [("kept@example.com", False)]


def test_answers_come_from_okta_not_a_cache(okta_stack: Stack) -> None:
    """The seed answered from a cache refreshed every 120 minutes."""
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("fresh@example.com")).json()["id"]
        okta = httpx.Client(
            base_url=okta_stack.okta_url, headers={"Authorization": "SSWS okta-token-for-tests"}
        )
        okta.post(f"/api/v1/users/{user_id}", json={"profile": {"title": "Changed in Okta"}})
        assert scim.get(f"/Users/{user_id}").json()["title"] == "Changed in Okta"
