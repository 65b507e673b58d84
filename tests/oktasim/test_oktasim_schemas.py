"""The Schemas API: the default user schema and the group schema as Okta shows them, and POST
adding, changing and removing custom attributes, with the documented request examples."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from oktasim_harness import Okta, error_code, serving, shared_org

from oktasim.profile import BASE_NAMES

USER_SCHEMA = "/api/v1/meta/schemas/user/default"
GROUP_SCHEMA = "/api/v1/meta/schemas/group/default"

# The request examples of the Schemas API page ("Add property to … Profile Schema").
TWITTER = {
    "title": "Twitter username",
    "description": "Twitter Username",
    "type": "string",
    "required": False,
    "minLength": 1,
    "maxLength": 20,
    "permissions": [{"principal": "SELF", "action": "READ_WRITE"}],
}
GROUP_CONTACT = {
    "title": "Group administrative contact",
    "description": "Group administrative contact",
    "type": "string",
    "required": False,
    "minLength": 1,
    "maxLength": 20,
    "permissions": [{"principal": "SELF", "action": "READ_WRITE"}],
}


server, okta = shared_org()


def _add(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "definitions": {
            "custom": {"id": "#custom", "type": "object", "properties": properties, "required": []}
        }
    }


def _custom(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    properties: dict[str, Any] = response.json()["definitions"]["custom"]["properties"]
    return properties


# -- reading ---------------------------------------------------------------------------------


def test_user_schema_shape(okta: Okta) -> None:
    response = okta.client.get(USER_SCHEMA)
    assert response.status_code == 200
    schema = response.json()
    assert schema["id"] == f"{okta.url}/meta/schemas/user/default"
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert (schema["name"], schema["type"]) == ("user", "object")
    base = schema["definitions"]["base"]
    assert (base["id"], base["type"]) == ("#base", "object")
    assert set(base["properties"]) == BASE_NAMES
    assert base["required"] == ["login", "firstName", "lastName", "email"]
    assert base["properties"]["login"] == {
        "title": "Username",
        "type": "string",
        "required": True,
        "mutability": "READ_WRITE",
        "scope": "NONE",
        "minLength": 5,
        "maxLength": 100,
        "permissions": [{"principal": "SELF", "action": "READ_WRITE"}],
        "master": {"type": "PROFILE_MASTER"},
    }
    assert base["properties"]["email"]["format"] == "email"
    assert schema["properties"] == {
        "profile": {"allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]}
    }
    user_type = okta.create()["type"]["id"]
    schema_id = "osc" + user_type[3:]
    assert schema["_links"]["self"]["href"] == f"{okta.url}/api/v1/meta/schemas/user/{schema_id}"
    assert schema["_links"]["type"]["href"] == f"{okta.url}/api/v1/meta/types/user/{user_type}"


def test_user_schema_by_its_id_and_unknown_ids(okta: Okta) -> None:
    href = okta.client.get(USER_SCHEMA).json()["_links"]["self"]["href"]
    by_id = okta.client.get(href.removeprefix(okta.url))
    assert by_id.status_code == 200
    assert by_id.json()["id"].endswith(href.rsplit("/", 1)[1])
    unknown = okta.client.get("/api/v1/meta/schemas/user/oscNOPE")
    assert (unknown.status_code, error_code(unknown)) == (404, "E0000007")


def test_configured_user_custom_attributes_appear(okta: Okta) -> None:
    custom = _custom(okta.client.get(USER_SCHEMA))
    assert list(custom) == ["scimExternalId"]
    assert custom["scimExternalId"]["type"] == "string"


def test_group_schema_matches_the_documented_example(okta: Okta) -> None:
    schema = okta.client.get(GROUP_SCHEMA).json()
    assert schema["id"] == f"{okta.url}/meta/schemas/group/default"
    assert (schema["name"], schema["title"]) == ("group", "Okta group")
    assert schema["description"] == "Okta group profile template"
    assert schema["_links"] == {
        "self": {"href": f"{okta.url}{GROUP_SCHEMA}", "method": "GET", "rel": "self"}
    }
    base = schema["definitions"]["base"]
    assert base["required"] == ["name"]
    assert base["properties"]["name"]["maxLength"] == 255
    assert base["properties"]["name"]["required"] is True
    assert base["properties"]["description"]["maxLength"] == 1024
    assert "required" not in base["properties"]["description"]
    # A new org: no custom group attributes.
    assert schema["definitions"]["custom"] == {
        "id": "#custom",
        "type": "object",
        "properties": {},
        "required": [],
    }


def test_configured_group_custom_attributes_appear() -> None:
    with serving(group_custom_attributes=("scimExternalId", "costCenter")) as okta:
        assert list(_custom(okta.client.get(GROUP_SCHEMA))) == ["scimExternalId", "costCenter"]


# -- adding ----------------------------------------------------------------------------------


def test_adding_a_group_attribute_makes_it_writable_and_searchable(okta: Okta) -> None:
    before = okta.client.get(GROUP_SCHEMA).json()
    response = okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": GROUP_CONTACT}))
    added = _custom(response)["groupContact"]
    assert added["title"] == "Group administrative contact"
    assert (added["type"], added["minLength"], added["maxLength"]) == ("string", 1, 20)
    assert added["permissions"] == [{"principal": "SELF", "action": "READ_WRITE"}]
    assert response.json()["lastUpdated"] >= before["lastUpdated"]
    assert _custom(okta.client.get(GROUP_SCHEMA)) == _custom(response)
    group = okta.create_group("Sales", groupContact="ann")
    assert group["profile"]["groupContact"] == "ann"
    found = okta.client.get("/api/v1/groups", params={"search": 'profile.groupContact eq "ANN"'})
    assert [g["id"] for g in found.json()] == [group["id"]]


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ("x" * 21, "groupContact: The field is too long"),
        ("", None),  # an empty value counts as unset
        (7, "groupContact: Value must be a string"),
    ],
)
def test_added_attribute_constraints_hold(okta: Okta, value: Any, cause: str | None) -> None:
    okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": GROUP_CONTACT}))
    response = okta.client.post(
        "/api/v1/groups", json={"profile": {"name": "Sales", "groupContact": value}}
    )
    if cause is None:
        assert response.status_code == 200
    else:
        assert (response.status_code, error_code(response)) == (400, "E0000001")
        assert response.json()["errorCauses"] == [{"errorSummary": cause}]


def test_adding_a_user_attribute(okta: Okta) -> None:
    response = okta.client.post(USER_SCHEMA, json=_add({"twitterUserName": TWITTER}))
    assert set(_custom(response)) == {"scimExternalId", "twitterUserName"}
    user = okta.create(twitterUserName="ann_t")
    assert user["profile"]["twitterUserName"] == "ann_t"


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [("boolean", True, "yes"), ("integer", 3, 3.5), ("number", 2.5, "2.5"), ("array", ["a"], "a")],
)
def test_typed_attributes(okta: Okta, kind: str, good: Any, bad: Any) -> None:
    definition = {"title": "Typed", "type": kind}
    assert okta.client.post(GROUP_SCHEMA, json=_add({"typed": definition})).status_code == 200
    assert (
        okta.client.post(
            "/api/v1/groups", json={"profile": {"name": "Good", "typed": good}}
        ).status_code
        == 200
    )
    refused = okta.client.post("/api/v1/groups", json={"profile": {"name": "Bad", "typed": bad}})
    assert (refused.status_code, error_code(refused)) == (400, "E0000001")


def test_changing_an_attribute_replaces_its_definition(okta: Okta) -> None:
    okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": GROUP_CONTACT}))
    wider = {**GROUP_CONTACT, "maxLength": 40}
    assert (
        _custom(okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": wider})))["groupContact"][
            "maxLength"
        ]
        == 40
    )
    assert okta.create_group("Sales", groupContact="x" * 40)["profile"]["groupContact"]


# -- removing --------------------------------------------------------------------------------


def test_removing_an_attribute_with_null_drops_it_and_its_values(okta: Okta) -> None:
    okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": GROUP_CONTACT}))
    group = okta.create_group("Sales", groupContact="ann")
    response = okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": None}))
    assert _custom(response) == {}
    assert okta.client.get(f"/api/v1/groups/{group['id']}").json()["profile"] == {"name": "Sales"}
    refused = okta.client.post(
        "/api/v1/groups", json={"profile": {"name": "Ops", "groupContact": "bob"}}
    )
    assert refused.json()["errorCauses"] == [
        {"errorSummary": "groupContact: Property is not defined in the group schema"}
    ]
    search = okta.client.get("/api/v1/groups", params={"search": 'profile.groupContact eq "x"'})
    assert (search.status_code, error_code(search)) == (400, "E0000031")


def test_removing_a_user_attribute_drops_its_values(okta: Okta) -> None:
    user = okta.create(scimExternalId="e-1")
    assert _custom(okta.client.post(USER_SCHEMA, json=_add({"scimExternalId": None}))) == {}
    stored = okta.client.get(f"/api/v1/users/{user['id']}").json()["profile"]
    assert "scimExternalId" not in stored
    # The rest of the profile is intact and still updatable.
    update = okta.client.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "CTO"}})
    assert update.status_code == 200


def test_removing_an_unknown_attribute_changes_nothing(okta: Okta) -> None:
    before = okta.client.get(GROUP_SCHEMA).json()
    after = okta.client.post(GROUP_SCHEMA, json=_add({"neverAdded": None})).json()
    assert after["definitions"] == before["definitions"]


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "failing"),
    [
        ({"type": "string"}, "title"),
        ({"title": "", "type": "string"}, "title"),
        ({"title": "T", "type": "object"}, "type"),
        ({"title": "T"}, "type"),
        ({"title": "T", "type": "string", "maxLength": -1}, "maxLength"),
        ({"title": "T", "type": "boolean", "maxLength": 5}, "maxLength"),
        ({"title": "T", "type": "string", "minLength": 5, "maxLength": 2}, "minLength"),
        ({"title": "T", "type": "string", "permissions": "all"}, "permissions"),
        ({"title": "T", "type": "array", "items": {"type": "object"}}, "items"),
    ],
)
def test_bad_definitions_are_refused_and_change_nothing(
    okta: Okta, definition: dict[str, Any], failing: str
) -> None:
    before = okta.client.get(GROUP_SCHEMA).json()
    body = _add({"groupContact": GROUP_CONTACT, "broken": definition})
    response = okta.client.post(GROUP_SCHEMA, json=body)
    assert (response.status_code, error_code(response)) == (400, "E0000001")
    assert response.json()["errorSummary"] == f"Api validation failed: {failing}"
    assert okta.client.get(GROUP_SCHEMA).json() == before


@pytest.mark.parametrize(
    ("schema", "name"), [(USER_SCHEMA, "login"), (GROUP_SCHEMA, "name"), (GROUP_SCHEMA, "a-b")]
)
def test_base_names_and_odd_names_cannot_be_custom(okta: Okta, schema: str, name: str) -> None:
    response = okta.client.post(schema, json=_add({name: {"title": "T", "type": "string"}}))
    assert (response.status_code, error_code(response)) == (400, "E0000001")


@pytest.mark.parametrize(
    "body", [{"definitions": []}, {"definitions": {"custom": "x"}}, _add({"x": "string"})]
)
def test_malformed_updates(okta: Okta, body: dict[str, Any]) -> None:
    response = okta.client.post(GROUP_SCHEMA, json=body)
    assert (response.status_code, error_code(response)) == (400, "E0000003")


def test_base_properties_cannot_be_changed(okta: Okta) -> None:
    before = okta.client.get(GROUP_SCHEMA).json()["definitions"]["base"]
    body = {"definitions": {"base": {"properties": {"name": {"title": "Renamed", "maxLength": 5}}}}}
    response = okta.client.post(GROUP_SCHEMA, json=body)
    assert response.status_code == 200
    assert response.json()["definitions"]["base"] == before
    assert okta.create_group("A name longer than five")["id"]


def test_schema_routes(okta: Okta) -> None:
    put = okta.client.put(GROUP_SCHEMA, json={})
    assert (put.status_code, error_code(put)) == (405, "E0000022")
    other = okta.client.get("/api/v1/meta/schemas/group/oscX")
    assert (other.status_code, error_code(other)) == (404, "E0000008")
    apps = okta.client.get("/api/v1/meta/schemas/apps/0oa1/default")
    assert (apps.status_code, error_code(apps)) == (404, "E0000008")


def test_reset_restores_the_configured_schemas(okta: Okta) -> None:
    okta.client.post(GROUP_SCHEMA, json=_add({"groupContact": GROUP_CONTACT}))
    okta.client.post(USER_SCHEMA, json=_add({"scimExternalId": None}))
    okta.sim.reset()
    assert _custom(okta.client.get(GROUP_SCHEMA)) == {}
    assert list(_custom(okta.client.get(USER_SCHEMA))) == ["scimExternalId"]
    assert okta.create(scimExternalId="e")["profile"]["scimExternalId"] == "e"
