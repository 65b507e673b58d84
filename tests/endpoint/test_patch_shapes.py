"""Every PATCH shape Entra sends (entra-scim-client.md §4), checked on the SCIM and Okta sides."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .harness import ECMA, ENTERPRISE, Stack, new_user, patch


def _create(scim: httpx.Client, **extra: Any) -> str:
    created = scim.post("/Users", json=new_user("pat@example.com", **extra))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _patch(scim: httpx.Client, user_id: str, *ops: dict[str, Any]) -> dict[str, Any]:
    response = scim.patch(f"/Users/{user_id}", json=patch(*ops))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body: dict[str, Any] = response.json()
    # What the PATCH answered is what a later GET reads (round-trip fidelity); only
    # meta.lastModified may differ: a lifecycle change is answered with the moment the
    # connector saw it land, a read with Okta's own stamp (connector/targets/stamps.py).
    read = scim.get(f"/Users/{user_id}").json()
    assert {k: v for k, v in read.items() if k != "meta"} == {
        k: v for k, v in body.items() if k != "meta"
    }
    return body


@pytest.mark.parametrize("op", ["Add", "add", "ADD", "Replace", "replace"])
def test_op_in_any_case_on_a_single_value(okta_stack: Stack, op: str) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(scim, user_id, {"op": op, "path": "nickName", "value": "Babs"})
    assert body["nickName"] == "Babs"
    assert okta_stack.okta_user("pat@example.com")["profile"]["nickName"] == "Babs"


@pytest.mark.parametrize(
    ("value", "active", "status"),
    [
        ("False", False, "DEPROVISIONED"),
        ("false", False, "DEPROVISIONED"),
        (False, False, "DEPROVISIONED"),
    ],
)
def test_active_as_string_or_boolean(
    okta_stack: Stack, value: object, active: bool, status: str
) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(scim, user_id, {"op": "Replace", "path": "active", "value": value})
        assert body["active"] is active
        assert okta_stack.okta_user("pat@example.com")["status"] == status
        back = _patch(scim, user_id, {"op": "Replace", "path": "active", "value": "True"})
        assert back["active"] is True


def test_active_true_again_is_idempotent(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        before = len(okta_stack.writes())
        for _ in range(2):
            assert _patch(scim, user_id, {"op": "replace", "path": "active", "value": True})[
                "active"
            ]
        assert len(okta_stack.writes()) == before  # nothing to change, nothing written


def test_pathless_replace_with_dotted_urn_and_nested_keys(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(
            scim,
            user_id,
            {
                "op": "replace",
                "value": {
                    "displayName": "Bjfe",
                    "name.givenName": "Kkom",
                    "name.familyName": "Unua",
                    f"{ENTERPRISE}:employeeNumber": "Aklq",
                    ENTERPRISE: {"department": "Sales"},
                    f"{ECMA}:userType": "Contractor",
                },
            },
        )
    assert body["name"] == {"givenName": "Kkom", "familyName": "Unua"}
    assert body[ENTERPRISE]["employeeNumber"] == "Aklq"
    assert body[ENTERPRISE]["department"] == "Sales"
    assert body["userType"] == "Contractor"
    profile = okta_stack.okta_user("pat@example.com")["profile"]
    assert (profile["firstName"], profile["lastName"], profile["displayName"]) == (
        "Kkom",
        "Unua",
        "Bjfe",
    )
    assert "name.givenName" not in profile


def test_value_filter_add_creates_the_missing_element(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(
            scim,
            user_id,
            {"op": "Add", "path": 'emails[type eq "home"].value', "value": "home@example.com"},
            {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "555"},
            {"op": "Add", "path": 'addresses[type eq "work"].streetAddress', "value": "1 Rd"},
            {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Town"},
        )
    assert {"value": "home@example.com", "type": "home"} in body["emails"]
    assert body["phoneNumbers"] == [{"value": "555", "type": "mobile"}]
    assert body["addresses"] == [{"streetAddress": "1 Rd", "locality": "Town", "type": "work"}]
    profile = okta_stack.okta_user("pat@example.com")["profile"]
    assert profile["secondEmail"] == "home@example.com"
    assert profile["mobilePhone"] == "555"


def test_enterprise_urn_paths(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(
            scim,
            user_id,
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "E-1"},
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Eng"},
            {"op": "Add", "path": f"{ENTERPRISE}:costCenter", "value": "CC"},
        )
    assert body[ENTERPRISE] == {"employeeNumber": "E-1", "costCenter": "CC", "department": "Eng"}


@pytest.mark.parametrize(
    "value",
    [
        [{"$ref": "http://x/Users/m-1", "value": "m-1"}],
        {"value": "m-1"},
        "m-1",
    ],
    ids=["legacy-array", "object", "string"],
)
def test_manager_forms(okta_stack: Stack, value: object) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(scim, user_id, {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": value})
        assert body[ENTERPRISE]["manager"] == {"value": "m-1"}
        assert okta_stack.okta_user("pat@example.com")["profile"]["managerId"] == "m-1"


@pytest.mark.parametrize(
    "removal",
    [
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": ""}},
        {"op": "remove", "path": f"{ENTERPRISE}:manager"},
    ],
    ids=["empty-value", "remove"],
)
def test_manager_removed(okta_stack: Stack, removal: dict[str, Any]) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim, **{ENTERPRISE: {"manager": {"value": "m-1"}}})
        body = _patch(scim, user_id, removal)
    assert "manager" not in body.get(ENTERPRISE, {})
    assert okta_stack.okta_user("pat@example.com")["profile"].get("managerId") is None


def test_empty_string_and_null_clear(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim, title="T", nickName="N", displayName="D")
        body = _patch(
            scim,
            user_id,
            {"op": "replace", "path": "title", "value": ""},
            {"op": "replace", "path": "nickName", "value": None},
            {"op": "replace", "value": {"displayName": ""}},
        )
    for key in ("title", "nickName", "displayName"):
        assert key not in body
        assert okta_stack.okta_user("pat@example.com")["profile"].get(key) is None


def test_several_ops_on_one_attribute_apply_in_order(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(
            scim,
            user_id,
            {"op": "remove", "path": "externalId"},
            {"op": "add", "path": "externalId", "value": "first"},
            {"op": "replace", "path": "externalId", "value": "last"},
        )
    assert body["externalId"] == "last"
    assert okta_stack.okta_user("pat@example.com")["profile"]["scimExternalId"] == "last"


def test_remove_with_value_filter_and_with_value(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(
            scim,
            phoneNumbers=[{"type": "mobile", "value": "1"}, {"type": "work", "value": "2"}],
        )
        body = _patch(scim, user_id, {"op": "remove", "path": 'phoneNumbers[type eq "work"]'})
        assert body["phoneNumbers"] == [{"value": "1", "type": "mobile"}]
        body = _patch(scim, user_id, {"op": "remove", "path": 'phoneNumbers[value eq "1"]'})
        assert "phoneNumbers" not in body


def test_user_name_change(okta_stack: Stack) -> None:
    with okta_stack.client(flag=True) as scim:
        user_id = _create(scim)
        body = _patch(
            scim, user_id, {"op": "replace", "value": {"userName": "renamed@example.com"}}
        )
    assert body["userName"] == "renamed@example.com"
    assert okta_stack.okta_user("renamed@example.com")["id"] == user_id


def test_attributes_entra_maps_but_okta_has_no_place_for_are_accepted(okta_stack: Stack) -> None:
    """Entra's default mapping sends fax numbers and `other` emails; they are not stored."""
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(
            scim,
            user_id,
            {"op": "Add", "path": 'phoneNumbers[type eq "fax"].value', "value": "999"},
            {"op": "Add", "path": 'emails[type eq "other"].Value', "value": "smtp:x@y.z"},
            {"op": "Add", "path": 'roles[primary eq "True"].value', "value": "admin"},
            {"op": "Add", "path": "nickName", "value": "kept"},
        )
    assert body["nickName"] == "kept"
    assert "phoneNumbers" not in body


def test_ecma2host_status_and_attributes(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(
            scim,
            user_id,
            {"op": "Replace", "path": f"{ECMA}:division", "value": "North"},
            {"op": "Replace", "path": f"{ECMA}:status", "value": "Inactive"},
        )
        assert body[ENTERPRISE]["division"] == "North"
        assert body[ECMA]["status"] == "Inactive"
        assert body["active"] is False
        body = _patch(scim, user_id, {"op": "Replace", "path": f"{ECMA}:status", "value": "Active"})
        assert body["active"] is True


def test_patch_may_be_answered_by_a_resource_with_location(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        user_id = _create(scim)
        body = _patch(scim, user_id, {"op": "replace", "path": "title", "value": "CTO"})
    assert body["meta"]["location"].endswith(f"/Users/{user_id}")
