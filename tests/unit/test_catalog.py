"""Schema.xml + mapping → slot catalog, and every inconsistency refused with a SchemaError."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from connector.mapping import Catalog, SchemaError, load_catalog
from connector.mapping.catalog import PACKAGED_DIR, Slot, build_catalog
from connector.mapping.definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER
from connector.mapping.schema_xml import XmlAttribute, XmlSchema

from .conftest import schema_xml, write_files

XML = XmlSchema(
    "Person",
    (
        XmlAttribute("login", "String", True, False),
        XmlAttribute("firstName", "String", False, False),
        XmlAttribute("status", "String", False, False),
    ),
)


def _mapping(**overrides: Any) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        "objectType": "Person",
        "required": ["login"],
        "scim": {
            "userName": "login",
            "name.givenName": "firstName",
            "active": "@active",
            "externalId": "@externalId",
        },
        "ecma2host": {"login": "login", "firstName": "firstName", "status": "@active"},
    }
    mapping.update(overrides)
    return mapping


def _build(mapping: dict[str, Any], external_id: str = "scimExternalId") -> Catalog:
    return build_catalog(XML, mapping, external_id)


def _with_scim(**extra: str) -> dict[str, Any]:
    mapping = _mapping()
    mapping["scim"] = {**mapping["scim"], **extra}
    return mapping


# -- the packaged files -------------------------------------------------------------------------


def test_packaged_files_load(catalog: Catalog) -> None:
    assert catalog.ecma_view
    assert catalog.required_targets == {"login", "firstName", "lastName", "email"}
    assert catalog.status_values.active == "Active"
    assert catalog.status_values.inactive == "Inactive"
    assert catalog.anchor_slot == Slot(CORE_USER, "userName", None, None, "login")
    assert catalog.find(CORE_USER, "EMAILS", "Work", "VALUE") == Slot(
        CORE_USER, "emails", "work", "value", "email"
    )
    assert catalog.find(ENTERPRISE_USER, "manager", None, "value") is not None
    assert catalog.find(CORE_USER, "externalId", None, None) == Slot(
        CORE_USER, "externalId", None, None, "scimExternalId"
    )
    assert catalog.types_of("emails") == ["work", "home"]
    assert catalog.types_of("phoneNumbers") == ["mobile", "work"]
    # Every Schema.xml attribute has an ECMA2Host slot in its own spelling.
    ecma = [s.attr for s in catalog.slots if s.schema == ECMA2HOST_USER]
    assert ecma == [a.name for a in catalog.xml.attributes]
    status = catalog.find(ECMA2HOST_USER, "status", None, None)
    assert status is not None
    assert status.is_active
    assert catalog.ecma_attribute("COSTCENTER") == "costCenter"
    assert catalog.ecma_attribute("nope") is None
    okta = catalog.target_attributes()
    assert "@active" not in okta
    assert len(okta) == len(set(okta))
    assert okta[0] == "login"


def test_external_id_attribute_is_configurable() -> None:
    built = load_catalog(external_id_attr="employeeGuid")
    slot = built.find(CORE_USER, "externalId", None, None)
    assert slot is not None
    assert slot.target == "employeeGuid"


def test_load_catalog_from_files(tmp_path: Path) -> None:
    xml_text = schema_xml([("login", True, False), ("firstName", False, False)])
    mapping = _mapping(ecma2host={"login": "login", "firstName": "firstName"})
    built = load_catalog(*write_files(tmp_path, xml_text, mapping))
    assert [s.attr for s in built.slots if s.schema == ECMA2HOST_USER] == ["login", "firstName"]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_unreadable_or_non_object_mapping(tmp_path: Path, text: str) -> None:
    xml_path, mapping_path = write_files(tmp_path, schema_xml([("login", True, False)]), text)
    with pytest.raises(SchemaError, match="mapping"):
        load_catalog(xml_path, mapping_path)


def test_bad_xml_through_load_catalog(tmp_path: Path) -> None:
    xml_path, mapping_path = write_files(tmp_path, "<Schema", _mapping())
    with pytest.raises(SchemaError, match="cannot read"):
        load_catalog(xml_path, mapping_path)


def test_packaged_mapping_without_ecma_section_has_no_ecma_view(tmp_path: Path) -> None:
    mapping = json.loads((PACKAGED_DIR / "mapping.json").read_text(encoding="utf-8"))
    del mapping["ecma2host"]
    xml_text = (PACKAGED_DIR / "Schema.xml").read_text(encoding="utf-8")
    built = load_catalog(*write_files(tmp_path, xml_text, mapping))
    assert not built.ecma_view
    assert not [s for s in built.slots if s.schema == ECMA2HOST_USER]
    assert built.ecma_attribute("login") is None
    assert built.find(CORE_USER, "userName", None, None) is not None


# -- refusals ---------------------------------------------------------------------------------


def test_schema_xml_attribute_not_mapped() -> None:
    mapping = _mapping(ecma2host={"login": "login", "firstName": "firstName"})
    with pytest.raises(SchemaError, match=r"Schema\.xml attribute 'status' is not mapped"):
        _build(mapping)


def test_unknown_ecma2host_attribute() -> None:
    mapping = _mapping()
    mapping["ecma2host"]["mail"] = "email"
    with pytest.raises(SchemaError, match=r"ecma2host attribute 'mail' is not in Schema\.xml"):
        _build(mapping)


def test_ecma2host_attribute_names_are_exact() -> None:
    mapping = _mapping()
    mapping["ecma2host"]["FirstName"] = mapping["ecma2host"].pop("firstName")
    with pytest.raises(SchemaError, match=r"'FirstName' is not in Schema\.xml"):
        _build(mapping)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("emails[", "not a SCIM attribute path"),
        ('emails[value eq "x"].value', "only `attr"),
        ('emails[type ne "x"].value', "only `attr"),
        ('emails[type eq "work"]', "only `attr"),
        ('emails[type eq "a" or type eq "b"].value', "only `attr"),
        ("emails.value", 'select the element with \\[type eq "..."\\]'),
        ("name", "name a storable sub-attribute"),
        ("name.nickname", "name a storable sub-attribute"),
        ('emails[type eq "work"].type', "name a storable sub-attribute"),
        ('emails[type eq "work"].primary', "name a storable sub-attribute"),
        ("displayName.first", "displayName has no sub-attributes"),
        ("id", "id is not a writable attribute"),
        ("meta.created", "meta is not a writable attribute"),
        ("groups", "groups is not a writable attribute"),
        ("costume", "costume is not a writable attribute"),
        ("urn:example:params:Thing:color", "unknown schema urn:example:params:Thing"),
    ],
)
def test_mapping_path_shapes_refused(path: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        _build(_with_scim(**{path: "nickName"}))


def test_sub_attribute_spelling_is_canonicalised() -> None:
    built = _build(_with_scim(**{'EMAILS[type eq "Work"].Value': "email"}))
    assert Slot(CORE_USER, "emails", "Work", "value", "email") in built.slots


@pytest.mark.parametrize("target", ["first-name", "1st", "", "profile.firstName"])
def test_target_must_be_an_okta_name(target: str) -> None:
    with pytest.raises(SchemaError, match="not an attribute name"):
        _build(_with_scim(nickName=target))


def test_target_must_be_a_string() -> None:
    mapping = _mapping()
    mapping["scim"]["nickName"] = 5
    with pytest.raises(SchemaError, match="must map to a string"):
        _build(mapping)


def test_active_must_map_to_the_status() -> None:
    with pytest.raises(SchemaError, match="`active` must map to @active"):
        _build(_with_scim(active="isActive"))


def test_same_scim_path_twice_ignoring_case() -> None:
    with pytest.raises(SchemaError, match="mapped twice"):
        _build(_with_scim(**{"NAME.GIVENNAME": "otherName"}))


def test_two_scim_paths_to_one_okta_attribute() -> None:
    with pytest.raises(SchemaError, match=r"mapped from two SCIM paths: \{'firstName'\}"):
        _build(_with_scim(nickName="firstName"))


def test_external_id_clashing_with_a_mapped_attribute() -> None:
    with pytest.raises(SchemaError, match="two SCIM paths"):
        _build(_mapping(), external_id="firstName")


def test_user_name_must_be_mapped() -> None:
    mapping = _mapping()
    del mapping["scim"]["userName"]
    with pytest.raises(SchemaError, match="`userName` must be mapped"):
        _build(mapping)


def test_anchor_and_user_name_must_be_the_same_attribute() -> None:
    mapping = _mapping()
    mapping["scim"]["userName"] = "email"
    with pytest.raises(SchemaError, match="anchor 'login' maps to 'login' but userName maps"):
        _build(mapping)


def test_required_attribute_not_mapped() -> None:
    with pytest.raises(SchemaError, match="required attribute 'lastName' is not mapped"):
        _build(_mapping(required=["login", "lastName"]))


@pytest.mark.parametrize("bad", ["", "scim-external-id", "9lives", "a.b"])
def test_bad_external_id_attribute(bad: str) -> None:
    with pytest.raises(SchemaError, match="OKTA_EXTERNAL_ID_ATTRIBUTE"):
        _build(_mapping(), external_id=bad)


def test_object_type_must_match() -> None:
    with pytest.raises(SchemaError, match="object type 'User'"):
        _build(_mapping(objectType="User"))


@pytest.mark.parametrize(
    "status",
    [{"active": "On", "inactive": "On"}, {"active": "On"}, {"active": True, "inactive": False}],
)
def test_status_values_must_be_two_distinct_strings(status: dict[str, Any]) -> None:
    with pytest.raises(SchemaError, match="statusValues"):
        _build(_mapping(statusValues=status))


def test_custom_status_values() -> None:
    built = _build(_mapping(statusValues={"active": "Enabled", "inactive": "Disabled"}))
    assert (built.status_values.active, built.status_values.inactive) == ("Enabled", "Disabled")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("scim", [], "must be objects"),
        ("ecma2host", ["login"], "must be objects"),
        ("statusValues", "Active", "must be objects"),
        ("required", "login", "`required` must be a list"),
        ("required", [1], "`required` must be a list"),
    ],
)
def test_section_types(key: str, value: Any, message: str) -> None:
    mapping = copy.deepcopy(_mapping())
    mapping[key] = value
    with pytest.raises(SchemaError, match=message):
        _build(mapping)


def test_without_ecma_section_the_anchor_defaults_to_login() -> None:
    # Lookups by userName go to Okta's login, so userName must stay on login even then.
    mapping = _mapping(required=[])
    del mapping["ecma2host"]
    built = _build(mapping)
    assert not built.ecma_view
    assert all(s.schema != ECMA2HOST_USER for s in built.slots)
    mapping["scim"]["userName"] = "email"
    with pytest.raises(SchemaError, match="anchor"):
        _build(mapping)


def test_a_slot_is_found_first_in_any_spelling(catalog: Catalog) -> None:
    # Two slots whose names fold alike: in its own spelling or any other, the first one listed
    # is found (the index by spelling must not answer the second one).
    first = Slot(CORE_USER, "emails", "Work", "value", "email")
    second = Slot(CORE_USER, "emails", "work", "value", "secondEmail")
    folded = dataclasses.replace(catalog, slots=(first, second, *catalog.slots))
    for type_ in ("Work", "work", "WORK"):
        assert folded.find(CORE_USER, "emails", type_, "value") is first
