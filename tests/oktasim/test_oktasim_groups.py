"""Groups: create, read, replace, delete, names, the three group types and the Everyone group.

Request and response bodies follow the examples of Okta's Groups API pages (the OpenAPI spec and
the former `reference/api/groups` page); recorded 2025 responses where marked.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from oktasim_harness import GROUP_ID, NO_FAULTS, TIMESTAMP, Okta, error_code, serving, shared_org

WEST_COAST = {"name": "West Coast Users", "description": "All Users West of The Rockies"}


server, okta = shared_org()


def _create(okta: Okta, profile: Any) -> httpx.Response:
    return okta.client.post("/api/v1/groups", json={"profile": profile})


def _replace(okta: Okta, group_id: str, body: Any) -> httpx.Response:
    return okta.client.put(f"/api/v1/groups/{group_id}", json=body)


def _causes(response: httpx.Response) -> list[str]:
    return [cause["errorSummary"] for cause in response.json()["errorCauses"]]


# -- create and read -----------------------------------------------------------------------


def test_create_returns_the_documented_group_object(okta: Okta) -> None:
    response = _create(okta, WEST_COAST)
    assert response.status_code == 200
    group = response.json()
    assert list(group) == [
        "id",
        "created",
        "lastUpdated",
        "lastMembershipUpdated",
        "objectClass",
        "type",
        "profile",
        "_links",
    ]
    assert GROUP_ID.match(group["id"])
    assert group["objectClass"] == ["okta:user_group"]
    assert group["type"] == "OKTA_GROUP"
    assert group["profile"] == WEST_COAST
    for name in ("created", "lastUpdated", "lastMembershipUpdated"):
        assert TIMESTAMP.match(group[name])
    # A new group's three timestamps are the same instant (recorded 2025).
    assert group["created"] == group["lastUpdated"] == group["lastMembershipUpdated"]
    assert group["_links"] == {
        "logo": [
            {
                "name": "medium",
                "href": f"{okta.url}/img/logos/groups/okta-medium.png",
                "type": "image/png",
            },
            {
                "name": "large",
                "href": f"{okta.url}/img/logos/groups/okta-large.png",
                "type": "image/png",
            },
        ],
        "users": {"href": f"{okta.url}/api/v1/groups/{group['id']}/users"},
        "apps": {"href": f"{okta.url}/api/v1/groups/{group['id']}/apps"},
    }


def test_get_returns_what_create_returned(okta: Okta) -> None:
    created = okta.create_group("Sales", description="Sellers")
    fetched = okta.client.get(f"/api/v1/groups/{created['id']}")
    assert (fetched.status_code, fetched.json()) == (200, created)


def test_unknown_group_is_e0000007_naming_a_usergroup(okta: Okta) -> None:
    response = okta.client.get("/api/v1/groups/00gNOPE")
    assert response.status_code == 404
    body = response.json()
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: 00gNOPE (UserGroup)"
    assert body["errorCauses"] == []


def test_create_ignores_a_requested_type(okta: Okta) -> None:
    response = okta.client.post(
        "/api/v1/groups", json={"type": "APP_GROUP", "profile": {"name": "Imported?"}}
    )
    assert response.json()["type"] == "OKTA_GROUP"


def test_description_is_optional_and_omitted_when_unset(okta: Okta) -> None:
    group = _create(okta, {"name": "Bare", "description": None}).json()
    assert group["profile"] == {"name": "Bare"}


@pytest.mark.parametrize(
    ("profile", "cause"),
    [
        ({}, "name: The field cannot be left blank"),
        ({"name": ""}, "name: The field cannot be left blank"),
        ({"name": "x" * 256}, "name: The field is too long"),
        ({"name": 7}, "name: Value must be a string"),
        ({"name": "ok", "description": "x" * 1025}, "description: The field is too long"),
        ({"name": "ok", "owner": "me"}, "owner: Property is not defined in the group schema"),
    ],
)
def test_profile_validation(okta: Okta, profile: dict[str, Any], cause: str) -> None:
    response = _create(okta, profile)
    assert (response.status_code, error_code(response)) == (400, "E0000001")
    assert response.json()["errorSummary"] == f"Api validation failed: {cause.split(':')[0]}"
    assert _causes(response) == [cause]
    assert [group["profile"]["name"] for group in okta.sim.groups()] == ["Everyone"]


def test_name_and_description_at_their_maximum_lengths_are_accepted(okta: Okta) -> None:
    response = _create(okta, {"name": "n" * 255, "description": "d" * 1024})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"{not json", "E0000003"), (b"[]", "E0000003"), (b'{"profile": "x"}', "E0000003")],
)
def test_malformed_bodies(okta: Okta, body: bytes, code: str) -> None:
    response = okta.client.post(
        "/api/v1/groups", content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, error_code(response)) == (400, code)


def test_custom_group_attributes_need_declaring() -> None:
    with serving(group_custom_attributes=("scimExternalId",)) as okta:
        group = _create(okta, {"name": "Sales", "scimExternalId": "e-1"}).json()
        assert group["profile"] == {"name": "Sales", "scimExternalId": "e-1"}
        refused = _create(okta, {"name": "Ops", "costCenter": "c"})
        assert _causes(refused) == ["costCenter: Property is not defined in the group schema"]


def test_a_new_org_has_no_custom_group_attributes(okta: Okta) -> None:
    response = _create(okta, {"name": "Sales", "scimExternalId": "e-1"})
    assert (response.status_code, error_code(response)) == (400, "E0000001")
    assert _causes(response) == ["scimExternalId: Property is not defined in the group schema"]


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("duplicate", ["Sales", "SALES", "sales"])
def test_duplicate_name_is_refused(okta: Okta, duplicate: str) -> None:
    okta.create_group("Sales")
    response = _create(okta, {"name": duplicate})
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == "Api validation failed: name"
    cause = "name: An object with this field already exists in the current organization"
    assert body["errorCauses"] == [{"errorSummary": cause}]
    assert len(okta.sim.groups()) == 2


def test_no_group_may_take_the_name_everyone(okta: Okta) -> None:
    assert error_code(_create(okta, {"name": "Everyone"})) == "E0000001"


def test_an_app_group_name_is_taken_too_though_imports_may_repeat_names(okta: Okta) -> None:
    okta.sim.add_app_group("Engineering")
    okta.sim.add_app_group("Engineering")
    assert error_code(_create(okta, {"name": "engineering"})) == "E0000001"


def test_a_deleted_groups_name_is_free_again(okta: Okta) -> None:
    group = okta.create_group("Sales")
    okta.client.delete(f"/api/v1/groups/{group['id']}")
    assert _create(okta, {"name": "Sales"}).status_code == 200


# -- replace ---------------------------------------------------------------------------------


def test_put_replaces_the_whole_profile(okta: Okta) -> None:
    group = okta.create_group(**WEST_COAST)
    response = _replace(
        okta,
        group["id"],
        {"profile": {"name": "Ameliorate Name", "description": "Amended description"}},
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["profile"] == {"name": "Ameliorate Name", "description": "Amended description"}
    assert updated["lastUpdated"] >= group["lastUpdated"]
    assert updated["lastMembershipUpdated"] == group["lastMembershipUpdated"]
    assert updated["created"] == group["created"]
    renamed_only = _replace(okta, group["id"], {"profile": {"name": "Renamed"}}).json()
    assert renamed_only["profile"] == {"name": "Renamed"}  # the description was not sent


@pytest.mark.parametrize("body", [{"profile": {"description": "no name"}}, {}])
def test_put_without_a_name_is_a_validation_error_and_changes_nothing(
    okta: Okta, body: dict[str, Any]
) -> None:
    group = okta.create_group(**WEST_COAST)
    response = _replace(okta, group["id"], body)
    assert (response.status_code, error_code(response)) == (400, "E0000001")
    assert _causes(response) == ["name: The field cannot be left blank"]
    assert okta.client.get(f"/api/v1/groups/{group['id']}").json() == group


def test_put_checks_name_uniqueness_but_not_against_itself(okta: Okta) -> None:
    okta.create_group("Sales")
    ops = okta.create_group("Ops")
    assert error_code(_replace(okta, ops["id"], {"profile": {"name": "SALES"}})) == "E0000001"
    assert _replace(okta, ops["id"], {"profile": {"name": "OPS"}}).status_code == 200
    assert _create(okta, {"name": "Ops"}).status_code == 400  # OPS still holds the name
    assert _create(okta, {"name": "Ops2"}).status_code == 200


def test_put_unknown_group(okta: Okta) -> None:
    response = _replace(okta, "00gMISSING", {"profile": {"name": "x"}})
    assert (response.status_code, error_code(response)) == (404, "E0000007")


# -- delete ----------------------------------------------------------------------------------


def test_delete_is_204_and_keeps_the_members(okta: Okta) -> None:
    user = okta.create()
    group = okta.create_group("Sales")
    okta.add_member(group["id"], user["id"])
    response = okta.client.delete(f"/api/v1/groups/{group['id']}")
    assert (response.status_code, response.content) == (204, b"")
    gone = okta.client.get(f"/api/v1/groups/{group['id']}")
    assert (gone.status_code, error_code(gone)) == (404, "E0000007")
    assert okta.client.get(f"/api/v1/users/{user['id']}").status_code == 200
    again = okta.client.delete(f"/api/v1/groups/{group['id']}")
    assert (again.status_code, error_code(again)) == (404, "E0000007")


# -- group types -----------------------------------------------------------------------------


def test_a_new_org_has_only_the_everyone_group(okta: Okta) -> None:
    (everyone,) = okta.client.get("/api/v1/groups").json()
    # As recorded in 2025 (terraform-provider-okta cassettes).
    assert everyone["type"] == "BUILT_IN"
    assert everyone["objectClass"] == ["okta:user_group"]
    assert everyone["profile"] == {
        "name": "Everyone",
        "description": "All users in your organization",
    }
    assert GROUP_ID.match(everyone["id"])


def test_everyone_cannot_be_renamed_or_deleted(okta: Okta) -> None:
    everyone = okta.everyone()
    renamed = _replace(okta, everyone["id"], {"profile": {"name": "All"}})
    assert (renamed.status_code, error_code(renamed)) == (403, "E0000006")
    assert renamed.json()["errorSummary"] == (
        "You do not have permission to perform the requested action"
    )
    deleted = okta.client.delete(f"/api/v1/groups/{everyone['id']}")
    assert (deleted.status_code, error_code(deleted)) == (403, "E0000006")
    assert okta.everyone() == everyone


def test_app_group_hook_creates_an_imported_group(okta: Okta) -> None:
    user = okta.create()
    group_id = okta.sim.add_app_group(
        "Engineering Users",
        [user["id"]],
        description="corp.example.com/Engineering/Engineering Users",
        profile={"samAccountName": "Engineering Users"},
    )
    group = okta.client.get(f"/api/v1/groups/{group_id}").json()
    assert group["type"] == "APP_GROUP"
    assert group["objectClass"] == ["okta:windows_security_principal"]
    assert group["profile"] == {
        "name": "Engineering Users",
        "description": "corp.example.com/Engineering/Engineering Users",
        "samAccountName": "Engineering Users",
    }
    source = group["source"]["id"]
    assert source.startswith("0oa")
    assert group["_links"]["source"] == {"href": f"{okta.url}/api/v1/apps/{source}"}
    assert group["_links"]["logo"][0]["href"].endswith("/active_directory-medium.png")
    members = okta.client.get(f"/api/v1/groups/{group_id}/users").json()
    assert [member["id"] for member in members] == [user["id"]]


def test_app_group_hook_refuses_unknown_members(okta: Okta) -> None:
    with pytest.raises(ValueError, match="00uNOBODY"):
        okta.sim.add_app_group("Engineering", ["00uNOBODY"])
    assert len(okta.sim.groups()) == 1


def test_an_app_group_profile_cannot_change_but_the_group_can_be_deleted(okta: Okta) -> None:
    group_id = okta.sim.add_app_group("Engineering")
    before = okta.client.get(f"/api/v1/groups/{group_id}").json()
    refused = _replace(okta, group_id, {"profile": {"name": "Renamed"}})
    assert (refused.status_code, error_code(refused)) == (403, "E0000006")
    assert okta.client.get(f"/api/v1/groups/{group_id}").json() == before
    assert okta.client.delete(f"/api/v1/groups/{group_id}").status_code == 204


# -- routing ---------------------------------------------------------------------------------


def test_wrong_methods_and_paths(okta: Okta) -> None:
    group = okta.create_group("Sales")
    patch = okta.client.patch(f"/api/v1/groups/{group['id']}", json={})
    assert (patch.status_code, error_code(patch)) == (405, "E0000022")
    assert okta.client.delete("/api/v1/groups").status_code == 405
    post_one = okta.client.post(f"/api/v1/groups/{group['id']}", json={"profile": {}})
    assert post_one.status_code == 405
    unknown = okta.client.get(f"/api/v1/groups/{group['id']}/owners/x/y")
    assert (unknown.status_code, error_code(unknown)) == (404, "E0000008")


def test_groups_need_the_token(okta: Okta) -> None:
    response = httpx.get(f"{okta.url}/api/v1/groups", headers={"Authorization": "SSWS nope"})
    assert (response.status_code, error_code(response)) == (401, "E0000011")


def test_reset_restores_a_new_org(okta: Okta) -> None:
    okta.create_group("Sales")
    okta.sim.add_app_group("Engineering")
    okta.sim.reset()
    assert [group["profile"]["name"] for group in okta.sim.groups()] == ["Everyone"]
    response = okta.client.get("/api/v1/groups", headers=NO_FAULTS)
    assert [group["profile"]["name"] for group in response.json()] == ["Everyone"]


def test_seeded_group_ids_repeat_after_reset() -> None:
    with serving(seed=4) as okta:
        first = [okta.everyone()["id"], okta.create_group("Sales")["id"]]
        okta.sim.reset()
        assert [okta.everyone()["id"], okta.create_group("Sales")["id"]] == first
