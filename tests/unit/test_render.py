"""Rendering a target user as a SCIM resource through the catalog, and the round trip back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.mapping import Catalog, load_catalog
from connector.mapping.definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER
from connector.mapping.render import render_user
from connector.mapping.writes import compile_writes, resource_writes
from connector.targets.model import TargetUser

from .conftest import schema_xml, write_files

PROFILE: dict[str, Any] = {
    "login": "pat@example.com",
    "firstName": "Pat",
    "lastName": "Smith",
    "email": "pat@example.com",
    "secondEmail": "",
    "mobilePhone": "+47 1",
    "city": "Oslo",
    "department": "R&D",
    "managerId": "m-1",
    "scimExternalId": "E1",
    "unmappedOktaAttribute": "never shown",
}


def _user(active: bool = True, **profile: Any) -> TargetUser:
    return TargetUser(
        "00u1", {**PROFILE, **profile}, active, "ACTIVE", "2024-01-01T00:00:00.000Z", None
    )


def test_full_rendering(catalog: Catalog) -> None:
    resource = render_user(catalog, _user(), "https://x.test/scim/v2/Users/00u1")
    assert resource["schemas"] == [CORE_USER, ENTERPRISE_USER, ECMA2HOST_USER]
    assert resource["id"] == "00u1"
    assert resource["userName"] == "pat@example.com"
    assert resource["externalId"] == "E1"
    assert resource["active"] is True
    assert resource["name"] == {"givenName": "Pat", "familyName": "Smith"}
    assert resource["emails"] == [{"value": "pat@example.com", "type": "work"}]
    assert resource["phoneNumbers"] == [{"value": "+47 1", "type": "mobile"}]
    assert resource["addresses"] == [{"locality": "Oslo", "type": "work"}]
    assert resource[ENTERPRISE_USER] == {"department": "R&D", "manager": {"value": "m-1"}}
    assert resource[ECMA2HOST_USER]["login"] == "pat@example.com"
    assert resource[ECMA2HOST_USER]["city"] == "Oslo"
    assert resource[ECMA2HOST_USER]["status"] == "Active"
    assert "secondEmail" not in resource[ECMA2HOST_USER]
    assert resource["meta"] == {
        "resourceType": "User",
        "created": "2024-01-01T00:00:00.000Z",
        "location": "https://x.test/scim/v2/Users/00u1",
    }
    assert "never shown" not in repr(resource)
    assert "title" not in resource


def test_inactive_user_and_ecma_status(catalog: Catalog) -> None:
    resource = render_user(catalog, _user(active=False))
    assert resource["active"] is False
    assert resource[ECMA2HOST_USER]["status"] == "Inactive"
    assert "location" not in resource["meta"]


def test_extension_without_values_is_left_out(catalog: Catalog) -> None:
    user = TargetUser("00u2", {"login": "a@x.test"}, True, "STAGED", None, "2024-02-02")
    resource = render_user(catalog, user)
    assert ENTERPRISE_USER not in resource
    assert resource["schemas"] == [CORE_USER, ECMA2HOST_USER]
    assert resource["meta"] == {"resourceType": "User", "lastModified": "2024-02-02"}


def test_no_ecma_extension_without_the_view(tmp_path: Path) -> None:
    xml_text = schema_xml([("login", True, False)])
    mapping = {"scim": {"userName": "login", "active": "@active"}}
    built = load_catalog(*write_files(tmp_path, xml_text, mapping))
    resource = render_user(built, _user())
    assert resource["schemas"] == [CORE_USER]
    assert ECMA2HOST_USER not in resource
    assert resource["userName"] == "pat@example.com"


def test_written_values_read_back_identically(catalog: Catalog) -> None:
    body: dict[str, Any] = {
        "userName": "pat@example.com",
        "active": False,
        "displayName": "Pat",
        "name": {"givenName": "Pat", "familyName": "Smith"},
        "emails": [
            {"type": "work", "value": "pat@example.com"},
            {"type": "home", "value": "pat@home.test"},
        ],
        "addresses": [{"type": "work", "streetAddress": "1 Main St", "country": "NO"}],
        ENTERPRISE_USER: {"employeeNumber": "7", "manager": {"value": "m-1"}},
    }
    changes = compile_writes(catalog, resource_writes(body))
    profile = {k: v for k, v in changes.profile.items() if v is not None}
    assert changes.active is False
    user = TargetUser("00u3", profile, False, "DEPROVISIONED", None, None)
    resource = render_user(catalog, user)
    for key, value in body.items():
        if key == "emails":
            assert {(e["type"], e["value"]) for e in resource[key]} == {
                (e["type"], e["value"]) for e in value
            }
        else:
            assert resource[key] == value, key


def _walked(catalog: Catalog, user: TargetUser) -> dict[str, Any]:
    """The rendering as a plain walk of the catalog's slots: the oracle for the compiled one."""
    core: dict[str, Any] = {}
    extensions: dict[str, dict[str, Any]] = {ENTERPRISE_USER: {}, ECMA2HOST_USER: {}}
    elements: dict[tuple[str, str], dict[str, Any]] = {}
    for slot in catalog.slots:
        value: Any
        if slot.is_active:
            statuses = catalog.status_values
            status_text = statuses.active if user.active else statuses.inactive
            value = status_text if slot.schema == ECMA2HOST_USER else user.active
        else:
            value = user.profile.get(slot.target)
            if value in (None, ""):
                continue
        scope = core if slot.schema == CORE_USER else extensions[slot.schema]
        if slot.type is not None and slot.sub is not None:
            element = elements.get((slot.attr, slot.type))
            if element is None:
                element = elements[(slot.attr, slot.type)] = {}
                scope.setdefault(slot.attr, []).append(element)
            element[slot.sub] = value
        elif slot.sub is not None:
            scope.setdefault(slot.attr, {})[slot.sub] = value
        else:
            scope[slot.attr] = value
    for (_, type_), element in elements.items():
        element["type"] = type_
    schemas = [CORE_USER] + [urn for urn, values in extensions.items() if values]
    resource: dict[str, Any] = {"schemas": schemas, "id": user.id, **core}
    resource.update({urn: values for urn, values in extensions.items() if values})
    meta: dict[str, Any] = {"resourceType": "User"}
    if user.created:
        meta["created"] = user.created
    if user.last_modified:
        meta["lastModified"] = user.last_modified
    resource["meta"] = meta
    return resource


_TARGETS = sorted(set(PROFILE) | {"title", "secondEmail", "primaryPhone", "zipCode", "division"})
_VALUES = st.one_of(st.none(), st.just(""), st.text(max_size=5), st.integers(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(
    profile=st.dictionaries(st.sampled_from(_TARGETS), _VALUES),
    active=st.booleans(),
    created=st.one_of(st.none(), st.just(""), st.just("2024-01-01")),
)
def test_rendering_is_byte_for_byte_the_slot_walk(
    catalog: Catalog, profile: dict[str, Any], active: bool, created: str | None
) -> None:
    # Attribute order is part of the answer's bytes: it must follow the values a user has.
    user = TargetUser("00u9", profile, active, "ACTIVE", created, None)
    assert json.dumps(render_user(catalog, user)) == json.dumps(_walked(catalog, user))
