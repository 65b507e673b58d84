"""Discovery documents: only round-tripping attributes, ECMA2Host schema only with its view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.mapping import Catalog, load_catalog
from connector.mapping.definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER
from connector.scim.discovery import (
    RESOURCE_TYPE_SCHEMA,
    SCHEMA_SCHEMA,
    SPC_SCHEMA,
    resource_types,
    schemas,
    service_provider_config,
)

from .conftest import schema_xml, write_files

BASE = "https://fn.test/api/scim/v2"


def _by_id(catalog: Catalog) -> dict[str, dict[str, Any]]:
    return {doc["id"]: doc for doc in schemas(catalog, BASE)}


def _attributes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in doc["attributes"]}


def _subs(attribute: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in attribute.get("subAttributes") or []}


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """userName, givenName, work email and active; no ecma2host section."""
    directory: Path = tmp_path_factory.mktemp("minimal")
    mapping = {
        "required": ["login"],
        "scim": {
            "userName": "login",
            "name.givenName": "firstName",
            'emails[type eq "work"].value': "email",
            "active": "@active",
        },
    }
    return load_catalog(*write_files(directory, schema_xml([("login", True, False)]), mapping))


def test_service_provider_config() -> None:
    spc = service_provider_config(BASE)
    assert spc["schemas"] == [SPC_SCHEMA]
    assert spc["patch"]["supported"] is True
    assert spc["filter"] == {"supported": True, "maxResults": 200}
    for feature in ("bulk", "changePassword", "sort", "etag"):
        assert spc[feature]["supported"] is False
    assert spc["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert spc["meta"]["location"] == f"{BASE}/ServiceProviderConfig"


def test_resource_types_follow_the_ecma_view(catalog: Catalog, minimal: Catalog) -> None:
    (user,) = resource_types(catalog, BASE)
    assert user["schemas"] == [RESOURCE_TYPE_SCHEMA]
    assert (user["id"], user["endpoint"], user["schema"]) == ("User", "/Users", CORE_USER)
    assert [e["schema"] for e in user["schemaExtensions"]] == [ENTERPRISE_USER, ECMA2HOST_USER]
    assert user["meta"]["location"] == f"{BASE}/ResourceTypes/User"
    (plain,) = resource_types(minimal, BASE)
    assert [e["schema"] for e in plain["schemaExtensions"]] == [ENTERPRISE_USER]


def test_only_mapped_core_attributes_are_advertised(catalog: Catalog) -> None:
    core = _by_id(catalog)[CORE_USER]
    assert core["schemas"] == [SCHEMA_SCHEMA]
    assert core["meta"]["location"] == f"{BASE}/Schemas/{CORE_USER}"
    names = set(_attributes(core))
    mapped = {s.attr for s in catalog.slots if s.schema == CORE_USER} - {"externalId"}
    assert names == mapped
    for unmapped in ("timezone", "locale", "ims", "roles", "x509Certificates", "password"):
        assert unmapped not in names


def test_sub_attributes_are_trimmed_to_stored_ones(catalog: Catalog) -> None:
    core = _attributes(_by_id(catalog)[CORE_USER])
    assert set(_subs(core["name"])) == {"givenName", "familyName"}
    assert set(_subs(core["emails"])) == {"value", "type"}
    assert set(_subs(core["addresses"])) == {
        "streetAddress",
        "locality",
        "region",
        "postalCode",
        "country",
        "type",
    }
    manager = _attributes(_by_id(catalog)[ENTERPRISE_USER])["manager"]
    assert set(_subs(manager)) == {"value"}


def test_type_canonical_values_are_the_mapped_types(catalog: Catalog) -> None:
    core = _attributes(_by_id(catalog)[CORE_USER])
    assert _subs(core["emails"])["type"]["canonicalValues"] == ["work", "home"]
    assert _subs(core["phoneNumbers"])["type"]["canonicalValues"] == ["mobile", "work"]
    assert _subs(core["addresses"])["type"]["canonicalValues"] == ["work"]


def test_required_flags_follow_okta_required_attributes(catalog: Catalog) -> None:
    core = _attributes(_by_id(catalog)[CORE_USER])
    assert core["userName"]["required"] is True
    assert core["active"]["required"] is True
    assert core["name"]["required"] is True
    assert _subs(core["name"])["givenName"]["required"] is True
    assert core["emails"]["required"] is True
    assert _subs(core["emails"])["value"]["required"] is True
    assert core["displayName"]["required"] is False
    assert core["phoneNumbers"]["required"] is False
    assert _subs(core["phoneNumbers"])["value"]["required"] is False
    enterprise = _attributes(_by_id(catalog)[ENTERPRISE_USER])
    assert not any(a["required"] for a in enterprise.values())


def test_ecma_schema_lists_schema_xml_attributes(catalog: Catalog) -> None:
    ecma = _by_id(catalog)[ECMA2HOST_USER]
    assert [a["name"] for a in ecma["attributes"]] == [a.name for a in catalog.xml.attributes]
    attributes = _attributes(ecma)
    assert attributes["login"]["required"] is True
    assert attributes["login"]["uniqueness"] == "server"
    assert attributes["city"]["required"] is False
    assert attributes["city"]["uniqueness"] == "none"
    assert all(a["multiValued"] is False for a in attributes.values())
    # Schema.xml's String, except the copy of a core reference, which is checked as one.
    assert {n for n, a in attributes.items() if a["type"] != "string"} == {"profileUrl"}
    assert (attributes["profileUrl"]["type"], attributes["profileUrl"]["referenceTypes"]) == (
        "reference",
        ["external"],
    )
    assert attributes["status"]["canonicalValues"] == ["Active", "Inactive"]
    assert [n for n, a in attributes.items() if "canonicalValues" in a] == ["status"]
    assert "Person in Schema.xml" in attributes["city"]["description"]
    assert "an absolute URL" in attributes["profileUrl"]["description"]
    assert "URL" not in attributes["city"]["description"]


def test_profile_url_is_advertised_as_the_reference_it_is_checked_to_be(catalog: Catalog) -> None:
    profile_url = _attributes(_by_id(catalog)[CORE_USER])["profileUrl"]
    assert profile_url["type"] == "reference"
    assert profile_url["referenceTypes"] == ["external"]


def test_without_ecma_view_no_ecma_schema(minimal: Catalog) -> None:
    documents = _by_id(minimal)
    assert set(documents) == {CORE_USER, ENTERPRISE_USER}
    core = _attributes(documents[CORE_USER])
    assert set(core) == {"userName", "name", "emails", "active"}
    assert set(_subs(core["name"])) == {"givenName"}
    assert _subs(core["emails"])["type"]["canonicalValues"] == ["work"]
    assert core["name"]["required"] is False
    assert core["userName"]["required"] is True
    assert documents[ENTERPRISE_USER]["attributes"] == []
