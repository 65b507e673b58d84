"""Entra's documented request sequences, replayed over HTTP in both client modes, with the Okta
side checked afterwards (entra-scim-client.md §1–§5)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .harness import ENTERPRISE, LIST, Stack, new_user, patch

MODES = [pytest.param(False, id="default"), pytest.param(True, id="aadOptscim062020")]


@pytest.mark.parametrize("flag", MODES)
def test_full_lifecycle_of_one_user(okta_stack: Stack, flag: bool) -> None:
    upn = "Test_User_00aa00aa@testuser.com"
    with okta_stack.client(flag) as scim:
        # 0. Probes: a random GUID on /Users and on /Groups.
        probe = scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
        assert probe.status_code == 200
        assert probe.headers["content-type"].startswith("application/scim+json")
        assert probe.json() == {
            "schemas": [LIST],
            "totalResults": 0,
            "Resources": [],
            "startIndex": 1,
            "itemsPerPage": 0,
        }
        groups = scim.get(
            "/Groups",
            params={"filter": f'displayName eq "{uuid.uuid4()}"', "excludedAttributes": "members"},
        )
        assert groups.status_code == 200
        assert groups.json()["totalResults"] == 0

        # 1. Match: nobody yet.
        match = scim.get("/Users", params={"filter": f'userName eq "{upn}"'})
        assert match.json()["totalResults"] == 0

        # 2. Create.
        created = scim.post("/Users", json=new_user(upn))
        assert created.status_code == 201, created.text
        body = created.json()
        user_id = body["id"]
        assert created.headers["location"].endswith(f"/Users/{user_id}")
        assert body["userName"] == upn
        assert body["active"] is True
        assert body["emails"] == [{"value": upn, "type": "work"}]

        # 1'. Match again, with another case: exactly one.
        again = scim.get("/Users", params={"filter": f'userName eq "{upn.upper()}"'})
        assert [r["id"] for r in again.json()["Resources"]] == [user_id]

        # 3. Read by id.
        assert scim.get(f"/Users/{user_id}").json()["userName"] == upn

        # 4. Update.
        if flag:
            update = patch(
                {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@x.com"},
                {
                    "op": "replace",
                    "value": {
                        "displayName": "Bjfe",
                        "name.givenName": "Kkom",
                        f"{ENTERPRISE}:employeeNumber": "Aklq",
                    },
                },
            )
        else:
            update = patch(
                {"op": "Replace", "path": "displayName", "value": "Bjfe"},
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@x.com"},
                {"op": "Replace", "path": "name.givenName", "value": "Kkom"},
                {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "Aklq"},
            )
        updated = scim.patch(f"/Users/{user_id}", json=update)
        assert updated.status_code == 200, updated.text
        assert updated.json()["displayName"] == "Bjfe"

        # 5. Soft delete: still readable by id and by filter, with active false.
        disable = {"op": "replace", "path": "active", "value": False}
        if not flag:
            disable = {"op": "Replace", "path": "active", "value": "False"}
        off = scim.patch(f"/Users/{user_id}", json=patch(disable))
        assert off.status_code == 200
        assert off.json()["active"] is False
        assert scim.get(f"/Users/{user_id}").json()["active"] is False
        found = scim.get("/Users", params={"filter": f'userName eq "{upn}"'}).json()
        assert found["totalResults"] == 1
        assert found["Resources"][0]["active"] is False
        assert okta_stack.okta_user(upn)["status"] == "DEPROVISIONED"

        # 6. Re-enable.
        enable = {"op": "Replace", "path": "active", "value": "True"}
        on = scim.patch(f"/Users/{user_id}", json=patch(enable))
        assert on.json()["active"] is True
        assert okta_stack.okta_user(upn)["status"] != "DEPROVISIONED"

        # 7. Hard delete.
        assert scim.delete(f"/Users/{user_id}").status_code == 204
        gone = scim.get(f"/Users/{user_id}")
        assert gone.status_code == 404
        assert gone.json()["status"] == "404"
        assert gone.headers["content-type"].startswith("application/scim+json")
        assert scim.delete(f"/Users/{user_id}").status_code == 404

    profile = {u["profile"]["login"] for u in okta_stack.okta_users()}
    assert profile == set()


def test_okta_state_after_create_and_update(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        body = new_user(
            "carol@example.com",
            displayName="Carol",
            nickName="Caz",
            title="Engineer",
            userType="Employee",
            preferredLanguage="en-US",
            profileUrl="https://example.com/carol",
            phoneNumbers=[
                {"type": "mobile", "value": "+1 555 0100"},
                {"type": "work", "value": "55555555555"},
            ],
            addresses=[
                {
                    "type": "work",
                    "streetAddress": "1 Main St",
                    "locality": "Springfield",
                    "region": "IL",
                    "postalCode": "62701",
                    "country": "US",
                }
            ],
            **{
                ENTERPRISE: {
                    "employeeNumber": "10",
                    "costCenter": "CC-1",
                    "organization": "Org",
                    "division": "Div",
                    "department": "Dept",
                    "manager": {"value": "00u-manager"},
                }
            },
        )
        created = scim.post("/Users", json=body)
        assert created.status_code == 201, created.text
        echoed = created.json()
        for key in ("displayName", "nickName", "title", "userType", "preferredLanguage"):
            assert echoed[key] == body[key]
        assert echoed["phoneNumbers"] == [
            {"value": "+1 555 0100", "type": "mobile"},
            {"value": "55555555555", "type": "work"},
        ]
        assert echoed[ENTERPRISE]["manager"] == {"value": "00u-manager"}

    okta = okta_stack.okta_user("carol@example.com")["profile"]
    assert okta["firstName"] == "carol"
    assert okta["lastName"] == "Tester"
    assert okta["email"] == "carol@example.com"
    assert okta["mobilePhone"] == "+1 555 0100"
    assert okta["primaryPhone"] == "55555555555"
    assert okta["streetAddress"] == "1 Main St"
    assert okta["city"] == "Springfield"
    assert okta["state"] == "IL"
    assert okta["zipCode"] == "62701"
    assert okta["countryCode"] == "US"
    assert okta["employeeNumber"] == "10"
    assert okta["costCenter"] == "CC-1"
    assert okta["organization"] == "Org"
    assert okta["division"] == "Div"
    assert okta["department"] == "Dept"
    assert okta["managerId"] == "00u-manager"
    assert okta["scimExternalId"] == "carol"
    assert okta["profileUrl"] == "https://example.com/carol"


def test_duplicate_user_name_is_a_uniqueness_conflict(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        assert scim.post("/Users", json=new_user("dup@example.com")).status_code == 201
        again = scim.post("/Users", json=new_user("DUP@example.com"))
        assert again.status_code == 409
        assert again.json()["scimType"] == "uniqueness"
        assert again.headers["content-type"].startswith("application/scim+json")
    assert len(okta_stack.okta_users()) == 1


def test_unknown_id_is_a_scim_404(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            body: dict[str, Any] | None = None
            if method == "PATCH":
                body = patch({"op": "replace", "path": "title", "value": "x"})
            if method == "PUT":
                body = new_user("nobody@example.com")
            response = scim.request(method, "/Users/00unknownunknown0000", json=body)
            assert response.status_code == 404, (method, response.text)
            assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_a_login_is_not_an_id(okta_stack: Stack) -> None:
    """Okta's GET accepts a login where an id goes; the SCIM id must be the Okta id only."""
    with okta_stack.client() as scim:
        scim.post("/Users", json=new_user("erin@example.com"))
        assert scim.get("/Users/erin@example.com").status_code == 404
        assert scim.get("/Users/erin").status_code == 404


def test_put_replaces_the_mapped_attributes(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user("fay@example.com", title="Boss")).json()
        replaced = scim.put(f"/Users/{created['id']}", json=new_user("fay@example.com"))
        assert replaced.status_code == 200, replaced.text
        assert "title" not in replaced.json()
    assert okta_stack.okta_user("fay@example.com")["profile"].get("title") is None


def test_unknown_query_parameters_and_route_case_are_ignored(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        scim.post("/Users", json=new_user("gil@example.com"))
        for path in ("/users", "/USERS", "/Users/"):
            response = scim.get(
                path, params={"filter": 'userName eq "gil@example.com"', "whatever": "1"}
            )
            assert response.status_code == 200, path
            assert response.json()["totalResults"] == 1
        assert scim.get("/serviceproviderconfig").status_code == 200
