"""connector/scim/listing.py: ListResponse paging and the attributes/excludedAttributes views."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from scim2_models import InvalidValueException

from connector.mapping.definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER
from connector.mapping.groups import GROUP_SCHEMA
from connector.scim.listing import LIST_SCHEMA, keeps, list_response, project
from connector.scim.requests import MAX_PAGE_SIZE, Paging

RESOURCES = [{"id": str(i)} for i in range(1, 8)]


def _ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["Resources"]]


def test_list_response_shape() -> None:
    body = list_response(RESOURCES, Paging(2, 3))
    assert body == {
        "schemas": [LIST_SCHEMA],
        "totalResults": 7,
        "Resources": [{"id": "2"}, {"id": "3"}, {"id": "4"}],
        "startIndex": 2,
        "itemsPerPage": 3,
    }


@pytest.mark.parametrize(
    ("paging", "ids"),
    [
        (Paging(1, None), ["1", "2", "3", "4", "5", "6", "7"]),
        (Paging(6, 5), ["6", "7"]),
        (Paging(8, 5), []),
        (Paging(100, None), []),
        (Paging(1, 0), []),
    ],
)
def test_list_response_slices(paging: Paging, ids: list[str]) -> None:
    body = list_response(RESOURCES, paging)
    assert _ids(body) == ids
    assert body["itemsPerPage"] == len(ids)
    assert body["totalResults"] == len(RESOURCES)
    assert body["startIndex"] == paging.start_index


def test_default_count_is_the_page_size() -> None:
    many = [{"id": str(i)} for i in range(MAX_PAGE_SIZE + 5)]
    assert list_response(many, Paging(1, None))["itemsPerPage"] == MAX_PAGE_SIZE


USER: dict[str, Any] = {
    "schemas": [CORE_USER, ENTERPRISE_USER, ECMA2HOST_USER],
    "id": "00u1",
    "userName": "pat@example.com",
    "displayName": "Pat",
    "active": True,
    "name": {"givenName": "Pat", "familyName": "Smith"},
    "emails": [
        {"value": "pat@example.com", "type": "work"},
        {"value": "pat@home.test", "type": "home"},
    ],
    ENTERPRISE_USER: {"department": "R&D", "manager": {"value": "m-1"}},
    ECMA2HOST_USER: {"login": "pat@example.com", "status": "Active"},
    "meta": {"resourceType": "User"},
}


def _project(attributes: str | None, excluded: str | None = None) -> dict[str, Any]:
    original = copy.deepcopy(USER)
    result = project(original, attributes, excluded)
    assert original == USER  # the resource itself is never modified
    return result


def test_attributes_keep_id_and_schemas() -> None:
    # `schemas` names only the schemas whose attributes are left (RFC 7643 §3).
    assert _project("userName") == {
        "schemas": [CORE_USER],
        "id": "00u1",
        "userName": "pat@example.com",
    }
    assert _project("id") == {"schemas": [CORE_USER], "id": "00u1"}
    assert _project(f"{ENTERPRISE_USER}:department")["schemas"] == [CORE_USER, ENTERPRISE_USER]


def test_attribute_names_ignore_case_and_spaces() -> None:
    assert set(_project(" USERNAME , displayname ,")) == {
        "schemas",
        "id",
        "userName",
        "displayName",
    }


def test_sub_attributes() -> None:
    assert _project("name.familyName")["name"] == {"familyName": "Smith"}
    assert _project("emails.value")["emails"] == [
        {"value": "pat@example.com", "type": "work"},
        {"value": "pat@home.test", "type": "home"},
    ]
    assert _project("name.middleName").get("name", {}) == {}


def test_core_urn_prefix() -> None:
    assert _project(f"{CORE_USER}:userName")["userName"] == "pat@example.com"


GROUP: dict[str, Any] = {
    "schemas": [GROUP_SCHEMA],
    "id": "00g1",
    "displayName": "Sales",
    "members": [{"value": "00u1", "type": "User"}],
    "meta": {"resourceType": "Group"},
}


def test_the_group_schemas_urn_prefix_names_a_core_attribute() -> None:
    # RFC 7644 §3.10: an attribute may be named by its full name, after its schema's URN.
    named = f"{GROUP_SCHEMA.upper()}:displayName"
    assert project(GROUP, named, None) == {
        "schemas": [GROUP_SCHEMA],
        "id": "00g1",
        "displayName": "Sales",
    }
    assert "displayName" not in project(GROUP, None, named)
    assert project(GROUP, None, named)["members"] == GROUP["members"]


def test_extension_attributes() -> None:
    picked = _project(f"{ENTERPRISE_USER}:department")
    assert picked[ENTERPRISE_USER] == {"department": "R&D"}
    assert "userName" not in picked
    manager = _project(f"{ENTERPRISE_USER}:manager.value")
    assert manager[ENTERPRISE_USER] == {"manager": {"value": "m-1"}}
    ecma = _project(f"{ECMA2HOST_USER.lower()}:STATUS")
    assert ecma[ECMA2HOST_USER] == {"status": "Active"}


def test_bare_extension_urn_asks_for_all_of_it() -> None:
    picked = _project(f"userName,{ENTERPRISE_USER}")
    assert picked[ENTERPRISE_USER] == USER[ENTERPRISE_USER]
    assert picked["userName"] == "pat@example.com"
    assert ECMA2HOST_USER not in picked


def test_bare_extension_urn_excludes_all_of_it() -> None:
    result = _project(None, f"{ENTERPRISE_USER}, {ECMA2HOST_USER.lower()}")
    assert ENTERPRISE_USER not in result
    assert ECMA2HOST_USER not in result
    assert result["userName"] == "pat@example.com"
    assert result["schemas"] == [CORE_USER]
    assert _project(None, ENTERPRISE_USER) == {
        **{k: v for k, v in USER.items() if k != ENTERPRISE_USER},
        "schemas": [CORE_USER, ECMA2HOST_USER],
    }
    # Its last attribute excluded, an extension is gone from `schemas` too.
    assert _project(None, f"{ECMA2HOST_USER}:login,{ECMA2HOST_USER}:status")["schemas"] == [
        CORE_USER,
        ENTERPRISE_USER,
    ]


def test_attributes_win_over_excluded_attributes() -> None:
    assert _project("userName", "userName")["userName"] == "pat@example.com"


def test_excluded_attributes() -> None:
    result = _project(None, "emails,name.givenName,id,schemas,NICKNAME")
    assert "emails" not in result
    assert result["name"] == {"familyName": "Smith"}
    assert result["id"] == "00u1"
    assert result["schemas"] == USER["schemas"]
    assert result["userName"] == "pat@example.com"


def test_excluded_extension_attributes() -> None:
    result = _project(None, f"{ENTERPRISE_USER}:manager,{ECMA2HOST_USER}:status")
    assert result[ENTERPRISE_USER] == {"department": "R&D"}
    assert result[ECMA2HOST_USER] == {"login": "pat@example.com"}
    sub = _project(None, f"{ENTERPRISE_USER}:manager.value")
    assert sub[ENTERPRISE_USER] == {"department": "R&D"}  # no empty `manager: {}` left


def test_excluded_sub_attribute_of_a_multi_valued_attribute() -> None:
    result = _project(None, "emails.value")
    assert all("value" not in e for e in result.get("emails", []))
    assert result["userName"] == "pat@example.com"


def test_nothing_asked_returns_everything() -> None:
    assert _project(None) == USER
    assert _project("", "") == USER


@pytest.mark.parametrize("text", ['emails[type eq "work"]', "emails[", "a b"])
def test_invalid_attribute_names(text: str) -> None:
    with pytest.raises(InvalidValueException):
        project(copy.deepcopy(USER), text, None)


@pytest.mark.parametrize(
    ("attributes", "excluded", "kept"),
    [
        (None, None, True),
        (None, "members", False),
        (None, f"{GROUP_SCHEMA.lower()}:Members", False),
        (None, "members.display", True),  # a sub-attribute dropped: the rest is shown
        ("displayName", None, False),
        ("members.value", None, True),
        (f"{GROUP_SCHEMA}:members", None, True),
        ("members", "members", True),  # attributes win, as in `project`
        (f"{ENTERPRISE_USER}:members", None, False),  # an extension's, not the core one
    ],
)
def test_keeps_says_whether_the_projection_shows_an_attribute(
    attributes: str | None, excluded: str | None, kept: bool
) -> None:
    assert keeps(attributes, excluded, "members") is kept
    assert ("members" in project(GROUP, attributes, excluded)) is kept
